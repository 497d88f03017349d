// How the gateway rewrites heads on their way through (RFC 9110 §7.6): hop-by-hop fields are
// removed in both directions, X-Forwarded-* and X-Request-Id are set on the way up, and the
// response carries the request id back.
#pragma once

#include "config/config.h"
#include "http/httpmessage.h"

#include <QHostAddress>

namespace kairos {

struct ForwardingContext {
    QByteArray peerText;  // clientAddressText() of the TCP peer
    bool peerIsTrustedProxy = false;
    // The client connection is TLS: X-Forwarded-Proto https, unless a trusted proxy says otherwise.
    bool secure = false;
    QByteArray requestId;
    QByteArray upstreamTarget;
    QByteArray backendAuthority;  // Backend::authority() of the chosen backend
    bool preserveHost = false;
    QByteArray upgrade;  // the Upgrade protocols to pass on (allowedUpgrades()); empty: none
};

// Removes Connection, every field it names, the fixed hop-by-hop fields, and alsoRemove, in one pass.
void removeHopByHopFields(http::Headers &headers, std::initializer_list<QByteArrayView> alsoRemove = {});

// The head to send to the backend. Body framing fields (Content-Length, Transfer-Encoding) are
// left to the caller, which knows how the body will be sent.
http::RequestHead upstreamRequestHead(const http::RequestHead &client, const ForwardingContext &context);

// Of a client's Upgrade value ("h2c, websocket"), the protocols that `allowed` (a route's
// allowed_upgrades) lets through, as an Upgrade value ("websocket"); empty when none is.
QByteArray allowedUpgrades(QByteArrayView requested, const QStringList &allowed);

// Whether a 101's Upgrade value names protocols that were all asked for (and at least one).
bool switchesToRequestedProtocol(QByteArrayView switchedTo, QByteArrayView requested);

// Who sent a request, for the admin API's allowed_networks, IpHash and the access log: the peer
// itself unless it is a trusted proxy; behind trusted proxies, the rightmost X-Forwarded-For
// address that is not one (or the leftmost when all are). Null, so that nothing admits it, when
// an entry on the way there is not an address.
QHostAddress resolveClientAddress(const http::RequestHead &request, const QHostAddress &peer,
                                  const class NetworkList &trusted);

// An address as X-Forwarded-For carries it: IPv4-mapped IPv6 addresses in their IPv4 form.
QByteArray clientAddressText(const QHostAddress &address);

QByteArray newRequestId();
// Whether a client's X-Request-Id may be passed on as it is: 1-128 visible ASCII characters.
bool isAcceptableRequestId(const QByteArray &id);

}  // namespace kairos
