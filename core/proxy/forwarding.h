// How the gateway rewrites heads on their way through (RFC 9110 §7.6): hop-by-hop fields are
// removed in both directions, X-Forwarded-* and X-Request-Id are set on the way up, and the
// response carries the request id back.
#pragma once

#include "config/config.h"
#include "http/httpmessage.h"

#include <QHostAddress>

namespace kairos {

struct ForwardingContext {
    QHostAddress peer;
    bool peerIsTrustedProxy = false;
    QByteArray requestId;
    QByteArray upstreamTarget;
    const Backend *backend = nullptr;
    bool preserveHost = false;
    bool upgrade = false;  // keep Upgrade and Connection: upgrade
};

// Removes Connection, every field it names, and the fixed hop-by-hop fields.
void removeHopByHopFields(http::Headers &headers);

// The head to send to the backend. Body framing fields (Content-Length, Transfer-Encoding) are
// left to the caller, which knows how the body will be sent.
http::RequestHead upstreamRequestHead(const http::RequestHead &client, const ForwardingContext &context);

// "backend-1:8080", or without the port when it is the scheme's default.
QByteArray backendAuthority(const Backend &backend);

// The client's address as the routing and IpHash strategies see it: the TCP peer, or, when the
// peer is a trusted proxy, the rightmost X-Forwarded-For address that is not a trusted proxy.
QByteArray effectiveClientAddress(const http::RequestHead &request, const QHostAddress &peer,
                                  bool peerIsTrustedProxy, const class NetworkList &trusted);

QByteArray newRequestId();

}  // namespace kairos
