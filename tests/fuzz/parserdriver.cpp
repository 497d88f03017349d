#include "parserdriver.h"

#include <cstdio>
#include <cstdlib>

namespace kairos::fuzz {

using http::MessageParser;

QList<QByteArrayView> splitInput(QByteArrayView data, QByteArrayView plan)
{
    QList<QByteArrayView> pieces;
    if (plan.isEmpty()) {
        pieces.append(data);
        return pieces;
    }
    qsizetype at = 0;
    for (qsizetype i = 0; at < data.size(); ++i) {
        const qsizetype length = std::min<qsizetype>(1 + quint8(plan[i % plan.size()]), data.size() - at);
        pieces.append(data.sliced(at, length));
        at += length;
    }
    return pieces;
}

namespace {

void describeHead(const MessageParser &parser, MessageParser::Type type, QByteArray &out)
{
    const http::Headers *headers = nullptr;
    if (type == MessageParser::Type::Request) {
        const http::RequestHead &head = parser.request();
        out += "HEAD " + head.method + ' ' + head.target + " 1." + QByteArray::number(head.versionMinor) + '\n';
        out += QByteArray("singletons ") + (parser.singletonProblem() ? parser.singletonProblem() : "ok") + '\n';
        headers = &head.headers;
    } else {
        const http::ResponseHead &head = parser.response();
        out += "HEAD " + QByteArray::number(head.status) + ' ' + head.reason + " 1."
               + QByteArray::number(head.versionMinor) + '\n';
        headers = &head.headers;
    }
    for (const auto &field : headers->fields())
        out += field.first + ": " + field.second + '\n';
    out += "framing " + QByteArray::number(int(parser.framing())) + " length "
           + QByteArray::number(parser.contentLength()) + " upgrade " + QByteArray::number(parser.isUpgrade()) + '\n';
}

[[noreturn]] void stuck(const char *why)
{
    std::fprintf(stderr, "parser made no progress: %s\n", why);
    std::abort();
}

}  // namespace

QByteArray runParser(MessageParser::Type type, const QList<QByteArrayView> &pieces, bool expectNoBody)
{
    constexpr qsizetype maxHead = 4096;
    MessageParser parser(type, maxHead);
    parser.setExpectNoBody(expectNoBody);
    QByteArray transcript;
    QByteArray body;
    const auto endBody = [&] {
        if (!body.isEmpty())
            transcript += "BODY " + QByteArray::number(body.size()) + ' ' + body.toHex() + '\n';
        body.clear();
    };
    const auto afterFeed = [&]() -> bool {  // false: stop reading the stream
        switch (parser.state()) {
        case MessageParser::State::HeadDone:
            describeHead(parser, type, transcript);
            if (parser.isUpgrade()) {
                transcript += "TUNNEL\n";
                return false;
            }
            parser.continueToBody();
            if (parser.state() != MessageParser::State::Complete)
                return true;
            [[fallthrough]];
        case MessageParser::State::Complete:
            endBody();
            for (const auto &field : parser.trailers().fields())
                transcript += "TRAILER " + field.first + ": " + field.second + '\n';
            transcript += "COMPLETE keep-alive " + QByteArray::number(parser.keepAlive()) + '\n';
            if (!parser.keepAlive())
                return false;
            parser.startNextMessage();
            parser.setExpectNoBody(expectNoBody);
            return true;
        case MessageParser::State::Failed:
            endBody();
            transcript += "FAILED " + QByteArray::number(parser.errorStatus()) + '\n';
            return false;
        default: return true;
        }
    };

    for (QByteArrayView piece : pieces) {
        while (!piece.isEmpty()) {
            MessageParser::BodyPieces out;
            const MessageParser::State before = parser.state();
            const qsizetype used = parser.feed(piece.data(), piece.size(), &out);
            if (used < 0 || used > piece.size())
                stuck("feed() returned a count outside the buffer");
            for (QByteArrayView part : out)
                body += part;
            piece = piece.sliced(used);
            if (!afterFeed())
                return transcript;
            if (used == 0 && parser.state() == before)
                stuck("feed() used nothing and did not change state");
        }
    }
    if (type == MessageParser::Type::Response) {
        parser.finish();
        afterFeed();
    }
    endBody();
    transcript += "END state " + QByteArray::number(int(parser.state())) + '\n';
    return transcript;
}

FuzzInput parseFuzzInput(const uint8_t *data, size_t size)
{
    FuzzInput input;
    if (size == 0)
        return input;
    const auto *chars = reinterpret_cast<const char *>(data);
    const qsizetype planLength = std::min<qsizetype>(data[0] & 0x0f, qsizetype(size) - 1);
    input.flag = data[0] & 0x80;
    input.plan = QByteArrayView(chars + 1, planLength);
    input.stream = QByteArrayView(chars + 1 + planLength, qsizetype(size) - 1 - planLength);
    return input;
}

void requireSplitInvariance(MessageParser::Type type, const uint8_t *data, size_t size)
{
    const FuzzInput input = parseFuzzInput(data, size);
    const QByteArray whole = runParser(type, {input.stream}, input.flag);
    const QByteArray pieces = runParser(type, splitInput(input.stream, input.plan), input.flag);
    if (whole != pieces) {
        std::fprintf(stderr, "whole stream:\n%s\nin pieces:\n%s\n", whole.constData(), pieces.constData());
        std::abort();
    }
}

}  // namespace kairos::fuzz
