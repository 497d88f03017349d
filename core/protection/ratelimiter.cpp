#include "ratelimiter.h"

#include <QHash>

#include <algorithm>
#include <cmath>
#include <ctime>

namespace kairos {

namespace {

constexpr qint64 kSecondNs = 1'000'000'000;

std::atomic<int> liveFleetMembers{1};

int secondsRoundedUp(qint64 ns)
{
    return int(std::min<qint64>((std::max<qint64>(ns, 0) + kSecondNs - 1) / kSecondNs, INT_MAX));
}

}  // namespace

size_t RateLimiter::KeyHash::operator()(const QByteArray &key) const noexcept
{
    return qHash(key);
}

namespace {

QByteArray policyOf(const RateLimitSettings &settings)
{
    const double rate = settings.requestsPerSecond;
    const QByteArray perSecond = rate == std::floor(rate) ? QByteArray::number(qint64(rate)) : QByteArray::number(rate);
    return perSecond + ";w=1;burst=" + QByteArray::number(settings.effectiveBurst());
}

}  // namespace

RateLimiter::RateLimiter(const RateLimitSettings &settings)
    : m_settings(settings),
      m_burst(settings.effectiveBurst()),
      m_policy(policyOf(settings)),
      m_intervalNs(std::max<qint64>(1, qint64(std::llround(double(kSecondNs) / settings.requestsPerSecond)))),
      m_toleranceNs(m_intervalNs * m_burst),
      m_keysPerShard(std::max<size_t>(1, (size_t(std::max(1, settings.maxKeys)) + kShards - 1) / kShards))
{}

qint64 RateLimiter::nowNs()
{
    timespec now{};
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    return qint64(now.tv_sec) * kSecondNs + now.tv_nsec;
}

void RateLimiter::setFleetMembers(int members)
{
    liveFleetMembers.store(std::max(1, members), std::memory_order_relaxed);
}

int RateLimiter::fleetMembers()
{
    return liveFleetMembers.load(std::memory_order_relaxed);
}

RateLimiter::Terms RateLimiter::terms() const
{
    if (m_settings.scope == RateLimitSettings::Scope::Instance)
        return {m_intervalNs, m_toleranceNs, m_burst};
    // The fleet's limit over its live members: each admits 1/n of the rate, and of the burst
    // (at least one request, so that a fleet larger than the burst still admits).
    const int members = fleetMembers();
    const int burst = std::max(1, m_burst / members);
    const qint64 interval = m_intervalNs * members;
    return {interval, interval * burst, burst};
}

RateLimiter::Decision RateLimiter::decide(const Terms &terms, qint64 tat, qint64 now, qint64 *newTat)
{
    const qint64 interval = terms.intervalNs;
    const qint64 tolerance = terms.toleranceNs;
    Decision decision;
    decision.limit = terms.burst;
    const qint64 next = std::max(tat, now) + interval;
    if (next - now > tolerance) {
        decision.admitted = false;
        decision.remaining = 0;
        decision.resetSeconds = secondsRoundedUp(tat - now);
        decision.retryAfterSeconds = std::max(1, secondsRoundedUp(next - now - tolerance));
        *newTat = tat;
        return decision;
    }
    decision.remaining = int((tolerance - (next - now)) / interval);
    decision.resetSeconds = secondsRoundedUp(next - now);
    *newTat = next;
    return decision;
}

RateLimiter::Decision RateLimiter::admit(QByteArrayView key, qint64 now)
{
    const Decision decision = decideFor(key, now);
    if (!decision.admitted)
        m_refused.fetch_add(1, std::memory_order_relaxed);
    return decision;
}

RateLimiter::Decision RateLimiter::decideFor(QByteArrayView key, qint64 now)
{
    qint64 updated = 0;
    const Terms terms = this->terms();
    if (m_settings.key == RateLimitSettings::Key::Route) {
        qint64 tat = m_routeTat.load(std::memory_order_relaxed);
        for (;;) {
            const Decision decision = decide(terms, tat, now, &updated);
            if (!decision.admitted || m_routeTat.compare_exchange_weak(tat, updated, std::memory_order_relaxed))
                return decision;
        }
    }
    // A view for the lookup: a key seen before costs no allocation (bench_core:BM_RateLimit/1).
    const QByteArray view = QByteArray::fromRawData(key.data(), key.size());
    Shard &shard = m_shards[KeyHash()(view) % kShards];
    QMutexLocker lock(&shard.mutex);
    auto found = shard.index.find(view);
    if (found != shard.index.end()) {
        shard.recent.splice(shard.recent.begin(), shard.recent, found->second);
        Entry &entry = shard.recent.front();
        const Decision decision = decide(terms, entry.tat, now, &updated);
        entry.tat = updated;
        return decision;
    }
    const Decision decision = decide(terms, 0, now, &updated);
    // Room first: keys whose buckets are full again (their TAT is past) hold nothing worth
    // keeping; then the least recently used.
    while (!shard.recent.empty() && (shard.index.size() >= m_keysPerShard || shard.recent.back().tat <= now)) {
        shard.index.erase(shard.recent.back().key);
        shard.recent.pop_back();
    }
    const QByteArray owned = key.toByteArray();
    shard.recent.push_front(Entry{owned, updated});
    shard.index.emplace(owned, shard.recent.begin());
    return decision;
}

size_t RateLimiter::trackedKeys() const
{
    if (m_settings.key == RateLimitSettings::Key::Route)
        return 1;
    size_t total = 0;
    for (const Shard &shard : m_shards) {
        QMutexLocker lock(&shard.mutex);
        total += shard.index.size();
    }
    return total;
}

}  // namespace kairos
