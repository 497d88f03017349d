#include "http/messageparser.h"

#include <QtTest>

using namespace kairos::http;

namespace {

struct Parsed {
    MessageParser::State state;
    int errorStatus = 0;
    QByteArray body;
    qsizetype consumed = 0;
};

// Feeds `input` in pieces of `step` bytes (0: all at once) and reads one message.
Parsed parseOne(MessageParser &parser, const QByteArray &input, qsizetype step = 0)
{
    Parsed result;
    qsizetype offset = 0;
    while (offset < input.size()) {
        const qsizetype size = step > 0 ? std::min(step, input.size() - offset) : input.size() - offset;
        // Re-offer unconsumed bytes the way a connection keeps them in its buffer.
        qsizetype available = size;
        MessageParser::BodyPieces body;
        const qsizetype used = parser.feed(input.constData() + offset, available, &body);
        for (QByteArrayView piece : body)
            result.body += piece.toByteArray();
        offset += used;
        if (parser.state() == MessageParser::State::HeadDone) {
            parser.continueToBody();
            continue;
        }
        if (parser.state() == MessageParser::State::Complete || parser.state() == MessageParser::State::Failed)
            break;
        if (used == 0 && step > 0 && size < step)
            break;
        if (used == 0 && step == 0)
            break;
    }
    result.state = parser.state();
    result.errorStatus = parser.errorStatus();
    result.consumed = offset;
    return result;
}

Parsed parseRequest(const QByteArray &input, qsizetype step = 0)
{
    MessageParser parser(MessageParser::Type::Request, 64 * 1024);
    return parseOne(parser, input, step);
}

}  // namespace

class TestMessageParser : public QObject
{
    Q_OBJECT

private slots:
    void simpleGet()
    {
        MessageParser parser(MessageParser::Type::Request, 64 * 1024);
        const Parsed parsed = parseOne(parser, "GET /a/b?x=1 HTTP/1.1\r\nHost: h\r\nX-A: 1\r\nX-A: 2\r\n\r\n");
        QCOMPARE(parsed.state, MessageParser::State::Complete);
        QCOMPARE(parser.request().method, QByteArray("GET"));
        QCOMPARE(parser.request().target, QByteArray("/a/b?x=1"));
        QCOMPARE(parser.request().path(), QByteArrayView("/a/b"));
        QCOMPARE(parser.request().query(), QByteArrayView("x=1"));
        QCOMPARE(parser.request().headers.size(), 3);
        QCOMPARE(parser.request().headers.combinedValue("x-a"), QByteArray("1, 2"));
        QVERIFY(parser.keepAlive());
    }

    void everyMethodTokenPasses_data()
    {
        QTest::addColumn<QByteArray>("method");
        for (const char *method : {"TRACE", "PROPFIND", "X-CUSTOM", "PURGE", "BREW"})
            QTest::newRow(method) << QByteArray(method);
    }

    void everyMethodTokenPasses()
    {
        QFETCH(QByteArray, method);
        MessageParser parser(MessageParser::Type::Request, 64 * 1024);
        const Parsed parsed = parseOne(parser, method + " / HTTP/1.1\r\nHost: h\r\n\r\n");
        QCOMPARE(parsed.state, MessageParser::State::Complete);
        QCOMPARE(parser.request().method, method);
    }

    // Every byte value at every position of a value longer than the parser's 8-byte steps: it
    // is taken (and kept byte for byte) exactly when a field value may hold it.
    void fieldValueBytesAreCheckedAtEveryPosition()
    {
        const QByteArray base(20, 'v');
        for (int byte = 0; byte < 256; ++byte) {
            if (byte == '\r' || byte == '\n')
                continue;  // these end the line instead
            const bool allowed = byte == '\t' || (byte >= 0x20 && byte != 0x7f);
            for (int position = 1; position < base.size() - 1; ++position) {  // trimmed at the edges
                QByteArray value = base;
                value[position] = char(byte);
                MessageParser parser(MessageParser::Type::Request, 64 * 1024);
                const Parsed parsed = parseOne(parser, "GET / HTTP/1.1\r\nX-V: " + value + "\r\n\r\n");
                QVERIFY2(
                    parsed.state == (allowed ? MessageParser::State::Complete : MessageParser::State::Failed),
                    qPrintable(QStringLiteral("byte 0x%1 at %2").arg(byte, 2, 16, QLatin1Char('0')).arg(position)));
                if (allowed)
                    QCOMPARE(parser.request().headers.value("x-v"), value);
            }
        }
    }

    // Common names share a static copy; any other name, and a common one spelled otherwise, is
    // kept as it came.
    void fieldNamesAreKeptAsSpelled()
    {
        MessageParser parser(MessageParser::Type::Request, 64 * 1024);
        parseOne(parser, "GET / HTTP/1.1\r\nHost: h\r\nHOST-X: a\r\nContent-length: 0\r\nuser-agent: u\r\n"
                         "Accept-Encodinx: e\r\nA: 1\r\nTransfer-Encoding-Extra: t\r\n\r\n");
        QStringList names;
        for (const auto &field : parser.request().headers.fields())
            names << QString::fromLatin1(field.first);
        QCOMPARE(names, QStringList({"Host", "HOST-X", "Content-length", "user-agent", "Accept-Encodinx", "A",
                                     "Transfer-Encoding-Extra"}));
    }

    // A field that comes again at the same position with the same bytes shares the last head's
    // copies; anything else (other bytes, other spelling, another position) gets its own.
    void repeatedFieldsShareTheLastHeadsBytes()
    {
        MessageParser parser(MessageParser::Type::Request, 64 * 1024);
        parseOne(parser, "GET / HTTP/1.1\r\nHost: h\r\nX-Custom: same\r\nX-Other: one\r\nX-Case: v\r\n\r\n");
        const Headers first = parser.request().headers;
        parser.startNextMessage();
        parseOne(parser, "GET / HTTP/1.1\r\nHost: h\r\nX-Custom: same\r\nX-Other: two\r\nx-case: v\r\n"
                         "X-Custom: same\r\n\r\n");
        const QList<Headers::Field> &fields = parser.request().headers.fields();
        QCOMPARE(fields.size(), 5);
        QCOMPARE(fields[1].first, QByteArray("X-Custom"));
        QCOMPARE(fields[1].second, QByteArray("same"));
        QCOMPARE(fields[1].second.constData(), first.fields()[1].second.constData());  // shared
        QCOMPARE(fields[1].first.constData(), first.fields()[1].first.constData());
        QCOMPARE(fields[2].second, QByteArray("two"));
        QCOMPARE(fields[3].first, QByteArray("x-case"));  // as spelled this time
        QCOMPARE(fields[3].second, QByteArray("v"));
        QVERIFY(fields[3].second.constData() != first.fields()[3].second.constData());
        QCOMPARE(fields[4].second, QByteArray("same"));  // a position the last head did not have
        QVERIFY(fields[4].second.constData() != first.fields()[1].second.constData());

        // After releaseMemory(0) (an idle connection) nothing of the last head is kept.
        parser.startNextMessage();
        parser.releaseMemory(0);
        parseOne(parser, "GET / HTTP/1.1\r\nHost: h\r\nX-Custom: same\r\n\r\n");
        const Headers small = parser.request().headers;
        QVERIFY(small.fields()[1].second.constData() != first.fields()[1].second.constData());

        // releaseMemory(512) (a connection waiting for its next request) keeps a small head's
        // fields, not a larger one's.
        parser.startNextMessage();
        parser.releaseMemory(512);
        parseOne(parser, "GET / HTTP/1.1\r\nHost: h\r\nX-Custom: same\r\nX-Pad: " + QByteArray(600, 'p') + "\r\n\r\n");
        const Headers large = parser.request().headers;
        QCOMPARE(large.fields()[1].second.constData(), small.fields()[1].second.constData());
        parser.startNextMessage();
        parser.releaseMemory(512);
        parseOne(parser, "GET / HTTP/1.1\r\nHost: h\r\nX-Custom: same\r\n\r\n");
        QVERIFY(parser.request().headers.fields()[1].second.constData() != large.fields()[1].second.constData());
        QCOMPARE(parser.request().headers.fields()[1].second, QByteArray("same"));

        // A head whose fields are all the last one's shares the whole list; one field more, or
        // one fewer, and it is a list of its own again.
        // (Read through a const parser: a non-const fields()[i] detaches the list.)
        const MessageParser &parsed = parser;
        parser.startNextMessage();
        parseOne(parser, "GET / HTTP/1.1\r\nHost: h\r\nX-Custom: same\r\n\r\n");
        const Headers repeated = parsed.request().headers;
        parser.startNextMessage();
        parseOne(parser, "GET / HTTP/1.1\r\nHost:   h  \r\nX-Custom: same\r\n\r\n");  // white space is not the value
        QCOMPARE(parsed.request().headers.fields().constData(), repeated.fields().constData());
        parser.startNextMessage();
        parseOne(parser, "GET / HTTP/1.1\r\nHost: h\r\n\r\n");
        QCOMPARE(parsed.request().headers.size(), 1);
        QVERIFY(parsed.request().headers.fields().constData() != repeated.fields().constData());
        QCOMPARE(parsed.request().headers.fields()[0].second.constData(), repeated.fields()[0].second.constData());
        parser.startNextMessage();
        parseOne(parser, "GET / HTTP/1.1\r\nHost: h\r\nX-Custom: other\r\n\r\n");
        QCOMPARE(parsed.request().headers.size(), 2);
        QVERIFY(parsed.request().headers.fields().constData() != repeated.fields().constData());
        QCOMPARE(parsed.request().headers.fields()[1].second, QByteArray("other"));
    }

    // Common methods and reason phrases are shared static copies; a target asked for again on the
    // same connection shares the last one; anything else is copied as received.
    void commonMethodsReasonsAndRepeatedTargetsAreShared()
    {
        MessageParser one(MessageParser::Type::Request, 64 * 1024);
        MessageParser two(MessageParser::Type::Request, 64 * 1024);
        parseOne(one, "GET /a HTTP/1.1\r\nHost: h\r\n\r\n");
        parseOne(two, "GET /a HTTP/1.1\r\nHost: h\r\n\r\n");
        QCOMPARE(one.request().method.constData(), two.request().method.constData());
        const QByteArray firstTarget = one.request().target;
        one.startNextMessage();
        parseOne(one, "PURGE /a HTTP/1.1\r\nHost: h\r\n\r\n");
        QCOMPARE(one.request().method, QByteArray("PURGE"));
        QCOMPARE(one.request().target.constData(), firstTarget.constData());
        one.startNextMessage();
        parseOne(one, "GET /b HTTP/1.1\r\nHost: h\r\n\r\n");
        QCOMPARE(one.request().target, QByteArray("/b"));

        MessageParser response(MessageParser::Type::Response, 64 * 1024);
        MessageParser other(MessageParser::Type::Response, 64 * 1024);
        parseOne(response, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        parseOne(other, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        QCOMPARE(response.response().reason.constData(), other.response().reason.constData());
        response.startNextMessage();
        parseOne(response, "HTTP/1.1 200 Fine\r\nContent-Length: 0\r\n\r\n");
        QCOMPARE(response.response().reason, QByteArray("Fine"));
    }

    // Letters match in either case; bytes that differ only in the same bit (0x20) do not
    // otherwise ('@' and '`', '[' and '{', '^' and '~', digits and control bytes).
    void equalsIgnoreCaseFoldsLettersOnly()
    {
        QVERIFY(equalsIgnoreCase("Content-Length", "content-length"));
        QVERIFY(equalsIgnoreCase("CONNECTION", "connection"));
        QVERIFY(equalsIgnoreCase("aZ", "Az"));
        QVERIFY(!equalsIgnoreCase("Connection", "Connectio"));
        QVERIFY(!equalsIgnoreCase("Connection", "Connectiom"));
        for (int x = 0; x < 256; ++x) {
            for (int y = 0; y < 256; ++y) {
                const char a = char(x), b = char(y);
                const auto lower = [](int c) { return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c; };
                const bool letters = lower(x) >= 'a' && lower(x) <= 'z' && lower(x) == lower(y);
                QCOMPARE(equalsIgnoreCase(QByteArrayView(&a, 1), QByteArrayView(&b, 1)), x == y || letters);
            }
        }
    }

    void targetIsKeptByteForByte()
    {
        MessageParser parser(MessageParser::Type::Request, 64 * 1024);
        parseOne(parser, "GET /a%2Fb/%41?q=%20&x HTTP/1.1\r\nHost: h\r\n\r\n");
        QCOMPARE(parser.request().target, QByteArray("/a%2Fb/%41?q=%20&x"));
    }

    void contentLengthBodyInAnySplit()
    {
        const QByteArray input = "POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\nhello world";
        for (qsizetype step : {0, 1, 2, 7, 50}) {
            const Parsed parsed = parseRequest(input, step);
            QCOMPARE(parsed.state, MessageParser::State::Complete);
            QCOMPARE(parsed.body, QByteArray("hello world"));
            QCOMPARE(parsed.consumed, input.size());
        }
    }

    void chunkedBodyInAnySplit()
    {
        const QByteArray input = "POST /p HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                                 "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nTrailer-A: x\r\n\r\n";
        for (qsizetype step : {0, 1, 3, 13}) {
            MessageParser parser(MessageParser::Type::Request, 64 * 1024);
            const Parsed parsed = parseOne(parser, input, step);
            QCOMPARE(parsed.state, MessageParser::State::Complete);
            QCOMPARE(parsed.body, QByteArray("hello world"));
            QCOMPARE(parser.framing(), MessageParser::Framing::Chunked);
        }
    }

    void trailersInAnySplit()
    {
        const QByteArray head = "POST /p HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";
        const QByteArray input = head + "5\r\nhello\r\n0\r\nX-Checksum: abc\r\nGrpc-Status:  0 \r\n\r\n";
        for (qsizetype step : {0, 1, 2, 3, 7}) {
            MessageParser parser(MessageParser::Type::Request, 64 * 1024);
            const Parsed parsed = parseOne(parser, input + "GET /next HTTP/1.1\r\n", step);
            QCOMPARE(parsed.state, MessageParser::State::Complete);
            QCOMPARE(parsed.body, QByteArray("hello"));
            QCOMPARE(parsed.consumed, input.size());  // not a byte of the next request
            QCOMPARE(parser.trailers().fields(), (QList<Headers::Field>{{"X-Checksum", "abc"}, {"Grpc-Status", "0"}}));
            QVERIFY(parser.keepAlive());
            parser.startNextMessage();
            QVERIFY(parser.trailers().isEmpty());
        }
    }

    void chunkedBodyWithoutTrailersHasNone()
    {
        MessageParser parser(MessageParser::Type::Response, 64 * 1024);
        const Parsed parsed =
            parseOne(parser, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n");
        QCOMPARE(parsed.state, MessageParser::State::Complete);
        QVERIFY(parser.trailers().isEmpty());
        QVERIFY(parser.keepAlive());
    }

    // A trailer field that frames, routes or authenticates is never kept, and none changes how
    // the stream is read: the bytes after the empty line are the next request.
    void trailerFieldsThatMayNotBePassedOnAreDropped()
    {
        const QByteArray input =
            "POST /p HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n"
            "Content-Length: 40\r\ntransfer-encoding: chunked\r\nHost: evil\r\nAuthorization: Basic eA==\r\n"
            "Connection: close\r\nTrailer: X\r\nX-Forwarded-For: 6.6.6.6\r\nX-Request-Id: forged\r\n"
            "Set-Cookie: a=b\r\nX-Kept: yes\r\n\r\n"
            "GET /second HTTP/1.1\r\nHost: h\r\n\r\n";
        for (qsizetype step : {0, 1, 5}) {
            MessageParser parser(MessageParser::Type::Request, 64 * 1024);
            const Parsed first = parseOne(parser, input, step);
            QCOMPARE(first.state, MessageParser::State::Complete);
            QCOMPARE(first.body, QByteArray("abc"));
            QCOMPARE(parser.trailers().fields(), (QList<Headers::Field>{{"X-Kept", "yes"}}));
            QVERIFY(parser.keepAlive());  // a Connection: close in the trailers does not count
            parser.startNextMessage();
            const Parsed second = parseOne(parser, input.mid(first.consumed), step);
            QCOMPARE(second.state, MessageParser::State::Complete);
            QCOMPARE(parser.request().target, QByteArray("/second"));
            QCOMPARE(parser.framing(), MessageParser::Framing::None);
        }
    }

    void trailerSectionCountsAgainstTheHeadLimit()
    {
        const QByteArray head = "POST /p HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";
        const qsizetype limit = 200;
        // The head's bytes without its empty line, and the trailer field lines, fill the limit.
        const qsizetype fieldBytes = limit - (head.size() - 4);
        const QByteArray fits = "X: " + QByteArray(fieldBytes - 5, 'v') + "\r\n";
        for (qsizetype step : {0, 1}) {
            MessageParser parser(MessageParser::Type::Request, limit);
            const Parsed parsed = parseOne(parser, head + "0\r\n" + fits + "\r\n", step);
            QCOMPARE(parsed.state, MessageParser::State::Complete);
            QCOMPARE(parser.trailers().value("x").size(), fieldBytes - 5);
        }
        for (qsizetype step : {0, 1}) {
            MessageParser parser(MessageParser::Type::Request, limit);
            const QByteArray oneByteMore = "X: " + QByteArray(fieldBytes - 4, 'v') + "\r\n";
            const Parsed parsed = parseOne(parser, head + "0\r\n" + oneByteMore + "\r\n", step);
            QCOMPARE(parsed.state, MessageParser::State::Failed);
            QCOMPARE(parsed.errorStatus, 431);
        }
        // An endless trailer section is refused at the limit, not buffered.
        MessageParser parser(MessageParser::Type::Response, limit);
        const QByteArray responseHead = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n";
        parseOne(parser, responseHead);
        const QByteArray endless(1024 * 1024, 'a');
        MessageParser::BodyPieces body;
        const qsizetype used = parser.feed(endless.constData(), endless.size(), &body);
        QCOMPARE(parser.state(), MessageParser::State::Failed);
        QCOMPARE(parser.errorStatus(), 502);
        QVERIFY(used <= limit);
        QVERIFY(parser.bufferedCapacity() < 4 * limit + 8192);
    }

    void emptyFeedIsNotEndOfStream()
    {
        MessageParser parser(MessageParser::Type::Response, 64 * 1024);
        const QByteArray head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
        QCOMPARE(parser.feed(head.constData(), head.size()), head.size());
        parser.continueToBody();
        QCOMPARE(parser.feed(head.constData(), 0), 0);
        QCOMPARE(parser.state(), MessageParser::State::Body);
        const QByteArray body = "2\r\nok\r\n0\r\n\r\n";
        MessageParser::BodyPieces pieces;
        parser.feed(body.constData(), body.size(), &pieces);
        QCOMPARE(parser.state(), MessageParser::State::Complete);
    }

    void pipelinedRequestsOneAtATime()
    {
        const QByteArray input = "GET /1 HTTP/1.1\r\nHost: h\r\n\r\n"
                                 "POST /2 HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc"
                                 "GET /3 HTTP/1.1\r\nHost: h\r\n\r\n";
        MessageParser parser(MessageParser::Type::Request, 64 * 1024);
        qsizetype offset = 0;
        QList<QByteArray> targets;
        for (int i = 0; i < 3; ++i) {
            const Parsed parsed = parseOne(parser, input.mid(offset));
            QCOMPARE(parsed.state, MessageParser::State::Complete);
            targets.append(parser.request().target);
            offset += parsed.consumed;
            parser.startNextMessage();
        }
        QCOMPARE(targets, (QList<QByteArray>{"/1", "/2", "/3"}));
        QCOMPARE(offset, input.size());
    }

    void http10DefaultsToClose()
    {
        MessageParser parser(MessageParser::Type::Request, 64 * 1024);
        parseOne(parser, "GET / HTTP/1.0\r\n\r\n");
        QCOMPARE(parser.request().versionMinor, 0);
        QVERIFY(!parser.keepAlive());
        MessageParser keepAlive(MessageParser::Type::Request, 64 * 1024);
        parseOne(keepAlive, "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
        QVERIFY(keepAlive.keepAlive());
        MessageParser close(MessageParser::Type::Request, 64 * 1024);
        parseOne(close, "GET / HTTP/1.1\r\nConnection: close\r\n\r\n");
        QVERIFY(!close.keepAlive());
    }

    // A request without framing fields is decided without libhttp-parser; one with a framing
    // field that changes nothing ("Connection: x-other") goes through it. Both must agree.
    void requestsWithoutFramingFieldsAgreeWithLibhttpParser_data()
    {
        QTest::addColumn<QByteArray>("version");
        QTest::addColumn<QByteArray>("fields");
        for (const char *version : {"1.0", "1.1"}) {
            QTest::addRow("HTTP/%s, no framing field", version) << QByteArray(version) << QByteArray("Host: h\r\n");
            QTest::addRow("HTTP/%s, Connection: x-other", version)
                << QByteArray(version) << QByteArray("Host: h\r\nConnection: x-other\r\n");
        }
    }

    void requestsWithoutFramingFieldsAgreeWithLibhttpParser()
    {
        QFETCH(QByteArray, version);
        QFETCH(QByteArray, fields);
        MessageParser parser(MessageParser::Type::Request, 64 * 1024);
        for (int i = 0; i < 2; ++i) {  // and again on the same parser, as on a kept-alive connection
            const Parsed parsed = parseOne(parser, "GET / HTTP/" + version + "\r\n" + fields + "\r\nGET /next");
            QCOMPARE(parsed.state, MessageParser::State::Complete);
            QCOMPARE(parsed.consumed, qsizetype(16 + fields.size() + 2));
            QCOMPARE(parser.framing(), MessageParser::Framing::None);
            QCOMPARE(parser.keepAlive(), version == "1.1");
            QVERIFY(!parser.isUpgrade());
            parser.startNextMessage();
        }
    }

    void upgradeRequest()
    {
        MessageParser parser(MessageParser::Type::Request, 64 * 1024);
        const Parsed parsed = parseOne(parser, "GET /ws HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\n"
                                               "Upgrade: websocket\r\n\r\n\x81\x05hello");
        QCOMPARE(parsed.state, MessageParser::State::Complete);
        QVERIFY(parser.isUpgrade());
    }

    void rejected_data()
    {
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<int>("status");
        const QByteArray get = "GET / HTTP/1.1\r\nHost: h\r\n";
        QTest::newRow("CL and TE") << QByteArray(
            "POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
                                   << 400;
        QTest::newRow("two CL") << QByteArray("POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd")
                                << 400;
        QTest::newRow("same CL twice") << QByteArray(
            "POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc")
                                       << 400;
        QTest::newRow("CL list") << QByteArray("POST / HTTP/1.1\r\nContent-Length: 3, 3\r\n\r\nabc") << 400;
        QTest::newRow("bad CL") << QByteArray("POST / HTTP/1.1\r\nContent-Length: 3x\r\n\r\nabc") << 400;
        QTest::newRow("negative CL") << QByteArray("POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n") << 400;
        QTest::newRow("TE gzip") << QByteArray("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\nabc") << 400;
        QTest::newRow("TE chunked not last")
            << QByteArray("POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n") << 400;
        QTest::newRow("TE chunked twice") << QByteArray(
            "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
                                          << 400;
        QTest::newRow("TE obfuscated") << QByteArray("POST / HTTP/1.1\r\nTransfer-Encoding: xchunked\r\n\r\n") << 400;
        QTest::newRow("bad chunk size") << QByteArray(
            "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n")
                                        << 400;
        const QByteArray chunked = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
        // libhttp-parser alone takes each of these for a complete body (or another one).
        QTest::newRow("chunk size, CR CR") << QByteArray(chunked + "5\r\rhello\r\n0\r\n\r\n") << 400;
        QTest::newRow("chunk extension, bare LF") << QByteArray(chunked + "5;a\nhello\r\n0\r\n\r\n") << 400;
        QTest::newRow("chunk data, bare LFs") << QByteArray(chunked + "5\r\nhello\n\n0\r\n\r\n") << 400;
        QTest::newRow("trailer, bare LF") << QByteArray(chunked + "0\r\nX: y\n\r\n") << 400;
        QTest::newRow("end, bare LF") << QByteArray(chunked + "0\r\n\n") << 400;
        QTest::newRow("trailer, bare CR") << QByteArray(chunked + "0\r\nX: a\rb\r\n\r\n") << 400;
        QTest::newRow("trailer, obs-fold") << QByteArray(chunked + "0\r\nX: a\r\n b\r\n\r\n") << 400;
        QTest::newRow("trailer, space before colon") << QByteArray(chunked + "0\r\nContent-Length : 3\r\n\r\n") << 400;
        QTest::newRow("trailer, no colon") << QByteArray(chunked + "0\r\nGET / HTTP/1.1\r\n\r\n") << 400;
        QTest::newRow("trailer, NUL") << QByteArray(chunked + QByteArray("0\r\nX: a\0b\r\n\r\n", 13)) << 400;
        QTest::newRow("TE in HTTP/1.0") << QByteArray("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
                                        << 400;
        QTest::newRow("obs-fold") << QByteArray(get + "X-A: b\r\n c\r\n\r\n") << 400;
        QTest::newRow("space before colon") << QByteArray(get + "Content-Length : 3\r\n\r\nabc") << 400;
        QTest::newRow("NUL in value") << QByteArray(get + QByteArray("X-A: a\0b\r\n\r\n", 13)) << 400;
        QTest::newRow("bare CR in value") << QByteArray(get + "X-A: a\rb\r\n\r\n") << 400;
        QTest::newRow("bare LF") << QByteArray("GET / HTTP/1.1\nHost: h\n\n") << 400;
        QTest::newRow("bare LF mixed") << QByteArray("GET / HTTP/1.1\r\nHost: h\nX: y\r\n\r\n") << 400;
        QTest::newRow("empty name") << QByteArray(get + ": x\r\n\r\n") << 400;
        QTest::newRow("bad method") << QByteArray("G(ET / HTTP/1.1\r\n\r\n") << 400;
        QTest::newRow("no version") << QByteArray("GET /\r\n\r\n") << 400;
        QTest::newRow("HTTP/2.0") << QByteArray("GET / HTTP/2.0\r\n\r\n") << 505;
        QTest::newRow("space in target") << QByteArray("GET /a b HTTP/1.1\r\n\r\n") << 400;
        QTest::newRow("control char in target") << QByteArray("GET /a\x01 HTTP/1.1\r\n\r\n") << 400;
    }

    void rejected()
    {
        QFETCH(QByteArray, input);
        QFETCH(int, status);
        for (qsizetype step : {0, 1}) {
            const Parsed parsed = parseRequest(input, step);
            QCOMPARE(parsed.state, MessageParser::State::Failed);
            QCOMPARE(parsed.errorStatus, status);
        }
    }

    void hostField_data()
    {
        QTest::addColumn<QByteArray>("head");
        QTest::addColumn<bool>("acceptable");
        QTest::newRow("name") << QByteArray("GET / HTTP/1.1\r\nHost: api.example.com\r\n") << true;
        QTest::newRow("name and port") << QByteArray("GET / HTTP/1.1\r\nhost: 127.0.0.1:5900\r\n") << true;
        QTest::newRow("IPv6 and port") << QByteArray("GET / HTTP/1.1\r\nHost: [::1]:5900\r\n") << true;
        QTest::newRow("empty") << QByteArray("GET / HTTP/1.1\r\nHost:\r\n") << true;
        QTest::newRow("HTTP/1.0 without") << QByteArray("GET / HTTP/1.0\r\n") << true;
        QTest::newRow("HTTP/1.1 without") << QByteArray("GET / HTTP/1.1\r\nX-Host: a\r\n") << false;
        QTest::newRow("twice") << QByteArray("GET / HTTP/1.1\r\nHost: a\r\nHOST: a\r\n") << false;
        QTest::newRow("twice in HTTP/1.0") << QByteArray("GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n") << false;
        QTest::newRow("space") << QByteArray("GET / HTTP/1.1\r\nHost: a b\r\n") << false;
        QTest::newRow("path") << QByteArray("GET / HTTP/1.1\r\nHost: a/b\r\n") << false;
        QTest::newRow("user info") << QByteArray("GET / HTTP/1.1\r\nHost: user@a\r\n") << false;
        QTest::newRow("port not a number") << QByteArray("GET / HTTP/1.1\r\nHost: a:x\r\n") << false;
        QTest::newRow("unclosed literal") << QByteArray("GET / HTTP/1.1\r\nHost: [::1\r\n") << false;
        QTest::newRow("empty literal") << QByteArray("GET / HTTP/1.1\r\nHost: []\r\n") << false;
        QTest::newRow("after literal") << QByteArray("GET / HTTP/1.1\r\nHost: [::1]x\r\n") << false;
        QTest::newRow("one Authorization")
            << QByteArray("GET / HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer x\r\n") << true;
        QTest::newRow("two Authorization")
            << QByteArray("GET / HTTP/1.1\r\nAuthorization: Bearer x\r\nHost: a\r\nauthorization: Bearer y\r\n")
            << false;
        QTest::newRow("two Authorization in HTTP/1.0")
            << QByteArray("GET / HTTP/1.0\r\nAuthorization: a\r\nAUTHORIZATION: a\r\n") << false;
    }

    void hostField()
    {
        QFETCH(QByteArray, head);
        QFETCH(bool, acceptable);
        MessageParser parser(MessageParser::Type::Request, 64 * 1024);
        QCOMPARE(parseOne(parser, head + "\r\n").state, MessageParser::State::Complete);
        QCOMPARE(parser.singletonProblem() == nullptr, acceptable);
    }

    // A keep-alive client's repeated Host is not checked again; whatever differs is.
    void hostFieldOfRepeatedHeads()
    {
        MessageParser parser(MessageParser::Type::Request, 64 * 1024);
        const auto next = [&parser](const QByteArray &head) {
            parser.startNextMessage();
            return parseOne(parser, head).state == MessageParser::State::Complete && !parser.singletonProblem();
        };
        QVERIFY(next("GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n\r\n"));
        QVERIFY(next("GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n\r\n"));
        QVERIFY(next("GET / HTTP/1.1\r\nHost: a\r\nX: 2\r\n\r\n"));
        QVERIFY(!next("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\nX: 2\r\n\r\n"));
        QVERIFY(!next("GET / HTTP/1.1\r\nHost: a/b\r\nX: 2\r\n\r\n"));
        QVERIFY(!next("GET / HTTP/1.1\r\nHost: a/b\r\nX: 2\r\n\r\n"));  // invalid stays invalid
        QVERIFY(!next("GET / HTTP/1.1\r\nX: 2\r\nHost: a b\r\n\r\n"));
        QVERIFY(next("GET / HTTP/1.0\r\nX: 2\r\n\r\n"));
        QVERIFY(!next("GET / HTTP/1.1\r\nX: 2\r\n\r\n"));
        QVERIFY(next("GET / HTTP/1.1\r\nHost: a\r\n\r\n"));
        QVERIFY(next("GET / HTTP/1.1\r\nHost: a\r\nAuthorization: x\r\n\r\n"));
        QVERIFY(!next("GET / HTTP/1.1\r\nHost: a\r\nAuthorization: x\r\nAuthorization: x\r\n\r\n"));
        QVERIFY(!next("GET / HTTP/1.1\r\nHost: a\r\nAuthorization: x\r\nAuthorization: x\r\n\r\n"));  // again
        QVERIFY(next("GET / HTTP/1.1\r\nHost: a\r\n\r\n"));
        parser.releaseMemory();  // forgets the last fields
        QVERIFY(!next("GET / HTTP/1.1\r\n\r\n"));
    }

    void headerSectionLimit()
    {
        MessageParser parser(MessageParser::Type::Request, 1024);
        const Parsed parsed = parseOne(parser, "GET / HTTP/1.1\r\nX-Big: " + QByteArray(2000, 'a') + "\r\n\r\n", 100);
        QCOMPARE(parsed.state, MessageParser::State::Failed);
        QCOMPARE(parsed.errorStatus, 431);
        MessageParser fits(MessageParser::Type::Request, 1024);
        QCOMPARE(parseOne(fits, "GET / HTTP/1.1\r\nX-Big: " + QByteArray(900, 'a') + "\r\n\r\n").state,
                 MessageParser::State::Complete);
    }

    void leadingEmptyLinesAreIgnored()
    {
        QCOMPARE(parseRequest("\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n").state, MessageParser::State::Complete);
    }

    void responseWithLength()
    {
        MessageParser parser(MessageParser::Type::Response, 64 * 1024);
        const Parsed parsed = parseOne(
            parser, "HTTP/1.1 201 Created\r\nContent-Length: 2\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\nok");
        QCOMPARE(parsed.state, MessageParser::State::Complete);
        QCOMPARE(parser.response().status, 201);
        QCOMPARE(parser.response().reason, QByteArray("Created"));
        QCOMPARE(parser.response().headers.size(), 3);
        QCOMPARE(parsed.body, QByteArray("ok"));
        QCOMPARE(parser.framing(), MessageParser::Framing::ContentLength);
        QCOMPARE(parser.contentLength(), quint64(2));
    }

    // One read of a backend's answer brings its head and up to 64 KiB of body: the parser keeps
    // the head only, and hands the body bytes back for feedBody.
    void bodyAfterTheHeadIsNotCopiedIntoTheHeadBuffer()
    {
        MessageParser parser(MessageParser::Type::Response, 64 * 1024);
        const QByteArray head = "HTTP/1.1 200 OK\r\nContent-Length: 60000\r\n\r\n";
        const QByteArray input = head + QByteArray(60000, 'x');
        MessageParser::BodyPieces body;
        QCOMPARE(parser.feed(input.constData(), input.size(), &body), head.size());
        QCOMPARE(parser.state(), MessageParser::State::HeadDone);
        QVERIFY2(parser.bufferedCapacity() < 4096, QByteArray::number(parser.bufferedCapacity()));
        parser.continueToBody();
        QCOMPARE(parser.feed(input.constData() + head.size(), input.size() - head.size(), &body), 60000);
        QCOMPARE(parser.state(), MessageParser::State::Complete);
    }

    // A head that comes whole is read where it is: no head buffer is allocated, and what the
    // parser hands out is its own (the caller reuses its buffer at once).
    void wholeHeadIsReadInPlace()
    {
        MessageParser parser(MessageParser::Type::Request, 64 * 1024);
        QByteArray input = "GET /a?b HTTP/1.1\r\nHost: h\r\nX-Trace: t1\r\n\r\n";
        QCOMPARE(parser.feed(input.constData(), input.size()), input.size());
        QCOMPARE(parser.state(), MessageParser::State::HeadDone);
        QCOMPARE(parser.bufferedCapacity(), 0);
        input.fill('z');
        QCOMPARE(parser.request().method, QByteArray("GET"));
        QCOMPARE(parser.request().target, QByteArray("/a?b"));
        QCOMPARE(parser.request().headers.value("x-trace"), QByteArray("t1"));
        QCOMPARE(parser.request().headers.fields().first().first, QByteArray("Host"));

        MessageParser split(MessageParser::Type::Request, 64 * 1024);  // in two pieces: buffered
        const QByteArray head = "GET /a?b HTTP/1.1\r\nHost: h\r\nX-Trace: t1\r\n\r\n";
        QCOMPARE(split.feed(head.constData(), 20), 20);
        QVERIFY(split.bufferedCapacity() > 0);
        QCOMPARE(split.feed(head.constData() + 20, head.size() - 20), head.size() - 20);
        QCOMPARE(split.state(), MessageParser::State::HeadDone);
        QCOMPARE(split.request().target, QByteArray("/a?b"));
        QCOMPARE(split.request().headers.value("x-trace"), QByteArray("t1"));
    }

    void responseUntilClose()
    {
        MessageParser parser(MessageParser::Type::Response, 64 * 1024);
        Parsed parsed = parseOne(parser, "HTTP/1.1 200 OK\r\n\r\nsome bytes");
        QCOMPARE(parser.framing(), MessageParser::Framing::UntilClose);
        QCOMPARE(parsed.state, MessageParser::State::Body);
        QCOMPARE(parsed.body, QByteArray("some bytes"));
        parser.finish();
        QCOMPARE(parser.state(), MessageParser::State::Complete);
        QVERIFY(!parser.keepAlive());
    }

    void truncatedResponseFails()
    {
        MessageParser parser(MessageParser::Type::Response, 64 * 1024);
        parseOne(parser, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
        parser.finish();
        QCOMPARE(parser.state(), MessageParser::State::Failed);
    }

    void responseToHeadHasNoBody()
    {
        MessageParser parser(MessageParser::Type::Response, 64 * 1024);
        parser.setExpectNoBody(true);
        const Parsed parsed = parseOne(parser, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n");
        QCOMPARE(parsed.state, MessageParser::State::Complete);
        QVERIFY(parser.keepAlive());
    }

    void noBodyStatuses()
    {
        for (const char *head : {"HTTP/1.1 204 No Content\r\n\r\n", "HTTP/1.1 304 Not Modified\r\n\r\n",
                                 "HTTP/1.1 100 Continue\r\n\r\n"}) {
            MessageParser parser(MessageParser::Type::Response, 64 * 1024);
            QCOMPARE(parseOne(parser, head).state, MessageParser::State::Complete);
            QCOMPARE(parser.framing(), MessageParser::Framing::None);
        }
    }

    void responseWithUnknownStatusAndNoReason()
    {
        MessageParser parser(MessageParser::Type::Response, 64 * 1024);
        parseOne(parser, "HTTP/1.1 299 \r\nContent-Length: 0\r\n\r\n");
        QCOMPARE(parser.state(), MessageParser::State::Complete);
        QCOMPARE(parser.response().status, 299);
    }

    void garbageResponseFails()
    {
        MessageParser parser(MessageParser::Type::Response, 64 * 1024);
        QCOMPARE(parseOne(parser, "SSH-2.0-OpenSSH\r\n\r\n").state, MessageParser::State::Failed);
        QCOMPARE(parser.errorStatus(), 502);
    }

    void serializeKeepsOrder()
    {
        RequestHead head;
        head.method = "PROPFIND";
        head.target = "/x?y";
        head.headers.add("B", "1");
        head.headers.add("A", "2");
        head.headers.add("B", "3");
        QCOMPARE(serialize(head), QByteArray("PROPFIND /x?y HTTP/1.1\r\nB: 1\r\nA: 2\r\nB: 3\r\n\r\n"));
        ResponseHead response;
        response.status = 599;
        QCOMPARE(serialize(response), QByteArray("HTTP/1.1 599 Server Error\r\n\r\n"));
    }

    void credentialsAreRedactedForDisplay()
    {
        Headers headers;
        headers.add("authorization", "Bearer eyJhbGciOi.secret.sig");
        headers.add("Proxy-Authorization", "Basic dXNlcjpwYXNz");
        headers.add("Cookie", "session=abc");
        headers.add("Set-Cookie", "session=abc; HttpOnly");
        headers.add("Accept", "*/*");
        const Headers shown = withCredentialsRedacted(headers);
        QCOMPARE(shown.value("authorization"), QByteArray("Bearer [redacted]"));
        QCOMPARE(shown.value("proxy-authorization"), QByteArray("Basic [redacted]"));
        QCOMPARE(shown.value("cookie"), QByteArray("[redacted]"));
        QCOMPARE(shown.value("set-cookie"), QByteArray("[redacted]"));
        QCOMPARE(shown.value("accept"), QByteArray("*/*"));
        QCOMPARE(headers.value("cookie"), QByteArray("session=abc"));  // the original is untouched

        // Every one of a repeated field, whatever its case.
        Headers twice;
        twice.add("Accept", "*/*");
        twice.add("COOKIE", "a=1");
        twice.add("cookie", "b=2");
        twice.add("AUTHORIZATION", "token");
        const Headers shownTwice = withCredentialsRedacted(twice);
        QCOMPARE(shownTwice.fields().at(1).second, QByteArray("[redacted]"));
        QCOMPARE(shownTwice.fields().at(2).second, QByteArray("[redacted]"));
        QCOMPARE(shownTwice.fields().at(3).second, QByteArray("[redacted]"));
        QCOMPARE(twice.fields().at(2).second, QByteArray("b=2"));
    }
};

QTEST_GUILESS_MAIN(TestMessageParser)
#include "tst_messageparser.moc"
