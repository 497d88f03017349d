#include "backendstate.h"

#include <QDateTime>
#include "requestqueue.h"

namespace kairos {

BackendState::BackendState(const Backend &backend, const QString &backendKey)
    : key(backendKey),
      authority(backend.authority()),
      circuit(key),
      m_uncheckedKey(Backend::connectionKey(key, !backend.usesTls()))
{}

qint64 BackendState::nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

bool BackendState::countFailure(int status, const OutlierDetectionSettings &settings)
{
    // A connection failure or timeout counts as both, as Envoy counts a locally made 502/503/504.
    const bool gatewayFailure = status == 502 || status == 503 || status == 504;
    const quint32 fives = m_consecutive5xx.fetch_add(1, std::memory_order_relaxed) + 1;
    quint32 gateway = 0;
    if (gatewayFailure)
        gateway = m_consecutiveGatewayFailures.fetch_add(1, std::memory_order_relaxed) + 1;
    else if (m_consecutiveGatewayFailures.load(std::memory_order_relaxed) != 0)
        m_consecutiveGatewayFailures.store(0, std::memory_order_relaxed);
    // At the threshold and at each further multiple of it: of the threads that race past it, one
    // reports it; and a backend the route's cap kept in is tried again after as many failures.
    const auto completes = [](quint32 count, int threshold) {
        return threshold > 0 && count >= quint32(threshold) && count % quint32(threshold) == 0;
    };
    return completes(fives, settings.consecutive5xx) || completes(gateway, settings.consecutiveGatewayFailures);
}

bool BackendState::eject(const OutlierDetectionSettings &settings, qint64 nowMs)
{
    quint8 flags = outlierBits().load(std::memory_order_relaxed);
    do {
        if (flags & kEjected)
            return false;
    } while (!outlierBits().compare_exchange_weak(flags, quint8(flags | kEjected), std::memory_order_relaxed));
    const quint32 count = m_ejections.fetch_add(1, std::memory_order_relaxed) + 1;
    const qint64 duration = std::min(qint64(settings.baseEjectionMs) * count,
                                     qint64(std::max(settings.maxEjectionMs, settings.baseEjectionMs)));
    m_ejectedUntilMs.store(nowMs + duration, std::memory_order_relaxed);
    m_consecutive5xx.store(0, std::memory_order_relaxed);
    m_consecutiveGatewayFailures.store(0, std::memory_order_relaxed);
    return true;
}

void BackendState::setSlowStart(int windowMs, int minWeightPercent)
{
    m_rampMinPercent.store(std::clamp(minWeightPercent, 1, 100), std::memory_order_relaxed);
    m_rampWindowMs.store(std::max(windowMs, 0), std::memory_order_relaxed);
    const qint64 joined = m_joinedMs.exchange(0, std::memory_order_relaxed);
    if (joined != 0)
        beginSlowStart(joined);
}

void BackendState::beginSlowStart(qint64 nowMs)
{
    if (m_rampWindowMs.load(std::memory_order_relaxed) <= 0)
        return;
    m_rampStartMs.store(nowMs, std::memory_order_relaxed);
    outlierBits().fetch_or(kRamping, std::memory_order_relaxed);
}

int BackendState::slowStartPercent(qint64 nowMs) const
{
    if (!(outlierBits().load(std::memory_order_relaxed) & kRamping))
        return 100;
    const qint64 window = m_rampWindowMs.load(std::memory_order_relaxed);
    const qint64 elapsed = nowMs - m_rampStartMs.load(std::memory_order_relaxed);
    if (window <= 0 || elapsed >= window)
        return 100;
    const int minimum = m_rampMinPercent.load(std::memory_order_relaxed);
    return minimum + int((100 - minimum) * std::max<qint64>(elapsed, 0) / window);
}

int BackendState::outlierAdmission(qint64 nowMs)
{
    const quint8 flags = outlierBits().load(std::memory_order_relaxed);
    if (flags & kEjected) {
        const qint64 until = m_ejectedUntilMs.load(std::memory_order_relaxed);
        if (nowMs < until)
            return 0;
        // Back from ejection: it ramps up again from when the ejection ended. Whichever thread
        // clears the bit starts the ramp.
        if (outlierBits().fetch_and(quint8(~kEjected), std::memory_order_relaxed) & kEjected)
            beginSlowStart(until);
    }
    const int percent = slowStartPercent(nowMs);
    if (percent >= 100 && (outlierBits().load(std::memory_order_relaxed) & kRamping))
        outlierBits().fetch_and(quint8(~kRamping), std::memory_order_relaxed);
    return percent;
}

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
        // Across the queues that share this backend: the head of the highest priority, and of
        // those the one that waited longest.
        SharedQueue *first = nullptr;
        SharedQueue::HeadRank firstRank;
        for (SharedQueue *queue : m_queues) {
            const SharedQueue::HeadRank rank = queue->headRank();
            if (rank.priority >= 0 && (!first || rank.before(firstRank))) {
                first = queue;
                firstRank = rank;
            }
        }
        if (!first)
            return false;
        if (first->grantHead(*this))
            return true;
    }
}

std::shared_ptr<BackendState> BackendRegistry::obtain(const Backend &backend)
{
    const QString key = backend.key();
    QMutexLocker lock(&m_mutex);
    std::shared_ptr<BackendState> &state = m_states[key];
    if (!state) {
        state = std::make_shared<BackendState>(backend, key);
        if (m_seeded)
            state->m_joinedMs.store(BackendState::nowMs(), std::memory_order_relaxed);
    }
    // The config validator gives one backend the same limit in every route.
    state->m_maxConnections.store(backend.maxConnections, std::memory_order_relaxed);
    return state;
}

void BackendRegistry::markSeeded()
{
    QMutexLocker lock(&m_mutex);
    m_seeded = true;
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
