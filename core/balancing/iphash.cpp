#include "iphash.h"

#include <numeric>

namespace kairos {

namespace {
constexpr int kPointsPerWeight = 160;
constexpr int kMaxPointsPerBackend = 160 * 16;
}  // namespace

quint64 stableHash(QByteArrayView bytes)
{
    quint64 hash = 0xcbf29ce484222325ULL;  // FNV-1a, then a 64-bit finalizer for the avalanche
    for (char c : bytes) {
        hash ^= quint8(c);
        hash *= 0x100000001b3ULL;
    }
    hash ^= hash >> 33;
    hash *= 0xff51afd7ed558ccdULL;
    hash ^= hash >> 33;
    hash *= 0xc4ceb9fe1a85ec53ULL;
    hash ^= hash >> 33;
    return hash;
}

IpHashBalancer::IpHashBalancer(std::vector<BalancedBackend> backends) : Balancer(std::move(backends))
{
    int divisor = 0;
    for (const BalancedBackend &backend : m_backends)
        divisor = std::gcd(divisor, std::max(backend.weight, 1));
    for (int index = 0; index < size(); ++index) {
        const BalancedBackend &backend = m_backends[size_t(index)];
        const int points = std::min(kMaxPointsPerBackend, kPointsPerWeight * std::max(backend.weight, 1) / divisor);
        const QByteArray key = backend.state->key.toUtf8();
        for (int point = 0; point < points; ++point)
            m_ring.push_back({stableHash(key + '#' + QByteArray::number(point)), index});
    }
    std::sort(m_ring.begin(), m_ring.end(), [](const Point &a, const Point &b) {
        return a.hash != b.hash ? a.hash < b.hash : a.backend < b.backend;
    });
}

int IpHashBalancer::first(Selection &selection) const
{
    const quint64 hash = stableHash(selection.clientKey());
    const auto found = std::lower_bound(m_ring.begin(), m_ring.end(), hash,
                                        [](const Point &point, quint64 value) { return point.hash < value; });
    selection.cursor = quint64(found == m_ring.end() ? 0 : found - m_ring.begin());
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
