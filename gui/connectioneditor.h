// The route editor's "Connection" box: the route keys beyond paths, backends, retries and
// protection: Host and Authorization handling, retrying non-idempotent methods, the route's
// timeouts and body limit (each the server's unless set), the protocols it may upgrade to, and
// its own circuit-breaker and health-check settings laid over the top level's.
#pragma once

#include "config/config.h"

#include <QGroupBox>

class QCheckBox;
class QComboBox;
class QLineEdit;
class QSpinBox;

namespace kairos {

class ConnectionEditor : public QGroupBox
{
    Q_OBJECT

public:
    explicit ConnectionEditor(const Route &route, QWidget *parent = nullptr);
    // Writes the form's keys into `route`, leaving the keys it does not show as they were.
    void applyTo(Route &route) const;

    QCheckBox *preserveHostBox() const { return m_preserveHost; }
    QCheckBox *forwardAuthorizationBox() const { return m_forwardAuthorization; }
    QCheckBox *retryNonIdempotentBox() const { return m_retryNonIdempotent; }
    QSpinBox *timeoutBox() const { return m_timeout; }
    QSpinBox *connectTimeoutBox() const { return m_connectTimeout; }
    QSpinBox *responseTimeoutBox() const { return m_responseTimeout; }
    QSpinBox *maxBodyBox() const { return m_maxBody; }
    QSpinBox *tunnelIdleBox() const { return m_tunnelIdle; }
    QLineEdit *upgradesEdit() const { return m_upgrades; }
    QComboBox *circuitModeBox() const { return m_circuitMode; }
    QSpinBox *failureThresholdBox() const { return m_failureThreshold; }
    QComboBox *healthModeBox() const { return m_healthMode; }
    QSpinBox *healthIntervalBox() const { return m_healthInterval; }

signals:
    void changed();

private:
    void updateEnabled();

    QCheckBox *m_preserveHost;
    QCheckBox *m_forwardAuthorization;
    QCheckBox *m_retryNonIdempotent;
    QSpinBox *m_timeout;
    QSpinBox *m_connectTimeout;   // -1: the server's
    QSpinBox *m_responseTimeout;  // -1: the server's
    QSpinBox *m_maxBody;          // in KiB; -1: the server's
    QSpinBox *m_tunnelIdle;       // -1: the server's
    QLineEdit *m_upgrades;        // empty: the top level's
    QComboBox *m_circuitMode;
    QSpinBox *m_failureThreshold;
    QSpinBox *m_openDuration;
    QComboBox *m_healthMode;
    QSpinBox *m_healthInterval;
    QSpinBox *m_unhealthyThreshold;
};

}  // namespace kairos
