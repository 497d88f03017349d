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

namespace kairos {

struct BackendState {
    explicit BackendState(const Backend &backend) : BackendState(backend, backend.key()) {}
    // backendKey: backend.key(), already made by the caller (the registry's lookup), not made twice.
    BackendState(const Backend &backend, const QString &backendKey);

    const QString key;           // Backend::key()
    const QByteArray authority;  // Backend::authority(): the Host field requests to it get
    // Backend::connectionKey(key, ...) of an entry for this backend that does or does not check the
    // certificate: the upstream pool's key for its connections.
    const QString &connectionKey(bool checksCertificate) const { return checksCertificate ? key : m_uncheckedKey; }
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

private:
    const QString m_uncheckedKey;  // the key itself for http backends
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

// Counts a request in flight for as long as it lives.
class InFlightGuard
{
public:
    InFlightGuard() = default;
    explicit InFlightGuard(std::shared_ptr<BackendState> state) : m_state(std::move(state))
    {
        if (m_state)
            m_state->inFlight.fetch_add(1, std::memory_order_relaxed);
    }
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
        if (m_state)
            m_state->inFlight.fetch_sub(1, std::memory_order_relaxed);
        m_state.reset();
    }

private:
    std::shared_ptr<BackendState> m_state;
};

}  // namespace kairos
