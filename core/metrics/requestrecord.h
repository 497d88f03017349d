// What a finished request looked like, for the access log and the console's traffic view.
#pragma once

#include "http/httpmessage.h"

#include <QByteArray>
#include <QHostAddress>
#include <QString>

namespace kairos {

struct RequestRecord {
    RequestRecord() = default;
    // With the peer's address shared: a default QHostAddress allocates.
    explicit RequestRecord(QHostAddress peerAddress) : peer(std::move(peerAddress)) {}

    QByteArray requestId;
    QByteArray method;
    QByteArray target;
    QString routePath;  // the route's external_path, empty when none matched
    QString backend;    // the backend's key, empty when none was used
    int status = 0;
    qint64 responseBytes = 0;
    qint64 durationUs = 0;
    int attempts = 0;
    qint64 queuedUs = -1;        // time waited in the route's request queue; -1: never queued
    const char *note = nullptr;  // what the gateway changed on the way, for the access log ("upgrade_ignored")
    QHostAddress peer;
    // When the peer is a trusted proxy: the client it forwards for, as X-Forwarded-For names it
    // ("-" when an entry on the way is not an address); empty otherwise.
    QByteArray forwardedClient;
    // Over TLS: the version ("TLSv1.3") and the protocol ALPN chose (empty when none was);
    // null and empty on the plain listener.
    const char *tlsVersion = nullptr;
    QByteArray alpn;
    qint64 finishedAtMs = 0;       // since the epoch
    http::Headers requestHeaders;  // only when the gateway captures headers (console running)
    http::Headers responseHeaders;
};

}  // namespace kairos
