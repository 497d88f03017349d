#include "circuitbreaker.h"

#include <QLoggingCategory>

#include <algorithm>

Q_LOGGING_CATEGORY(lcResilience, "kairos.resilience")

namespace kairos {

namespace {
CircuitBreaker::Clock::rep now()
{
    return CircuitBreaker::Clock::now().time_since_epoch().count();
}
}  // namespace

const char *CircuitBreaker::stateName(State state)
{
    switch (state) {
    case State::Closed: return "closed";
    case State::Open: return "open";
    case State::HalfOpen: return "half_open";
    }
    return "closed";
}

bool CircuitBreaker::openPeriodOver() const
{
    return now() >= m_openUntil.load(std::memory_order_relaxed);
}

CircuitBreaker::Admission CircuitBreaker::tryAcquire(const CircuitBreakerSettings &settings)
{
    if (state() == State::Closed)
        return {true, false};
    QMutexLocker lock(&m_mutex);
    if (m_state == State::Closed)
        return {true, false};
    if (m_state == State::Open) {
        if (now() < m_openUntil.load(std::memory_order_relaxed))
            return {false, false};
        moveTo(State::HalfOpen, QStringLiteral("its open period is over; probing"));
    }
    if (m_probesInFlight >= settings.halfOpenMaxRequests)
        return {false, false};
    ++m_probesInFlight;
    return {true, true};
}

void CircuitBreaker::onSuccess(const CircuitBreakerSettings &settings, bool probe)
{
    if (!probe && state() == State::Closed) {
        if (m_consecutiveFailures.load(std::memory_order_relaxed) != 0) {
            QMutexLocker lock(&m_mutex);
            m_consecutiveFailures = 0;
        }
        return;
    }
    QMutexLocker lock(&m_mutex);
    if (probe)
        m_probesInFlight = std::max(0, m_probesInFlight - 1);
    m_consecutiveFailures = 0;
    if (m_state == State::HalfOpen && probe && ++m_consecutiveSuccesses >= settings.successThreshold)
        moveTo(State::Closed, QStringLiteral("after %1 successful probe(s)").arg(m_consecutiveSuccesses));
}

void CircuitBreaker::onFailure(const CircuitBreakerSettings &settings, bool probe)
{
    QMutexLocker lock(&m_mutex);
    if (probe)
        m_probesInFlight = std::max(0, m_probesInFlight - 1);
    ++m_consecutiveFailures;
    const bool opens = (m_state == State::HalfOpen && probe)
                       || (m_state == State::Closed && m_consecutiveFailures >= settings.failureThreshold);
    if (!opens)
        return;
    const auto duration =
        std::chrono::duration_cast<Clock::duration>(std::chrono::milliseconds(settings.openDurationMs));
    m_openUntil.store(now() + duration.count(), std::memory_order_relaxed);
    moveTo(State::Open, m_state == State::HalfOpen
                            ? QStringLiteral("a probe failed")
                            : QStringLiteral("after %1 consecutive failure(s)").arg(m_consecutiveFailures.load()));
}

void CircuitBreaker::release(bool probe)
{
    if (!probe)
        return;
    QMutexLocker lock(&m_mutex);
    m_probesInFlight = std::max(0, m_probesInFlight - 1);
}

int CircuitBreaker::consecutiveFailures() const
{
    return m_consecutiveFailures.load(std::memory_order_relaxed);
}

void CircuitBreaker::moveTo(State next, const QString &reason)
{
    const State previous = m_state.load(std::memory_order_relaxed);
    if (previous == next)
        return;
    m_state.store(next, std::memory_order_relaxed);
    m_consecutiveSuccesses = 0;
    if (next != State::HalfOpen)
        m_probesInFlight = 0;
    qCInfo(lcResilience).noquote() << "circuit of" << m_name << "went from" << stateName(previous) << "to"
                                   << stateName(next) << "-" << reason;
}

}  // namespace kairos
