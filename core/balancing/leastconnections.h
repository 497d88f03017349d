#pragma once

#include "balancer.h"

#include <atomic>

namespace kairos {

// Fewest in-flight requests per unit of weight, counted across all worker threads; ties are
// broken round-robin so that idle backends share the load. Fallbacks: the next least loaded.
class LeastConnectionsBalancer : public Balancer
{
public:
    using Balancer::Balancer;

protected:
    int first(Selection &selection) const override { return leastLoadedUntried(selection); }
    int fallback(Selection &selection) const override { return leastLoadedUntried(selection); }

private:
    int leastLoadedUntried(Selection &selection) const
    {
        const int n = size();
        const int start = int(m_rotation.fetch_add(1, std::memory_order_relaxed) % quint64(n));
        int best = -1;
        double bestLoad = 0;
        for (int step = 0; step < n; ++step) {
            const int index = (start + step) % n;
            if (selection.tried(index))
                continue;
            const double current = load(index);
            if (best < 0 || current < bestLoad) {
                best = index;
                bestLoad = current;
            }
        }
        return best;
    }

    mutable std::atomic<quint64> m_rotation{0};
};

}  // namespace kairos
