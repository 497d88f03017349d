#include "compression/compressor.h"

#include <brotli/encode.h>
#include <zlib.h>
// For ZSTD_c_srcSizeHint, a parameter libzstd 1.5 accepts through its stable ZSTD_CCtx_setParameter.
#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>

#include <array>
#include <limits>

namespace kairos {

namespace {

// The libraries write into this, and what they wrote is appended to the result: a call that
// produces nothing (the common case for small pieces) then allocates nothing.
constexpr size_t kScratchBytes = 16 * 1024;
using Scratch = std::array<char, kScratchBytes>;

// Windows of 512 KiB at most (brotli and zstd would take 4 MiB and 2 MiB at these levels): each
// compressed response in flight holds one, and bodies worth compressing are mostly smaller.
constexpr int kBrotliWindowBits = 19;
constexpr int kZstdWindowLog = 19;

class GzipCompressor final : public Compressor
{
public:
    explicit GzipCompressor(int level) : Compressor(ContentCoding::Gzip)
    {
        // windowBits 15 + 16: a gzip header and trailer around the deflate stream.
        m_ready = deflateInit2(&m_stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK;
    }
    ~GzipCompressor() override
    {
        if (m_ready)
            deflateEnd(&m_stream);
    }
    bool ready() const { return m_ready; }

    QByteArray compress(QByteArrayView piece) override { return run(piece, Z_NO_FLUSH); }
    QByteArray flush() override { return run({}, Z_SYNC_FLUSH); }
    QByteArray finish() override { return run({}, Z_FINISH); }

private:
    QByteArray run(QByteArrayView input, int mode)
    {
        QByteArray output;
        const char *next = input.data();
        qsizetype left = input.size();
        while (true) {
            // avail_in is 32 bits wide: a larger piece goes in parts.
            const uInt part = uInt(qMin<qsizetype>(left, std::numeric_limits<uInt>::max()));
            m_stream.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(next));
            m_stream.avail_in = part;
            m_stream.next_out = reinterpret_cast<Bytef *>(m_scratch.data());
            m_stream.avail_out = uInt(m_scratch.size());
            const int result = deflate(&m_stream, part == left ? mode : Z_NO_FLUSH);
            output.append(m_scratch.data(), qsizetype(m_scratch.size() - m_stream.avail_out));
            next += part - m_stream.avail_in;
            left -= part - m_stream.avail_in;
            // Done when the input is taken and deflate had room to spare (it wrote everything
            // the mode asks for), or at the stream's end.
            if (result == Z_STREAM_END || result == Z_STREAM_ERROR || (left == 0 && m_stream.avail_out != 0))
                return output;
        }
    }

    z_stream m_stream{};
    bool m_ready = false;
    Scratch m_scratch;
};

class BrotliCompressor final : public Compressor
{
public:
    explicit BrotliCompressor(int quality)
        : Compressor(ContentCoding::Brotli), m_state(BrotliEncoderCreateInstance(nullptr, nullptr, nullptr))
    {
        if (!m_state)
            return;
        BrotliEncoderSetParameter(m_state, BROTLI_PARAM_QUALITY, uint32_t(quality));
        BrotliEncoderSetParameter(m_state, BROTLI_PARAM_LGWIN, kBrotliWindowBits);
    }
    ~BrotliCompressor() override { BrotliEncoderDestroyInstance(m_state); }
    bool ready() const { return m_state != nullptr; }

    QByteArray compress(QByteArrayView piece) override { return run(piece, BROTLI_OPERATION_PROCESS); }
    QByteArray flush() override { return run({}, BROTLI_OPERATION_FLUSH); }
    QByteArray finish() override { return run({}, BROTLI_OPERATION_FINISH); }

private:
    QByteArray run(QByteArrayView input, BrotliEncoderOperation operation)
    {
        QByteArray output;
        const uint8_t *next = reinterpret_cast<const uint8_t *>(input.data());
        size_t left = size_t(input.size());
        while (true) {
            uint8_t *out = reinterpret_cast<uint8_t *>(m_scratch.data());
            size_t room = m_scratch.size();
            const bool ok = BrotliEncoderCompressStream(m_state, operation, &left, &next, &room, &out, nullptr);
            output.append(m_scratch.data(), qsizetype(m_scratch.size() - room));
            const bool done = operation == BROTLI_OPERATION_FINISH ? BrotliEncoderIsFinished(m_state)
                                                                   : left == 0 && !BrotliEncoderHasMoreOutput(m_state);
            if (done || !ok)
                return output;
        }
    }

    BrotliEncoderState *m_state;
    Scratch m_scratch;
};

class ZstdCompressor final : public Compressor
{
public:
    ZstdCompressor(int level, qint64 sizeHint) : Compressor(ContentCoding::Zstd), m_context(ZSTD_createCCtx())
    {
        if (!m_context)
            return;
        ZSTD_CCtx_setParameter(m_context, ZSTD_c_compressionLevel, level);
        ZSTD_CCtx_setParameter(m_context, ZSTD_c_windowLog, kZstdWindowLog);
        // A hint, not ZSTD_CCtx_setPledgedSrcSize: a body that turns out longer or shorter than
        // its Content-Length still gets a valid stream.
        if (sizeHint > 0)
            ZSTD_CCtx_setParameter(m_context, ZSTD_c_srcSizeHint, int(qMin<qint64>(sizeHint, ZSTD_SRCSIZEHINT_MAX)));
    }
    ~ZstdCompressor() override { ZSTD_freeCCtx(m_context); }
    bool ready() const { return m_context != nullptr; }

    QByteArray compress(QByteArrayView piece) override { return run(piece, ZSTD_e_continue); }
    QByteArray flush() override { return run({}, ZSTD_e_flush); }
    QByteArray finish() override { return run({}, ZSTD_e_end); }

private:
    QByteArray run(QByteArrayView piece, ZSTD_EndDirective directive)
    {
        QByteArray output;
        ZSTD_inBuffer input{piece.data(), size_t(piece.size()), 0};
        while (true) {
            ZSTD_outBuffer out{m_scratch.data(), m_scratch.size(), 0};
            const size_t remaining = ZSTD_compressStream2(m_context, &out, &input, directive);
            output.append(m_scratch.data(), qsizetype(out.pos));
            // continue: done once the input is taken; flush and end: once nothing remains to write.
            const bool done = directive == ZSTD_e_continue ? input.pos == input.size : remaining == 0;
            if (done || ZSTD_isError(remaining))
                return output;
        }
    }

    ZSTD_CCtx *m_context;
    Scratch m_scratch;
};

template <typename Encoder> std::unique_ptr<Compressor> readyOrNull(std::unique_ptr<Encoder> encoder)
{
    if (!encoder->ready())
        return nullptr;
    return encoder;
}

}  // namespace

std::unique_ptr<Compressor> Compressor::create(ContentCoding coding, const CompressionPolicy &policy, qint64 sizeHint)
{
    // gzip's state is 260 KiB whatever the size; brotli allocates its buffers as input arrives,
    // and a hint would move bodies of 1 MiB and more to a hasher twice as large.
    switch (coding) {
    case ContentCoding::Gzip: return readyOrNull(std::make_unique<GzipCompressor>(policy.gzipLevel));
    case ContentCoding::Brotli: return readyOrNull(std::make_unique<BrotliCompressor>(policy.brotliQuality));
    case ContentCoding::Zstd: return readyOrNull(std::make_unique<ZstdCompressor>(policy.zstdLevel, sizeHint));
    case ContentCoding::Identity: break;
    }
    return nullptr;
}

}  // namespace kairos
