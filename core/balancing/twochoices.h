#pragma once

#include "balancer.h"

namespace kairos {

// The strategies that draw two different backends at random and take the better one
// (power_of_two, peak_ewma): the draw, and the fallback that tries the other one next, then the
// rest in order.
class TwoChoicesBalancer : public Balancer
{
public:
    int fallback(Selection &selection) const
    {
        const int other = int(selection.cursor) ^ selection.previous();
        if (selection.count() == 1 && size() > 1 && !selection.tried(other))
            return other;
        return Balancer::fallback(selection);
    }

protected:
    TwoChoicesBalancer(LoadBalancingStrategy strategy, const std::vector<BalancedBackend> &backends)
        : Balancer(strategy, backends)
    {}

    struct Pair {
        int a;
        int b;
    };
    // Two different indexes, uniformly, from one random draw; at least two backends. The
    // selection's cursor keeps a ^ b, so that fallback() finds the one not taken.
    Pair drawPair(Selection &selection) const
    {
        const quint64 random = sharedRandom(m_random);
        const int a = int(randomBelow(random, quint32(size())));
        int b = int(randomBelow(random << 32, quint32(size() - 1)));
        b += b >= a;
        selection.cursor = quint64(a ^ b);
        return {a, b};
    }

private:
    mutable std::atomic<quint64> m_random{processRandomSeed ^ quint64(quintptr(this))};
};

}  // namespace kairos
