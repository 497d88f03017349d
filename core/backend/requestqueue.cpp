#include "requestqueue.h"

#include <algorithm>
#include <chrono>

namespace kairos {

QueueWaiter::QueueWaiter(std::function<void(std::shared_ptr<QueueWaiter>)> wake) : m_wake(std::move(wake)) {}

QueueWaiter::~QueueWaiter()
{
    // Granted while its request was going away: the wake's posted call was its last holder.
    if (m_state.load() == State::Granted && m_granted)
        m_granted->releaseSlot();
}

std::shared_ptr<BackendState> QueueWaiter::takeSlot()
{
    State expected = State::Granted;
    if (!m_state.compare_exchange_strong(expected, State::Taken))
        return nullptr;
    return std::move(m_granted);
}

qint64 QueueWaiter::waitedUs() const
{
    return (SharedQueue::steadyNs() - m_sinceNs) / 1000;
}

qint64 SharedQueue::steadyNs()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

SharedQueue::SharedQueue(const QueueSettings &settings, std::vector<std::shared_ptr<BackendState>> backends)
    : m_settings(settings), m_backends(std::move(backends))
{
    for (const std::shared_ptr<BackendState> &backend : m_backends) {
        QMutexLocker lock(&backend->m_queuesMutex);
        backend->m_queues.push_back(this);
    }
}

SharedQueue::~SharedQueue()
{
    for (const std::shared_ptr<BackendState> &backend : m_backends) {
        QMutexLocker lock(&backend->m_queuesMutex);
        auto &queues = backend->m_queues;
        queues.erase(std::remove(queues.begin(), queues.end(), this), queues.end());
    }
}

bool SharedQueue::servesExactly(const std::vector<std::shared_ptr<BackendState>> &backends) const
{
    if (backends.size() != m_backends.size())
        return false;
    std::vector<const BackendState *> mine;
    std::vector<const BackendState *> theirs;
    for (const std::shared_ptr<BackendState> &backend : m_backends)
        mine.push_back(backend.get());
    for (const std::shared_ptr<BackendState> &backend : backends)
        theirs.push_back(backend.get());
    std::sort(mine.begin(), mine.end());
    std::sort(theirs.begin(), theirs.end());
    return mine == theirs;
}

bool SharedQueue::enqueue(const std::shared_ptr<QueueWaiter> &waiter, RequestQueue &route, RoutePriority priority)
{
    {
        QMutexLocker lock(&m_mutex);
        if (depth() >= m_settings.maxSize && !evictBelowLocked(priority))
            return false;
        waiter->m_sinceNs = steadyNs();
        waiter->m_route = &route;
        waiter->m_priority = priority;
        m_lines[size_t(priority)].push_back(waiter);
        m_depth.fetch_add(1, std::memory_order_relaxed);
        route.m_depth.fetch_add(1, std::memory_order_relaxed);
        for (const std::shared_ptr<BackendState> &backend : m_backends)
            backend->m_queued.fetch_add(1);
    }
    claimFreeSlots();  // a slot freed before this waiter was counted in m_queued went unclaimed
    return true;
}

bool SharedQueue::evictBelowLocked(RoutePriority priority)
{
    for (size_t lowest = 0; lowest < size_t(priority); ++lowest) {
        Line &line = m_lines[lowest];
        if (line.empty())
            continue;
        // The newest: the one that has waited least for its place.
        const std::shared_ptr<QueueWaiter> evicted = line.back();
        removeLocked(line, std::prev(line.end()));
        QueueWaiter::State expected = QueueWaiter::State::Waiting;
        if (evicted->m_state.compare_exchange_strong(expected, QueueWaiter::State::Evicted))
            evicted->m_wake(evicted);
        // else it was withdrawing: its place is free all the same
        return true;
    }
    return false;
}

void SharedQueue::claimFreeSlots()
{
    for (const std::shared_ptr<BackendState> &backend : m_backends) {
        while (depth() > 0 && backend->isAvailable() && backend->tryAcquireSlot()) {
            if (!grantHead(*backend)) {
                backend->releaseSlot();
                return;
            }
        }
    }
}

bool SharedQueue::withdraw(const std::shared_ptr<QueueWaiter> &waiter)
{
    QueueWaiter::State expected = QueueWaiter::State::Waiting;
    const bool left = waiter->m_state.compare_exchange_strong(expected, QueueWaiter::State::Withdrawn);
    // Taken even when a grant or an eviction won: either calls wake under this lock, so once it
    // is ours the wake has been posted (the waiter's thread may tear down what the wake posts to).
    QMutexLocker lock(&m_mutex);
    if (left) {
        Line &line = m_lines[size_t(waiter->m_priority)];
        const auto position = std::find(line.begin(), line.end(), waiter);
        if (position != line.end())
            removeLocked(line, position);
    }
    return left;
}

void SharedQueue::removeLocked(Line &line, Line::iterator position)
{
    (*position)->m_route->m_depth.fetch_sub(1, std::memory_order_relaxed);
    line.erase(position);
    m_depth.fetch_sub(1, std::memory_order_relaxed);
    for (const std::shared_ptr<BackendState> &backend : m_backends)
        backend->m_queued.fetch_sub(1);
}

SharedQueue::HeadRank SharedQueue::headRank() const
{
    QMutexLocker lock(&m_mutex);
    for (int priority = kRoutePriorities - 1; priority >= 0; --priority) {
        const Line &line = m_lines[size_t(priority)];
        if (!line.empty())
            return {priority, line.front()->m_sinceNs};
    }
    return {};
}

bool SharedQueue::grantHead(BackendState &backend)
{
    QMutexLocker lock(&m_mutex);
    for (auto line = m_lines.rbegin(); line != m_lines.rend(); ++line) {
        while (!line->empty()) {
            // Withdrawn ones hold no slot: dropping them here frees nothing under the locks held.
            const std::shared_ptr<QueueWaiter> waiter = line->front();
            removeLocked(*line, line->begin());
            waiter->m_granted = backend.shared_from_this();
            QueueWaiter::State expected = QueueWaiter::State::Waiting;
            if (waiter->m_state.compare_exchange_strong(expected, QueueWaiter::State::Granted)) {
                waiter->m_wake(waiter);
                return true;
            }
            waiter->m_granted.reset();
        }
    }
    return false;
}

}  // namespace kairos
