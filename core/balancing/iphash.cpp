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

IpHashBalancer::IpHashBalancer(const std::vector<BalancedBackend> &backends)
    : Balancer(LoadBalancingStrategy::IpHash, backends)
{
    int divisor = 0;
    for (const BalancedBackend &backend : Balancer::backends())
        divisor = std::gcd(divisor, std::max(backend.weight, 1));
    struct Point {
        quint64 hash;
        int backend;
    };
    std::vector<Point> ring;
    for (int index = 0; index < size(); ++index) {
        const BalancedBackend &backend = m_backends[index];
        const int points = std::min(kMaxPointsPerBackend, kPointsPerWeight * std::max(backend.weight, 1) / divisor);
        const QByteArray key = backend.state->key.toUtf8();
        for (int point = 0; point < points; ++point)
            ring.push_back({stableHash(key + '#' + QByteArray::number(point)), index});
    }
    std::sort(ring.begin(), ring.end(), [](const Point &a, const Point &b) {
        return a.hash != b.hash ? a.hash < b.hash : a.backend < b.backend;
    });
    m_pointHashes.reserve(ring.size());
    m_pointBackends.reserve(ring.size());
    for (const Point &point : ring) {
        m_pointHashes.push_back(point.hash);
        m_pointBackends.push_back(quint16(point.backend));
    }
    int bits = 1;
    while ((size_t(1) << bits) < ring.size() / 2 && bits < 24)
        ++bits;
    m_bucketShift = 64 - bits;
    m_bucketStart.resize((size_t(1) << bits) + 1);
    size_t point = 0;
    for (size_t bucket = 0; bucket + 1 < m_bucketStart.size(); ++bucket) {
        while (point < ring.size() && (ring[point].hash >> m_bucketShift) < bucket)
            ++point;
        m_bucketStart[bucket] = quint32(point);
    }
    m_bucketStart.back() = quint32(ring.size());
}

int IpHashBalancer::first(Selection &selection) const
{
    const quint64 hash = selection.clientHash();
    // The first point with hash >= the client's (the same answer as a lower_bound over the ring).
    const size_t points = m_pointHashes.size();
    size_t position = m_bucketStart[hash >> m_bucketShift];
    while (position < points && m_pointHashes[position] < hash)
        ++position;
    selection.cursor = quint64(position == points ? 0 : position);
    return m_pointBackends[selection.cursor];
}

int IpHashBalancer::fallback(Selection &selection) const
{
    const size_t points = m_pointBackends.size();
    for (size_t step = 1; step <= points; ++step) {
        const size_t position = (selection.cursor + step) % points;
        if (!selection.tried(m_pointBackends[position])) {
            selection.cursor = position;
            return m_pointBackends[position];
        }
    }
    return Balancer::fallback(selection);
}

}  // namespace kairos
