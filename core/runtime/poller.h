// One epoll set per thread for the data plane's sockets, watched by a single QSocketNotifier or,
// on worker threads, waited on by the thread's event loop itself (EpollDispatcher).
// Qt 6.4's event dispatcher polls every socket notifier on every loop iteration and serves ready
// ones in the order they were registered, so under load the same connections always wait for all
// the others; epoll hands them out in the order they became ready, and costs nothing per idle
// socket. Level-triggered, like QSocketNotifier.
#pragma once

#include <QtGlobal>

#include <vector>

class QObject;
class QSocketNotifier;

namespace kairos {

class PollClient
{
public:
    // `ready`: Poller::Interest bits, and Poller::Failed for an error or hang-up, which reading
    // or writing will report.
    virtual void pollReady(quint32 ready) = 0;

protected:
    ~PollClient() = default;
};

class Poller
{
public:
    enum Interest : quint32 { None = 0, Read = 1, Write = 2, Urgent = 4 /* out-of-band data */ };
    static constexpr quint32 Failed = 8;  // in PollClient::pollReady() only

    // This thread's poller, created on first use; every acquire() needs a release(). Null when
    // it cannot be created (no file descriptor left for the epoll set; errno tells why).
    static Poller *acquire();
    // A poller for an event loop that waits on it itself (EpollDispatcher): no socket notifier.
    // Made on any thread and held once; bindToCurrentThread() on the thread that runs the loop
    // makes it that thread's poller, before anything there acquires one.
    static Poller *createForEventLoop();
    void bindToCurrentThread();
    // Waits up to `timeoutMs` (-1: with no limit) for ready descriptors and hands them out; the
    // number handed out.
    int wait(int timeoutMs);
    // `client`: the one that stops using it (null for a holder that never watched anything).
    void release(PollClient *client);

    // Changes what `descriptor` is watched for (from `before` to `after`, Interest bits).
    void watch(int descriptor, PollClient *client, quint32 before, quint32 after);

    // Deletes `object`, whose own call may still be on the stack, as soon as the socket event
    // this thread is handling returns: before the next event's allocations, which then reuse its
    // memory (freed later, it leaves holes between longer-lived objects; docs/BENCHMARKS.md).
    // False, and nothing done, when this thread is not handling a socket event.
    static bool deleteAfterEvent(QObject *object);

private:
    explicit Poller(int epoll, bool withNotifier);
    ~Poller();
    void dispatch();  // the notifier's

    int m_epoll;
    QSocketNotifier *m_notifier;
    int m_users = 0;
    bool m_dispatching = false;
    std::vector<PollClient *> m_released;  // gone while a batch of events was being handed out
    std::vector<QObject *> m_afterEvent;
};

}  // namespace kairos
