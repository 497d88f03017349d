#pragma once

#include "balancer.h"

namespace kairos {

// Consistent hashing of the client address over a ring of virtual nodes (160 per unit of weight,
// placed by hashing the backend's key), so that the same client reaches the same backend and
// removing one of N backends moves only about 1/N of the clients. Fallbacks walk the ring on.
class IpHashBalancer final : public Balancer
{
public:
    explicit IpHashBalancer(const std::vector<BalancedBackend> &backends);

    int first(Selection &selection) const;
    int fallback(Selection &selection) const;

private:
    // The ring's points in hash order, as two arrays: a struct of both would be padded to 16 bytes.
    std::vector<quint64> m_pointHashes;
    std::vector<quint16> m_pointBackends;
    // For each value of a hash's top bits, the first ring point at or after it: a lookup starts
    // there and scans a point or two, instead of a binary search over the whole ring. About two
    // points per bucket, so 4 bytes per point more.
    std::vector<quint32> m_bucketStart;
    int m_bucketShift = 64;
};

}  // namespace kairos
