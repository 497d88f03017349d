// One epoll set per thread for the data plane's sockets, watched by a single QSocketNotifier.
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
    // `failed`: an error or hang-up, which reading or writing will report.
    virtual void pollReady(bool readable, bool writable, bool failed) = 0;

protected:
    ~PollClient() = default;
};

class Poller
{
public:
    enum Interest : quint32 { None = 0, Read = 1, Write = 2 };

    // This thread's poller, created on first use; every acquire() needs a release(). Null when
    // it cannot be created (no file descriptor left for the epoll set; errno tells why).
    static Poller *acquire();
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
    explicit Poller(int epoll);
    ~Poller();
    void dispatch();

    int m_epoll;
    QSocketNotifier *m_notifier;
    int m_users = 0;
    bool m_dispatching = false;
    std::vector<PollClient *> m_released;  // gone while a batch of events was being handed out
    std::vector<QObject *> m_afterEvent;
};

}  // namespace kairos
