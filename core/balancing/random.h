#pragma once

#include "balancer.h"

namespace kairos {

// A random backend, in proportion to its weight. Fallbacks: the following backends in order.
// Each backend appears in a table as many times as its weight (at most 1,000), so a pick is one
// random slot: no search, whose branches a random point would keep mispredicting.
class RandomBalancer final : public Balancer
{
public:
    explicit RandomBalancer(const std::vector<BalancedBackend> &backends)
        : Balancer(LoadBalancingStrategy::Random, backends)
    {
        for (int index = 0; index < size(); ++index)
            m_slots.insert(m_slots.end(), size_t(std::max(m_backends[index].weight, 1)), quint16(index));
        m_slotCount = quint32(m_slots.size());
    }

    int first(Selection &) const { return m_slots[randomBelow(sharedRandom(m_random), m_slotCount)]; }

private:
    std::vector<quint16> m_slots;
    quint32 m_slotCount;  // kept apart from the vector: deriving it costs a subtraction and a shift
    mutable std::atomic<quint64> m_random{processRandomSeed ^ quint64(quintptr(this))};
};

}  // namespace kairos
