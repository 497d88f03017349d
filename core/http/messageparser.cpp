#include "messageparser.h"

#include "base/bytesearch.h"

#include <http_parser.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>
#include <string_view>

namespace kairos::http {

namespace {

constexpr bool isTokenChar(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~': return true;
    default: return false;
    }
}

// A load per byte instead of a chain of comparisons: every field name and method goes through it.
constexpr std::array<bool, 256> kTokenChars = [] {
    std::array<bool, 256> table{};
    for (int c = 0; c < 256; ++c)
        table[size_t(c)] = isTokenChar(static_cast<unsigned char>(c));
    return table;
}();

// RFC 3986's reg-name characters (unreserved, percent-encoded and sub-delims), which cover IPv4
// addresses too.
constexpr std::array<bool, 256> kRegNameChars = [] {
    std::array<bool, 256> table{};
    for (int c = 0; c < 256; ++c)
        table[size_t(c)] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    for (const char c : std::string_view("-._~%!$&'()*+,;="))
        table[size_t(c)] = true;
    return table;
}();

// A field name compared as one word: OR-ing 0x20 into a byte gives 'h' only for 'h' and 'H', and
// likewise for the other three letters.
bool isHost(QByteArrayView name)
{
    if (name.size() != 4)
        return false;
    quint32 word;
    std::memcpy(&word, name.data(), 4);
    quint32 host;
    std::memcpy(&host, "host", 4);
    return (word | 0x20202020u) == host;
}

// RFC 3986: uri-host [":" port], the host a registered name or an IP literal in brackets.
bool isHostAndPort(QByteArrayView value)
{
    const char *c = value.data();
    const char *const end = c + value.size();
    if (c != end && *c == '[') {
        const char *const close = std::find(c, end, ']');
        if (close == end || close == c + 1)
            return false;
        for (++c; c != close; ++c)
            if (!std::isxdigit(static_cast<unsigned char>(*c)) && *c != ':' && *c != '.' && *c != '%' && *c != 'v'
                && *c != 'V')
                return false;
        ++c;
    } else {
        while (c != end && kRegNameChars[static_cast<unsigned char>(*c)])
            ++c;
    }
    if (c == end)
        return true;
    if (*c != ':')
        return false;
    for (++c; c != end; ++c)
        if (*c < '0' || *c > '9')
            return false;
    return true;
}

// The field names most requests and responses carry, spelled as clients and servers send them,
// by length. A field with exactly one of these names shares the static copy instead of
// allocating its own.
const QByteArray kCommonFieldNames[] = {
    QByteArrayLiteral("Host"),
    QByteArrayLiteral("host"),
    QByteArrayLiteral("Date"),
    QByteArrayLiteral("date"),
    QByteArrayLiteral("Accept"),
    QByteArrayLiteral("accept"),
    QByteArrayLiteral("Server"),
    QByteArrayLiteral("server"),
    QByteArrayLiteral("Cookie"),
    QByteArrayLiteral("cookie"),
    QByteArrayLiteral("Connection"),
    QByteArrayLiteral("connection"),
    QByteArrayLiteral("User-Agent"),
    QByteArrayLiteral("user-agent"),
    QByteArrayLiteral("Content-Type"),
    QByteArrayLiteral("content-type"),
    QByteArrayLiteral("Cache-Control"),
    QByteArrayLiteral("cache-control"),
    QByteArrayLiteral("Authorization"),
    QByteArrayLiteral("authorization"),
    QByteArrayLiteral("Content-Length"),
    QByteArrayLiteral("content-length"),
    QByteArrayLiteral("Accept-Encoding"),
    QByteArrayLiteral("accept-encoding"),
    QByteArrayLiteral("Accept-Language"),
    QByteArrayLiteral("accept-language"),
    QByteArrayLiteral("Transfer-Encoding"),
    QByteArrayLiteral("transfer-encoding"),
};

// Where the common names of each length start in kCommonFieldNames, and how many there are: a
// name is compared only with those of its own length (most with none).
struct NamesOfLength {
    quint8 first = 0;
    quint8 count = 0;
};
const std::array<NamesOfLength, 18> kNamesByLength = [] {
    std::array<NamesOfLength, 18> byLength{};
    for (size_t i = 0; i < std::size(kCommonFieldNames); ++i) {
        NamesOfLength &names = byLength.at(size_t(kCommonFieldNames[i].size()));
        if (names.count == 0)
            names.first = quint8(i);
        Q_ASSERT(names.first + names.count == quint8(i));  // listed by length
        ++names.count;
    }
    return byLength;
}();

QByteArray fieldName(QByteArrayView name)
{
    if (size_t(name.size()) < kNamesByLength.size()) {
        const NamesOfLength names = kNamesByLength[size_t(name.size())];
        for (int i = names.first; i < names.first + names.count; ++i) {
            if (equalBytes(kCommonFieldNames[i], name))
                return kCommonFieldNames[i];
        }
    }
    return name.toByteArray();
}

// Methods and reason phrases that most messages carry: shared static copies, as the names above.
const QByteArray kCommonMethods[] = {
    QByteArrayLiteral("GET"),  QByteArrayLiteral("POST"),  QByteArrayLiteral("PUT"),     QByteArrayLiteral("DELETE"),
    QByteArrayLiteral("HEAD"), QByteArrayLiteral("PATCH"), QByteArrayLiteral("OPTIONS"),
};
const QByteArray kCommonReasons[] = {
    QByteArrayLiteral("OK"),           QByteArrayLiteral("Created"),
    QByteArrayLiteral("No Content"),   QByteArrayLiteral("Found"),
    QByteArrayLiteral("Not Modified"), QByteArrayLiteral("Bad Request"),
    QByteArrayLiteral("Not Found"),    QByteArrayLiteral("Internal Server Error"),
};

template <size_t Count> QByteArray sharedOrCopy(const QByteArray (&common)[Count], QByteArrayView bytes)
{
    for (const QByteArray &known : common) {
        if (equalBytes(known, bytes))
            return known;
    }
    return bytes.toByteArray();
}

bool isToken(QByteArrayView text)
{
    if (text.isEmpty())
        return false;
    for (char c : text) {
        if (!kTokenChars[static_cast<unsigned char>(c)])
            return false;
    }
    return true;
}

bool isFieldValueChar(unsigned char c)
{
    return c == '\t' || (c >= 0x20 && c != 0x7f);
}

// Whether every byte may stand in a field value (visible characters, obs-text, space and tab):
// eight bytes at a time, since values are most of a head. A word that holds a byte below 0x20
// or a DEL (the exact bit tests for "some byte less than n" and "some byte zero") is looked at
// byte by byte, where a tab passes.
bool isFieldValue(QByteArrayView value)
{
    constexpr quint64 kOnes = 0x0101010101010101ULL;
    constexpr quint64 kHighBits = 0x8080808080808080ULL;
    const char *bytes = value.data();
    qsizetype left = value.size();
    const auto allAllowed = [](const char *from, qsizetype count) {
        return std::all_of(from, from + count, [](char c) { return isFieldValueChar(static_cast<unsigned char>(c)); });
    };
    for (; left >= 8; bytes += 8, left -= 8) {
        quint64 word;
        std::memcpy(&word, bytes, 8);
        const quint64 control = (word - kOnes * 0x20) & ~word & kHighBits;
        const quint64 del = word ^ (kOnes * 0x7f);
        const quint64 hasDel = (del - kOnes) & ~del & kHighBits;
        if ((control | hasDel) != 0 && !allAllowed(bytes, 8))
            return false;
    }
    return allAllowed(bytes, left);
}

bool isTargetChar(unsigned char c)
{
    return c > 0x20 && c != 0x7f;
}

// memmem: QByteArray::indexOf() of a short pattern in a short text is several times slower.
qsizetype find(QByteArrayView text, QByteArrayView pattern, qsizetype from)
{
    if (from >= text.size())
        return -1;
    const void *found =
        ::memmem(text.data() + from, size_t(text.size() - from), pattern.data(), size_t(pattern.size()));
    return found ? static_cast<const char *>(found) - text.data() : -1;
}

// Where the head ends: the first "\r\n\r\n" starting at or after `from`. One memchr per line
// costs a fraction of memmem's set-up for a pattern this short.
qsizetype findHeadEnd(QByteArrayView text, qsizetype from)
{
    const char *data = text.data();
    for (qsizetype i = from + 3; i < text.size();) {
        const auto *lf = static_cast<const char *>(std::memchr(data + i, '\n', size_t(text.size() - i)));
        if (!lf)
            return -1;
        const qsizetype at = lf - data;
        if (data[at - 1] == '\r' && data[at - 2] == '\n' && data[at - 3] == '\r')
            return at - 3;
        i = at + 1;
    }
    return -1;
}

constexpr qsizetype kKeptHeadCapacity = 4096;

// The fields libhttp-parser reads to frame the body and decide keep-alive and upgrade.
bool decidesFraming(QByteArrayView name)
{
    switch (name.size()) {  // most fields are none of these: the length says so at once
    case 7: return equalsIgnoreCase(name, "upgrade");
    case 10: return equalsIgnoreCase(name, "connection");
    case 14: return equalsIgnoreCase(name, "content-length");
    case 16: return equalsIgnoreCase(name, "proxy-connection");
    case 17: return equalsIgnoreCase(name, "transfer-encoding");
    default: return false;
    }
}

QByteArrayView trimOws(QByteArrayView text)
{
    while (!text.isEmpty() && (text.front() == ' ' || text.front() == '\t'))
        text = text.sliced(1);
    while (!text.isEmpty() && (text.back() == ' ' || text.back() == '\t'))
        text.chop(1);
    return text;
}

// A trailer field line (without its CRLF) split into its name and its value, or why it cannot
// be: the rules checkFieldLines() applies to a head's. That keeps its own copy inline: calling
// this from there cost every head about 35 instructions (callgrind, a two-field response).
const char *splitFieldLine(QByteArrayView line, QByteArrayView &name, QByteArrayView &value)
{
    if (line.front() == ' ' || line.front() == '\t')
        return "obsolete line folding";
    const qsizetype colon = indexOfByte(line, ':');
    if (colon <= 0 || !isToken(line.first(colon)))
        return "invalid header field name";
    value = trimOws(line.sliced(colon + 1));
    if (!isFieldValue(value))
        return "invalid character in header field value";
    name = line.first(colon);
    return nullptr;
}

// RFC 9110 section 6.5.1: fields that describe framing, routing, authentication, request
// modifiers, response controls or the content's format must be known before the content, and a
// recipient that merged them from a trailer into the head would act on what the sender's own
// checks never saw (a Content-Length or Transfer-Encoding there is a smuggling attempt). The
// hop-by-hop fields belong to one connection. The X-Forwarded-* family, Forwarded and
// X-Request-Id are the gateway's to set.
constexpr QByteArrayView kNotInTrailers[] = {"age",
                                             "authorization",
                                             "cache-control",
                                             "connection",
                                             "content-encoding",
                                             "content-length",
                                             "content-location",
                                             "content-range",
                                             "content-type",
                                             "cookie",
                                             "date",
                                             "expect",
                                             "expires",
                                             "forwarded",
                                             "host",
                                             "http2-settings",
                                             "if-match",
                                             "if-modified-since",
                                             "if-none-match",
                                             "if-range",
                                             "if-unmodified-since",
                                             "keep-alive",
                                             "location",
                                             "max-forwards",
                                             "pragma",
                                             "proxy-authenticate",
                                             "proxy-authentication-info",
                                             "proxy-authorization",
                                             "proxy-connection",
                                             "range",
                                             "retry-after",
                                             "set-cookie",
                                             "te",
                                             "trailer",
                                             "transfer-encoding",
                                             "upgrade",
                                             "vary",
                                             "warning",
                                             "www-authenticate",
                                             "x-request-id"};

bool mayPassInTrailer(QByteArrayView name)
{
    if (name.size() >= 12 && equalsIgnoreCase(name.first(12), "x-forwarded-"))
        return false;
    return std::none_of(std::begin(kNotInTrailers), std::end(kNotInTrailers),
                        [name](QByteArrayView banned) { return equalsIgnoreCase(name, banned); });
}

}  // namespace

struct MessageParser::Callbacks {
    static MessageParser *self(http_parser *parser) { return static_cast<MessageParser *>(parser->data); }

    static int onHeadersComplete(http_parser *parser)
    {
        MessageParser *me = self(parser);
        if (parser->flags & F_CHUNKED) {
            me->m_framing = Framing::Chunked;
        } else if (parser->flags & F_CONTENTLENGTH) {
            me->m_framing = parser->content_length > 0 ? Framing::ContentLength : Framing::None;
            me->m_contentLength = parser->content_length;
        } else if (me->m_type == Type::Response) {
            me->m_framing = Framing::UntilClose;
        } else {
            me->m_framing = Framing::None;
        }
        if (me->m_type == Type::Response) {
            const int status = int(parser->status_code);
            if (me->m_expectNoBody || status == 204 || status == 304 || (status >= 100 && status < 200)) {
                me->m_framing = Framing::None;
                if (me->m_expectNoBody)
                    return 1;  // libhttp-parser: skip the body
            }
        }
        return 0;
    }

    static int onBody(http_parser *parser, const char *at, size_t length)
    {
        MessageParser *me = self(parser);
        if (me->m_bodyOut)
            me->m_bodyOut->append(QByteArrayView(at, qsizetype(length)));
        return 0;
    }

    // Of every chunk. The last one (size 0) pauses the parser right after its size line:
    // feedTrailers() reads the trailer section, by the head's rules.
    static int onChunkHeader(http_parser *parser)
    {
        if (parser->content_length == 0) {
            MessageParser *me = self(parser);
            me->m_inTrailers = true;
            me->m_headBuffer.truncate(0);  // a head that came in pieces is still there
            http_parser_pause(parser, 1);
        }
        return 0;
    }

    static int onMessageComplete(http_parser *parser)
    {
        MessageParser *me = self(parser);
        me->m_messageComplete = true;
        me->m_keepAlive = http_should_keep_alive(parser) != 0;
        http_parser_pause(parser, 1);  // one message at a time: pipelined ones wait for the caller
        return 0;
    }

    static const http_parser_settings &settings()
    {
        static const http_parser_settings settings = [] {
            http_parser_settings s;
            http_parser_settings_init(&s);
            s.on_headers_complete = onHeadersComplete;
            s.on_body = onBody;
            s.on_chunk_header = onChunkHeader;
            s.on_message_complete = onMessageComplete;
            return s;
        }();
        return settings;
    }
};

MessageParser::MessageParser(Type type, qsizetype maxHeadBytes)
    : m_type(type), m_maxHeadBytes(maxHeadBytes), m_parser(std::make_unique<http_parser>())
{
    if (type == Type::Response)
        m_head = ResponseHead();
    startNextMessage();
}

MessageParser::~MessageParser() = default;

void MessageParser::startNextMessage()
{
    http_parser_init(m_parser.get(), m_type == Type::Request ? HTTP_REQUEST : HTTP_RESPONSE);
    m_parser->data = this;
    m_state = State::Head;
    // Kept for the next head unless a large one grew them.
    m_headBuffer.truncate(0);  // m_framingFields is sized anew for each head
    releaseMemory(kKeptHeadCapacity);
    if (m_type == Type::Request)
        request() = RequestHead();
    else
        response() = ResponseHead();
    m_framing = Framing::None;
    m_contentLength = 0;
    m_keepAlive = true;
    m_upgrade = false;
    m_messageComplete = false;
    m_expectNoBody = false;
    m_framingCr = false;
    m_inTrailers = false;
    if (!m_trailers.isEmpty())
        m_trailers = Headers();
}

void MessageParser::releaseMemory(qsizetype keepBytes)
{
    if (m_state != State::Head || !m_headBuffer.isEmpty())
        return;
    if (m_headBuffer.capacity() > keepBytes)
        m_headBuffer = QByteArray();
    if (m_framingFields.capacity() > keepBytes)
        m_framingFields = QByteArray();
    // Kept under the same rule as the buffers: an idle client connection that holds a large
    // head's fields until its idle release leaves them as holes between later connections'
    // allocations (bench/connections/idle.py --head-bytes 1024: 4.9 KiB per idle connection, against 2.2).
    if (keepBytes == 0 || m_lastHeadBytes > keepBytes) {
        m_lastFields = QList<Headers::Field>();  // clear() would allocate an empty copy while shared
        m_lastTarget = QByteArray();
        m_lastFieldsSingletonsValid = false;  // a head without fields must not pass for the checked one
    }
}

void MessageParser::fail(int status, QByteArray message)
{
    m_state = State::Failed;
    m_errorStatus = status;
    m_errorMessage = std::move(message);
}

qsizetype MessageParser::feed(const char *data, qsizetype size, BodyPieces *body)
{
    if (size <= 0)
        return 0;  // libhttp-parser would take an empty buffer for the end of the stream
    switch (m_state) {
    case State::Head: return feedHead(data, size);
    case State::Body: return feedBody(data, size, body);
    default: return 0;
    }
}

qsizetype MessageParser::feedHead(const char *data, qsizetype size)
{
    qsizetype consumed = 0;
    // RFC 9112 §2.2: ignore empty lines before a request line.
    if (m_type == Type::Request && m_headBuffer.isEmpty()) {
        while (consumed < size && (data[consumed] == '\r' || data[consumed] == '\n'))
            ++consumed;
    }
    const qsizetype before = m_headBuffer.size();
    const qsizetype room = m_maxHeadBytes - before + 4;  // the final CRLFCRLF does not count
    const qsizetype available = std::min(size - consumed, std::max<qsizetype>(room, 0));
    // Only up to the end of the head when that is in this piece: what follows is body, and one
    // read of a response brings up to 64 KiB of it, which was copied here for nothing (into a
    // buffer then too large to keep for the next message).
    const qsizetype endHere = findHeadEnd(QByteArrayView(data + consumed, available), 0);
    if (before == 0 && endHere >= 0) {
        // The whole head in this piece, as it usually comes: read where it is, not copied first
        // (the copy cost an allocation per message, and a kept connection its buffer).
        if (parseHeadBlock(QByteArrayView(data + consumed, endHere + 4)))
            m_state = State::HeadDone;
        return consumed + endHere + 4;
    }
    m_headBuffer.append(data + consumed, endHere >= 0 ? endHere + 4 : available);

    // One in pieces may end across their border.
    const qsizetype end = findHeadEnd(m_headBuffer, std::max<qsizetype>(0, before - 3));
    if (end < 0) {
        const qsizetype bareEnd = find(m_headBuffer, "\n\n", std::max<qsizetype>(0, before - 1));
        if (bareEnd >= 0) {
            fail(400, "line ending without CR");
            return consumed + (m_headBuffer.size() - before);
        }
        if (m_headBuffer.size() - 4 >= m_maxHeadBytes) {
            fail(m_type == Type::Request ? 431 : 502, "header section too large");
            return consumed + (m_headBuffer.size() - before);
        }
        return size;  // all of it is part of the head so far
    }
    const qsizetype headSize = end + 4;
    consumed += headSize - before;
    m_headBuffer.truncate(headSize);
    if (parseHeadBlock(m_headBuffer))
        m_state = State::HeadDone;
    return consumed;
}

bool MessageParser::parseHeadBlock(QByteArrayView head)
{
    const QByteArrayView block = head.chopped(2);  // keep one CRLF per line
    Lines lines;
    qsizetype start = 0;
    while (start < block.size()) {
        const qsizetype lf = indexOfByte(block, '\n', start);
        if (lf <= start || block[lf - 1] != '\r') {
            fail(400, "line ending without CR");
            return false;
        }
        const QByteArrayView line = block.sliced(start, lf - 1 - start);
        if (containsByte(line, '\r')) {
            fail(400, "bare CR in the header section");
            return false;
        }
        lines.append(line);
        start = lf + 1;
    }
    if (lines.isEmpty()) {
        fail(400, "empty message head");
        return false;
    }
    if (m_type == Type::Request && !parseRequestLine(lines.first()))
        return false;
    if (!checkFieldLines(lines, head.size()))
        return false;
    return runFraming();
}

bool MessageParser::parseRequestLine(QByteArrayView line)
{
    const qsizetype firstSpace = indexOfByte(line, ' ');
    const qsizetype lastSpace = line.lastIndexOf(' ');
    if (firstSpace <= 0 || lastSpace == firstSpace) {
        fail(400, "malformed request line");
        return false;
    }
    const QByteArrayView method = line.first(firstSpace);
    const QByteArrayView target = line.sliced(firstSpace + 1, lastSpace - firstSpace - 1);
    const QByteArrayView version = line.sliced(lastSpace + 1);
    if (!isToken(method)) {
        fail(400, "invalid method");
        return false;
    }
    if (target.isEmpty() || !std::all_of(target.begin(), target.end(), [](char c) { return isTargetChar(c); })) {
        fail(400, "invalid request target");
        return false;
    }
    if (version == "HTTP/1.1") {
        request().versionMinor = 1;
    } else if (version == "HTTP/1.0") {
        request().versionMinor = 0;
    } else {
        fail(version.startsWith("HTTP/") ? 505 : 400, "unsupported HTTP version");
        return false;
    }
    request().method = sharedOrCopy(kCommonMethods, method);
    // A keep-alive client often asks for the same target again (polling, health checks).
    if (m_lastTarget.isNull() || m_lastTarget != target)
        m_lastTarget = target.toByteArray();
    request().target = m_lastTarget;
    return true;
}

bool MessageParser::checkFieldLines(const Lines &lines, qsizetype headBytes)
{
    struct FieldView {
        QByteArrayView name;
        QByteArrayView value;
    };
    QVarLengthArray<FieldView, 32> fields;
    bool transferEncoding = false;
    QVarLengthArray<QByteArrayView, 8> framingLines;  // each with the CRLF that follows it in the head
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArrayView line = lines[i];
        if (line.front() == ' ' || line.front() == '\t') {
            fail(400, "obsolete line folding");
            return false;
        }
        const qsizetype colon = indexOfByte(line, ':');
        if (colon <= 0 || !isToken(line.first(colon))) {
            fail(400, "invalid header field name");
            return false;
        }
        const QByteArrayView value = trimOws(line.sliced(colon + 1));
        if (!isFieldValue(value)) {
            fail(400, "invalid character in header field value");
            return false;
        }
        const QByteArrayView name = line.first(colon);
        if (decidesFraming(name)) {
            framingLines.append(QByteArrayView(line.data(), line.size() + 2));
            transferEncoding = transferEncoding || name.size() == 17;  // the only such name of 17
        }
        fields.append({name, value});
    }
    // A field that comes again at the same position with the same bytes as in the last head
    // shares that head's copy; when all of them do (a keep-alive client asking again, a backend's
    // answers within the same second), the whole list is shared.
    Headers &headers = m_type == Type::Request ? request().headers : response().headers;
    const QList<Headers::Field> &last = m_lastFields;  // const: reading may not detach it
    const auto asLast = [&last](qsizetype position, const FieldView &field) {
        return position < last.size() && equalBytes(last[position].second, field.value)
               && equalBytes(last[position].first, field.name);
    };
    qsizetype leadingAsLast = 0;
    while (leadingAsLast < fields.size() && asLast(leadingAsLast, fields[leadingAsLast]))
        ++leadingAsLast;
    if (leadingAsLast == fields.size() && leadingAsLast == last.size()) {
        headers.fields() = m_lastFields;
        // The same fields as the last head's, whose one Host was found valid: a keep-alive client
        // asking again. Anything else is looked at.
        if (m_type == Type::Request && !m_lastFieldsSingletonsValid)
            checkSingletonFields();
    } else {
        headers.fields().reserve(fields.size());
        for (qsizetype position = 0; position < fields.size(); ++position) {
            const FieldView &field = fields[position];
            if (position < leadingAsLast || asLast(position, field))
                headers.fields().append(last[position]);
            else
                headers.add(fieldName(field.name), field.value.toByteArray());
        }
        m_lastFields = headers.fields();
        if (m_type == Type::Request)
            checkSingletonFields();
    }
    m_lastHeadBytes = headBytes;
    if (m_type == Type::Request && framingLines.isEmpty()) {
        m_framingFields.truncate(0);  // nothing to ask libhttp-parser (runFraming())
        return true;
    }
    // The start line libhttp-parser gets: the response's own (it reads the status from it), a
    // request's stand-in (its method and target were checked above and do not bear on framing).
    QByteArrayView startLine = QByteArrayView(lines.first().data(), lines.first().size() + 2);
    if (m_type == Type::Request)
        startLine = request().versionMinor == 0 ? "PUT / HTTP/1.0\r\n" : "PUT / HTTP/1.1\r\n";
    // Sized once and copied into: appending piece by piece cost a call to QByteArray::insert each.
    // One buffer, start line included: each libhttp-parser call costs about 250 instructions
    // before its first byte.
    qsizetype framingSize = startLine.size() + 2;
    for (const QByteArrayView framingLine : framingLines)
        framingSize += framingLine.size();
    m_framingFields.resize(framingSize);
    char *out = std::copy(startLine.begin(), startLine.end(), m_framingFields.data());
    for (const QByteArrayView framingLine : framingLines)
        out = std::copy(framingLine.begin(), framingLine.end(), out);
    std::memcpy(out, "\r\n", 2);
    // RFC 9112 section 6.1: Transfer-Encoding in HTTP/1.0 is faulty framing (an HTTP/1.0 server
    // behind or in front of the gateway reads the body by Content-Length or to the close).
    if (transferEncoding && m_type == Type::Request && request().versionMinor == 0) {
        fail(400, "Transfer-Encoding in an HTTP/1.0 request");
        return false;
    }
    if (transferEncoding && !equalsIgnoreCase(headers.combinedValue("transfer-encoding"), "chunked")) {
        fail(m_type == Type::Request ? 400 : 502, "unsupported Transfer-Encoding");
        return false;
    }
    return true;
}

void MessageParser::checkSingletonFields()
{
    int hosts = 0;
    int authorizations = 0;
    qsizetype position = -1;
    for (qsizetype i = 0; i < m_lastFields.size(); ++i) {
        const QByteArray &name = m_lastFields.at(i).first;
        if (isHost(name)) {
            ++hosts;
            position = i;
        } else if (name.size() == 13 && equalsIgnoreCaseSameSize(name.constData(), "authorization", 13)) {
            ++authorizations;
        }
    }
    if (hosts != 1)
        m_singletonProblem = hosts > 1                     ? SingletonProblem::HostRepeated
                             : request().versionMinor == 1 ? SingletonProblem::HostMissing
                                                           : SingletonProblem::None;
    else
        m_singletonProblem =
            isHostAndPort(m_lastFields.at(position).second) ? SingletonProblem::None : SingletonProblem::HostInvalid;
    if (m_singletonProblem == SingletonProblem::None && authorizations > 1)
        m_singletonProblem = SingletonProblem::AuthorizationRepeated;
    m_lastFieldsSingletonsValid = hosts == 1 && m_singletonProblem == SingletonProblem::None;
}

const char *MessageParser::singletonProblemText() const
{
    switch (m_singletonProblem) {
    case SingletonProblem::None: return nullptr;
    case SingletonProblem::HostMissing: return "an HTTP/1.1 request needs a Host header field";
    case SingletonProblem::HostRepeated: return "more than one Host header field";
    case SingletonProblem::HostInvalid: return "invalid Host header field";
    case SingletonProblem::AuthorizationRepeated: return "more than one Authorization header field";
    }
    return nullptr;
}

bool MessageParser::runFraming()
{
    // libhttp-parser reads a start line it knows followed by our checked fields that bear on
    // framing, keep-alive and upgrade (the others cost parsing time and change nothing), all in
    // m_framingFields (checkFieldLines()): it decides the framing (and rejects what it finds
    // ambiguous), nothing else.
    m_bodyOut = nullptr;
    if (m_framingFields.isEmpty()) {
        // A request without any field that decidesFraming() names has no body (RFC 9112 section
        // 6.3) and stays open unless it is HTTP/1.0, as libhttp-parser would decide: most
        // requests are such GETs, and the call cost each several hundred instructions.
        m_framing = Framing::None;
        m_keepAlive = request().versionMinor == 1;
        m_upgrade = false;
        m_messageComplete = true;
        return true;
    }
    http_parser_execute(m_parser.get(), &Callbacks::settings(), m_framingFields.constData(),
                        size_t(m_framingFields.size()));
    const http_errno error = HTTP_PARSER_ERRNO(m_parser.get());
    if (error != HPE_OK && error != HPE_PAUSED) {
        fail(m_type == Type::Request ? 400 : 502, http_errno_description(error));
        return false;
    }
    if (m_type == Type::Response) {
        const QByteArrayView startLine = QByteArrayView(m_framingFields).first(indexOfByte(m_framingFields, '\n') + 1);
        response().status = int(m_parser->status_code);
        response().versionMinor = m_parser->http_minor;
        const qsizetype space = indexOfByte(startLine, ' ');
        const qsizetype secondSpace = indexOfByte(startLine, ' ', space + 1);
        response().reason =
            secondSpace < 0 ? QByteArray() : sharedOrCopy(kCommonReasons, startLine.sliced(secondSpace + 1).chopped(2));
        if (m_parser->http_major != 1) {
            fail(502, "unsupported HTTP version");
            return false;
        }
        if (m_parser->http_minor == 0 && (m_parser->flags & F_CHUNKED)) {
            fail(502, "Transfer-Encoding in an HTTP/1.0 response");
            return false;
        }
    }
    m_upgrade = m_parser->upgrade;
    m_keepAlive = http_should_keep_alive(m_parser.get()) != 0;
    return true;
}

void MessageParser::continueToBody()
{
    if (m_state != State::HeadDone)
        return;
    m_state = m_messageComplete ? State::Complete : State::Body;
}

qsizetype MessageParser::feedBody(const char *data, qsizetype size, BodyPieces *body)
{
    if (m_inTrailers)
        return feedTrailers(data, size);
    const bool chunked = m_framing == Framing::Chunked;
    BodyPieces chunkData;  // where the chunk data lies tells where the framing is
    m_bodyOut = chunked ? &chunkData : body;
    http_parser_pause(m_parser.get(), 0);
    const size_t parsed = http_parser_execute(m_parser.get(), &Callbacks::settings(), data, size_t(size));
    m_bodyOut = nullptr;
    const http_errno error = HTTP_PARSER_ERRNO(m_parser.get());
    if (chunked) {
        // Checked first, and its data before a fault goes out: as it would, had the bytes come
        // in pieces (the parser's own error, further on, would not have been reached).
        const qsizetype bad = badChunkFraming(QByteArrayView(data, qsizetype(parsed)), chunkData);
        for (const QByteArrayView piece : chunkData) {
            if (body && (bad < 0 || piece.data() < data + bad))
                body->append(piece);
        }
        if (bad >= 0) {
            fail(m_type == Type::Request ? 400 : 502, "chunk framing line not ended by CRLF");
            return bad;
        }
    }
    if (error != HPE_OK && error != HPE_PAUSED) {
        fail(m_type == Type::Request ? 400 : 502, http_errno_description(error));
        return qsizetype(parsed);
    }
    if (m_messageComplete)
        m_state = State::Complete;
    if (m_inTrailers && qsizetype(parsed) < size)  // paused after the last chunk's size line
        return qsizetype(parsed) + feedTrailers(data + parsed, size - qsizetype(parsed));
    return qsizetype(parsed);
}

qsizetype MessageParser::feedTrailers(const char *data, qsizetype size)
{
    // Most chunked bodies end without trailer fields: the empty line comes at once.
    if (m_headBuffer.isEmpty() && size >= 2 && data[0] == '\r' && data[1] == '\n') {
        completeTrailers();
        return 2;
    }
    const int status = m_type == Type::Request ? 400 : 502;
    // The head's limit covers the head and the trailer section together, the empty lines that
    // end them aside (m_lastHeadBytes is the head's size with its CRLFCRLF).
    const qsizetype allowed = m_maxHeadBytes - (m_lastHeadBytes - 4) + 2;
    const qsizetype before = m_headBuffer.size();
    m_headBuffer.append(data, std::min(size, std::max<qsizetype>(allowed - before, 0)));
    qsizetype end = -1;
    if (m_headBuffer.startsWith("\r\n")) {
        end = 2;
    } else {
        const qsizetype blankLine = findHeadEnd(m_headBuffer, std::max<qsizetype>(0, before - 3));
        if (blankLine >= 0)
            end = blankLine + 4;
    }
    // A CR only right before an LF and an LF only right after a CR, as in the chunk framing
    // (badChunkFraming()): a bare one would end a line here and not in a server that reads them
    // differently.
    const qsizetype checkedEnd = end >= 0 ? end : m_headBuffer.size();
    for (qsizetype i = before; i < checkedEnd; ++i) {
        const bool lf = m_headBuffer.at(i) == '\n';
        if (m_framingCr != lf) {
            fail(status, "trailer line not ended by CRLF");
            return i - before;
        }
        m_framingCr = m_headBuffer.at(i) == '\r';
    }
    if (end < 0) {
        if (m_headBuffer.size() >= allowed) {
            fail(m_type == Type::Request ? 431 : 502, "header section too large (with the trailer section)");
            return m_headBuffer.size() - before;
        }
        return size;  // all of it is part of the trailer section so far
    }
    if (!parseTrailerBlock(QByteArrayView(m_headBuffer).first(end - 2)))
        return end - before;
    completeTrailers();
    return end - before;
}

bool MessageParser::parseTrailerBlock(QByteArrayView block)
{
    qsizetype start = 0;
    while (start < block.size()) {
        const qsizetype lf = indexOfByte(block, '\n', start);  // after a CR: feedTrailers() checked
        QByteArrayView name;
        QByteArrayView value;
        if (const char *problem = splitFieldLine(block.sliced(start, lf - 1 - start), name, value)) {
            fail(m_type == Type::Request ? 400 : 502, QByteArray("trailer section: ") + problem);
            return false;
        }
        if (mayPassInTrailer(name))
            m_trailers.add(fieldName(name), value.toByteArray());
        start = lf + 1;
    }
    return true;
}

void MessageParser::completeTrailers()
{
    m_inTrailers = false;
    m_headBuffer.truncate(0);
    m_messageComplete = true;
    m_keepAlive = http_should_keep_alive(m_parser.get()) != 0;
    m_state = State::Complete;
}

// libhttp-parser, as Debian builds it, takes a bare LF (and a CR without its LF) for the end of
// a chunk-size line, a chunk or a trailer; a server behind or in front of the gateway that does
// not would read another body, and the next request, from the same bytes (request smuggling).
// Every byte of `parsed` outside the chunk data is framing: there, a CR must come right before
// an LF and an LF right after a CR. m_framingCr carries a CR that ended the last piece. Returns
// the offset of the first byte that breaks the rule, or -1.
qsizetype MessageParser::badChunkFraming(QByteArrayView parsed, const BodyPieces &chunkData)
{
    const char *const begin = parsed.data();
    const char *at = begin;
    const auto checkFraming = [this, begin](const char *from, const char *to) -> qsizetype {
        for (; from != to; ++from) {
            const bool lf = *from == '\n';
            if (m_framingCr != lf)
                return from - begin;
            m_framingCr = *from == '\r';
        }
        return -1;
    };
    for (const QByteArrayView piece : chunkData) {
        const qsizetype bad = checkFraming(at, piece.data());
        if (bad >= 0)
            return bad;
        if (m_framingCr)
            return piece.data() - begin;  // data right after a CR
        at = piece.data() + piece.size();
    }
    return checkFraming(at, begin + parsed.size());
}

void MessageParser::finish()
{
    if (m_state != State::Body)
        return;
    if (m_framing != Framing::UntilClose) {
        fail(502, "connection closed before the end of the message");
        return;
    }
    http_parser_pause(m_parser.get(), 0);
    http_parser_execute(m_parser.get(), &Callbacks::settings(), nullptr, 0);
    m_state = State::Complete;
    m_messageComplete = true;
    m_keepAlive = false;
}

}  // namespace kairos::http
