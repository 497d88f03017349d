// Endpoints the gateway serves itself (the admin API, probes), consulted before routing; what
// the admin folder implements and the client connection calls.
#pragma once

#include "http/httpmessage.h"

#include <QHostAddress>

#include <optional>

namespace kairos {

class LocalHandler
{
public:
    struct Request {
        const http::RequestHead &head;
        const QByteArray &body;
        QHostAddress peer;
        QHostAddress client;  // resolveClientAddress(): behind a trusted proxy, who it forwards for
        QByteArray requestId;
    };
    struct Response {
        int status = 200;
        http::Headers headers;
        QByteArray body;
    };
    virtual ~LocalHandler() = default;
    // Whether this request is for a local endpoint (on the gateway's main port). Called with the
    // head only, on worker threads, for every request: keep it cheap.
    virtual bool wantsRequest(const http::RequestHead &head) const = 0;
    // Called with the head, before any of the body is read (request.body is empty): a response
    // refuses the request there, so that a client who may not use the endpoint cannot make the
    // gateway read and hold a body. Nothing lets it go on.
    virtual std::optional<Response> refuseBeforeBody(const Request &request) const = 0;
    // The largest request body the endpoints take (413 beyond it).
    virtual qint64 maxBodyBytes() const = 0;
    // Called once the whole body has arrived, on the connection's worker thread.
    virtual Response handle(const Request &request) = 0;
};

}  // namespace kairos
