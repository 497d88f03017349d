#pragma once

#include "balancer.h"

#include <atomic>

namespace kairos {

// Fewest in-flight requests per unit of weight, counted across all worker threads; ties are
// broken round-robin so that idle backends share the load. Fallbacks: the next least loaded.
class LeastConnectionsBalancer final : public Balancer
{
public:
    explicit LeastConnectionsBalancer(std::vector<BalancedBackend> backends)
        : Balancer(LoadBalancingStrategy::LeastConnections, std::move(backends))
    {
    }

    int first(Selection &selection) const { return leastLoadedUntried(selection); }
    int fallback(Selection &selection) const { return leastLoadedUntried(selection); }

private:
    int leastLoadedUntried(Selection &selection) const
    {
        const int n = size();
        const int start = int(advanceRotation(m_rotation, quint32(n)));
        int best = -1;
        qint64 bestInFlight = 0;
        qint64 bestWeight = 1;
        for (int step = 0, index = start; step < n; ++step, index = index + 1 == n ? 0 : index + 1) {
            if (selection.tried(index))
                continue;
            const BalancedBackend &backend = m_backends[size_t(index)];
            const qint64 inFlight = backend.state->inFlight.load(std::memory_order_relaxed);
            // inFlight / weight < bestInFlight / bestWeight, without dividing
            if (best < 0 || inFlight * bestWeight < bestInFlight * backend.weight) {
                best = index;
                bestInFlight = inFlight;
                bestWeight = backend.weight;
            }
        }
        return best;
    }

    mutable std::atomic<quint32> m_rotation{0};
};

}  // namespace kairos
