// The route editor's CORS section: the top level's policy, none on this route, or the route's own
// origins, methods, fields, credentials and preflight cache time.
#pragma once

#include "config/config.h"

#include <QWidget>

#include <optional>

class QCheckBox;
class QLineEdit;
class QPlainTextEdit;
class QSpinBox;

namespace kairos {

class OverrideChoice;

class CorsEditor : public QWidget
{
    Q_OBJECT

public:
    explicit CorsEditor(const std::optional<CorsSettings> &cors, QWidget *parent = nullptr);
    std::optional<CorsSettings> value() const;

    OverrideChoice *modeChoice() const { return m_mode; }
    QPlainTextEdit *originsEdit() const { return m_origins; }
    QLineEdit *methodsEdit() const { return m_methods; }
    QLineEdit *headersEdit() const { return m_headers; }
    QLineEdit *exposeEdit() const { return m_expose; }
    QCheckBox *credentialsBox() const { return m_credentials; }
    QSpinBox *maxAgeBox() const { return m_maxAge; }

signals:
    void changed();

private:
    CorsSettings m_base;  // keeps the keys this form does not show
    OverrideChoice *m_mode;
    QWidget *m_fields;
    QPlainTextEdit *m_origins;
    QLineEdit *m_methods;
    QLineEdit *m_headers;
    QLineEdit *m_expose;
    QCheckBox *m_credentials;
    QSpinBox *m_maxAge;
};

}  // namespace kairos
