// Response compression: Accept-Encoding negotiation, which responses are compressed and how their
// heads change, and the encoders, whose output real decoders (the C libraries' and Python's) must
// turn back into the input, whole, after each flush, and with memory bounded over 64 MiB.
#include "compression/acceptencoding.h"
#include "compression/compressor.h"
#include "compression/responsecompression.h"
#include "support/samplejson.h"

#include <QCryptographicHash>
#include <QProcess>
#include <QTemporaryFile>
#include <QtTest>

#include <brotli/decode.h>
#include <malloc.h>
#include <zlib.h>
#include <zstd.h>

using namespace kairos;

Q_DECLARE_METATYPE(kairos::ContentCoding)

namespace {

constexpr qsizetype kMiB = 1024 * 1024;

// What a streaming decoder made of `encoded`, and whether the stream ended there.
struct Decoded {
    QByteArray bytes;
    bool ended = false;
    bool failed = false;
};

Decoded gunzip(const QByteArray &encoded)
{
    Decoded decoded;
    z_stream stream{};
    inflateInit2(&stream, 15 + 16);
    stream.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(encoded.data()));
    stream.avail_in = uInt(encoded.size());
    char buffer[65536];
    int result = Z_OK;
    do {
        stream.next_out = reinterpret_cast<Bytef *>(buffer);
        stream.avail_out = sizeof buffer;
        result = inflate(&stream, Z_SYNC_FLUSH);
        decoded.bytes.append(buffer, qsizetype(sizeof buffer - stream.avail_out));
    } while (result == Z_OK && (stream.avail_in > 0 || stream.avail_out == 0));
    decoded.ended = result == Z_STREAM_END && stream.avail_in == 0;
    decoded.failed = result != Z_OK && result != Z_STREAM_END && result != Z_BUF_ERROR;
    inflateEnd(&stream);
    return decoded;
}

Decoded unbrotli(const QByteArray &encoded)
{
    Decoded decoded;
    BrotliDecoderState *state = BrotliDecoderCreateInstance(nullptr, nullptr, nullptr);
    const uint8_t *next = reinterpret_cast<const uint8_t *>(encoded.data());
    size_t left = size_t(encoded.size());
    char buffer[65536];
    BrotliDecoderResult result;
    do {
        uint8_t *out = reinterpret_cast<uint8_t *>(buffer);
        size_t room = sizeof buffer;
        result = BrotliDecoderDecompressStream(state, &left, &next, &room, &out, nullptr);
        decoded.bytes.append(buffer, qsizetype(sizeof buffer - room));
    } while (result == BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT);
    decoded.ended = result == BROTLI_DECODER_RESULT_SUCCESS && left == 0;
    decoded.failed = result == BROTLI_DECODER_RESULT_ERROR;
    BrotliDecoderDestroyInstance(state);
    return decoded;
}

Decoded unzstd(const QByteArray &encoded)
{
    Decoded decoded;
    ZSTD_DCtx *context = ZSTD_createDCtx();
    ZSTD_inBuffer input{encoded.data(), size_t(encoded.size()), 0};
    char buffer[65536];
    size_t result = 0;
    do {
        ZSTD_outBuffer out{buffer, sizeof buffer, 0};
        result = ZSTD_decompressStream(context, &out, &input);
        decoded.bytes.append(buffer, qsizetype(out.pos));
        if (ZSTD_isError(result))
            break;
        if (out.pos < out.size && input.pos == input.size)
            break;
    } while (true);
    decoded.failed = ZSTD_isError(result);
    decoded.ended = !decoded.failed && result == 0 && input.pos == input.size;
    ZSTD_freeDCtx(context);
    return decoded;
}

Decoded decode(ContentCoding coding, const QByteArray &encoded)
{
    switch (coding) {
    case ContentCoding::Gzip: return gunzip(encoded);
    case ContentCoding::Brotli: return unbrotli(encoded);
    case ContentCoding::Zstd: return unzstd(encoded);
    case ContentCoding::Identity: break;
    }
    return {encoded, true, false};
}

// Python's decoder for `coding` on `encoded`: the sha256 of what it decoded, then "ended" or "open"
// (a stream cut after a flush). Python's modules wrap other builds than the test links.
QByteArray pythonDecode(ContentCoding coding, const QByteArray &encoded)
{
    static const char *script = R"(import hashlib, sys, zlib, brotli, zstandard
coding, path = sys.argv[1], sys.argv[2]
data = open(path, 'rb').read()
if coding == 'gzip':
    d = zlib.decompressobj(31); out = d.decompress(data); ended = d.eof
elif coding == 'br':
    d = brotli.Decompressor(); out = d.process(data); ended = d.is_finished()
else:
    d = zstandard.ZstdDecompressor().decompressobj(); out = d.decompress(data); ended = d.eof
print(hashlib.sha256(out).hexdigest(), 'ended' if ended else 'open')
)";
    QTemporaryFile file;
    if (!file.open() || file.write(encoded) != encoded.size() || !file.flush())
        return "cannot write " + file.fileName().toUtf8();
    QProcess python;
    python.start("/usr/bin/python3", {"-c", script, codingName(coding), file.fileName()});
    if (!python.waitForFinished(60000))
        return "python did not finish";
    return (python.readAllStandardOutput() + python.readAllStandardError()).trimmed();
}

QByteArray sha256Hex(const QByteArray &bytes)
{
    return QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex();
}

size_t heapInUse()
{
    const struct mallinfo2 info = mallinfo2();
    return info.uordblks + info.hblkhd;
}

http::ResponseHead compressibleResponse()
{
    http::ResponseHead response;
    response.headers.add("Content-Type", "text/html; charset=utf-8");
    response.headers.add("Content-Length", "5000");
    return response;
}

void addCodingRows()
{
    QTest::addColumn<ContentCoding>("coding");
    QTest::newRow("gzip") << ContentCoding::Gzip;
    QTest::newRow("br") << ContentCoding::Brotli;
    QTest::newRow("zstd") << ContentCoding::Zstd;
}

}  // namespace

class TestCompression : public QObject
{
    Q_OBJECT

private slots:
    void chooseCoding_data()
    {
        QTest::addColumn<QByteArray>("acceptEncoding");
        QTest::addColumn<ContentCoding>("expected");
        const auto none = ContentCoding::Identity;
        QTest::newRow("no field") << QByteArray() << none;
        QTest::newRow("empty field") << QByteArray("  ") << none;
        QTest::newRow("gzip") << QByteArray("gzip") << ContentCoding::Gzip;
        QTest::newRow("browser: br before gzip") << QByteArray("gzip, deflate, br") << ContentCoding::Brotli;
        QTest::newRow("browser with zstd") << QByteArray("gzip, deflate, br, zstd") << ContentCoding::Zstd;
        QTest::newRow("higher q wins") << QByteArray("gzip;q=0.5, br;q=0.9") << ContentCoding::Brotli;
        QTest::newRow("higher q wins over preference") << QByteArray("gzip;q=1.0, br;q=0.9") << ContentCoding::Gzip;
        QTest::newRow("q=0 refuses") << QByteArray("br;q=0, gzip") << ContentCoding::Gzip;
        QTest::newRow("all refused") << QByteArray("br;q=0, gzip;q=0.000, zstd;q=0") << none;
        QTest::newRow("star") << QByteArray("*") << ContentCoding::Zstd;
        QTest::newRow("star refused") << QByteArray("*;q=0") << none;
        QTest::newRow("star below a named one") << QByteArray("*;q=0.1, gzip;q=0.5") << ContentCoding::Gzip;
        QTest::newRow("star but not zstd") << QByteArray("*, zstd;q=0") << ContentCoding::Brotli;
        QTest::newRow("identity only") << QByteArray("identity") << none;
        QTest::newRow("identity refused, gzip") << QByteArray("identity;q=0, gzip") << ContentCoding::Gzip;
        QTest::newRow("identity refused alone") << QByteArray("identity;q=0") << none;
        QTest::newRow("identity preferred") << QByteArray("gzip;q=0.5, identity") << none;
        QTest::newRow("identity lower") << QByteArray("gzip, identity;q=0.5") << ContentCoding::Gzip;
        QTest::newRow("unknown codings") << QByteArray("deflate, compress, lz4") << none;
        QTest::newRow("whitespace and case") << QByteArray("  GZIP ; Q=0.8 ,\tBr ;q=0.2 ") << ContentCoding::Gzip;
        QTest::newRow("x-gzip") << QByteArray("x-gzip") << ContentCoding::Gzip;
        QTest::newRow("malformed q ignored") << QByteArray("gzip;q=abc, br;q=0.3") << ContentCoding::Brotli;
        QTest::newRow("q above 1") << QByteArray("gzip;q=1.5") << none;
        QTest::newRow("q with four decimals") << QByteArray("gzip;q=0.1234") << none;
        QTest::newRow("q without leading digit") << QByteArray("gzip;q=.5") << none;
        QTest::newRow("q=1.000") << QByteArray("gzip;q=1.000, br;q=0.999") << ContentCoding::Gzip;
        QTest::newRow("smallest q") << QByteArray("gzip;q=0.001") << ContentCoding::Gzip;
        QTest::newRow("empty elements") << QByteArray(",, gzip ,,") << ContentCoding::Gzip;
        QTest::newRow("first mention counts") << QByteArray("br;q=0.5, br, gzip;q=0.7") << ContentCoding::Gzip;
        QTest::newRow("other parameters ignored")
            << QByteArray("br;level=5;q=0.4, gzip;q=0.3") << ContentCoding::Brotli;
    }

    void chooseCoding()
    {
        QFETCH(QByteArray, acceptEncoding);
        QFETCH(ContentCoding, expected);
        QCOMPARE(kairos::chooseCoding(CompressionPolicy(), acceptEncoding), expected);
    }

    void chooseCodingFollowsThePolicy()
    {
        CompressionPolicy policy;
        policy.encodings = {ContentCoding::Gzip, ContentCoding::Brotli};
        QCOMPARE(kairos::chooseCoding(policy, "zstd, br, gzip"), ContentCoding::Gzip);
        QCOMPARE(kairos::chooseCoding(policy, "zstd"), ContentCoding::Identity);
        QCOMPARE(kairos::chooseCoding(policy, "*"), ContentCoding::Gzip);
        policy.encodings.clear();
        QCOMPARE(kairos::chooseCoding(policy, "gzip"), ContentCoding::Identity);
    }

    void mayCompress_data()
    {
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("name");
        QTest::addColumn<QByteArray>("value");  // null: remove the field
        QTest::addColumn<bool>("expected");
        QTest::newRow("html of 5000 bytes") << 200 << QByteArray() << QByteArray() << true;
        QTest::newRow("404 page") << 404 << QByteArray() << QByteArray() << true;
        QTest::newRow("101") << 101 << QByteArray() << QByteArray() << false;
        QTest::newRow("204") << 204 << QByteArray() << QByteArray() << false;
        QTest::newRow("206") << 206 << QByteArray() << QByteArray() << false;
        QTest::newRow("304") << 304 << QByteArray() << QByteArray() << false;
        QTest::newRow("encoded already") << 200 << QByteArray("Content-Encoding") << QByteArray("gzip") << false;
        QTest::newRow("a range") << 200 << QByteArray("Content-Range") << QByteArray("bytes 0-99/5000") << false;
        QTest::newRow("no-transform") << 200 << QByteArray("Cache-Control") << QByteArray("public, No-Transform")
                                      << false;
        QTest::newRow("other cache-control") << 200 << QByteArray("Cache-Control") << QByteArray("no-cache") << true;
        QTest::newRow("image") << 200 << QByteArray("Content-Type") << QByteArray("image/png") << false;
        QTest::newRow("svg") << 200 << QByteArray("Content-Type") << QByteArray("image/svg+xml") << true;
        QTest::newRow("type in upper case")
            << 200 << QByteArray("Content-Type") << QByteArray("Application/JSON ; charset=utf-8") << true;
        QTest::newRow("no type") << 200 << QByteArray("Content-Type") << QByteArray() << false;
        QTest::newRow("type without subtype") << 200 << QByteArray("Content-Type") << QByteArray("text") << false;
        QTest::newRow("too small") << 200 << QByteArray("Content-Length") << QByteArray("1023") << false;
        QTest::newRow("exactly min_bytes") << 200 << QByteArray("Content-Length") << QByteArray("1024") << true;
        QTest::newRow("malformed length") << 200 << QByteArray("Content-Length") << QByteArray("12ab") << false;
    }

    void mayCompress()
    {
        QFETCH(int, status);
        QFETCH(QByteArray, name);
        QFETCH(QByteArray, value);
        QFETCH(bool, expected);
        http::ResponseHead response = compressibleResponse();
        response.status = status;
        if (!name.isEmpty()) {
            response.headers.remove(name);
            if (!value.isNull())
                response.headers.add(name, value);
        }
        QCOMPARE(kairos::mayCompress(CompressionPolicy(), response), expected);
    }

    void mayCompressStreamedBodiesAndWildcards()
    {
        CompressionPolicy policy;
        http::ResponseHead response = compressibleResponse();
        response.headers.remove("Content-Length");  // streamed: the size is unknown
        QVERIFY(kairos::mayCompress(policy, response));
        response.headers.set("Content-Type", "text/x-log");
        QVERIFY(!kairos::mayCompress(policy, response));
        policy.types = {"text/*"};
        QVERIFY(kairos::mayCompress(policy, response));
        response.headers.set("Content-Type", "textual/x-log");
        QVERIFY(!kairos::mayCompress(policy, response));
        policy.types = {"*/*"};
        QVERIFY(kairos::mayCompress(policy, response));
        policy.encodings.clear();
        QVERIFY(!kairos::mayCompress(policy, response));
    }

    void markCompressed_data()
    {
        QTest::addColumn<QList<QByteArray>>("varyBefore");
        QTest::addColumn<QList<QByteArray>>("varyAfter");
        using List = QList<QByteArray>;
        QTest::newRow("no Vary") << List{} << List{"Accept-Encoding"};
        QTest::newRow("Vary: Origin") << List{"Origin"} << List{"Origin, Accept-Encoding"};
        QTest::newRow("there already") << List{"origin, accept-encoding"} << List{"origin, accept-encoding"};
        QTest::newRow("in a second field") << List{"Origin", "Accept-Encoding"} << List{"Origin", "Accept-Encoding"};
        QTest::newRow("two fields") << List{"Origin", "Cookie"} << List{"Origin, Accept-Encoding", "Cookie"};
        QTest::newRow("star") << List{"*"} << List{"*"};
        QTest::newRow("empty") << List{""} << List{"Accept-Encoding"};
    }

    void markCompressed()
    {
        QFETCH(QList<QByteArray>, varyBefore);
        QFETCH(QList<QByteArray>, varyAfter);
        http::ResponseHead response = compressibleResponse();
        for (const QByteArray &vary : varyBefore)
            response.headers.add("Vary", vary);
        response.headers.add("ETag", "\"v1\"");
        kairos::markCompressed(response, ContentCoding::Brotli);
        QCOMPARE(response.headers.value("Content-Encoding"), QByteArray("br"));
        QVERIFY(!response.headers.contains("Content-Length"));
        QCOMPARE(response.headers.value("ETag"), QByteArray("W/\"v1\""));
        QList<QByteArray> vary;
        for (const http::Headers::Field &field : response.headers.fields()) {
            if (field.first == "Vary")
                vary.append(field.second);
        }
        QCOMPARE(vary, varyAfter);
    }

    void markCompressedKeepsWeakETags()
    {
        http::ResponseHead response = compressibleResponse();
        response.headers.add("etag", "W/\"v2\"");
        kairos::markCompressed(response, ContentCoding::Gzip);
        QCOMPARE(response.headers.value("ETag"), QByteArray("W/\"v2\""));
        QCOMPARE(response.headers.value("Content-Encoding"), QByteArray("gzip"));
    }

    void startCompression()
    {
        const CompressionPolicy policy;
        // Compressed: the encoder and the marked head.
        http::ResponseHead compressed = compressibleResponse();
        std::unique_ptr<Compressor> compressor = kairos::startCompression(policy, "gzip", compressed);
        QVERIFY(compressor);
        QCOMPARE(compressor->coding(), ContentCoding::Gzip);
        QCOMPARE(compressed.headers.value("Content-Encoding"), QByteArray("gzip"));
        QCOMPARE(compressed.headers.value("Vary"), QByteArray("Accept-Encoding"));
        // Compressible, but this client accepts none: identity, and Vary for caches.
        http::ResponseHead refused = compressibleResponse();
        QVERIFY(!kairos::startCompression(policy, "identity", refused));
        QCOMPARE(refused.headers.value("Vary"), QByteArray("Accept-Encoding"));
        QCOMPARE(refused.headers.value("Content-Length"), QByteArray("5000"));
        QVERIFY(!refused.headers.contains("Content-Encoding"));
        // Never compressed whatever the client accepts: the head stays as it was.
        http::ResponseHead small = compressibleResponse();
        small.headers.set("Content-Length", "10");
        QVERIFY(!kairos::startCompression(policy, "gzip", small));
        QVERIFY(!small.headers.contains("Vary"));
    }

    void identityHasNoCompressor() { QVERIFY(!Compressor::create(ContentCoding::Identity, CompressionPolicy())); }

    void roundTrip_data() { addCodingRows(); }

    // A 1 MiB JSON body fed in pieces of random sizes comes back byte for byte from the C decoder
    // and from Python's.
    void roundTrip()
    {
        QFETCH(ContentCoding, coding);
        const QByteArray body = test::sampleJson(kMiB);
        std::unique_ptr<Compressor> compressor = Compressor::create(coding, CompressionPolicy());
        QVERIFY(compressor);
        QRandomGenerator random(42);
        QByteArray encoded;
        for (qsizetype at = 0; at < body.size();) {
            const qsizetype size = qMin<qsizetype>(1 + random.bounded(70000), body.size() - at);
            encoded += compressor->compress(QByteArrayView(body).sliced(at, size));
            at += size;
        }
        encoded += compressor->finish();
        QVERIFY2(encoded.size() < body.size() / 4, QByteArray::number(encoded.size()).constData());

        const Decoded decoded = decode(coding, encoded);
        QVERIFY(!decoded.failed);
        QVERIFY(decoded.ended);
        QVERIFY(decoded.bytes == body);
        QCOMPARE(pythonDecode(coding, encoded), sha256Hex(body) + " ended");
    }

    // The size hint (a Content-Length) shapes zstd's tables only: a wrong one still decodes.
    void wrongSizeHintStillDecodes()
    {
        const QByteArray body = test::sampleJson(kMiB / 4);
        for (qint64 hint : {qint64(10), qint64(4096), qint64(100 * kMiB)}) {
            std::unique_ptr<Compressor> compressor = Compressor::create(ContentCoding::Zstd, CompressionPolicy(), hint);
            QByteArray encoded = compressor->compress(body);
            encoded += compressor->finish();
            const Decoded decoded = unzstd(encoded);
            QVERIFY(decoded.ended);
            QVERIFY(decoded.bytes == body);
        }
    }

    void emptyBody_data() { addCodingRows(); }

    void emptyBody()
    {
        QFETCH(ContentCoding, coding);
        std::unique_ptr<Compressor> compressor = Compressor::create(coding, CompressionPolicy());
        QByteArray encoded = compressor->compress({});
        encoded += compressor->finish();
        const Decoded decoded = decode(coding, encoded);
        QVERIFY(decoded.ended);
        QVERIFY(decoded.bytes.isEmpty());
        QCOMPARE(pythonDecode(coding, encoded), sha256Hex({}) + " ended");
    }

    void flushMakesEverythingDecodable_data() { addCodingRows(); }

    // Server-sent events: after each flush, the bytes sent so far decode to the events so far.
    void flushMakesEverythingDecodable()
    {
        QFETCH(ContentCoding, coding);
        std::unique_ptr<Compressor> compressor = Compressor::create(coding, CompressionPolicy());
        QByteArray sent;
        QByteArray encoded;
        for (int event = 0; event < 20; ++event) {
            const QByteArray data = "id: " + QByteArray::number(event) + "\ndata: {\"price\":"
                                    + QByteArray::number(100 + event * 3) + ",\"symbol\":\"KRS\"}\n\n";
            sent += data;
            encoded += compressor->compress(data);
            encoded += compressor->flush();
            const Decoded decoded = decode(coding, encoded);
            QVERIFY(!decoded.failed);
            QVERIFY(!decoded.ended);
            QCOMPARE(decoded.bytes, sent);
        }
        QCOMPARE(pythonDecode(coding, encoded), sha256Hex(sent) + " open");
        QVERIFY(compressor->flush().size() < 8);  // nothing new: at most an empty block
        encoded += compressor->finish();
        QVERIFY(decode(coding, encoded).ended);
        QCOMPARE(pythonDecode(coding, encoded), sha256Hex(sent) + " ended");
    }

    void memoryStaysBounded_data() { addCodingRows(); }

    // 64 MiB through one encoder, each output dropped at once: the heap grows by the encoder's
    // state (brotli's, the largest, about 5 MiB at quality 4), never with the body.
    void memoryStaysBounded()
    {
#ifdef KAIROS_SANITIZE_BUILD
        QSKIP("mallinfo2 does not see AddressSanitizer's allocator");
#endif
        QFETCH(ContentCoding, coding);
        const QByteArray body = test::sampleJson(kMiB, 7);
        const size_t before = heapInUse();
        size_t peak = before;
        qint64 compressedBytes = 0;
        {
            std::unique_ptr<Compressor> compressor = Compressor::create(coding, CompressionPolicy());
            for (int round = 0; round < 64; ++round) {
                for (qsizetype at = 0; at < body.size(); at += 16 * 1024) {
                    // Varied, so that a window longer than the body would not find it all again.
                    QByteArray piece = body.mid(at, 16 * 1024);
                    piece[0] = char('a' + round % 26);
                    compressedBytes += compressor->compress(piece).size();
                }
                peak = qMax(peak, heapInUse());
            }
            compressedBytes += compressor->finish().size();
        }
        const size_t grown = peak - before;
        qDebug("%s: 64 MiB -> %lld bytes; heap at most %zu KiB above the start", codingName(coding), compressedBytes,
               grown / 1024);
        QVERIFY2(grown < 8 * kMiB, QByteArray::number(qulonglong(grown)).constData());
        QVERIFY(compressedBytes > 0);
    }
};

QTEST_GUILESS_MAIN(TestCompression)
#include "tst_compression.moc"
