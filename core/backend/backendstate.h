// Live state of one backend, shared by every route and worker thread that uses it and kept across
// config reloads (keyed by Backend::key()), so that counts and health survive a swap.
#pragma once

#include "config/config.h"
#include "base/firstuse.h"
#include "backend/histogram.h"
#include "backend/circuitbreaker.h"

#include <QHash>
#include <QMutex>
#include <QString>

#include <algorithm>
#include <array>
#include <atomic>
#include <memory>
#include <vector>

namespace kairos {

class RequestQueue;

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
    std::atomic<bool> healthy{true};  // set by active health checks; a new backend starts healthy
    std::atomic<quint64> requests{0};
    std::atomic<quint64> failures{0};  // connection errors, timeouts, 5xx
    CircuitBreaker circuit;

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

    // Healthy, and its circuit lets traffic through (or is due for a probe).
    bool isAvailable() const { return healthy.load(std::memory_order_relaxed) && circuit.looksAvailable(); }
    // The same without reading the clock: false for an open circuit even when it is due for a probe.
    bool isAvailableNow() const
    {
        return healthy.load(std::memory_order_relaxed) && circuit.state() != CircuitBreaker::State::Open;
    }

    // backends[].max_connections of the current config; 0: no limit.
    int maxConnections() const { return m_maxConnections.load(std::memory_order_relaxed); }
    // Requests waiting in the queues of the routes that list this backend.
    int queued() const { return m_queued.load(); }
    // Takes one of its max_connections slots: exact across threads (compare-and-swap), never past
    // the limit. False when all are taken.
    bool tryAcquireSlot();
    // Gives a slot back: straight to the longest-waiting request of a queue this backend serves
    // (so an arrival cannot take it first), or freed when nobody waits.
    void releaseSlot();

private:
    friend class BackendRegistry;
    friend class RequestQueue;
    bool handOverSlot();

    std::atomic<int> m_maxConnections{0};
    // Sequentially consistent with inFlight: a releaser decrements inFlight then reads m_queued, a
    // queued request increments m_queued then tries inFlight; one of them sees the other.
    std::atomic<int> m_queued{0};
    QMutex m_queuesMutex;                  // m_queues; taken before a queue's own lock
    std::vector<RequestQueue *> m_queues;  // those of routes listing this backend, while they live
    const QString m_uncheckedKey;          // the key itself for http backends
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

private:
    mutable QMutex m_mutex;
    QHash<QString, std::shared_ptr<BackendState>> m_states;
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
