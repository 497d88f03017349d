// Responses the gateway makes itself: always JSON,
// {"error": "...", "type": "...", "request_id": "..."}, with Content-Type: application/json.
#pragma once

#include "http/httpmessage.h"

namespace kairos {

struct GatewayError {
    int status = 500;
    QByteArray type;                // machine-readable: "not_found", "bad_gateway", ...
    QByteArray message;             // for people
    int attempts = 0;               // tries made upstream; sent as X-Kairos-Attempts when not 0
    bool closesConnection = false;  // the client connection ends with this response
    http::Headers fields = {};      // sent with it: RateLimit-*
    int retryAfterSeconds = 0;      // sent as Retry-After when not 0
    const char *note = nullptr;     // for the access log (RequestRecord::note): "queue_full"

    static GatewayError fromStatus(int status, QByteArray message);
};

// The head of a local endpoint's answer (LocalHandler::Response, whose fields it takes): JSON
// unless the endpoint says otherwise, its length, the request id.
http::ResponseHead localResponseHead(int status, http::Headers fields, qsizetype bodyLength,
                                     const QByteArray &requestId);

// Head and body of the response for an error; the caller adds Connection: close if it closes.
QByteArray errorBody(const GatewayError &error, const QByteArray &requestId);
http::ResponseHead errorHead(const GatewayError &error, const QByteArray &requestId, qsizetype bodyLength);

}  // namespace kairos
