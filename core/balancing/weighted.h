#pragma once

#include "balancer.h"

namespace kairos {

// Smooth weighted round robin (as in nginx): weights 3:2:1 give A B A C A B, interleaved rather
// than A A A B B C. The sequence of one cycle is computed once, so picking is one atomic increment.
class WeightedBalancer final : public Balancer
{
public:
    explicit WeightedBalancer(const std::vector<BalancedBackend> &backends);

    const std::vector<quint16> &schedule() const { return m_schedule; }

    int first(Selection &selection) const
    {
        selection.cursor = advanceRotation(selection.rotation(), quint32(m_schedule.size()));
        return m_schedule[selection.cursor];
    }
    int fallback(Selection &selection) const;

private:
    std::vector<quint16> m_schedule;
};

}  // namespace kairos
