// A route's request queue (docs/CONFIGURATION.md, Request queues), after HAProxy's: a request
// that finds every available backend of its route at max_connections waits here, first in first
// out, and takes the first slot freed on any of them. A freed slot is handed straight to the head
// (BackendState::releaseSlot()), never freed for an arrival to take, and the head is woken on its
// own thread. Shared by every worker thread; kept across config reloads for a route whose queue
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

// One queued request, shared by the exchange that waits and whichever thread frees a slot. It
// leaves Waiting once, by compare-and-swap: Granted by a releaser that hands it a slot, or
// Withdrawn by its own exchange (client gone, timeout); the first to get there wins.
class QueueWaiter
{
public:
    enum class State { Waiting, Granted, Withdrawn, Taken };

    // `wake` is called once, on the thread that grants the slot, with the queue's lock held: it
    // must only post to the waiter's own thread, which then calls takeSlot().
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
    friend class RequestQueue;

    std::atomic<State> m_state{State::Waiting};
    std::function<void(std::shared_ptr<QueueWaiter>)> m_wake;
    std::shared_ptr<BackendState> m_granted;  // written before the state becomes Granted
    qint64 m_sinceNs = 0;                     // steadyNs() when queued
};

class RequestQueue
{
public:
    enum class Rejection { Full, Timeout };

    // `backends`: the route's, in its order; the queue is woken by slots freed on any of them.
    RequestQueue(const QueueSettings &settings, std::vector<std::shared_ptr<BackendState>> backends);
    ~RequestQueue();
    RequestQueue(const RequestQueue &) = delete;
    RequestQueue &operator=(const RequestQueue &) = delete;

    // Queues the waiter at the tail, or refuses it (false) when max_size wait already. A slot
    // free on an available backend goes to the head at once.
    bool enqueue(const std::shared_ptr<QueueWaiter> &waiter);
    // The waiter gives up: true when it left the queue without a slot; false when a slot had
    // been granted already (its wake is posted; the slot goes back with the waiter if not taken).
    bool withdraw(const std::shared_ptr<QueueWaiter> &waiter);

    // Hands slots free on available backends to the waiting requests, head first: for slots
    // that no release hands over, as after a config change that raised max_connections.
    void claimFreeSlots();

    const QueueSettings &settings() const { return m_settings; }
    const std::vector<std::shared_ptr<BackendState>> &backends() const { return m_backends; }
    int depth() const { return m_depth.load(std::memory_order_relaxed); }
    // Time spent queued by requests that got a slot.
    const LatencyHistogram &waitTime() const { return m_waitTime; }
    void recordWait(qint64 microseconds) { m_waitTime.observe(microseconds); }
    quint64 rejected(Rejection reason) const { return m_rejected[size_t(reason)].load(std::memory_order_relaxed); }
    void countRejection(Rejection reason) { m_rejected[size_t(reason)].fetch_add(1, std::memory_order_relaxed); }

    static qint64 steadyNs();

private:
    friend struct BackendState;
    // When the head was queued (steadyNs()), or -1 when empty.
    qint64 headSinceNs() const;
    // Hands `backend`'s slot, which the caller holds, to the first waiter still waiting.
    bool grantHead(BackendState &backend);
    void removeLocked(std::deque<std::shared_ptr<QueueWaiter>>::iterator position);

    const QueueSettings m_settings;
    const std::vector<std::shared_ptr<BackendState>> m_backends;
    mutable QMutex m_mutex;
    std::deque<std::shared_ptr<QueueWaiter>> m_waiters;
    std::atomic<int> m_depth{0};
    LatencyHistogram m_waitTime;
    std::array<std::atomic<quint64>, 2> m_rejected{};
};

// The queues of the routes, kept across config changes: a route whose queue settings and
// backends did not change keeps its queue and the requests waiting in it.
class RequestQueueRegistry
{
public:
    std::shared_ptr<RequestQueue> queueFor(const QString &routePath, const QueueSettings &settings,
                                           const std::vector<std::shared_ptr<BackendState>> &backends)
    {
        return m_queues.obtain(
            routePath,
            [&](const RequestQueue &kept) { return kept.settings() == settings && kept.backends() == backends; },
            [&] { return std::make_shared<RequestQueue>(settings, backends); });
    }
    // Forgets the queues of routes not in `routePaths` (after a config change); requests waiting
    // in them keep them alive until they leave.
    void retainOnly(const QStringList &routePaths) { m_queues.retainOnly(routePaths); }

private:
    KeptByName<RequestQueue> m_queues;
};

}  // namespace kairos
