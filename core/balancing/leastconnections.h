#pragma once

#include "balancer.h"

#include <memory>

namespace kairos {

// Fewest in-flight requests per unit of weight, counted across all worker threads; ties are
// broken round-robin so that idle backends share the load. Fallbacks: the next least loaded.
class LeastConnectionsBalancer final : public Balancer
{
public:
    explicit LeastConnectionsBalancer(const std::vector<BalancedBackend> &backends);

    // Called with backends (Selection checks): with none skipped there is a least loaded one.
    // Its state comes from the entry the scan ended on, not from the list again.
    Choice firstChoice(Selection &selection) const
    {
        const Entry *least = leastLoaded(selection.rotation(), [](int) { return false; });
        return {int(least - m_entries.get()), least->state};
    }
    int first(Selection &selection) const { return firstChoice(selection).index; }
    // Null when all were tried: Selection does not ask then, but an index must not come of it.
    int fallback(Selection &selection) const
    {
        const Entry *least =
            leastLoaded(selection.rotation(), [&selection](int index) { return selection.tried(index); });
        return least ? int(least - m_entries.get()) : -1;
    }

private:
    // Per backend, what the scans read, side by side: its state (in-flight count), its weight and
    // the weights' least common multiple over its weight, so that in-flight count times it orders
    // backends exactly as in-flight count over weight does (0 when that multiple does not fit in
    // 32 bits, weights such as several large primes: then m_scaled is false).
    struct Entry {
        const BackendState *state;
        quint32 scale;
        int weight;
    };

    template <typename Skip> Q_ALWAYS_INLINE const Entry *leastLoaded(Rotation &rotation, Skip skip) const
    {
        const int n = size();
        const int start = int(advanceRotation(rotation, quint32(n)));
        if (Q_LIKELY(m_scaled)) {
            Scaled best;
            scanScaled(start, n, skip, best);
            scanScaled(0, start, skip, best);
            return best.entry;
        }
        return leastLoadedByRatio(start, skip);
    }
    // Out of line: the registers its two multiplications per backend need would otherwise be
    // saved and restored by every selection.
    template <typename Skip> Q_NEVER_INLINE const Entry *leastLoadedByRatio(int start, Skip skip) const
    {
        Ratio best;
        scanRatios(start, size(), skip, best);
        scanRatios(0, start, skip, best);
        return best.entry;
    }

    // Starts at a rotating position and keeps the first of equals: ties go round-robin. Two plain
    // ranges rather than one index wrapping around, which costs a comparison per backend; walked
    // by pointer, not index (an index into 16-byte entries cost GCC two more instructions per
    // backend, and a saved register). Each comparison is written so that GCC branches rather
    // than moving conditionally: with conditional moves each waits for the one before
    // (bench/micro/bench_core.cpp:BM_Select, least_connections over 100: twice the time). The two scans
    // below are alike on purpose: one scan over a comparison policy made GCC turn scanRatios'
    // comparison into conditional moves. "No best yet" is marked unlikely (true once per scan): GCC then tests
    // it after the load comparison, 5 % faster over 100 backends.

    // In-flight count times the entry's scale: one multiplication per backend, compared exactly.
    struct Scaled {
        const Entry *entry = nullptr;
        qint64 load = 0;
    };
    template <typename Skip> Q_ALWAYS_INLINE void scanScaled(int from, int to, Skip skip, Scaled &best) const
    {
        const Entry *const end = m_entries.get() + to;
        for (const Entry *entry = m_entries.get() + from; entry != end; ++entry) {
            if (skip(int(entry - m_entries.get())))
                continue;
            const qint64 load = qint64(entry->state->inFlight.load(std::memory_order_relaxed)) * entry->scale;
            if (Q_UNLIKELY(!best.entry) || load < best.load)
                best = {entry, load};
        }
    }

    // inFlight / weight < best.inFlight / best.weight, without dividing: when the weights have
    // no common multiple that fits in 32 bits.
    struct Ratio {
        const Entry *entry = nullptr;
        qint64 inFlight = 0;
        qint64 weight = 1;
    };
    template <typename Skip> Q_ALWAYS_INLINE void scanRatios(int from, int to, Skip skip, Ratio &best) const
    {
        const Entry *const end = m_entries.get() + to;
        for (const Entry *entry = m_entries.get() + from; entry != end; ++entry) {
            if (skip(int(entry - m_entries.get())))
                continue;
            const qint64 inFlight = entry->state->inFlight.load(std::memory_order_relaxed);
            if (Q_UNLIKELY(!best.entry) || inFlight * best.weight < best.inFlight * entry->weight)
                best = {entry, inFlight, entry->weight};
        }
    }

    static std::unique_ptr<const Entry[]> entries(const std::vector<BalancedBackend> &backends);
    const std::unique_ptr<const Entry[]> m_entries;
    const bool m_scaled;
};

}  // namespace kairos
