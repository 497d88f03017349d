#pragma once

#include "balancer.h"

#include <atomic>

namespace kairos {

// Even rotation over the backends; fallbacks are the following backends in order.
class RoundRobinBalancer : public Balancer
{
public:
    using Balancer::Balancer;

protected:
    int first(Selection &) const override
    {
        return int(m_next.fetch_add(1, std::memory_order_relaxed) % quint64(size()));
    }

private:
    mutable std::atomic<quint64> m_next{0};
};

}  // namespace kairos
