#include "backendstate.h"

#include "requestqueue.h"

namespace kairos {

BackendState::BackendState(const Backend &backend, const QString &backendKey)
    : key(backendKey),
      authority(backend.authority()),
      circuit(key),
      m_uncheckedKey(Backend::connectionKey(key, !backend.usesTls()))
{}

bool BackendState::tryAcquireSlot()
{
    const int limit = m_maxConnections.load(std::memory_order_relaxed);
    if (limit <= 0) {
        inFlight.fetch_add(1);
        return true;
    }
    int current = inFlight.load();
    while (current < limit) {
        if (inFlight.compare_exchange_weak(current, current + 1))
            return true;
    }
    return false;
}

void BackendState::releaseSlot()
{
    for (;;) {
        if (m_queued.load() > 0 && isAvailable() && handOverSlot())
            return;
        inFlight.fetch_sub(1);
        // A request queued between the check above and the decrement may have missed this slot:
        // take it back for it (or leave it to whoever was quicker).
        if (m_queued.load() == 0 || !isAvailable() || !tryAcquireSlot())
            return;
    }
}

bool BackendState::handOverSlot()
{
    QMutexLocker lock(&m_queuesMutex);
    for (;;) {
        // FIFO across the routes that share this backend: the queue whose head waited longest.
        RequestQueue *oldest = nullptr;
        qint64 oldestSince = 0;
        for (RequestQueue *queue : m_queues) {
            const qint64 since = queue->headSinceNs();
            if (since >= 0 && (!oldest || since < oldestSince)) {
                oldest = queue;
                oldestSince = since;
            }
        }
        if (!oldest)
            return false;
        if (oldest->grantHead(*this))
            return true;
    }
}

std::shared_ptr<BackendState> BackendRegistry::obtain(const Backend &backend)
{
    const QString key = backend.key();
    QMutexLocker lock(&m_mutex);
    std::shared_ptr<BackendState> &state = m_states[key];
    if (!state)
        state = std::make_shared<BackendState>(backend, key);
    // The config validator gives one backend the same limit in every route.
    state->m_maxConnections.store(backend.maxConnections, std::memory_order_relaxed);
    return state;
}

std::shared_ptr<BackendState> BackendRegistry::find(const QString &key) const
{
    QMutexLocker lock(&m_mutex);
    return m_states.value(key);
}

void BackendRegistry::prune()
{
    QMutexLocker lock(&m_mutex);
    m_states.removeIf([](const auto &entry) { return entry.value().use_count() == 1; });
}

QList<std::shared_ptr<BackendState>> BackendRegistry::all() const
{
    QMutexLocker lock(&m_mutex);
    return m_states.values();
}

}  // namespace kairos
