// Passive health of one backend: closed (traffic flows) -> open after failure_threshold
// consecutive failures (no traffic for open_duration_ms) -> half-open (at most
// half_open_max_requests probes at a time) -> closed after success_threshold probe successes,
// or open again on one probe failure. Failures are connection errors, timeouts and 5xx answers
// of the backend itself, never responses the gateway makes.
//
// One breaker per backend, shared by all routes and worker threads that use the backend; the
// settings come with each call, from the route that is using it.
#pragma once

#include "config/config.h"

#include <QMutex>
#include <QString>

#include <atomic>
#include <chrono>

namespace kairos {

class CircuitBreaker
{
public:
    enum class State { Closed, Open, HalfOpen };
    struct Admission {
        bool admitted = false;
        bool probe = false;  // a half-open probe: report its outcome
    };
    using Clock = std::chrono::steady_clock;

    explicit CircuitBreaker(QString name) : m_name(std::move(name)) {}

    // Whether it is worth trying this backend now (cheap, takes no probe slot). Inline: every
    // balancer selection asks it.
    bool looksAvailable() const { return state() != State::Open || openPeriodOver(); }
    // May a request go now? In half-open state this takes a probe slot.
    Admission tryAcquire(const CircuitBreakerSettings &settings);
    void onSuccess(const CircuitBreakerSettings &settings, bool probe);
    void onFailure(const CircuitBreakerSettings &settings, bool probe);
    // A request that ended without telling anything about the backend (the client left).
    void release(bool probe);

    State state() const { return m_state.load(std::memory_order_relaxed); }
    int consecutiveFailures() const;

    static const char *stateName(State state);

private:
    bool openPeriodOver() const;
    void moveTo(State state, const QString &reason);  // with m_mutex held; the reason goes to the log

    const QString m_name;
    std::atomic<State> m_state{State::Closed};
    std::atomic<Clock::rep> m_openUntil{0};
    mutable QMutex m_mutex;  // 8 bytes, std::mutex 40: there is one per backend
    // Written under m_mutex; atomic so that a success on a healthy backend (the common case) can
    // see there is nothing to reset without taking the lock.
    std::atomic<int> m_consecutiveFailures{0};
    int m_consecutiveSuccesses = 0;
    int m_probesInFlight = 0;
};

}  // namespace kairos
