// The route editor's "Protection" box: the route's own rate limit (or the top level's, or none).
// Loads from a Route and writes back into one, so that the editor's live validation sees every
// key as it is typed.
#pragma once

#include "config/config.h"

#include <QGroupBox>

class QComboBox;
class QDoubleSpinBox;
class QLineEdit;
class QSpinBox;

namespace kairos {

class ProtectionEditor : public QGroupBox
{
    Q_OBJECT

public:
    enum class LimitMode { TopLevel, Own, Off };

    explicit ProtectionEditor(const Route &route, QWidget *parent = nullptr);
    // Writes the form's keys into `route`, leaving the keys it does not show as they were.
    void applyTo(Route &route) const;

    QComboBox *limitModeBox() const { return m_limitMode; }
    QDoubleSpinBox *rateBox() const { return m_rate; }
    QComboBox *keyBox() const { return m_key; }
    QLineEdit *keyNameEdit() const { return m_keyName; }

signals:
    void changed();

private:
    void updateEnabled();

    RateLimitSettings m_baseLimit;  // keeps headers, max_keys and unknown keys of the route's own limit
    QComboBox *m_limitMode;
    QDoubleSpinBox *m_rate;
    QSpinBox *m_burst;
    QComboBox *m_key;      // what is counted: client_ip, route, header, jwt
    QLineEdit *m_keyName;  // the header's or the claim's name
    QComboBox *m_scope;
};

}  // namespace kairos
