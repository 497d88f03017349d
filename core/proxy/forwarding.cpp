#include "forwarding.h"

#include "balancing/balancer.h"
#include "base/bytesearch.h"
#include "networklist.h"

#include <QVarLengthArray>

#include <algorithm>

namespace kairos {

namespace {

// HTTP2-Settings belongs to an h2c upgrade (RFC 7540 section 3.2.1), which is never passed on.
constexpr QByteArrayView kHopByHop[] = {"connection", "keep-alive",        "proxy-connection", "te",
                                        "trailer",    "transfer-encoding", "upgrade",          "http2-settings"};

// "websocket", "foo/2": a protocol's name and its version, if any.
std::pair<QByteArrayView, QByteArrayView> protocolParts(QByteArrayView protocol)
{
    const qsizetype slash = http::indexOfByte(protocol, '/');
    if (slash < 0)
        return {protocol, {}};
    return {protocol.first(slash), protocol.sliced(slash + 1)};
}

// The same protocol: names equal (case-insensitive), and versions too where both give one.
bool sameProtocol(QByteArrayView a, QByteArrayView b)
{
    const auto [nameA, versionA] = protocolParts(a);
    const auto [nameB, versionB] = protocolParts(b);
    return http::equalsIgnoreCase(nameA, nameB)
           && (versionA.isEmpty() || versionB.isEmpty() || http::equalsIgnoreCase(versionA, versionB));
}

template <typename Visit> void forEachListItem(QByteArrayView list, Visit visit)
{
    qsizetype start = 0;
    while (start <= list.size()) {
        qsizetype comma = http::indexOfByte(list, ',', start);
        if (comma < 0)
            comma = list.size();
        const QByteArrayView item = list.sliced(start, comma - start).trimmed();
        if (!item.isEmpty())
            visit(item);
        start = comma + 1;
    }
}

}  // namespace

QByteArray clientAddressText(const QHostAddress &address)
{
    bool isV4 = false;
    const quint32 v4 = address.toIPv4Address(&isV4);
    return (isV4 ? QHostAddress(v4) : address).toString().toLatin1();
}

void removeHopByHopFields(http::Headers &headers, std::initializer_list<QByteArrayView> alsoRemove)
{
    // Copies share the data; the views below stay valid while fields are removed.
    QVarLengthArray<QByteArray, 2> connectionValues;
    for (const http::Headers::Field &field : headers.fields()) {
        if (http::equalsIgnoreCase(field.first, "connection"))
            connectionValues.append(field.second);
    }
    QVarLengthArray<QByteArrayView, 8> named;
    for (const QByteArray &value : connectionValues) {
        qsizetype start = 0;
        while (start <= value.size()) {
            qsizetype comma = http::indexOfByte(value, ',', start);
            if (comma < 0)
                comma = value.size();
            named.append(QByteArrayView(value).sliced(start, comma - start).trimmed());
            start = comma + 1;
        }
    }
    // A bit per name length that any listed name has: most fields are ruled out by their length
    // alone, before any comparison.
    quint64 listedLengths = 0;
    const auto noteLengths = [&listedLengths](auto &&list) {
        for (QByteArrayView name : list)
            listedLengths |= quint64(1) << std::min<qsizetype>(name.size(), 63);
    };
    noteLengths(kHopByHop);
    noteLengths(named);
    noteLengths(alsoRemove);
    const auto isListed = [](QByteArrayView name, auto &&list) {
        return std::any_of(std::begin(list), std::end(list),
                           [name](QByteArrayView listed) { return http::equalsIgnoreCase(name, listed); });
    };
    headers.fields().removeIf([&](const http::Headers::Field &field) {
        if (!(listedLengths & (quint64(1) << std::min<qsizetype>(field.first.size(), 63))))
            return false;
        return isListed(field.first, kHopByHop) || isListed(field.first, named) || isListed(field.first, alsoRemove);
    });
}

namespace {

// The host the client asked for: its Host field, or, for a target in absolute form
// ("http://api.example.com/a"), the target's authority, which RFC 9112 section 3.2.2 has a
// server use instead (a client configured to use the gateway as a forward proxy sends those).
QByteArray requestedHost(const http::RequestHead &client)
{
    const QByteArray &target = client.target;
    const qsizetype scheme = target.startsWith('/') ? -1 : target.indexOf("://");
    if (scheme <= 0)
        return client.headers.value("host");
    const qsizetype start = scheme + 3;
    qsizetype end = start;
    while (end < target.size() && target[end] != '/' && target[end] != '?' && target[end] != '#')
        ++end;
    const QByteArrayView authority = QByteArrayView(target).sliced(start, end - start);
    return authority.sliced(authority.lastIndexOf('@') + 1).toByteArray();  // without user information
}

}  // namespace

http::RequestHead upstreamRequestHead(const http::RequestHead &client, const ForwardingContext &context)
{
    http::RequestHead upstream;
    upstream.method = client.method;
    upstream.target = context.upstreamTarget;
    upstream.versionMinor = 1;
    upstream.headers = client.headers;
    http::Headers &headers = upstream.headers;
    headers.fields().reserve(headers.size() + http::kAddedFieldsRoom);  // the copy the edits below make anyway

    const QByteArray clientHost = requestedHost(client);
    const bool preserveHost = context.preserveHost && !clientHost.isEmpty();
    // Expect: the gateway answers 100-continue itself. Content-Length: the caller frames the body.
    removeHopByHopFields(headers, {"expect", "content-length", "x-forwarded-for", "x-forwarded-proto",
                                   "x-forwarded-host", "x-request-id", "host"});

    const QByteArray &peer = context.peerText;
    QByteArray forwardedFor =
        context.peerIsTrustedProxy ? client.headers.combinedValue("x-forwarded-for") : QByteArray();
    forwardedFor = forwardedFor.isEmpty() ? peer : forwardedFor + ", " + peer;
    QByteArray forwardedProto = context.peerIsTrustedProxy ? client.headers.value("x-forwarded-proto") : QByteArray();
    QByteArray forwardedHost = context.peerIsTrustedProxy ? client.headers.value("x-forwarded-host") : QByteArray();
    headers.add(QByteArrayLiteral("X-Forwarded-For"), forwardedFor);
    headers.add(QByteArrayLiteral("X-Forwarded-Proto"), !forwardedProto.isEmpty() ? forwardedProto
                                                        : context.secure          ? QByteArrayLiteral("https")
                                                                                  : QByteArrayLiteral("http"));
    if (!forwardedHost.isEmpty() || !clientHost.isEmpty())
        headers.add(QByteArrayLiteral("X-Forwarded-Host"), forwardedHost.isEmpty() ? clientHost : forwardedHost);
    headers.add(QByteArrayLiteral("X-Request-Id"), context.requestId);
    headers.add(QByteArrayLiteral("Host"), preserveHost ? clientHost : context.backendAuthority);
    if (!context.upgrade.isEmpty()) {
        headers.add("Connection", "upgrade");
        headers.add("Upgrade", context.upgrade);
    }
    return upstream;
}

QByteArray allowedUpgrades(QByteArrayView requested, const QStringList &allowed)
{
    QByteArray kept;
    forEachListItem(requested, [&](QByteArrayView protocol) {
        const bool isAllowed = std::any_of(allowed.begin(), allowed.end(), [protocol](const QString &entry) {
            const QByteArray latin = entry.toLatin1();
            const auto [name, version] = protocolParts(latin);
            // An entry with a version allows that version only; one without, any.
            return sameProtocol(protocol, latin) && (version.isEmpty() || !protocolParts(protocol).second.isEmpty());
        });
        if (!isAllowed)
            return;
        if (!kept.isEmpty())
            kept += ", ";
        kept += protocol;
    });
    return kept;
}

bool switchesToRequestedProtocol(QByteArrayView switchedTo, QByteArrayView requested)
{
    bool any = false;
    bool allRequested = true;
    forEachListItem(switchedTo, [&](QByteArrayView protocol) {
        any = true;
        bool found = false;
        forEachListItem(requested, [&](QByteArrayView asked) { found = found || sameProtocol(protocol, asked); });
        allRequested = allRequested && found;
    });
    return any && allRequested;
}

QHostAddress resolveClientAddress(const http::RequestHead &request, const QHostAddress &peer,
                                  const NetworkList &trusted)
{
    if (!trusted.contains(peer))
        return peer;
    QHostAddress client = peer;
    const QList<QByteArray> chain = request.headers.combinedValue("x-forwarded-for").split(',');
    for (auto it = chain.crbegin(); it != chain.crend(); ++it) {
        const QByteArray entry = it->trimmed();
        if (entry.isEmpty() && chain.size() == 1)
            break;  // no X-Forwarded-For at all
        client = QHostAddress(QString::fromLatin1(entry));
        if (client.isNull() || !trusted.contains(client))
            return client;
    }
    return client;
}

QByteArray newRequestId()
{
    // 16 hex digits written in place: one allocation (number() then rightJustified() made three).
    static constexpr char kHex[] = "0123456789abcdef";
    const quint64 random = threadRandom();
    QByteArray id(16, Qt::Uninitialized);
    char *digits = id.data();  // once: operator[] checks whether to detach on every write
    for (int i = 0; i < 16; ++i)
        digits[i] = kHex[(random >> (60 - 4 * i)) & 0xf];
    return id;
}

bool isAcceptableRequestId(const QByteArray &id)
{
    if (id.isEmpty() || id.size() > 128)
        return false;
    return std::all_of(id.begin(), id.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

}  // namespace kairos
