// Which addresses discovery may send requests to.
#pragma once

#include <QHostAddress>

namespace kairos {

// A unicast address a service can listen on: not 0.0.0.0 or ::, not multicast or broadcast, not
// link-local (169.254.0.0/16, fe80::/10): no service is found there, but a cloud's metadata
// service is (169.254.169.254), and its credentials are not for whoever answers DNS queries or
// writes registrations.
inline bool isBackendAddress(const QHostAddress &address)
{
    return !address.isNull() && address != QHostAddress(QHostAddress::AnyIPv4)
           && address != QHostAddress(QHostAddress::AnyIPv6) && !address.isMulticast() && !address.isBroadcast()
           && !address.isLinkLocal();
}

}  // namespace kairos
