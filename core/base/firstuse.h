// A block of counters allocated when first written, not when declared: a config with thousands
// of routes (or backends) that see no traffic then costs a pointer each instead of the counters,
// and readers see zeros, as for a block that exists but was never written. Prometheus client
// libraries create labelled series lazily for the same reason.
#pragma once

#include <QtGlobal>

#include <atomic>

namespace kairos {

template <typename Counters> class AllocatedOnFirstUse
{
public:
    AllocatedOnFirstUse() = default;
    AllocatedOnFirstUse(const AllocatedOnFirstUse &) = delete;
    AllocatedOnFirstUse &operator=(const AllocatedOnFirstUse &) = delete;
    ~AllocatedOnFirstUse() { delete m_counters.load(std::memory_order_acquire); }

    // For writing; the first writer allocates. Two first writers race with a compare-exchange;
    // the loser frees its block and uses the winner's.
    Counters &get()
    {
        Counters *counters = m_counters.load(std::memory_order_acquire);
        if (Q_LIKELY(counters))
            return *counters;
        auto *fresh = new Counters();
        if (m_counters.compare_exchange_strong(counters, fresh, std::memory_order_acq_rel))
            return *fresh;
        delete fresh;
        return *counters;
    }

    // For reading: the block, or a shared empty one when nothing was written yet.
    const Counters &view() const
    {
        static const Counters kEmpty{};
        const Counters *counters = m_counters.load(std::memory_order_acquire);
        return counters ? *counters : kEmpty;
    }

private:
    std::atomic<Counters *> m_counters{nullptr};
};

}  // namespace kairos
