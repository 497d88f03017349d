// Live state of one backend, shared by every route and worker thread that uses it and kept across
// config reloads (keyed by Backend::key()), so that counts and health survive a swap.
#pragma once

#include "config/config.h"
#include "base/firstuse.h"
#include "backend/histogram.h"
#include "backend/circuitbreaker.h"
#include "backend/latencyestimate.h"

#include <QHash>
#include <QMutex>
#include <QString>

#include <algorithm>
#include <array>
#include <atomic>
#include <memory>
#include <vector>

namespace kairos {

// Whether a backend passes its active health checks, read and written as an std::atomic<bool>.
// Its byte also holds BackendState's outlier bits (ejected, in slow start), so that the
// selection's first availability check reads all three in one load (isAvailableNow()).
class HealthFlag
{
public:
    bool load(std::memory_order order = std::memory_order_seq_cst) const { return !(m_bits.load(order) & kDown); }
    void store(bool up, std::memory_order order = std::memory_order_seq_cst)
    {
        if (up)
            m_bits.fetch_and(quint8(~kDown), order);
        else
            m_bits.fetch_or(kDown, order);
    }
    HealthFlag &operator=(bool up)
    {
        store(up);
        return *this;
    }
    operator bool() const { return load(); }

private:
    friend struct BackendState;
    static constexpr quint8 kDown = 1;
    std::atomic<quint8> m_bits{0};
};

class SharedQueue;

struct BackendState : std::enable_shared_from_this<BackendState> {
    explicit BackendState(const Backend &backend) : BackendState(backend, backend.key()) {}
    // backendKey: backend.key(), already made by the caller (the registry's lookup), not made twice.
    BackendState(const Backend &backend, const QString &backendKey);

    const QString key;           // Backend::key()
    const QByteArray authority;  // Backend::authority(): the Host field requests to it get
    // Backend::connectionKey(key, ...) of an entry for this backend that does or does not check the
    // certificate: the upstream pool's key for its connections.
    const QString &connectionKey(bool checksCertificate) const { return checksCertificate ? key : m_uncheckedKey; }
    // Requests holding a slot (InFlightGuard): sent or being sent, not idle pooled connections.
    std::atomic<int> inFlight{0};
    HealthFlag healthy;  // set by active health checks; a new backend starts healthy
    std::atomic<quint64> requests{0};
    std::atomic<quint64> failures{0};  // connection errors, timeouts, 5xx
    CircuitBreaker circuit;
    // Fed by the answers and failures of PeakEwma routes only (ProxyExchange::reportOutcome()).
    PeakEwmaEstimate latencyEstimate;
    // Every try sent to it, whatever the route's strategy: its share in GET /api/backends.
    RecentCount recentTries;

    void recordResponse(int status, qint64 microseconds)
    {
        Responses &counts = m_responses.get();
        counts.byClass[size_t(std::clamp(status / 100, 1, 5) - 1)].fetch_add(1, std::memory_order_relaxed);
        counts.latency.observe(microseconds);
    }
    // Answered by the backend: class 0 is 1xx ... 4 is 5xx.
    quint64 responses(size_t statusClass) const
    {
        return m_responses.view().byClass[statusClass].load(std::memory_order_relaxed);
    }
    // From sending the request to the backend's response head.
    const LatencyHistogram &latency() const { return m_responses.view().latency; }

    // Healthy, and its circuit lets traffic through (or is due for a probe). Says nothing of
    // ejection and slow start, which the balancer's Selection weighs (outlierAdmission()).
    bool isAvailable() const { return healthy.load(std::memory_order_relaxed) && circuit.looksAvailable(); }
    // The same without reading the clock: false for an open circuit even when it is due for a probe,
    // and false while ejected or in slow start, which only the slower check can weigh.
    bool isAvailableNow() const
    {
        // Up, not ejected, not ramping: one load. A second load and test cost power_of_two's pick
        // about 0.5 ns (bench/micro/bench_core.cpp:BM_Select/5/3).
        return healthy.m_bits.load(std::memory_order_relaxed) == 0 && circuit.state() != CircuitBreaker::State::Open;
    }

    // Outlier detection (docs/CONFIGURATION.md, "Outlier detection and slow start"). Times are
    // milliseconds since the epoch, as nowMs() gives them, so that the admin API can show them.
    static qint64 nowMs();
    // Counts an answer of a route with outlier detection: `status` is the backend's, or the 502/504
    // the gateway answers for a connection failure, a bad response or a timeout. True when it
    // completes a run of consecutive failures the settings eject for (the caller then applies the
    // route's cap and calls eject()); true again at each further multiple of the threshold.
    bool countOutcome(int status, const OutlierDetectionSettings &settings)
    {
        if (status < 500) {
            // Loads first: a healthy backend's answers write nothing shared.
            if (m_consecutive5xx.load(std::memory_order_relaxed) != 0)
                m_consecutive5xx.store(0, std::memory_order_relaxed);
            if (m_consecutiveGatewayFailures.load(std::memory_order_relaxed) != 0)
                m_consecutiveGatewayFailures.store(0, std::memory_order_relaxed);
            return false;
        }
        return countFailure(status, settings);
    }
    // Ejects it until nowMs + base_ejection_ms x (ejections so far + 1), at most max_ejection_ms.
    // False if it was ejected already.
    bool eject(const OutlierDetectionSettings &settings, qint64 nowMs);
    bool isEjected(qint64 nowMs) const
    {
        return (outlierBits().load(std::memory_order_relaxed) & kEjected) && nowMs < ejectedUntilMs();
    }
    // When the current ejection ends; 0 when it is not ejected (or its time has passed unnoticed).
    qint64 ejectedUntilMs() const
    {
        return (outlierBits().load(std::memory_order_relaxed) & kEjected)
                   ? m_ejectedUntilMs.load(std::memory_order_relaxed)
                   : 0;
    }
    quint32 ejections() const { return m_ejections.load(std::memory_order_relaxed); }
    int consecutive5xx() const { return int(m_consecutive5xx.load(std::memory_order_relaxed)); }
    int consecutiveGatewayFailures() const { return int(m_consecutiveGatewayFailures.load(std::memory_order_relaxed)); }

    // Slow start: the ramp every route using the backend applies (set when a snapshot is compiled:
    // the longest slow_start_ms of its routes, with that route's slow_start_min_weight_percent). 0: none.
    void setSlowStart(int windowMs, int minWeightPercent);
    // Starts a ramp now (back from health checks; a new backend): does nothing without a window.
    void beginSlowStart(qint64 nowMs);
    // Its share of what the strategy would give it, in percent: 100 outside a ramp.
    int slowStartPercent(qint64 nowMs) const;

    // For the balancer's Selection, when isAvailableNow() said no to a healthy backend: 0 while
    // ejected, else slowStartPercent(). Ends an ejection whose time is over (its slow start begins
    // where the ejection ended) and a finished ramp, so that isAvailableNow() is cheap again.
    int outlierAdmission(qint64 nowMs);

    // backends[].max_connections of the current config; 0: no limit.
    int maxConnections() const { return m_maxConnections.load(std::memory_order_relaxed); }
    // Requests waiting in the queues of the routes that list this backend.
    int queued() const { return m_queued.load(); }
    // Takes one of its max_connections slots: exact across threads (compare-and-swap), never past
    // the limit. False when all are taken.
    bool tryAcquireSlot();
    // Gives a slot back: straight to the first waiting request of the queues this backend serves
    // (the highest priority, then the longest wait; so an arrival cannot take it first), or freed
    // when nobody waits.
    void releaseSlot();

private:
    bool countFailure(int status, const OutlierDetectionSettings &settings);

    // In healthy's byte: any bit set there sends selection to the slower check.
    static constexpr quint8 kEjected = 2;
    static constexpr quint8 kRamping = 4;
    std::atomic<quint8> &outlierBits() { return healthy.m_bits; }
    const std::atomic<quint8> &outlierBits() const { return healthy.m_bits; }

    std::atomic<quint32> m_consecutive5xx{0};
    std::atomic<quint32> m_consecutiveGatewayFailures{0};
    std::atomic<quint32> m_ejections{0};
    std::atomic<qint64> m_ejectedUntilMs{0};
    std::atomic<qint64> m_rampStartMs{0};
    std::atomic<int> m_rampWindowMs{0};
    std::atomic<int> m_rampMinPercent{10};
    // When the registry made it for a config change (0 for the backends of the first config):
    // its ramp starts when a snapshot gives it a window.
    std::atomic<qint64> m_joinedMs{0};

    friend class BackendRegistry;
    friend class SharedQueue;
    bool handOverSlot();

    std::atomic<int> m_maxConnections{0};
    // Sequentially consistent with inFlight: a releaser decrements inFlight then reads m_queued, a
    // queued request increments m_queued then tries inFlight; one of them sees the other.
    std::atomic<int> m_queued{0};
    QMutex m_queuesMutex;                 // m_queues; taken before a queue's own lock
    std::vector<SharedQueue *> m_queues;  // those of routes listing this backend, while they live
    const QString m_uncheckedKey;         // the key itself for http backends
    struct Responses {
        std::array<std::atomic<quint64>, 5> byClass{};
        LatencyHistogram latency;
    };
    AllocatedOnFirstUse<Responses> m_responses;  // by the backend's first answer
};

// Hands out one BackendState per backend key. Used when a config snapshot is compiled, never per
// request.
class BackendRegistry
{
public:
    std::shared_ptr<BackendState> obtain(const Backend &backend);
    std::shared_ptr<BackendState> find(const QString &key) const;  // nullptr if there is none
    // Drops states that no snapshot holds any more.
    void prune();
    QList<std::shared_ptr<BackendState>> all() const;
    // The gateway's first snapshot is compiled: backends made from now on join a running gateway
    // and begin a slow start (those of the first config start together: none has a head start).
    void markSeeded();

private:
    mutable QMutex m_mutex;
    QHash<QString, std::shared_ptr<BackendState>> m_states;
    bool m_seeded = false;
};

// One slot of a backend (BackendState::tryAcquireSlot(), or handed over by a queue), held for as
// long as the request is in flight and given back once.
class InFlightGuard
{
public:
    InFlightGuard() = default;
    // Adopts a slot already taken.
    explicit InFlightGuard(std::shared_ptr<BackendState> state) : m_state(std::move(state)) {}
    ~InFlightGuard() { release(); }
    InFlightGuard(InFlightGuard &&other) noexcept : m_state(std::move(other.m_state)) {}
    InFlightGuard &operator=(InFlightGuard &&other) noexcept
    {
        release();
        m_state = std::move(other.m_state);
        return *this;
    }
    void release()
    {
        if (std::shared_ptr<BackendState> state = std::move(m_state))
            state->releaseSlot();
    }

private:
    std::shared_ptr<BackendState> m_state;
};

}  // namespace kairos
