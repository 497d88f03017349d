#include "httpmessage.h"

#include <http_parser.h>

#include <charconv>
#include <cstring>

namespace kairos::http {

bool equalsIgnoreCaseSameSize(const char *a, const char *b, qsizetype size)
{
    // Bytes that are equal pass at once; two that differ only in the case bit must be letters.
    // Folding both bytes to lower case first cost twice the instructions per byte.
    for (qsizetype i = 0; i < size; ++i) {
        const unsigned char x = static_cast<unsigned char>(a[i]);
        const unsigned char difference = x ^ static_cast<unsigned char>(b[i]);
        if (difference == 0)
            continue;
        const unsigned char lower = x | 0x20;
        if (difference != 0x20 || lower < 'a' || lower > 'z')
            return false;
    }
    return true;
}

void Headers::set(const QByteArray &name, const QByteArray &value)
{
    remove(name);
    add(name, value);
}

void Headers::remove(QByteArrayView name)
{
    m_fields.removeIf([name](const Field &field) { return equalsIgnoreCase(field.first, name); });
}

bool Headers::contains(QByteArrayView name) const
{
    for (const Field &field : m_fields) {
        if (equalsIgnoreCase(field.first, name))
            return true;
    }
    return false;
}

QByteArray Headers::value(QByteArrayView name) const
{
    for (const Field &field : m_fields) {
        if (equalsIgnoreCase(field.first, name))
            return field.second;
    }
    return QByteArray();
}

QByteArray Headers::combinedValue(QByteArrayView name) const
{
    QByteArray combined;
    bool first = true;
    for (const Field &field : m_fields) {
        if (!equalsIgnoreCase(field.first, name))
            continue;
        if (!first)
            combined += ", ";
        combined += field.second;
        first = false;
    }
    return combined;
}

bool Headers::hasToken(QByteArrayView name, QByteArrayView token) const
{
    for (const Field &field : m_fields) {
        if (!equalsIgnoreCase(field.first, name))
            continue;
        for (const QByteArray &item : field.second.split(',')) {
            if (equalsIgnoreCase(item.trimmed(), token))
                return true;
        }
    }
    return false;
}

QByteArrayView RequestHead::path() const
{
    const qsizetype question = target.indexOf('?');
    return question < 0 ? QByteArrayView(target) : QByteArrayView(target).first(question);
}

QByteArrayView RequestHead::query() const
{
    const qsizetype question = target.indexOf('?');
    return question < 0 ? QByteArrayView() : QByteArrayView(target).sliced(question + 1);
}

QByteArray reasonPhrase(int status)
{
    const char *phrase = http_status_str(static_cast<http_status>(status));
    if (phrase && qstrcmp(phrase, "<unknown>") != 0)
        return QByteArray(phrase);
    switch (status / 100) {
    case 1: return QByteArrayLiteral("Informational");
    case 2: return QByteArrayLiteral("Success");
    case 3: return QByteArrayLiteral("Redirection");
    case 4: return QByteArrayLiteral("Client Error");
    default: return QByteArrayLiteral("Server Error");
    }
}

namespace {

// Heads are written into one allocation of the exact size (plus the room asked for): appending
// piece by piece cost more than the rest of serialising.
class HeadWriter
{
public:
    HeadWriter(std::initializer_list<QByteArrayView> startLine, const Headers &headers, qsizetype roomAfter)
        : m_headers(headers)
    {
        qsizetype size = 2 + 2;  // CRLF after the start line, CRLF after the fields
        for (QByteArrayView piece : startLine)
            size += piece.size();
        for (const Headers::Field &field : headers.fields())
            size += field.first.size() + 2 + field.second.size() + 2;
        m_out.reserve(size + roomAfter);
        m_out.resize(size);
        m_cursor = m_out.data();
        for (QByteArrayView piece : startLine)
            put(piece);
    }

    QByteArray finish()
    {
        put("\r\n");
        for (const Headers::Field &field : m_headers.fields()) {
            put(field.first);
            put(": ");
            put(field.second);
            put("\r\n");
        }
        put("\r\n");
        return std::move(m_out);
    }

private:
    void put(QByteArrayView piece)
    {
        std::memcpy(m_cursor, piece.data(), size_t(piece.size()));
        m_cursor += piece.size();
    }

    const Headers &m_headers;
    QByteArray m_out;
    char *m_cursor;
};

}  // namespace

QByteArray serialize(const RequestHead &head, qsizetype roomAfter)
{
    return HeadWriter({head.method, " ", head.target, head.versionMinor == 0 ? " HTTP/1.0" : " HTTP/1.1"}, head.headers,
                      roomAfter)
        .finish();
}

QByteArray serialize(const ResponseHead &head, qsizetype roomAfter)
{
    char status[16];  // std::to_chars: snprintf cost ~650 instructions per response
    const int statusLength = int(std::to_chars(status, status + sizeof status, head.status).ptr - status);
    const QByteArray reason = head.reason.isEmpty() ? reasonPhrase(head.status) : head.reason;
    return HeadWriter(
               {head.versionMinor == 0 ? "HTTP/1.0 " : "HTTP/1.1 ", QByteArrayView(status, statusLength), " ", reason},
               head.headers, roomAfter)
        .finish();
}

QByteArray lastChunk(const Headers &trailers)
{
    if (trailers.isEmpty())
        return QByteArrayLiteral("0\r\n\r\n");
    QByteArray out = QByteArrayLiteral("0\r\n");
    for (const Headers::Field &field : trailers.fields()) {
        out += field.first;
        out += ": ";
        out += field.second;
        out += "\r\n";
    }
    out += "\r\n";
    return out;
}

QByteArray quotedString(QByteArrayView text)
{
    QByteArray quoted;
    quoted.reserve(text.size() + 2);
    quoted += '"';
    for (const char c : text) {
        if (c == '"' || c == '\\')
            quoted += '\\';
        quoted += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? ' ' : c;
    }
    quoted += '"';
    return quoted;
}

Headers withCredentialsRedacted(const Headers &headers)
{
    // Shares the fields until one needs hiding: most heads carry none, and this runs on the
    // request path for every exchange the console captures.
    Headers shown = headers;
    for (qsizetype i = 0; i < headers.size(); ++i) {
        const QByteArray &name = headers.fields().at(i).first;
        const bool credential =
            equalsIgnoreCase(name, "authorization") || equalsIgnoreCase(name, "proxy-authorization");
        if (!credential && !equalsIgnoreCase(name, "cookie") && !equalsIgnoreCase(name, "set-cookie"))
            continue;
        QByteArray &value = shown.fields()[i].second;
        const qsizetype space = credential ? value.indexOf(' ') : -1;
        value = (space > 0 ? value.left(space + 1) : QByteArray()) + "[redacted]";
    }
    return shown;
}

}  // namespace kairos::http
