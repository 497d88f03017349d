#include "balancer.h"

#include "iphash.h"
#include "leastconnections.h"
#include "poweroftwo.h"
#include "random.h"
#include "roundrobin.h"
#include "weighted.h"

#include <QRandomGenerator>

namespace kairos {

Selection::Selection(const Balancer &balancer, QByteArrayView clientKey)
    : m_balancer(balancer), m_clientKey(clientKey)
{
    if (balancer.size() > 128)
        m_triedHeap = std::make_unique<quint64[]>(size_t(balancer.size() + 63) / 64);  // zeroed
}

int Selection::next()
{
    if (m_count >= m_balancer.size())
        return -1;
    const int index = m_count == 0 ? m_balancer.first(*this) : m_balancer.fallback(*this);
    if (index < 0 || index >= m_balancer.size() || tried(index))
        return -1;
    triedWords()[index / 64] |= quint64(1) << (index % 64);
    ++m_count;
    m_previous = index;
    return index;
}

int Selection::nextAvailable()
{
    for (int index = next(); index >= 0; index = next()) {
        if (m_balancer.backends()[size_t(index)].state->isAvailable())
            return index;
    }
    return -1;
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

int Balancer::compareLoad(int a, int b) const
{
    const BalancedBackend &x = m_backends[size_t(a)];
    const BalancedBackend &y = m_backends[size_t(b)];
    const qint64 left = qint64(x.state->inFlight.load(std::memory_order_relaxed)) * y.weight;
    const qint64 right = qint64(y.state->inFlight.load(std::memory_order_relaxed)) * x.weight;
    return left < right ? -1 : left > right ? 1 : 0;
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

quint64 threadRandom()
{
    // splitmix64, seeded once per thread from the system generator. A constant initializer keeps
    // the thread-local access free of a guard call.
    thread_local quint64 state = 0;
    if (Q_UNLIKELY(state == 0))
        state = QRandomGenerator::system()->generate64() | 1;
    quint64 z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

}  // namespace kairos
