// Which addresses discovery may send requests to.
#pragma once

#include <QHostAddress>

namespace kairos {

// An IPv4-mapped IPv6 address (::ffff:10.0.0.5) as the IPv4 address it reaches; others as given.
inline QHostAddress unmapped(const QHostAddress &address)
{
    bool mapped = false;
    const quint32 ipv4 = address.protocol() == QAbstractSocket::IPv6Protocol ? address.toIPv4Address(&mapped) : 0;
    return mapped ? QHostAddress(ipv4) : address;
}

// A unicast address a service can listen on: not 0.0.0.0 or ::, not multicast or broadcast, not
// link-local (169.254.0.0/16, fe80::/10): no service is found there, but a cloud's metadata
// service is (169.254.169.254), and its credentials are not for whoever answers DNS queries or
// writes registrations. IPv4-mapped addresses are judged as the IPv4 address they reach.
inline bool isBackendAddress(const QHostAddress &given)
{
    const QHostAddress address = unmapped(given);
    return !address.isNull() && address != QHostAddress(QHostAddress::AnyIPv4)
           && address != QHostAddress(QHostAddress::AnyIPv6) && !address.isMulticast() && !address.isBroadcast()
           && !address.isLinkLocal();
}

}  // namespace kairos
