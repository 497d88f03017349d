#include "iphash.h"

#include <xxhash.h>

#include <numeric>

namespace kairos {

namespace {
constexpr int kPointsPerWeight = 160;
constexpr int kMaxPointsPerBackend = 160 * 16;

// XXH3's output is fixed across versions (since 0.8.0) and platforms.
quint64 stableHash(QByteArrayView bytes)
{
    return XXH3_64bits(bytes.data(), size_t(bytes.size()));
}
}  // namespace

quint64 clientHash(QByteArrayView address)
{
    return stableHash(address);
}

IpHashBalancer::IpHashBalancer(BalancedBackends backends) : Balancer(LoadBalancingStrategy::IpHash, std::move(backends))
{
    int divisor = 0;
    for (const BalancedBackend &backend : Balancer::backends())
        divisor = std::gcd(divisor, std::max(backend.weight, 1));
    for (int index = 0; index < size(); ++index) {
        const BalancedBackend &backend = m_backends[index];
        const int points = std::min(kMaxPointsPerBackend, kPointsPerWeight * std::max(backend.weight, 1) / divisor);
        const QByteArray key = backend.state->key.toUtf8();
        for (int point = 0; point < points; ++point)
            m_ring.push_back({stableHash(key + '#' + QByteArray::number(point)), index});
    }
    std::sort(m_ring.begin(), m_ring.end(), [](const Point &a, const Point &b) {
        return a.hash != b.hash ? a.hash < b.hash : a.backend < b.backend;
    });
    int bits = 1;
    while ((size_t(1) << bits) < m_ring.size() / 2 && bits < 24)
        ++bits;
    m_bucketShift = 64 - bits;
    m_bucketStart.resize((size_t(1) << bits) + 1);
    size_t point = 0;
    for (size_t bucket = 0; bucket + 1 < m_bucketStart.size(); ++bucket) {
        while (point < m_ring.size() && (m_ring[point].hash >> m_bucketShift) < bucket)
            ++point;
        m_bucketStart[bucket] = quint32(point);
    }
    m_bucketStart.back() = quint32(m_ring.size());
}

int IpHashBalancer::first(Selection &selection) const
{
    const quint64 hash = selection.clientHash();
    // The first point with point.hash >= hash (the same answer as a lower_bound over the ring).
    size_t position = m_bucketStart[hash >> m_bucketShift];
    while (position < m_ring.size() && m_ring[position].hash < hash)
        ++position;
    selection.cursor = quint64(position == m_ring.size() ? 0 : position);
    return m_ring[selection.cursor].backend;
}

int IpHashBalancer::fallback(Selection &selection) const
{
    for (size_t step = 1; step <= m_ring.size(); ++step) {
        const size_t position = (selection.cursor + step) % m_ring.size();
        if (!selection.tried(m_ring[position].backend)) {
            selection.cursor = position;
            return m_ring[position].backend;
        }
    }
    return Balancer::fallback(selection);
}

}  // namespace kairos
