#pragma once

#include "balancer.h"

namespace kairos {

// "Power of two choices": two backends at random, the one with fewer in-flight requests per unit
// of weight wins. Nearly as good as least-connections without scanning every backend, which is
// why Envoy and Traefik recommend it for large pools. Fallbacks: the other one, then in order.
class PowerOfTwoBalancer : public Balancer
{
public:
    using Balancer::Balancer;

protected:
    int first(Selection &selection) const override
    {
        const int n = size();
        if (n == 1)
            return 0;
        const quint64 random = threadRandom();
        const int a = int(randomBelow(random, quint32(n)));
        int b = int(randomBelow(random << 32, quint32(n - 1)));
        if (b >= a)
            ++b;
        const int order = compareLoad(a, b);
        const bool preferA = order < 0 || (order == 0 && (random & 1));
        selection.cursor = quint64(preferA ? b : a);
        return preferA ? a : b;
    }

    int fallback(Selection &selection) const override
    {
        const int other = int(selection.cursor);
        if (selection.count() == 1 && size() > 1 && !selection.tried(other))
            return other;
        return Balancer::fallback(selection);
    }
};

}  // namespace kairos
