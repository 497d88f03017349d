#include "histogram.h"

#include <cmath>

namespace kairos {

void LatencyHistogram::observe(qint64 microseconds)
{
    const double seconds = double(microseconds) / 1e6;
    size_t index = 0;
    while (index < kBounds.size() && seconds > kBounds[index])
        ++index;
    m_buckets[index].fetch_add(1, std::memory_order_relaxed);
    m_count.fetch_add(1, std::memory_order_relaxed);
    m_sumMicroseconds.fetch_add(quint64(std::max<qint64>(microseconds, 0)), std::memory_order_relaxed);
}

double LatencyHistogram::quantileMs(double q) const
{
    quint64 total = 0;
    for (const auto &bucket : m_buckets)
        total += bucket.load(std::memory_order_relaxed);
    if (total == 0)
        return 0;
    const double rank = q * double(total);
    double seen = 0;
    for (size_t i = 0; i < m_buckets.size(); ++i) {
        const double inBucket = double(m_buckets[i].load(std::memory_order_relaxed));
        if (seen + inBucket >= rank && inBucket > 0) {
            const double lower = i == 0 ? 0 : kBounds[i - 1];
            const double upper = i < kBounds.size() ? kBounds[i] : kBounds.back() * 2;
            return (lower + (upper - lower) * ((rank - seen) / inBucket)) * 1000.0;
        }
        seen += inBucket;
    }
    return kBounds.back() * 1000.0;
}

}  // namespace kairos
