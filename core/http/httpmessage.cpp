#include "httpmessage.h"

#include <http_parser.h>

namespace kairos::http {

bool equalsIgnoreCase(QByteArrayView a, QByteArrayView b)
{
    if (a.size() != b.size())
        return false;
    for (qsizetype i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z')
            x += 'a' - 'A';
        if (y >= 'A' && y <= 'Z')
            y += 'a' - 'A';
        if (x != y)
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
void appendHeaders(QByteArray &out, const Headers &headers)
{
    for (const Headers::Field &field : headers.fields()) {
        out += field.first;
        out += ": ";
        out += field.second;
        out += "\r\n";
    }
    out += "\r\n";
}
}  // namespace

QByteArray serialize(const RequestHead &head)
{
    QByteArray out;
    out.reserve(head.target.size() + 64 + head.headers.size() * 40);
    out += head.method;
    out += ' ';
    out += head.target;
    out += head.versionMinor == 0 ? " HTTP/1.0\r\n" : " HTTP/1.1\r\n";
    appendHeaders(out, head.headers);
    return out;
}

QByteArray serialize(const ResponseHead &head)
{
    QByteArray out;
    out.reserve(64 + head.headers.size() * 40);
    out += head.versionMinor == 0 ? "HTTP/1.0 " : "HTTP/1.1 ";
    out += QByteArray::number(head.status);
    out += ' ';
    out += head.reason.isEmpty() ? reasonPhrase(head.status) : head.reason;
    out += "\r\n";
    appendHeaders(out, head.headers);
    return out;
}

Headers withCredentialsRedacted(const Headers &headers)
{
    Headers shown = headers;
    for (Headers::Field &field : shown.fields()) {
        const QByteArray name = field.first.toLower();
        if (name == "authorization" || name == "proxy-authorization") {
            const qsizetype space = field.second.indexOf(' ');
            field.second = (space > 0 ? field.second.left(space + 1) : QByteArray()) + "[redacted]";
        } else if (name == "cookie" || name == "set-cookie") {
            field.second = "[redacted]";
        }
    }
    return shown;
}

}  // namespace kairos::http
