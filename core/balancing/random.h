#pragma once

#include "balancer.h"

namespace kairos {

// A random backend, in proportion to its weight. Fallbacks: the following backends in order.
class RandomBalancer : public Balancer
{
public:
    explicit RandomBalancer(std::vector<BalancedBackend> backends) : Balancer(std::move(backends))
    {
        quint64 total = 0;
        for (const BalancedBackend &backend : m_backends) {
            total += quint64(std::max(backend.weight, 1));
            m_cumulativeWeights.push_back(total);
        }
    }

protected:
    int first(Selection &) const override
    {
        const quint64 point = threadRandom() % m_cumulativeWeights.back();
        const auto found = std::upper_bound(m_cumulativeWeights.begin(), m_cumulativeWeights.end(), point);
        return int(found - m_cumulativeWeights.begin());
    }

private:
    std::vector<quint64> m_cumulativeWeights;
};

}  // namespace kairos
