// A route's request queue (docs/CONFIGURATION.md, Request queues), after HAProxy's: a request
// that finds every available backend of its route at max_connections waits here and takes the
// first slot freed on any of them. Routes that list the same backends with the same queue
// settings compete for the same slots, so they wait in one SharedQueue, each through its own
// RequestQueue (its counts): requests of a higher route priority leave first, first in first out
// within a priority, and when the queue is full an arrival of a higher priority than the lowest
// waiting takes the place of the newest of those. A freed slot is handed straight to the head
// (BackendState::releaseSlot()), never freed for an arrival to take, and the head is woken on its
// own thread. Shared by every worker thread; kept across config reloads for routes whose queue
// and backends did not change (RequestQueueRegistry), waiters included.
#pragma once

#include "backend/backendstate.h"
#include "base/keptbyname.h"
#include "backend/histogram.h"
#include "config/config.h"

#include <QMutex>

#include <array>
#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <vector>

namespace kairos {

class RequestQueue;

// One queued request, shared by the exchange that waits and whichever thread frees a slot. It
// leaves Waiting once, by compare-and-swap: Granted by a releaser that hands it a slot, Evicted by
// an arrival of a higher priority that needs its place in a full queue, or Withdrawn by its own
// exchange (client gone, timeout); the first to get there wins.
class QueueWaiter
{
public:
    enum class State { Waiting, Granted, Withdrawn, Evicted, Taken };

    // `wake` is called once, on the thread that grants the slot or evicts the waiter, with the
    // queue's lock held: it must only post to the waiter's own thread, which then calls takeSlot()
    // (or, Evicted, refuses its request).
    explicit QueueWaiter(std::function<void(std::shared_ptr<QueueWaiter>)> wake);
    ~QueueWaiter();  // a slot granted and never taken goes back to its backend
    QueueWaiter(const QueueWaiter &) = delete;
    QueueWaiter &operator=(const QueueWaiter &) = delete;

    State state() const { return m_state.load(); }
    // The granted slot's backend, once (the caller then holds the slot); null if none was granted.
    std::shared_ptr<BackendState> takeSlot();
    qint64 waitedUs() const;  // since it was queued

    // What the waiter's thread runs when the wake it posted arrives; set and cleared on that
    // thread only (cleared when its request goes away first).
    std::function<void()> deliver;

private:
    friend class SharedQueue;

    std::atomic<State> m_state{State::Waiting};
    std::function<void(std::shared_ptr<QueueWaiter>)> m_wake;
    std::shared_ptr<BackendState> m_granted;  // written before the state becomes Granted
    qint64 m_sinceNs = 0;                     // steadyNs() when queued
    // Set when queued, under the queue's lock. The route's queue outlives the waiter's stay in the
    // line: the exchange that holds it withdraws the waiter before it lets go of its snapshot.
    RequestQueue *m_route = nullptr;
    RoutePriority m_priority = RoutePriority::Normal;
};

// The waiting requests of the routes that share a queue (same backends, same queue settings), in
// one line per priority.
class SharedQueue
{
public:
    // `backends`: the routes', in the first route's order; the queue is woken by slots freed on
    // any of them.
    SharedQueue(const QueueSettings &settings, std::vector<std::shared_ptr<BackendState>> backends);
    ~SharedQueue();
    SharedQueue(const SharedQueue &) = delete;
    SharedQueue &operator=(const SharedQueue &) = delete;

    // Queues the waiter at the tail of its priority's line, counted in `route`; when max_size
    // wait already, it takes the place of the newest waiter of the lowest priority below its own
    // (which is evicted: woken to be refused), or is refused (false). A slot free on an available
    // backend goes to the head at once.
    bool enqueue(const std::shared_ptr<QueueWaiter> &waiter, RequestQueue &route, RoutePriority priority);
    // The waiter gives up: true when it left the queue without a slot; false when it had left it
    // already, granted a slot or evicted (its wake is posted; a slot goes back with the waiter if
    // not taken).
    bool withdraw(const std::shared_ptr<QueueWaiter> &waiter);

    // Hands slots free on available backends to the waiting requests, head first: for slots
    // that no release hands over, as after a config change that raised max_connections.
    void claimFreeSlots();

    const QueueSettings &settings() const { return m_settings; }
    const std::vector<std::shared_ptr<BackendState>> &backends() const { return m_backends; }
    // Whether these are its backends, in whatever order.
    bool servesExactly(const std::vector<std::shared_ptr<BackendState>> &backends) const;
    // Requests waiting, of every route that shares it.
    int depth() const { return m_depth.load(std::memory_order_relaxed); }

    static qint64 steadyNs();

private:
    using Line = std::deque<std::shared_ptr<QueueWaiter>>;
    friend struct BackendState;
    // Where the head stands among the queues a freed slot could go to: its priority, then when it
    // was queued (steadyNs()). Null when empty.
    struct HeadRank {
        int priority = -1;
        qint64 sinceNs = 0;
        bool before(const HeadRank &other) const
        {
            return priority != other.priority ? priority > other.priority : sinceNs < other.sinceNs;
        }
    };
    HeadRank headRank() const;
    // Hands `backend`'s slot, which the caller holds, to the first waiter still waiting.
    bool grantHead(BackendState &backend);
    // Makes room for an arrival of `priority` in the full queue: evicts the newest waiter of the
    // lowest priority below it. False when none waits below it.
    bool evictBelowLocked(RoutePriority priority);
    void removeLocked(Line &line, Line::iterator position);

    const QueueSettings m_settings;
    const std::vector<std::shared_ptr<BackendState>> m_backends;
    mutable QMutex m_mutex;
    std::array<Line, kRoutePriorities> m_lines;  // by RoutePriority
    std::atomic<int> m_depth{0};
};

// A route's way into its SharedQueue, with the route's own counts (the queue metrics are per
// route): its requests waiting, their waits, its refusals.
class RequestQueue
{
public:
    enum class Rejection { Full, Timeout };

    explicit RequestQueue(std::shared_ptr<SharedQueue> shared) : m_shared(std::move(shared)) {}
    RequestQueue(const RequestQueue &) = delete;
    RequestQueue &operator=(const RequestQueue &) = delete;

    bool enqueue(const std::shared_ptr<QueueWaiter> &waiter, RoutePriority priority)
    {
        return m_shared->enqueue(waiter, *this, priority);
    }
    bool withdraw(const std::shared_ptr<QueueWaiter> &waiter) { return m_shared->withdraw(waiter); }
    void claimFreeSlots() { m_shared->claimFreeSlots(); }

    const std::shared_ptr<SharedQueue> &shared() const { return m_shared; }
    const QueueSettings &settings() const { return m_shared->settings(); }
    const std::vector<std::shared_ptr<BackendState>> &backends() const { return m_shared->backends(); }
    // This route's requests waiting.
    int depth() const { return m_depth.load(std::memory_order_relaxed); }
    // Time spent queued by this route's requests that got a slot.
    const LatencyHistogram &waitTime() const { return m_waitTime; }
    void recordWait(qint64 microseconds) { m_waitTime.observe(microseconds); }
    quint64 rejected(Rejection reason) const { return m_rejected[size_t(reason)].load(std::memory_order_relaxed); }
    void countRejection(Rejection reason) { m_rejected[size_t(reason)].fetch_add(1, std::memory_order_relaxed); }

    static qint64 steadyNs() { return SharedQueue::steadyNs(); }

private:
    friend class SharedQueue;

    const std::shared_ptr<SharedQueue> m_shared;
    std::atomic<int> m_depth{0};  // changed under the shared queue's lock
    LatencyHistogram m_waitTime;
    std::array<std::atomic<quint64>, 2> m_rejected{};
};

// The queues of the routes, kept across config changes: a route whose queue settings and
// backends did not change keeps its queue and the requests waiting in it.
class RequestQueueRegistry
{
public:
    // The shared queue the route's kept queue leads into, if it has these settings and backends;
    // else null.
    std::shared_ptr<SharedQueue> keptSharedQueue(const QString &routePath, const QueueSettings &settings,
                                                 const std::vector<std::shared_ptr<BackendState>> &backends)
    {
        const std::shared_ptr<RequestQueue> kept = m_queues.find(routePath);
        if (kept && kept->settings() == settings && kept->shared()->servesExactly(backends))
            return kept->shared();
        return nullptr;
    }
    // The route's queue: the kept one while it leads into `shared`, else a new one.
    std::shared_ptr<RequestQueue> queueFor(const QString &routePath, const std::shared_ptr<SharedQueue> &shared)
    {
        return m_queues.obtain(
            routePath, [&](const RequestQueue &kept) { return kept.shared() == shared; },
            [&] { return std::make_shared<RequestQueue>(shared); });
    }
    // Forgets the queues of routes not in `routePaths` (after a config change); requests waiting
    // in them keep them alive until they leave.
    void retainOnly(const QStringList &routePaths) { m_queues.retainOnly(routePaths); }

private:
    KeptByName<RequestQueue> m_queues;
};

}  // namespace kairos
