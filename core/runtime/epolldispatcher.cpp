#include "epolldispatcher.h"

#include <QCoreApplication>
#include <QLoggingCategory>
#include <QSocketNotifier>
#include <QTimerEvent>
#include <QVarLengthArray>

#include <algorithm>
#include <climits>

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

Q_DECLARE_LOGGING_CATEGORY(lcRuntime)

namespace kairos {

namespace {
void sendActivation(QSocketNotifier *notifier)
{
    QEvent event(QEvent::SockAct);
    QCoreApplication::sendEvent(notifier, &event);
}
}  // namespace

EpollDispatcher *EpollDispatcher::create()
{
    const int wakeups = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (wakeups < 0)
        return nullptr;
    Poller *poller = Poller::createForEventLoop();
    if (!poller) {
        ::close(wakeups);
        return nullptr;
    }
    return new EpollDispatcher(poller, wakeups);
}

EpollDispatcher::EpollDispatcher(Poller *poller, int wakeupDescriptor) : m_poller(poller), m_wakeups(wakeupDescriptor)
{}

EpollDispatcher::~EpollDispatcher()
{
    if (m_poller)  // the thread never started
        m_poller->release(nullptr);
    ::close(m_wakeups.descriptor);
}

void EpollDispatcher::startingUp()
{
    m_poller->bindToCurrentThread();
    m_poller->watch(m_wakeups.descriptor, &m_wakeups, Poller::None, Poller::Read);
}

void EpollDispatcher::closingDown()
{
    for (auto &[descriptor, notifiers] : m_notifiers)
        m_poller->watch(descriptor, notifiers.get(), notifiers->interest(), Poller::None);
    m_notifiers.clear();
    m_retired.clear();
    m_timers.clear();
    m_schedule.clear();
    m_poller->watch(m_wakeups.descriptor, &m_wakeups, Poller::Read, Poller::None);
    m_poller->release(nullptr);  // data-plane sockets still open keep it until they close
    m_poller = nullptr;
}

bool EpollDispatcher::processEvents(QEventLoop::ProcessEventsFlags flags)
{
    if (!m_poller)
        return false;
    if (m_depth == 0)
        m_retired.clear();
    ++m_depth;
    m_interrupted.storeRelaxed(0);
    emit awake();
    QCoreApplication::sendPostedEvents();
    int handled = 0;
    if (!m_interrupted.loadRelaxed()) {
        const bool timers = !(flags & QEventLoop::X11ExcludeTimers);
        // Posting an event writes to the eventfd (wakeUp()), so the wait ends for one posted since.
        int timeoutMs = 0;
        if (flags & QEventLoop::WaitForMoreEvents)
            timeoutMs = timers ? waitTimeoutMs() : -1;
        if (timeoutMs != 0)
            emit aboutToBlock();
        handled =
            (flags & QEventLoop::ExcludeSocketNotifiers) ? waitForWakeupOnly(timeoutMs) : m_poller->wait(timeoutMs);
        if (timers)
            handled += activateTimers();
    }
    --m_depth;
    return handled > 0;
}

int EpollDispatcher::waitForWakeupOnly(int timeoutMs)
{
    pollfd wakeups{m_wakeups.descriptor, POLLIN, 0};
    if (::poll(&wakeups, 1, timeoutMs) <= 0)
        return 0;
    m_wakeups.pollReady(Poller::Read);
    return 1;
}

void EpollDispatcher::wakeUp()
{
    if (m_wakeups.pending.testAndSetAcquire(0, 1))
        ::eventfd_write(m_wakeups.descriptor, 1);
}

void EpollDispatcher::interrupt()
{
    m_interrupted.storeRelaxed(1);
    wakeUp();
}

void EpollDispatcher::Wakeups::pollReady(quint32)
{
    // Read, then cleared: a wakeUp() before the clearing sees it set and writes nothing, and what
    // it posted is sent by the next processEvents(), which comes before the loop waits again; one
    // after it writes. Cleared first, a wakeUp() in between had its write read here and left the
    // flag set with nothing to read: every later wakeUp() was lost (test
    // noWakeupLostUnderAStormOfPosts; under load, workers stalled until their next timer).
    eventfd_t count;
    ::eventfd_read(descriptor, &count);
    pending.storeRelease(0);
}

// Socket notifiers

quint32 EpollDispatcher::Notifiers::interest() const
{
    return (byType[QSocketNotifier::Read] ? Poller::Read : Poller::None)
           | (byType[QSocketNotifier::Write] ? Poller::Write : Poller::None)
           | (byType[QSocketNotifier::Exception] ? Poller::Urgent : Poller::None);
}

// As Qt's own dispatchers do: an error or hang-up activates every notifier, so that reading or
// writing reports it. Each pointer is read again after the one before ran: it may have disabled
// the others.
void EpollDispatcher::Notifiers::pollReady(quint32 ready)
{
    const bool failed = ready & Poller::Failed;
    if ((ready & Poller::Read || failed) && byType[QSocketNotifier::Read])
        sendActivation(byType[QSocketNotifier::Read]);
    if ((ready & Poller::Write || failed) && byType[QSocketNotifier::Write])
        sendActivation(byType[QSocketNotifier::Write]);
    if ((ready & Poller::Urgent || failed) && byType[QSocketNotifier::Exception])
        sendActivation(byType[QSocketNotifier::Exception]);
}

void EpollDispatcher::registerSocketNotifier(QSocketNotifier *notifier)
{
    if (!m_poller)  // the thread's loop has ended
        return;
    const int descriptor = int(notifier->socket());
    std::unique_ptr<Notifiers> &notifiers = m_notifiers[descriptor];
    if (!notifiers)
        notifiers = std::make_unique<Notifiers>();
    const quint32 before = notifiers->interest();
    QSocketNotifier *&slot = notifiers->byType[notifier->type()];
    if (slot && slot != notifier)
        qCWarning(lcRuntime) << "a second socket notifier of type" << notifier->type() << "for descriptor" << descriptor
                             << "replaces the first";
    slot = notifier;
    m_poller->watch(descriptor, notifiers.get(), before, notifiers->interest());
}

void EpollDispatcher::unregisterSocketNotifier(QSocketNotifier *notifier)
{
    const auto found = m_notifiers.find(int(notifier->socket()));
    if (found == m_notifiers.end() || found->second->byType[notifier->type()] != notifier)
        return;
    Notifiers &notifiers = *found->second;
    const quint32 before = notifiers.interest();
    notifiers.byType[notifier->type()] = nullptr;
    m_poller->watch(found->first, &notifiers, before, notifiers.interest());
    if (notifiers.interest() == Poller::None) {
        m_retired.push_back(std::move(found->second));
        m_notifiers.erase(found);
    }
}

// Timers. Every type runs to the millisecond: within what a coarse or very coarse timer allows.

void EpollDispatcher::schedule(int timerId, Timer &timer, Clock::time_point due)
{
    m_schedule.erase({timer.due, timerId});
    timer.due = due;
    m_schedule.emplace(due, timerId);
}

void EpollDispatcher::registerTimer(int timerId, qint64 interval, Qt::TimerType timerType, QObject *object)
{
    const Clock::time_point due = Clock::now() + std::chrono::milliseconds(interval);
    m_timers[timerId] = Timer{object, interval, timerType, due};
    m_schedule.emplace(due, timerId);
}

bool EpollDispatcher::unregisterTimer(int timerId)
{
    const auto found = m_timers.find(timerId);
    if (found == m_timers.end())
        return false;
    m_schedule.erase({found->second.due, timerId});
    m_timers.erase(found);
    return true;
}

bool EpollDispatcher::unregisterTimers(QObject *object)
{
    bool any = false;
    for (auto it = m_timers.begin(); it != m_timers.end();) {
        if (it->second.object != object) {
            ++it;
            continue;
        }
        m_schedule.erase({it->second.due, it->first});
        it = m_timers.erase(it);
        any = true;
    }
    return any;
}

QList<QAbstractEventDispatcher::TimerInfo> EpollDispatcher::registeredTimers(QObject *object) const
{
    QList<TimerInfo> timers;
    for (const auto &[timerId, timer] : m_timers) {
        if (timer.object == object)
            timers.append(TimerInfo(timerId, int(qMin<qint64>(timer.interval, INT_MAX)), timer.type));
    }
    return timers;
}

int EpollDispatcher::remainingTime(int timerId)
{
    const auto found = m_timers.find(timerId);
    if (found == m_timers.end())
        return -1;
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(found->second.due - Clock::now()).count();
    return int(std::clamp<qint64>(left, 0, INT_MAX));
}

int EpollDispatcher::waitTimeoutMs() const
{
    if (m_schedule.empty())
        return -1;
    // Rounded up: a timer never fires early.
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(m_schedule.begin()->first - Clock::now()).count();
    return int(std::clamp<qint64>(left, 0, INT_MAX));
}

int EpollDispatcher::activateTimers()
{
    if (m_schedule.empty())
        return 0;
    const Clock::time_point now = Clock::now();
    // The timers due now, each fired once: a handler may start, stop or restart any of them.
    QVarLengthArray<int, 8> due;
    for (auto it = m_schedule.begin(); it != m_schedule.end() && it->first <= now; ++it)
        due.append(it->second);
    int fired = 0;
    for (const int timerId : due) {
        auto found = m_timers.find(timerId);
        // Stopped by an earlier handler, restarted (its id reused) for later, or being delivered
        // further up the stack.
        if (found == m_timers.end() || found->second.due > now || found->second.firing)
            continue;
        Timer &timer = found->second;
        // A late timer's next time is an interval from now, not a burst that catches up (as Qt's).
        const auto interval = std::chrono::milliseconds(timer.interval);
        schedule(timerId, timer, timer.due + interval < now ? now + interval : timer.due + interval);
        timer.firing = true;
        QTimerEvent event(timerId);
        QCoreApplication::sendEvent(timer.object, &event);  // `timer` may be gone after this
        found = m_timers.find(timerId);
        if (found != m_timers.end())
            found->second.firing = false;
        ++fired;
    }
    return fired;
}

}  // namespace kairos
