#include "networklist.h"

namespace kairos {

NetworkList::NetworkList(const QStringList &networks)
{
    for (const QString &network : networks) {
        const auto subnet = QHostAddress::parseSubnet(
            network.contains(QLatin1Char('/'))
                ? network
                : network + (network.contains(QLatin1Char(':')) ? QLatin1String("/128") : QLatin1String("/32")));
        if (!subnet.first.isNull())
            m_subnets.append(subnet);
    }
}

bool NetworkList::contains(const QHostAddress &address) const
{
    if (m_subnets.isEmpty())
        return false;  // asked for every request; most configs list no trusted proxies
    // An IPv4 peer of a dual-stack socket comes as ::ffff:a.b.c.d, and is matched as a.b.c.d.
    bool isV4 = false;
    const quint32 v4 = address.toIPv4Address(&isV4);
    const QHostAddress plain = isV4 && address.protocol() != QAbstractSocket::IPv4Protocol ? QHostAddress(v4) : address;
    for (const auto &subnet : m_subnets) {
        if (plain.isInSubnet(subnet))
            return true;
    }
    return false;
}

}  // namespace kairos
