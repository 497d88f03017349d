// A latency histogram with fixed buckets, updated with atomics only (no lock on the request path).
#pragma once

#include <QtGlobal>

#include <array>
#include <atomic>

namespace kairos {

class LatencyHistogram
{
public:
    // Upper bounds in seconds, as Prometheus' default buckets plus a few finer ones.
    static constexpr std::array<double, 14> kBounds{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                    0.1,    0.25,  0.5,    1.0,   2.5,  5.0,   10.0};

    void observe(qint64 microseconds);
    quint64 count() const { return m_count.load(std::memory_order_relaxed); }
    double sumSeconds() const { return double(m_sumMicroseconds.load(std::memory_order_relaxed)) / 1e6; }
    // Observations in bucket i alone (i == kBounds.size(): above the last bound).
    quint64 bucket(size_t i) const { return m_buckets[i].load(std::memory_order_relaxed); }
    using Counts = std::array<quint64, kBounds.size() + 1>;
    Counts counts() const;
    // An estimate of the q-quantile in milliseconds, interpolated inside its bucket; 0 when empty.
    double quantileMs(double q) const { return quantileMs(counts(), q); }
    // The same for bucket counts taken elsewhere, e.g. the difference of two counts() (one second).
    static double quantileMs(const Counts &counts, double q);

private:
    std::array<std::atomic<quint64>, kBounds.size() + 1> m_buckets{};
    std::atomic<quint64> m_count{0};
    std::atomic<quint64> m_sumMicroseconds{0};
};

}  // namespace kairos
