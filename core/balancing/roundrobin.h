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
        return int(advanceRotation(m_next, quint32(size())));
    }

private:
    mutable std::atomic<quint32> m_next{0};
};

}  // namespace kairos
