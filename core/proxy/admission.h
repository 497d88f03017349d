// Admitting a request head: what a request must pass before it is proxied (route, token, rate
// limit, body size, Expect), in order, the same for an HTTP/1.1 request and an HTTP/2 stream.
// Each step lets it go on or refuses it with the error to answer.
#pragma once

#include "compression/compressor.h"
#include "gatewayerror.h"
#include "gatewaysnapshot.h"
#include "metrics/requestrecord.h"
#include "proxyexchange.h"
#include "runtime/transport.h"

#include <QElapsedTimer>
#include <QJsonObject>

#include <climits>
#include <optional>
#include <vector>

namespace kairos {

// What one request needs while it is served: made when it starts (or on first use, by an error
// before its head is whole) and freed once it is reported, so that a connection waiting for its
// next request keeps none of it.
struct ActiveRequest {
    explicit ActiveRequest(QHostAddress peer) : record(std::move(peer)) {}
    RequestRecord record;
    GatewaySnapshotPtr snapshot;
    QElapsedTimer clock;
    RouteMetrics *routeMetrics = nullptr;  // of the matched route, in snapshot
    qint64 bodyLimit = 0;
    qint64 bodyReceived = 0;
    qint64 captureBodyBytes = 0;  // console.capture_body_bytes while the console captures; 0: none
    QByteArray localBody;
    http::Headers rateLimitFields;            // RateLimit-* for the response, when the route's limit sends them
    int rateLimitRemaining = INT_MAX;         // the route limit's RateLimit-Remaining in rateLimitFields
    std::vector<QByteArray> backendRateKeys;  // by backend index: the key for its own limit
    // What the matched route does to responses (decorateResponse()); null: nothing.
    const RouteRules *rules = nullptr;
    QByteArray origin;                       // the request's Origin, when the route has CORS
    bool preflight = false;                  // answered as a CORS preflight, whose fields are its own
    QByteArray acceptEncoding;               // the request's, when the route compresses
    std::unique_ptr<Compressor> compressor;  // the response body's encoder, while compressed
    bool flushEachPiece = false;             // an event stream: each piece decodable when it arrives
    // response_headers' variables, when the route has such rules.
    QByteArray clientIp;
    QByteArray host;
    QByteArray path;
};

// The peer's address as X-Forwarded-For names it and its hash, made once a connection, on first use.
class PeerText
{
public:
    const QByteArray &of(const QHostAddress &peer);
    quint64 hash(const QHostAddress &peer)
    {
        of(peer);
        return m_hash;
    }

private:
    QByteArray m_text;
    quint64 m_hash = 0;
};

struct Admission {
    const http::RequestHead &head;
    ActiveRequest &request;
    PeerText &peer;
    // What the connection's framing knows of the body.
    bool hasContentLength = false;
    quint64 contentLength = 0;
    bool bodyExpected = false;               // more than the head is to come
    const char *singletonProblem = nullptr;  // a repeated Host or Authorization, a missing Host
    QByteArray target = {};                  // origin form: path and query
    QByteArrayView query = {};               // after '?', in target
    RouteMatch match = {};                   // captures are views into target
    qint64 bodyLimit = 0;
    // Set when the peer is a trusted proxy: the client it forwards for (resolveClientAddress()).
    std::optional<QHostAddress> forwardedClient = {};
    std::optional<QJsonObject> claims = {};  // of the token authenticate() verified
    bool sendContinue = false;               // answerExpect(): the client waits for 100 Continue
};

// What ends admission before proxying: an error, or (answer set) the gateway's own answer to a
// CORS preflight.
struct Refusal {
    GatewayError error;
    http::Headers fields = {};       // added to the response: Allow, WWW-Authenticate, or the answer's
    std::optional<int> answer = {};  // a status without error: the response is `fields` and no body
};

// Sets forwardedClient (and the record's) when the peer is a trusted proxy.
void resolveForwardedClient(Admission &admission);
// Before anything reads Host or Authorization, for local endpoints and routes alike.
std::optional<Refusal> checkSingletonFields(Admission &admission);
// The steps of a request to be proxied, in order: CONNECT (501), route (400, 404, 405), token
// (401), rate limit (429), Content-Length (413), Expect (417).
std::optional<Refusal> admitForProxying(Admission &admission);

// The exchange's request for an admitted one, with the route's request rules applied and its
// fault or own answer decided. tls: the client connection's session, or null.
ExchangeRequest exchangeRequest(Admission &admission, const TlsSessionInfo *tls, bool recordTries);

// The route's CORS fields and response_headers rules, on any response to a request that matched a
// route: the backend's, the gateway's errors, a mock's.
void decorateResponse(const ActiveRequest &request, http::Headers &fields);

// Compression of a backend's (or a route answer's) response, when the route and the client's
// Accept-Encoding allow it: the head's fields change and request.compressor is set. withBody:
// the framing says a body may follow. A HEAD request gets GET's head and no encoder.
void startResponseCompression(ActiveRequest &request, http::ResponseHead &head, bool withBody);
// A body piece as the client gets it from request.compressor, which must be set (possibly empty:
// the encoder keeps it for now).
QByteArray encodeResponsePiece(ActiveRequest &request, QByteArrayView piece);
// What the encoder still holds, at the body's end; empty when not compressing.
QByteArray finishResponseEncoding(ActiveRequest &request);

}  // namespace kairos
