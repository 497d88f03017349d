// The route editor's "Protection" box: the route's rate limit, request queue and outlier
// detection (each the top level's, the route's own, or none there) and its slow start.
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
    enum class LimitMode { TopLevel, Own, Off };  // for the rate limit, the queue, outlier detection

    explicit ProtectionEditor(const Route &route, QWidget *parent = nullptr);
    // Writes the form's keys into `route`, leaving the keys it does not show as they were.
    void applyTo(Route &route) const;

    QComboBox *limitModeBox() const { return m_limitMode; }
    QDoubleSpinBox *rateBox() const { return m_rate; }
    QComboBox *keyBox() const { return m_key; }
    QLineEdit *keyNameEdit() const { return m_keyName; }
    QComboBox *queueModeBox() const { return m_queueMode; }
    QSpinBox *queueSizeBox() const { return m_queueSize; }
    QSpinBox *queueTimeoutBox() const { return m_queueTimeout; }
    QComboBox *outlierModeBox() const { return m_outlierMode; }
    QSpinBox *consecutive5xxBox() const { return m_consecutive5xx; }
    QSpinBox *slowStartBox() const { return m_slowStart; }

signals:
    void changed();

private:
    void updateEnabled();
    static QComboBox *modeBox(LimitMode mode, const QString &topLevel, const QString &own, const QString &off);

    RateLimitSettings m_baseLimit;  // keeps headers, max_keys and unknown keys of the route's own limit
    QComboBox *m_limitMode;
    QDoubleSpinBox *m_rate;
    QSpinBox *m_burst;
    QComboBox *m_key;      // what is counted: client_ip, route, header, jwt
    QLineEdit *m_keyName;  // the header's or the claim's name
    QComboBox *m_scope;
    QueueSettings m_baseQueue;  // keeps the unknown keys of the route's own queue
    QComboBox *m_queueMode;
    QSpinBox *m_queueSize;
    QSpinBox *m_queueTimeout;
    QComboBox *m_outlierMode;
    QSpinBox *m_consecutive5xx;
    QSpinBox *m_maxEjectionPercent;
    QSpinBox *m_slowStart;  // -1: the top level's
};

}  // namespace kairos
