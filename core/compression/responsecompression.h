// Which responses are compressed, and what compressing changes in their heads.
//
// The integrator's one call is startCompression; the rest are its steps. A HEAD request is the
// caller's concern: its response head should be the one GET would get, so call startCompression
// for it too and drop the encoder (there is no body to encode).
#pragma once

#include "compression/compressor.h"
#include "http/httpmessage.h"

#include <QByteArrayView>

#include <memory>

namespace kairos {

// Whether this response may be compressed at all, whatever the client accepts: a status with a
// body of its own (not 1xx, 204, 206 or 304), no Content-Encoding or Content-Range already, no
// Cache-Control: no-transform, a Content-Type in policy.types, and a Content-Length of at least
// policy.minBytes when there is one (without one the body is streamed and its size unknown).
bool mayCompress(const CompressionPolicy &policy, const http::ResponseHead &response);

// For a response about to be sent with `coding`: Content-Encoding set, Vary: Accept-Encoding
// (see addVaryAcceptEncoding), Content-Length removed (the caller frames the body: chunked on
// HTTP/1.1, the connection's end on HTTP/1.0), and a strong ETag made weak, since the bytes differ
// from the identity representation's.
void markCompressed(http::ResponseHead &response, ContentCoding coding);

// Adds Accept-Encoding to Vary unless it is there already (any case) or Vary is "*"; merged into
// the existing field. A response that could have been compressed but is not, because of the
// request's Accept-Encoding, needs it too: a cache must not give this copy to every client.
void addVaryAcceptEncoding(http::ResponseHead &response);

// Decides for one response and rewrites its head: the encoder for its body, or nullptr to send
// the body as it is (Vary added when a different Accept-Encoding could have changed that).
// `acceptEncoding`: the request's Accept-Encoding, combined (http::Headers::combinedValue).
std::unique_ptr<Compressor> startCompression(const CompressionPolicy &policy, QByteArrayView acceptEncoding,
                                             http::ResponseHead &response);

}  // namespace kairos
