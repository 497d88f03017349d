// Notices when the console's thread stops answering: a heartbeat every 50 ms, and a warning in
// the log (category kairos.console) for each pause of 100 ms or more, with its length. A person
// sees such a pause as a frozen window; the log says when it happened and for how long.
#pragma once

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

namespace kairos {

class ResponsivenessWatch : public QObject
{
    Q_OBJECT

public:
    static constexpr int kHeartbeatMs = 50;
    static constexpr int kWarnAfterMs = 100;

    explicit ResponsivenessWatch(QObject *parent = nullptr);
    qint64 longestPauseMs() const { return m_longestMs; }

private:
    void beat();

    QTimer m_timer;
    QElapsedTimer m_clock;
    qint64 m_longestMs = 0;
};

}  // namespace kairos
