#include "forwarding.h"

#include "balancing/balancer.h"
#include "networklist.h"

namespace kairos {

namespace {

constexpr const char *kHopByHop[] = {"connection", "keep-alive", "proxy-connection", "te", "trailer",
                                     "transfer-encoding", "upgrade"};

}  // namespace

QByteArray clientAddressText(const QHostAddress &address)
{
    bool isV4 = false;
    const quint32 v4 = address.toIPv4Address(&isV4);
    return (isV4 ? QHostAddress(v4) : address).toString().toLatin1();
}

void removeHopByHopFields(http::Headers &headers)
{
    QList<QByteArray> named;
    for (const http::Headers::Field &field : headers.fields()) {
        if (!http::equalsIgnoreCase(field.first, "connection"))
            continue;
        for (const QByteArray &token : field.second.split(','))
            named.append(token.trimmed());
    }
    for (const QByteArray &name : named)
        headers.remove(name);
    for (const char *name : kHopByHop)
        headers.remove(name);
}

QByteArray backendAuthority(const Backend &backend)
{
    QByteArray host = backend.hostName().toUtf8();
    if (host.contains(':'))
        host = '[' + host + ']';
    const int defaultPort = backend.usesTls() ? 443 : 80;
    return backend.port == defaultPort ? host : host + ':' + QByteArray::number(backend.port);
}

http::RequestHead upstreamRequestHead(const http::RequestHead &client, const ForwardingContext &context)
{
    http::RequestHead upstream;
    upstream.method = client.method;
    upstream.target = context.upstreamTarget;
    upstream.versionMinor = 1;
    upstream.headers = client.headers;
    http::Headers &headers = upstream.headers;

    const QByteArray clientHost = client.headers.value("host");
    removeHopByHopFields(headers);
    headers.remove("expect");  // the gateway answers 100-continue itself
    headers.remove("content-length");

    const QByteArray &peer = context.peerText;
    QByteArray forwardedFor = context.peerIsTrustedProxy ? client.headers.combinedValue("x-forwarded-for") : QByteArray();
    forwardedFor = forwardedFor.isEmpty() ? peer : forwardedFor + ", " + peer;
    QByteArray forwardedProto = context.peerIsTrustedProxy ? client.headers.value("x-forwarded-proto") : QByteArray();
    QByteArray forwardedHost = context.peerIsTrustedProxy ? client.headers.value("x-forwarded-host") : QByteArray();
    headers.remove("x-forwarded-for");
    headers.remove("x-forwarded-proto");
    headers.remove("x-forwarded-host");
    headers.add("X-Forwarded-For", forwardedFor);
    headers.add("X-Forwarded-Proto", forwardedProto.isEmpty() ? QByteArray("http") : forwardedProto);
    if (!forwardedHost.isEmpty() || !clientHost.isEmpty())
        headers.add("X-Forwarded-Host", forwardedHost.isEmpty() ? clientHost : forwardedHost);
    headers.set("X-Request-Id", context.requestId);

    if (!context.preserveHost || clientHost.isEmpty())
        headers.set("Host", context.backendAuthority);
    if (context.upgrade) {
        headers.add("Connection", "upgrade");
        headers.add("Upgrade", client.headers.value("upgrade"));
    }
    return upstream;
}

QByteArray effectiveClientAddress(const http::RequestHead &request, const QByteArray &peerText,
                                  bool peerIsTrustedProxy, const NetworkList &trusted)
{
    if (peerIsTrustedProxy) {
        const QList<QByteArray> chain = request.headers.combinedValue("x-forwarded-for").split(',');
        for (auto it = chain.crbegin(); it != chain.crend(); ++it) {
            const QByteArray candidate = it->trimmed();
            const QHostAddress address(QString::fromLatin1(candidate));
            if (address.isNull())
                break;
            if (!trusted.contains(address))
                return clientAddressText(address);
        }
    }
    return peerText;
}

QByteArray newRequestId()
{
    return QByteArray::number(threadRandom(), 16).rightJustified(16, '0');
}

}  // namespace kairos
