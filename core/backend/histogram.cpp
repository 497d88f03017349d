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

LatencyHistogram::Counts LatencyHistogram::counts() const
{
    Counts result{};
    for (size_t i = 0; i < result.size(); ++i)
        result[i] = m_buckets[i].load(std::memory_order_relaxed);
    return result;
}

double LatencyHistogram::quantileMs(const Counts &counts, double q)
{
    quint64 total = 0;
    for (quint64 count : counts)
        total += count;
    if (total == 0)
        return 0;
    const double rank = q * double(total);
    double seen = 0;
    for (size_t i = 0; i < counts.size(); ++i) {
        const double inBucket = double(counts[i]);
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
