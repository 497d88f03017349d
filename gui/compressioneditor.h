// The route editor's compression section: the top level's, none on this route, or the route's
// own encodings and smallest size worth compressing (the rest of its keys kept as they are).
#pragma once

#include "config/config.h"

#include <QWidget>

#include <optional>

class QLineEdit;
class QSpinBox;

namespace kairos {

class OverrideChoice;

class CompressionEditor : public QWidget
{
    Q_OBJECT

public:
    explicit CompressionEditor(const std::optional<CompressionSettings> &compression, QWidget *parent = nullptr);
    std::optional<CompressionSettings> value() const;

    OverrideChoice *modeChoice() const { return m_mode; }
    QLineEdit *encodingsEdit() const { return m_encodings; }
    QSpinBox *minBytesBox() const { return m_minBytes; }

signals:
    void changed();

private:
    CompressionSettings m_base;  // keeps the keys this form does not show
    OverrideChoice *m_mode;
    QWidget *m_fields;
    QLineEdit *m_encodings;
    QSpinBox *m_minBytes;  // -1: the gateway's default
};

}  // namespace kairos
