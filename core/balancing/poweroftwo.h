#pragma once

#include "balancer.h"

namespace kairos {

// "Power of two choices": two backends at random, the one with fewer in-flight requests per unit
// of weight wins. Nearly as good as least-connections without scanning every backend, which is
// why Envoy and Traefik recommend it for large pools. Fallbacks: the other one, then in order.
class PowerOfTwoBalancer final : public Balancer
{
public:
    explicit PowerOfTwoBalancer(const std::vector<BalancedBackend> &backends)
        : Balancer(LoadBalancingStrategy::PowerOfTwo, backends)
    {}

    Choice firstChoice(Selection &selection) const
    {
        const int n = size();
        if (n == 1)
            return {0, m_backends[0].state.get()};
        const quint64 random = sharedRandom(m_random);
        const int a = int(randomBelow(random, quint32(n)));
        int b = int(randomBelow(random << 32, quint32(n - 1)));
        b += b >= a;
        // In-flight requests per unit of weight, compared without dividing.
        const BalancedBackend &x = m_backends[a];
        const BalancedBackend &y = m_backends[b];
        const qint64 loadA = qint64(x.state->inFlight.load(std::memory_order_relaxed)) * y.weight;
        const qint64 loadB = qint64(y.state->inFlight.load(std::memory_order_relaxed)) * x.weight;
        // A tie goes to `a`, itself a uniform pick. No branch may depend on the random draw (a
        // mispredicted one costs more than the whole pick): GCC makes this ?: two conditional
        // moves, of the index and of the winner's state, which the availability check takes as
        // it is instead of loading it from the list again (objdump).
        selection.cursor = quint64(a ^ b);  // the other one is this ^ winner
        return loadA <= loadB ? Choice{a, x.state.get()} : Choice{b, y.state.get()};
    }
    int first(Selection &selection) const { return firstChoice(selection).index; }

    int fallback(Selection &selection) const
    {
        const int other = int(selection.cursor) ^ selection.previous();
        if (selection.count() == 1 && size() > 1 && !selection.tried(other))
            return other;
        return Balancer::fallback(selection);
    }

private:
    mutable std::atomic<quint64> m_random{processRandomSeed ^ quint64(quintptr(this))};
};

}  // namespace kairos
