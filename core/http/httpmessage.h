// Value types of HTTP/1.x messages as the gateway sees them: heads only, since bodies stream.
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QList>

#include <utility>

namespace kairos::http {

// Header fields in arrival order, repeated names kept as separate entries.
class Headers
{
public:
    using Field = std::pair<QByteArray, QByteArray>;

    void add(QByteArray name, QByteArray value) { m_fields.append({std::move(name), std::move(value)}); }
    void set(const QByteArray &name, const QByteArray &value);
    void remove(QByteArrayView name);
    bool contains(QByteArrayView name) const;
    // The first value of the field, or a null QByteArray.
    QByteArray value(QByteArrayView name) const;
    // All values of the field joined by ", " (the list form of RFC 9110 §5.3).
    QByteArray combinedValue(QByteArrayView name) const;
    // Whether a comma-separated field contains the token (case-insensitive), e.g. Connection: close.
    bool hasToken(QByteArrayView name, QByteArrayView token) const;

    const QList<Field> &fields() const { return m_fields; }
    QList<Field> &fields() { return m_fields; }
    qsizetype size() const { return m_fields.size(); }
    bool isEmpty() const { return m_fields.isEmpty(); }

private:
    QList<Field> m_fields;
};

// Room for the fields the gateway adds to a head it forwards (X-Request-Id, X-Forwarded-*, ...):
// reserved when the forwarded copy is made, so that adding them does not move the list again.
constexpr qsizetype kAddedFieldsRoom = 6;

bool equalsIgnoreCaseSameSize(const char *a, const char *b, qsizetype size);
// Inline, so that the common answer (different lengths) costs no call: header lookups compare a
// name with every field's.
inline bool equalsIgnoreCase(QByteArrayView a, QByteArrayView b)
{
    return a.size() == b.size() && equalsIgnoreCaseSameSize(a.data(), b.data(), a.size());
}

struct RequestHead {
    QByteArray method;
    QByteArray target;     // exactly as received
    int versionMinor = 1;  // HTTP/1.x
    Headers headers;

    QByteArrayView path() const;   // target up to '?'
    QByteArrayView query() const;  // after '?', without it
};

struct ResponseHead {
    int status = 200;
    QByteArray reason;
    int versionMinor = 1;
    Headers headers;
};

// `text` as an RFC 9110 quoted-string for a field value the gateway makes: quotes and backslashes
// escaped, control characters (CR and LF among them, which would end the field) made spaces.
QByteArray quotedString(QByteArrayView text);

// "OK" for 200; a generic phrase for codes without one.
QByteArray reasonPhrase(int status);

// The fields for showing to a person (the console's traffic view): credentials keep their scheme
// ("Bearer") but not their value; cookies are hidden whole.
Headers withCredentialsRedacted(const Headers &headers);

// roomAfter: capacity for that many bytes more (a body to follow), so that appending them does not
// allocate again.
QByteArray serialize(const RequestHead &head, qsizetype roomAfter = 0);
QByteArray serialize(const ResponseHead &head, qsizetype roomAfter = 0);

// The end of a chunked body: the last chunk, the trailer fields, the empty line.
QByteArray lastChunk(const Headers &trailers);

}  // namespace kairos::http
