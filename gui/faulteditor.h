// The route editor's fault section (Envoy's fault filter): a share of requests delayed, a share
// answered with an error, and a request field that asks for either.
#pragma once

#include "config/config.h"

#include <QWidget>

#include <optional>

class QDoubleSpinBox;
class QGroupBox;
class QLineEdit;
class QSpinBox;

namespace kairos {

class OverrideChoice;

class FaultEditor : public QWidget
{
    Q_OBJECT

public:
    explicit FaultEditor(const std::optional<FaultSettings> &fault, QWidget *parent = nullptr);
    std::optional<FaultSettings> value() const;

    OverrideChoice *modeChoice() const { return m_mode; }
    QGroupBox *delayBox() const { return m_delay; }
    QDoubleSpinBox *delayPercentBox() const { return m_delayPercent; }
    QSpinBox *delayMsBox() const { return m_delayMs; }
    QGroupBox *abortBox() const { return m_abort; }
    QDoubleSpinBox *abortPercentBox() const { return m_abortPercent; }
    QSpinBox *abortStatusBox() const { return m_abortStatus; }
    QLineEdit *headerEdit() const { return m_header; }

signals:
    void changed();

private:
    FaultSettings m_base;  // keeps the keys this form does not show
    OverrideChoice *m_mode;
    QWidget *m_fields;
    QGroupBox *m_delay;
    QDoubleSpinBox *m_delayPercent;
    QSpinBox *m_delayMs;
    QGroupBox *m_abort;
    QDoubleSpinBox *m_abortPercent;
    QSpinBox *m_abortStatus;
    QLineEdit *m_header;
};

}  // namespace kairos
