// Load balancing: one interface, one file per strategy (as in Pingora's selection module).
//
// A balancer does not return one backend but a Selection that yields candidates in order of
// preference: the first choice, then fallbacks, each backend at most once. Retries and skipping
// unavailable backends are then just "take the next one". Balancers are shared by all worker
// threads; their mutable state is atomic.
#pragma once

#include "backendstate.h"
#include "config/config.h"

#include <QByteArrayView>
#include <QVarLengthArray>

#include <atomic>
#include <memory>
#include <vector>

namespace kairos {

struct BalancedBackend {
    std::shared_ptr<BackendState> state;
    int weight = 1;
};

class Balancer;

// Per-request iteration over the candidates of one balancer.
class Selection
{
public:
    // `clientKey` (the client address, for IpHash) must outlive the selection: it is not copied,
    // so that a selection costs no allocation and no reference counting.
    Selection(const Balancer &balancer, QByteArrayView clientKey);
    Selection(const Balancer &, QByteArray &&) = delete;  // a temporary key would dangle
    // The next candidate's index into the route's backends, or -1 when all were yielded.
    int next();
    // The next candidate that is available (healthy, circuit not open), or -1.
    int nextAvailable();

    QByteArrayView clientKey() const { return m_clientKey; }
    bool tried(int index) const { return triedWords()[index / 64] & (quint64(1) << (index % 64)); }
    int count() const { return m_count; }
    int previous() const { return m_previous; }
    quint64 cursor = 0;  // strategy-specific position (ring point, schedule slot)

private:
    const Balancer &m_balancer;
    QByteArrayView m_clientKey;
    // A bit per backend, inline up to 128 backends (no allocation per request).
    const quint64 *triedWords() const { return m_triedHeap ? m_triedHeap.get() : m_triedInline; }
    quint64 *triedWords() { return m_triedHeap ? m_triedHeap.get() : m_triedInline; }
    quint64 m_triedInline[2] = {0, 0};
    std::unique_ptr<quint64[]> m_triedHeap;
    int m_count = 0;
    int m_previous = -1;
};

class Balancer
{
public:
    explicit Balancer(std::vector<BalancedBackend> backends) : m_backends(std::move(backends)) {}
    virtual ~Balancer() = default;

    const std::vector<BalancedBackend> &backends() const { return m_backends; }
    int size() const { return int(m_backends.size()); }

protected:
    friend class Selection;
    // The first choice.
    virtual int first(Selection &selection) const = 0;
    // A further choice among the untried ones; by default the next index after the previous one.
    virtual int fallback(Selection &selection) const;

    // In-flight requests per unit of weight of two backends, compared without dividing:
    // negative when `a` is less loaded, 0 when equal, positive when `b` is.
    int compareLoad(int a, int b) const;

    std::vector<BalancedBackend> m_backends;
};

std::unique_ptr<Balancer> makeBalancer(LoadBalancingStrategy strategy, std::vector<BalancedBackend> backends);

// Fast per-thread random numbers for the random strategies (no lock, unlike QRandomGenerator::global()).
quint64 threadRandom();

// The next position of a rotation shared by all worker threads. A plain load and store, not an
// atomic increment: a locked add costs more than the rest of a selection, and when two threads
// race they merely start at the same backend once, which keeps the rotation even on average.
// The position wraps at `length` itself, which spares a division per selection.
inline quint32 advanceRotation(std::atomic<quint32> &position, quint32 length)
{
    quint32 current = position.load(std::memory_order_relaxed);
    if (current >= length)
        current = 0;  // the length shrank? never: a balancer's backends are fixed. Stay in range anyway.
    position.store(current + 1 == length ? 0 : current + 1, std::memory_order_relaxed);
    return current;
}

// A random number below `bound` from 64 random bits, by multiplication instead of a division
// (Lemire's reduction; the bias for bounds this small is negligible).
inline quint32 randomBelow(quint64 random, quint32 bound)
{
    return quint32(((random >> 32) * bound) >> 32);
}

}  // namespace kairos
