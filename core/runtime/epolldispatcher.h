// The event loop of a worker thread: Qt's event dispatcher interface over the thread's epoll set
// (Poller). With Qt's own dispatcher every wakeup cost a poll() over its notifiers, then the
// epoll_wait() of the Poller's notifier, and about 3,300 instructions of bookkeeping around both;
// at one client connection, where a request is two wakeups, that was a quarter of the proxy's
// work (docs/BENCHMARKS.md). Here one epoll_wait() serves the data plane's sockets, Qt's socket
// notifiers (QSslSocket, QTcpServer in tests), posted events (an eventfd) and timers (its
// timeout), as nginx's loop does.
#pragma once

#include "poller.h"

#include <QAbstractEventDispatcher>
#include <QAtomicInteger>

#include <chrono>
#include <memory>
#include <set>
#include <unordered_map>
#include <utility>
#include <vector>

namespace kairos {

class EpollDispatcher final : public QAbstractEventDispatcher
{
public:
    // For QThread::setEventDispatcher() before the thread starts. Null when the epoll set or the
    // eventfd cannot be made (no descriptors left): the thread then keeps Qt's dispatcher.
    static EpollDispatcher *create();
    ~EpollDispatcher() override;

    bool processEvents(QEventLoop::ProcessEventsFlags flags) override;
    void registerSocketNotifier(QSocketNotifier *notifier) override;
    void unregisterSocketNotifier(QSocketNotifier *notifier) override;
    void registerTimer(int timerId, qint64 interval, Qt::TimerType timerType, QObject *object) override;
    bool unregisterTimer(int timerId) override;
    bool unregisterTimers(QObject *object) override;
    QList<TimerInfo> registeredTimers(QObject *object) const override;
    int remainingTime(int timerId) override;
    void wakeUp() override;
    void interrupt() override;
    void startingUp() override;
    void closingDown() override;

private:
    using Clock = std::chrono::steady_clock;

    // The eventfd that wakeUp() writes to, in the epoll set.
    class Wakeups final : public PollClient
    {
    public:
        explicit Wakeups(int descriptor) : descriptor(descriptor) {}
        void pollReady(quint32 ready) override;
        const int descriptor;
        QAtomicInteger<int> pending = 0;  // written to since last read: no second write needed
    };

    // The notifiers of one descriptor (at most one per type), one entry in the epoll set.
    class Notifiers final : public PollClient
    {
    public:
        void pollReady(quint32 ready) override;
        quint32 interest() const;
        QSocketNotifier *byType[3] = {};  // indexed by QSocketNotifier::Type: Read, Write, Exception
    };

    struct Timer {
        QObject *object;
        qint64 interval;
        Qt::TimerType type;
        Clock::time_point due;
        bool firing = false;  // its event is being delivered: not again from a nested loop
    };

    EpollDispatcher(Poller *poller, int wakeupDescriptor);
    int waitTimeoutMs() const;             // until the soonest timer; -1: no timer
    int waitForWakeupOnly(int timeoutMs);  // QEventLoop::ExcludeSocketNotifiers
    int activateTimers();
    void schedule(int timerId, Timer &timer, Clock::time_point due);

    Poller *m_poller;  // held from create() to closingDown()
    Wakeups m_wakeups;
    QAtomicInteger<int> m_interrupted = 0;
    int m_depth = 0;  // processEvents() calls on the stack (a handler may run a loop of its own)
    std::unordered_map<int, std::unique_ptr<Notifiers>> m_notifiers;  // by descriptor
    // Unregistered while an epoll event for it may still be in the batch being handed out; freed
    // by the outermost processEvents() when it starts again.
    std::vector<std::unique_ptr<Notifiers>> m_retired;
    std::unordered_map<int, Timer> m_timers;                 // by timer id
    std::set<std::pair<Clock::time_point, int>> m_schedule;  // (due, timer id), soonest first
};

}  // namespace kairos
