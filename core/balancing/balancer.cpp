#include "balancer.h"

#include "iphash.h"
#include "leastconnections.h"
#include "poweroftwo.h"
#include "random.h"
#include "roundrobin.h"
#include "weighted.h"

#include <QRandomGenerator>

namespace kairos {

namespace {
// Calls `visit` with the balancer as its strategy class: one switch, then everything inlines.
template <typename Visit>
int visitStrategy(const Balancer &balancer, Visit &&visit)
{
    switch (balancer.strategy()) {
    case LoadBalancingStrategy::RoundRobin: return visit(static_cast<const RoundRobinBalancer &>(balancer));
    case LoadBalancingStrategy::Weighted: return visit(static_cast<const WeightedBalancer &>(balancer));
    case LoadBalancingStrategy::LeastConnections:
        return visit(static_cast<const LeastConnectionsBalancer &>(balancer));
    case LoadBalancingStrategy::Random: return visit(static_cast<const RandomBalancer &>(balancer));
    case LoadBalancingStrategy::IpHash: return visit(static_cast<const IpHashBalancer &>(balancer));
    case LoadBalancingStrategy::PowerOfTwo: return visit(static_cast<const PowerOfTwoBalancer &>(balancer));
    }
    return -1;
}
}  // namespace

template <typename Strategy>
Q_ALWAYS_INLINE int Selection::nextWith(const Strategy &strategy)
{
    if (m_count >= m_balancer.size())
        return -1;
    const int index = m_count == 0 ? strategy.first(*this) : strategy.fallback(*this);
    if (index < 0 || index >= m_balancer.size() || tried(index))
        return -1;
    triedWords()[index / 64] |= quint64(1) << (index % 64);
    ++m_count;
    m_previous = index;
    return index;
}

template <typename Strategy>
int Selection::nextAvailableWith(const Strategy &strategy)
{
    for (;;) {
        const int index = nextWith(strategy);  // one call site, so that it inlines
        if (index < 0 || m_balancer.backends()[size_t(index)].state->isAvailable())
            return index;
    }
}

int Selection::next()
{
    return visitStrategy(m_balancer, [this](const auto &strategy) { return nextWith(strategy); });
}

int Selection::nextAvailable()
{
    return visitStrategy(m_balancer, [this](const auto &strategy) { return nextAvailableWith(strategy); });
}

int Balancer::fallback(Selection &selection) const
{
    const int n = size();
    for (int step = 1; step <= n; ++step) {
        const int index = (selection.previous() + step) % n;
        if (!selection.tried(index))
            return index;
    }
    return -1;
}

std::unique_ptr<Balancer> makeBalancer(LoadBalancingStrategy strategy, std::vector<BalancedBackend> backends)
{
    switch (strategy) {
    case LoadBalancingStrategy::RoundRobin: return std::make_unique<RoundRobinBalancer>(std::move(backends));
    case LoadBalancingStrategy::Weighted: return std::make_unique<WeightedBalancer>(std::move(backends));
    case LoadBalancingStrategy::LeastConnections:
        return std::make_unique<LeastConnectionsBalancer>(std::move(backends));
    case LoadBalancingStrategy::Random: return std::make_unique<RandomBalancer>(std::move(backends));
    case LoadBalancingStrategy::IpHash: return std::make_unique<IpHashBalancer>(std::move(backends));
    case LoadBalancingStrategy::PowerOfTwo: return std::make_unique<PowerOfTwoBalancer>(std::move(backends));
    }
    return std::make_unique<RoundRobinBalancer>(std::move(backends));
}

quint64 threadRandomSeed()
{
    return QRandomGenerator::system()->generate64() | 1;
}

}  // namespace kairos
