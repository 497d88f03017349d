// What a finished request looked like, for the access log and the console's traffic view.
#pragma once

#include "http/httpmessage.h"

#include <QByteArray>
#include <QHostAddress>
#include <QList>
#include <QString>

namespace kairos {

// One try of a proxied request at a backend, for the console's traffic view.
struct ExchangeTry {
    QString backend;
    qint64 startUs = 0;     // since the exchange started
    qint64 connectUs = -1;  // time to connect; -1 while connecting or when never connected
    bool reusedConnection = false;
    qint64 firstByteUs = -1;  // from sending the request to the response head; -1: none came
    int status = 0;           // the backend's answer; 0: none
    QByteArray error;         // why the try failed (a retried status names itself here too)
};

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
    // null and empty on the plain listener, except "h2c" for HTTP/2 there.
    const char *tlsVersion = nullptr;
    QByteArray alpn;
    qint64 finishedAtMs = 0;       // since the epoch
    http::Headers requestHeaders;  // only when the gateway captures headers (console running)
    http::Headers responseHeaders;
    bool gatewayResponse = false;  // the gateway answered itself: a refusal or a failure to proxy
    // The rest only while the console captures (ClientConnection's captureHeaders).
    // The first console.capture_body_bytes of each body; the flag says when more went by.
    QByteArray requestBody;
    QByteArray responseBody;
    bool requestBodyTruncated = false;
    bool responseBodyTruncated = false;
    qint64 requestBytes = 0;   // the whole request body
    qint64 firstByteUs = -1;   // from the request head to the response head; -1: none
    QList<ExchangeTry> tries;  // the backends tried, in order
};

// Appends what is left of `cap` of a body passing by, without holding more than `cap`.
inline void captureBodyPiece(QByteArray &into, bool &truncated, QByteArrayView piece, qint64 cap)
{
    const qint64 room = cap - into.size();
    if (piece.size() <= room) {
        into.append(piece);
        return;
    }
    truncated = true;
    if (room > 0)
        into.append(piece.first(room));
}

}  // namespace kairos
