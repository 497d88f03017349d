// Rate limits (docs/CONFIGURATION.md, rate_limit): the generic cell rate algorithm, GCRA, which
// is a token bucket kept as one number per key, the theoretical arrival time (TAT) of the next
// request: a request is admitted when admitting it would not put the TAT more than `burst`
// intervals ahead of now. Shared by every worker thread, so the budget is exact across them.
// One key (key "route") is a single atomic, updated with compare-and-swap; per-client keys live
// in 16 shards, each a small map under its own mutex, bounded by max_keys with the least
// recently used going first (a key whose bucket is full again holds no information and goes
// first of all).
#pragma once

#include "base/keptbyname.h"
#include "config/config.h"

#include <QByteArray>
#include <QMutex>

#include <array>
#include <atomic>
#include <list>
#include <memory>
#include <unordered_map>

namespace kairos {

class RateLimiter
{
public:
    struct Decision {
        bool admitted = true;
        int limit = 0;              // the burst: RateLimit-Limit
        int remaining = 0;          // requests that could come at once now: RateLimit-Remaining
        int resetSeconds = 0;       // until the bucket is full again, rounded up: RateLimit-Reset
        int retryAfterSeconds = 0;  // refused: until one more is admitted, rounded up (at least 1)
    };

    explicit RateLimiter(const RateLimitSettings &settings);

    // `key` is ignored for key "route". `nowNs` from nowNs().
    Decision admit(QByteArrayView key, qint64 nowNs);
    const RateLimitSettings &settings() const { return m_settings; }
    size_t trackedKeys() const;
    quint64 refused() const { return m_refused.load(std::memory_order_relaxed); }  // since it was made
    const QByteArray &policy() const { return m_policy; }  // RateLimit-Policy: "100;w=1;burst=50"
    static qint64 nowNs();                                 // monotonic nanoseconds
    // Live members of the fleet (1 outside fleet mode): limits with scope "fleet" admit their
    // share, the limit divided by this, on each instance.
    static void setFleetMembers(int members);
    static int fleetMembers();

private:
    struct Entry {
        QByteArray key;
        qint64 tat;
    };
    struct KeyHash {
        size_t operator()(const QByteArray &key) const noexcept;
    };
    struct Shard {
        mutable QMutex mutex;
        std::list<Entry> recent;  // most recently used first
        std::unordered_map<QByteArray, std::list<Entry>::iterator, KeyHash> index;
    };
    static constexpr int kShards = 16;

    // What one step of GCRA uses: for scope "fleet", this instance's share of the limit.
    struct Terms {
        qint64 intervalNs;
        qint64 toleranceNs;
        int burst;
    };
    Terms terms() const;
    Decision decideFor(QByteArrayView key, qint64 now);
    // One step of GCRA on `tat`: the new value if admitted (else unchanged), and the decision.
    static Decision decide(const Terms &terms, qint64 tat, qint64 now, qint64 *newTat);

    const RateLimitSettings m_settings;
    const int m_burst;  // effectiveBurst()
    const QByteArray m_policy;
    const qint64 m_intervalNs;   // 1 s / requests_per_second
    const qint64 m_toleranceNs;  // burst intervals
    const size_t m_keysPerShard;
    std::atomic<qint64> m_routeTat{0};
    std::atomic<quint64> m_refused{0};
    std::array<Shard, kShards> m_shards;
};

// The limiters of routes (named by their path) and backends (by GatewaySnapshot's
// backendLimiterName), kept across config changes: one whose limit did not change keeps its
// buckets.
class RateLimiterRegistry
{
public:
    std::shared_ptr<RateLimiter> limiterFor(const QString &name, const RateLimitSettings &settings)
    {
        return m_limiters.obtain(
            name, [&](const RateLimiter &kept) { return kept.settings() == settings; },
            [&] { return std::make_shared<RateLimiter>(settings); });
    }
    // Forgets the limiters not named in `names` (after a config change).
    void retainOnly(const QStringList &names) { m_limiters.retainOnly(names); }

private:
    KeptByName<RateLimiter> m_limiters;
};

}  // namespace kairos
