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
    return (RequestQueue::steadyNs() - m_sinceNs) / 1000;
}

qint64 RequestQueue::steadyNs()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

RequestQueue::RequestQueue(const QueueSettings &settings, std::vector<std::shared_ptr<BackendState>> backends)
    : m_settings(settings), m_backends(std::move(backends))
{
    for (const std::shared_ptr<BackendState> &backend : m_backends) {
        QMutexLocker lock(&backend->m_queuesMutex);
        backend->m_queues.push_back(this);
    }
}

RequestQueue::~RequestQueue()
{
    for (const std::shared_ptr<BackendState> &backend : m_backends) {
        QMutexLocker lock(&backend->m_queuesMutex);
        auto &queues = backend->m_queues;
        queues.erase(std::remove(queues.begin(), queues.end(), this), queues.end());
    }
}

bool RequestQueue::enqueue(const std::shared_ptr<QueueWaiter> &waiter)
{
    {
        QMutexLocker lock(&m_mutex);
        if (qsizetype(m_waiters.size()) >= m_settings.maxSize)
            return false;
        waiter->m_sinceNs = steadyNs();
        m_waiters.push_back(waiter);
        m_depth.fetch_add(1, std::memory_order_relaxed);
        for (const std::shared_ptr<BackendState> &backend : m_backends)
            backend->m_queued.fetch_add(1);
    }
    claimFreeSlots();  // a slot freed before this waiter was counted in m_queued went unclaimed
    return true;
}

void RequestQueue::claimFreeSlots()
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

bool RequestQueue::withdraw(const std::shared_ptr<QueueWaiter> &waiter)
{
    QueueWaiter::State expected = QueueWaiter::State::Waiting;
    const bool left = waiter->m_state.compare_exchange_strong(expected, QueueWaiter::State::Withdrawn);
    // Taken even when a grant won: a grant calls wake under this lock, so once it is ours the
    // wake has been posted (the waiter's thread may tear down what the wake posts to).
    QMutexLocker lock(&m_mutex);
    if (left) {
        const auto position = std::find(m_waiters.begin(), m_waiters.end(), waiter);
        if (position != m_waiters.end())
            removeLocked(position);
    }
    return left;
}

void RequestQueue::removeLocked(std::deque<std::shared_ptr<QueueWaiter>>::iterator position)
{
    m_waiters.erase(position);
    m_depth.fetch_sub(1, std::memory_order_relaxed);
    for (const std::shared_ptr<BackendState> &backend : m_backends)
        backend->m_queued.fetch_sub(1);
}

qint64 RequestQueue::headSinceNs() const
{
    QMutexLocker lock(&m_mutex);
    return m_waiters.empty() ? -1 : m_waiters.front()->m_sinceNs;
}

bool RequestQueue::grantHead(BackendState &backend)
{
    QMutexLocker lock(&m_mutex);
    while (!m_waiters.empty()) {
        // Withdrawn ones hold no slot: dropping them here frees nothing under the locks held.
        const std::shared_ptr<QueueWaiter> waiter = m_waiters.front();
        removeLocked(m_waiters.begin());
        waiter->m_granted = backend.shared_from_this();
        QueueWaiter::State expected = QueueWaiter::State::Waiting;
        if (waiter->m_state.compare_exchange_strong(expected, QueueWaiter::State::Granted)) {
            waiter->m_wake(waiter);
            return true;
        }
        waiter->m_granted.reset();
    }
    return false;
}

}  // namespace kairos
