#pragma once

#include "balancer.h"

namespace kairos {

// Even rotation over the backends; fallbacks are the following backends in order.
class RoundRobinBalancer final : public Balancer
{
public:
    explicit RoundRobinBalancer(const std::vector<BalancedBackend> &backends)
        : Balancer(LoadBalancingStrategy::RoundRobin, backends)
    {}

    int first(Selection &selection) const { return int(advanceRotation(selection.rotation(), quint32(size()))); }
};

}  // namespace kairos
