#pragma once

#include "balancer.h"

#include <atomic>

namespace kairos {

// Even rotation over the backends; fallbacks are the following backends in order.
class RoundRobinBalancer final : public Balancer
{
public:
    explicit RoundRobinBalancer(const std::vector<BalancedBackend> &backends)
        : Balancer(LoadBalancingStrategy::RoundRobin, backends)
    {
    }

    int first(Selection &) const
    {
        return int(advanceRotation(m_next, quint32(size())));
    }

private:
    mutable std::atomic<quint32> m_next{0};
};

}  // namespace kairos
