// A list of CIDR networks ("10.0.0.0/8", "::1") to test peer addresses against, e.g.
// server.trusted_proxies and admin.allowed_networks. IPv4-mapped IPv6 peers match IPv4 networks.
#pragma once

#include <QHostAddress>
#include <QList>
#include <QStringList>

namespace kairos {

class NetworkList
{
public:
    NetworkList() = default;
    explicit NetworkList(const QStringList &networks);

    bool contains(const QHostAddress &address) const;
    bool isEmpty() const { return m_subnets.isEmpty(); }

private:
    QList<QPair<QHostAddress, int>> m_subnets;
};

}  // namespace kairos
