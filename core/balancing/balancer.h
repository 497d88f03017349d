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
    Selection(const Balancer &balancer, QByteArray clientKey);
    // The next candidate's index into the route's backends, or -1 when all were yielded.
    int next();
    // The next candidate that is available (healthy, circuit not open), or -1.
    int nextAvailable();

    const QByteArray &clientKey() const { return m_clientKey; }
    bool tried(int index) const { return m_tried[index]; }
    int count() const { return m_count; }
    int previous() const { return m_previous; }
    quint64 cursor = 0;  // strategy-specific position (ring point, schedule slot)

private:
    const Balancer &m_balancer;
    QByteArray m_clientKey;  // the client address, for IpHash
    QVarLengthArray<bool, 16> m_tried;
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

    // In-flight requests per unit of weight, for the load-aware strategies.
    double load(int index) const;

    std::vector<BalancedBackend> m_backends;
};

std::unique_ptr<Balancer> makeBalancer(LoadBalancingStrategy strategy, std::vector<BalancedBackend> backends);

// Fast per-thread random numbers for the random strategies (no lock, unlike QRandomGenerator::global()).
quint64 threadRandom();

}  // namespace kairos
