// Files served from a directory for a route with "static" instead of backends: GET and HEAD
// only, validators (ETag, Last-Modified) and conditional requests, one byte range, MIME types,
// no listings, nothing outside the root, no dotfiles, and optionally the index for the client
// routes of a single-page app.
#pragma once

#include "http/httpmessage.h"

#include <QByteArray>
#include <QString>

namespace kairos {

struct StaticSite {
    QString root;                                  // served, and nothing outside it
    QString index = QStringLiteral("index.html");  // a directory's answer, asked for with its '/'
    // A path that is not there, asked for by a browser navigating, gets the root's index.
    bool spaFallback = false;
};

// Answers of at most this many bytes come whole in StaticAnswer::body.
constexpr qint64 kStaticInlineBytes = 64 * 1024;

// What to send. Three kinds:
// - 200 and 206: `fields` frame the answer (Content-Length, and Content-Range for 206); the
//   content is `body` when it holds at most kStaticInlineBytes, else `length` bytes from
//   `offset` of `filePath`, for the caller to stream. For HEAD both are empty and the fields
//   describe what GET would send. To stream, open `filePath` before sending the head (a file
//   gone meanwhile: answer 404 as an error instead); should it end before offset + length,
//   close the connection, since the head promised `length` bytes.
// - 301 (a directory without its trailing '/'; Content-Length: 0 included) and 304: send as
//   they are, with no body; a 304 must not get a Content-Length added.
// - Errors (400, 404, 405, 416, 500): the status, `note` for the access log, and the fields
//   that belong with it (Allow for 405, Content-Range for 416); body and framing are the
//   caller's, its JSON error.
struct StaticAnswer {
    int status = 404;
    http::Headers fields;
    QByteArray body;
    QString filePath;  // canonical, inside the site's root
    qint64 offset = 0;
    qint64 length = 0;
    const char *note = nullptr;  // "static_not_found", "static_bad_path", ... for errors

    bool streams() const { return !filePath.isEmpty(); }
};

// `relativePath`: the request's path after the route's prefix, without the query, still
// percent-encoded as it came ("/assets/app.js"; "" for the prefix itself). `head` gives the
// method, the Location of a redirect (its path) and the Range, If-Range, If-None-Match,
// If-Modified-Since and Accept fields. Reads the file (small answers) on the calling thread.
StaticAnswer serveStatic(const StaticSite &site, const http::RequestHead &head, QByteArrayView relativePath);

}  // namespace kairos
