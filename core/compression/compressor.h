// Streaming encoders for a response body: each piece is compressed as it passes, so memory stays
// the library's state whatever the body's size. At the default levels a stream holds about
// 280 KiB (gzip), 2 MiB (zstd; 190 KiB for a 4 KiB body with its size hint) or 5 MiB (brotli).
#pragma once

#include "compression/compressionpolicy.h"

#include <QByteArray>
#include <QByteArrayView>

#include <memory>

namespace kairos {

class Compressor
{
public:
    // nullptr for Identity, or when the library could not allocate its state: send the body as it is.
    // `sizeHint`: the body's Content-Length when known, else -1. zstd sizes its tables to it (a
    // 4 KiB body: 190 KiB of state instead of 2 MiB, and faster); it need not be exact.
    static std::unique_ptr<Compressor> create(ContentCoding coding, const CompressionPolicy &policy,
                                              qint64 sizeHint = -1);
    virtual ~Compressor() = default;

    ContentCoding coding() const { return m_coding; }

    // The compressed bytes ready so far, often none: the encoder keeps input until a block is full.
    virtual QByteArray compress(QByteArrayView piece) = 0;
    // Everything given so far, decodable now (a sync flush): for bodies a client reads as they
    // come, such as server-sent events. Each flush costs a few bytes and some ratio.
    virtual QByteArray flush() = 0;
    // The rest and the stream's end (gzip's trailer, brotli's last block, zstd's last frame
    // block). Nothing may be compressed after it.
    virtual QByteArray finish() = 0;

protected:
    explicit Compressor(ContentCoding coding) : m_coding(coding) {}

private:
    ContentCoding m_coding;
};

}  // namespace kairos
