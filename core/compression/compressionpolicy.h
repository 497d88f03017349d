// The content codings the gateway can apply to a response body, and the settings of one route's
// (or the top level's) "compression" block.
#pragma once

#include <QList>
#include <QStringList>
#include <QtGlobal>

namespace kairos {

enum class ContentCoding { Identity, Gzip, Brotli, Zstd };

// The Content-Encoding token: "gzip", "br", "zstd"; "identity" for Identity.
inline const char *codingName(ContentCoding coding)
{
    switch (coding) {
    case ContentCoding::Gzip: return "gzip";
    case ContentCoding::Brotli: return "br";
    case ContentCoding::Zstd: return "zstd";
    case ContentCoding::Identity: break;
    }
    return "identity";
}

// Already validated by the caller: levels in their library's range, types lower case.
struct CompressionPolicy {
    // The codings offered; among those a client accepts with the same q-value, the first wins. zstd
    // first: at the levels below it is the fastest of the three with a ratio close to brotli's
    // (docs/BENCHMARKS.md, Compression).
    QList<ContentCoding> encodings{ContentCoding::Zstd, ContentCoding::Brotli, ContentCoding::Gzip};
    // Media types without parameters; "text/*" matches every text type. Formats that are
    // compressed already (images but SVG, video, archives, fonts as woff2) gain nothing.
    QStringList types{"text/html",
                      "text/css",
                      "text/plain",
                      "text/javascript",
                      "text/xml",
                      "text/csv",
                      "text/markdown",
                      "application/javascript",
                      "application/json",
                      "application/ld+json",
                      "application/problem+json",
                      "application/manifest+json",
                      "application/xml",
                      "application/xhtml+xml",
                      "application/rss+xml",
                      "application/atom+xml",
                      "application/wasm",
                      "image/svg+xml"};
    // Smaller bodies gain a few bytes at most, less than the cost of the encoder's state.
    qint64 minBytes = 1024;
    // Levels for compressing while the response passes, chosen on docs/BENCHMARKS.md's measurements:
    // each is the level past which a 1 MiB JSON body shrinks by little more but costs much more time.
    int gzipLevel = 6;      // zlib 1..9
    int brotliQuality = 4;  // 0..11; 5 and above switch to a much slower block splitter
    int zstdLevel = 3;      // 1..19 (zstd's own default)
};

}  // namespace kairos
