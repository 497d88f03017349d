#include "shiftcontroller.h"

#include <QDateTime>
#include <QLoggingCategory>
#include <QThread>

namespace kairos {

Q_LOGGING_CATEGORY(lcShaping, "kairos.shaping")

ShiftController::ShiftController(QObject *parent) : QObject(parent)
{
    connect(&m_timer, &QTimer::timeout, this, &ShiftController::tick);
}

void ShiftController::track(Routes routes)
{
    if (QThread::currentThread() != thread()) {
        QMetaObject::invokeMethod(
            this, [this, routes = std::move(routes)]() mutable { track(std::move(routes)); }, Qt::QueuedConnection);
        return;
    }
    m_routes.clear();
    double shortest = 0;
    for (auto &[path, state] : routes) {
        if (!state->hasShift())
            continue;
        shortest = shortest == 0 ? state->intervalS() : std::min(shortest, state->intervalS());
        m_routes.emplace_back(std::move(path), std::move(state));
    }
    if (m_routes.empty())
        m_timer.stop();
    else  // a tenth of the shortest interval: an interval ends at most that much late
        m_timer.start(std::clamp(int(shortest * 100), 20, 1000));
    emit tracked();
}

void ShiftController::tick()
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    for (const auto &[path, state] : m_routes) {
        if (const std::optional<SplitState::Event> event = state->evaluate(now))
            report(path, *state, *event);
    }
}

bool ShiftController::act(const QString &routePath, SplitState &state, SplitState::Action action, QString *error)
{
    const std::optional<SplitState::Event> event = state.act(action, QDateTime::currentMSecsSinceEpoch(), error);
    if (!event)
        return false;
    report(routePath, state, *event);
    return true;
}

void ShiftController::report(const QString &routePath, const SplitState &state, const SplitState::Event &event)
{
    if (event.rolledBack)
        qCWarning(lcShaping).noquote() << "route" << routePath << "-" << event.message;
    else
        qCInfo(lcShaping).noquote() << "route" << routePath << "-" << event.message;
    QMetaObject::invokeMethod(
        this, [this, routePath, shift = state.shiftJson()] { emit shiftChanged(routePath, shift); },
        Qt::AutoConnection);
}

}  // namespace kairos
