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
    // first: at the levels below it is 3 to 6 times as fast as the others, with brotli's ratio.
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
    // A smaller body fits in one packet either way: compressing it saves no round trip and still
    // costs an encoder.
    qint64 minBytes = 1024;
    // Levels for compressing while the response passes, from docs/BENCHMARKS.md (a 1 MiB JSON body,
    // MiB/s of input on one core / input:output ratio).
    // gzip 6, zlib's own default: 71 / 7.1; level 4 is 1.5x faster for 13 % more bytes, 9 is 2.4x
    // slower for 7 % fewer. zlib: 1..9.
    int gzipLevel = 6;
    // brotli 4: 117 / 6.7, zstd 3's ratio; 5 and above switch to a slower block splitter (64 / 7.8),
    // and 3 saves a quarter of the time for 5 % more bytes. brotli: 0..11.
    int brotliQuality = 4;
    // zstd 3, zstd's own default: 406 / 6.7; level 1 is only 9 % faster, 6 is 3.8x slower. 1..19.
    int zstdLevel = 3;
};

}  // namespace kairos
