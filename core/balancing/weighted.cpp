#include "weighted.h"

#include <numeric>

namespace kairos {

WeightedBalancer::WeightedBalancer(const std::vector<BalancedBackend> &backends)
    : Balancer(LoadBalancingStrategy::Weighted, backends)
{
    int divisor = 0;
    for (const BalancedBackend &backend : Balancer::backends())
        divisor = std::gcd(divisor, std::max(backend.weight, 1));
    std::vector<int> weights;
    int total = 0;
    for (const BalancedBackend &backend : Balancer::backends()) {
        weights.push_back(std::max(backend.weight, 1) / std::max(divisor, 1));
        total += weights.back();
    }
    std::vector<int> current(weights.size(), 0);
    m_schedule.reserve(size_t(total));
    for (int slot = 0; slot < total; ++slot) {
        size_t best = 0;
        for (size_t i = 0; i < weights.size(); ++i) {
            current[i] += weights[i];
            if (current[i] > current[best])
                best = i;
        }
        current[best] -= total;
        m_schedule.push_back(quint16(best));
    }
}

int WeightedBalancer::fallback(Selection &selection) const
{
    // Keep following the schedule, so fallbacks also respect the weights.
    const size_t length = m_schedule.size();
    for (size_t step = 1; step <= length; ++step) {
        const size_t slot = (selection.cursor + step) % length;
        if (!selection.tried(m_schedule[slot])) {
            selection.cursor = slot;
            return m_schedule[slot];
        }
    }
    return Balancer::fallback(selection);
}

}  // namespace kairos
