#pragma once

#include "twochoices.h"

namespace kairos {

// "Power of two choices": two backends at random, the one with fewer in-flight requests per unit
// of weight wins. Nearly as good as least-connections without scanning every backend, which is
// why Envoy and Traefik recommend it for large pools. Fallbacks: the other one, then in order.
class PowerOfTwoBalancer final : public TwoChoicesBalancer
{
public:
    explicit PowerOfTwoBalancer(const std::vector<BalancedBackend> &backends)
        : TwoChoicesBalancer(LoadBalancingStrategy::PowerOfTwo, backends)
    {}

    Choice firstChoice(Selection &selection) const
    {
        if (size() == 1)
            return {0, m_backends[0].state.get()};
        const auto [a, b] = drawPair(selection);
        // In-flight requests per unit of weight, compared without dividing.
        const BalancedBackend &x = m_backends[a];
        const BalancedBackend &y = m_backends[b];
        const qint64 loadA = qint64(x.state->inFlight.load(std::memory_order_relaxed)) * y.weight;
        const qint64 loadB = qint64(y.state->inFlight.load(std::memory_order_relaxed)) * x.weight;
        // A tie goes to `a`, itself a uniform pick. No branch may depend on the random draw (a
        // mispredicted one costs more than the whole pick): GCC makes this ?: two conditional
        // moves, of the index and of the winner's state, which the availability check takes as
        // it is instead of loading it from the list again (objdump).
        return loadA <= loadB ? Choice{a, x.state.get()} : Choice{b, y.state.get()};
    }
    int first(Selection &selection) const { return firstChoice(selection).index; }
};

}  // namespace kairos
