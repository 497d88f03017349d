// A backend's latency as PeakEwma weighs it (Finagle's and Linkerd's peak-sensitive moving
// average), and the count of its recent tries that GET /api/backends turns into its share.
#pragma once

#include <QtGlobal>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <thread>

namespace kairos {

// The monotonic clock in nanoseconds; Deadlines::nowMs() is the same clock in milliseconds.
inline qint64 steadyNowNs()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

// The estimate and when it was last updated. Times are steadyNowNs() values (or any other
// monotonic nanoseconds: the tests give their own); the decay time is the caller's, so that it
// stays a route's setting while the estimate belongs to the backend.
class PeakEwmaEstimate
{
public:
    struct Value {
        double latencyNs = 0;
        qint64 atNs = 0;  // 0: no sample yet
    };

    // Readers take no lock: a reader racing a writer may pair the new latency with the previous
    // time, which misjudges that one pick by the decay between two answers, and nothing after it.
    Value load() const { return {m_latencyNs.load(std::memory_order_relaxed), m_atNs.load(std::memory_order_relaxed)}; }

    // A sample at or above the estimate replaces it (the peak: a slowdown counts at once); a lower
    // one moves it toward the sample by the weight the time since the last update earns it,
    // 1 - exp(-elapsed / decay). Times before the last update count as no time at all.
    void observe(double latencyNs, qint64 nowNs, double decayNs)
    {
        // Writers are one per answer and hold the flag for a few arithmetic operations; two
        // answers of one backend at the same instant wait for each other that long.
        while (m_writing.exchange(true, std::memory_order_acquire))
            std::this_thread::yield();
        const double current = m_latencyNs.load(std::memory_order_relaxed);
        const qint64 at = m_atNs.load(std::memory_order_relaxed);
        double next = latencyNs;
        if (at != 0 && latencyNs < current) {
            const double weight = std::exp(-double(std::max<qint64>(nowNs - at, 0)) / decayNs);
            next = current * weight + latencyNs * (1 - weight);
        }
        m_latencyNs.store(next, std::memory_order_relaxed);
        m_atNs.store(std::max(at, nowNs), std::memory_order_relaxed);
        m_writing.store(false, std::memory_order_release);
    }

    // What the estimate has decayed to by `nowNs` without answers: toward zero, by e per decay
    // time, so that a backend left alone for being slow is tried again once it has been left long
    // enough (as Finagle and Linkerd do).
    static double decayed(Value value, qint64 nowNs, double decayNs)
    {
        return value.latencyNs * std::exp(-double(std::max<qint64>(nowNs - value.atNs, 0)) / decayNs);
    }

private:
    std::atomic<double> m_latencyNs{0};
    std::atomic<qint64> m_atNs{0};
    std::atomic<bool> m_writing{false};
};

// Tries counted per second of the monotonic clock over the last kSeconds seconds. Each slot holds
// the second it counts (its low 24 bits) above its count (40 bits), so that the first try of a
// new second takes over the slot with one compare-and-swap and none is lost to a reset.
class RecentCount
{
public:
    static constexpr int kSeconds = 10;

    void add(qint64 nowMs)
    {
        const quint64 second = quint64(nowMs / 1000) & kSecondMask;
        std::atomic<quint64> &slot = m_slots[size_t(second % m_slots.size())];
        quint64 current = slot.load(std::memory_order_relaxed);
        for (;;) {
            if ((current >> kCountBits) == second) {
                slot.fetch_add(1, std::memory_order_relaxed);
                return;
            }
            if (slot.compare_exchange_weak(current, (second << kCountBits) | 1, std::memory_order_relaxed))
                return;
        }
    }

    // Tries in the current second and the kSeconds - 1 before it.
    quint64 total(qint64 nowMs) const
    {
        const quint64 now = quint64(nowMs / 1000) & kSecondMask;
        quint64 sum = 0;
        for (const std::atomic<quint64> &slot : m_slots) {
            const quint64 value = slot.load(std::memory_order_relaxed);
            const quint64 age = (now - (value >> kCountBits)) & kSecondMask;
            if (value != 0 && age < quint64(kSeconds))
                sum += value & kCountMask;
        }
        return sum;
    }

private:
    static constexpr int kCountBits = 40;
    static constexpr quint64 kCountMask = (quint64(1) << kCountBits) - 1;
    static constexpr quint64 kSecondMask = (quint64(1) << (64 - kCountBits)) - 1;
    std::array<std::atomic<quint64>, kSeconds> m_slots{};
};

}  // namespace kairos
