#include "responsivenesswatch.h"

#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcConsole, "kairos.console")

namespace kairos {

ResponsivenessWatch::ResponsivenessWatch(QObject *parent) : QObject(parent)
{
    m_timer.setTimerType(Qt::PreciseTimer);
    connect(&m_timer, &QTimer::timeout, this, &ResponsivenessWatch::beat);
    m_timer.start(kHeartbeatMs);
    m_clock.start();
}

void ResponsivenessWatch::beat()
{
    const qint64 pauseMs = m_clock.restart() - kHeartbeatMs;
    m_longestMs = std::max(m_longestMs, pauseMs);
    if (pauseMs >= kWarnAfterMs)
        qCWarning(lcConsole).noquote() << "the console did not respond for" << pauseMs << "ms";
}

}  // namespace kairos
