// How heads are rewritten on their way through (forwarding.h): hop-by-hop fields, the fields the
// gateway adds for the backend, Host, the client's address behind trusted proxies, and which
// upgrades pass.
#include "proxy/forwarding.h"
#include "proxy/networklist.h"

#include <QRegularExpression>
#include <QSet>
#include <QtTest>

using namespace kairos;

namespace {

using FieldList = QList<std::pair<QByteArray, QByteArray>>;

http::Headers headersOf(const FieldList &fields)
{
    http::Headers headers;
    for (const auto &[name, value] : fields)
        headers.add(name, value);
    return headers;
}

FieldList fieldsOf(const http::Headers &headers)
{
    FieldList fields;
    for (const http::Headers::Field &field : headers.fields())
        fields.append(field);
    return fields;
}

QList<QByteArray> valuesOf(const http::Headers &headers, QByteArrayView name)
{
    QList<QByteArray> values;
    for (const http::Headers::Field &field : headers.fields()) {
        if (http::equalsIgnoreCase(field.first, name))
            values.append(field.second);
    }
    return values;
}

http::RequestHead clientRequest(const FieldList &fields, const QByteArray &target = "/api/x?q=1")
{
    http::RequestHead head;
    head.method = "GET";
    head.target = target;
    head.headers = headersOf(fields);
    return head;
}

ForwardingContext context(bool trusted = false)
{
    ForwardingContext context;
    context.peerText = "192.0.2.10";
    context.peerIsTrustedProxy = trusted;
    context.requestId = "0123456789abcdef";
    context.upstreamTarget = "/x?q=1";
    context.backendAuthority = "backend.internal:8080";
    return context;
}

}  // namespace

class TestForwarding : public QObject
{
    Q_OBJECT

private slots:
    void hopByHopFieldsAreRemovedAndTheRestKeptInOrder()
    {
        http::Headers headers = headersOf({{"Accept", "*/*"},
                                           {"Connection", "keep-alive"},
                                           {"Keep-Alive", "timeout=5"},
                                           {"X-Multi", "1"},
                                           {"proxy-connection", "keep-alive"},
                                           {"TE", "trailers"},
                                           {"Trailer", "X-Checksum"},
                                           {"Transfer-Encoding", "chunked"},
                                           {"UPGRADE", "websocket"},
                                           {"HTTP2-Settings", "AAMAAABkAARAAAAAAAIAAAAA"},
                                           {"X-Multi", "2"},
                                           {"Content-Type", "text/plain"}});
        removeHopByHopFields(headers);
        QCOMPARE(fieldsOf(headers),
                 (FieldList{{"Accept", "*/*"}, {"X-Multi", "1"}, {"X-Multi", "2"}, {"Content-Type", "text/plain"}}));
    }

    void fieldsNamedByConnectionAreRemoved()
    {
        // Names listed in any Connection field, in any case, with stray spaces and empty items;
        // Fields of the same length as a named one stay.
        http::Headers headers = headersOf({{"X-Secret", "s"},
                                           {"Connection", "close, x-secret ,, X-Other-Hop"},
                                           {"X-Public", "p"},
                                           {"x-other-hop", "o"},
                                           {"Foo", "1"},
                                           {"connection", "FOO"},
                                           {"Bar", "2"}});
        removeHopByHopFields(headers);
        QCOMPARE(fieldsOf(headers), (FieldList{{"X-Public", "p"}, {"Bar", "2"}}));
    }

    void alsoRemoveTakesFurtherNames()
    {
        http::Headers headers = headersOf({{"Expect", "100-continue"},
                                           {"Content-Length", "3"},
                                           {"X-Keep", "k"},
                                           {"Connection", "Upgrade"},
                                           {"Upgrade", "websocket"}});
        removeHopByHopFields(headers, {"expect", "content-length"});
        QCOMPARE(fieldsOf(headers), (FieldList{{"X-Keep", "k"}}));

        http::Headers untouched = headersOf({{"Accept", "*/*"}, {"Connection", ","}, {"X-Keep", "k"}});
        removeHopByHopFields(untouched);
        QCOMPARE(fieldsOf(untouched), (FieldList{{"Accept", "*/*"}, {"X-Keep", "k"}}));
    }

    void upstreamHeadFromAnUntrustedPeer()
    {
        // What the client claims about earlier hops is not believed: the backend hears of this
        // peer only, over plain http, for the Host it asked for.
        const http::RequestHead client = clientRequest({{"Host", "api.example.com"},
                                                        {"Accept", "application/json"},
                                                        {"X-Forwarded-For", "6.6.6.6"},
                                                        {"X-Forwarded-Proto", "https"},
                                                        {"X-Forwarded-Host", "evil.example"},
                                                        {"X-Request-Id", "chosen-by-client"},
                                                        {"Content-Length", "0"},
                                                        {"Expect", "100-continue"},
                                                        {"Connection", "keep-alive, X-Hop"},
                                                        {"X-Hop", "h"}});
        const http::RequestHead upstream = upstreamRequestHead(client, context());
        QCOMPARE(upstream.method, QByteArray("GET"));
        QCOMPARE(upstream.target, QByteArray("/x?q=1"));
        QCOMPARE(upstream.versionMinor, 1);
        QCOMPARE(fieldsOf(upstream.headers), (FieldList{{"Accept", "application/json"},
                                                        {"X-Forwarded-For", "192.0.2.10"},
                                                        {"X-Forwarded-Proto", "http"},
                                                        {"X-Forwarded-Host", "api.example.com"},
                                                        {"X-Request-Id", "0123456789abcdef"},
                                                        {"Host", "backend.internal:8080"}}));
    }

    void upstreamHeadFromATrustedProxy()
    {
        // The proxy's chain (all its X-Forwarded-For fields) is extended by the proxy itself;
        // its protocol and host are passed on.
        const http::RequestHead client = clientRequest({{"Host", "gateway.internal"},
                                                        {"X-Forwarded-For", "203.0.113.7"},
                                                        {"X-Forwarded-Proto", "https"},
                                                        {"X-Forwarded-Host", "shop.example.com"},
                                                        {"X-Forwarded-For", "10.0.0.2"}});
        const http::RequestHead upstream = upstreamRequestHead(client, context(true));
        QCOMPARE(valuesOf(upstream.headers, "x-forwarded-for"), QList<QByteArray>{"203.0.113.7, 10.0.0.2, 192.0.2.10"});
        QCOMPARE(valuesOf(upstream.headers, "x-forwarded-proto"), QList<QByteArray>{"https"});
        QCOMPARE(valuesOf(upstream.headers, "x-forwarded-host"), QList<QByteArray>{"shop.example.com"});
        QCOMPARE(valuesOf(upstream.headers, "host"), QList<QByteArray>{"backend.internal:8080"});

        // A trusted proxy that says nothing of earlier hops: as from any peer.
        const http::RequestHead plain =
            upstreamRequestHead(clientRequest({{"Host", "gateway.internal"}}), context(true));
        QCOMPARE(valuesOf(plain.headers, "x-forwarded-for"), QList<QByteArray>{"192.0.2.10"});
        QCOMPARE(valuesOf(plain.headers, "x-forwarded-proto"), QList<QByteArray>{"http"});
        QCOMPARE(valuesOf(plain.headers, "x-forwarded-host"), QList<QByteArray>{"gateway.internal"});
    }

    void fieldsTheGatewaySetsCannotBeRemovedThroughConnection()
    {
        const http::RequestHead client =
            clientRequest({{"Host", "api.example.com"}, {"Connection", "X-Forwarded-For, X-Request-Id, Host"}});
        const http::RequestHead upstream = upstreamRequestHead(client, context());
        QCOMPARE(valuesOf(upstream.headers, "x-forwarded-for"), QList<QByteArray>{"192.0.2.10"});
        QCOMPARE(valuesOf(upstream.headers, "x-request-id"), QList<QByteArray>{"0123456789abcdef"});
        QCOMPARE(valuesOf(upstream.headers, "host"), QList<QByteArray>{"backend.internal:8080"});
        QVERIFY(!upstream.headers.contains("connection"));
    }

    void preserveHostKeepsTheClientsHost()
    {
        ForwardingContext preserving = context();
        preserving.preserveHost = true;
        const http::RequestHead upstream =
            upstreamRequestHead(clientRequest({{"Host", "api.example.com:8443"}}), preserving);
        QCOMPARE(valuesOf(upstream.headers, "host"), QList<QByteArray>{"api.example.com:8443"});
        QCOMPARE(valuesOf(upstream.headers, "x-forwarded-host"), QList<QByteArray>{"api.example.com:8443"});

        // An HTTP/1.0 request without Host: the backend's authority, and no X-Forwarded-Host.
        http::RequestHead old = clientRequest({{"Accept", "*/*"}});
        old.versionMinor = 0;
        const http::RequestHead withoutHost = upstreamRequestHead(old, preserving);
        QCOMPARE(withoutHost.versionMinor, 1);
        QCOMPARE(valuesOf(withoutHost.headers, "host"), QList<QByteArray>{"backend.internal:8080"});
        QVERIFY(!withoutHost.headers.contains("x-forwarded-host"));
    }

    void absoluteFormTargetNamesTheHost()
    {
        // RFC 9112 section 3.2.2: the target's authority wins over Host; user information is no
        // part of the host.
        const http::RequestHead client =
            clientRequest({{"Host", "ignored.example"}}, "http://user:pw@api.example.com:8080/a/b?c=d");
        ForwardingContext preserving = context();
        preserving.preserveHost = true;
        const http::RequestHead upstream = upstreamRequestHead(client, preserving);
        QCOMPARE(upstream.target, QByteArray("/x?q=1"));
        QCOMPARE(valuesOf(upstream.headers, "host"), QList<QByteArray>{"api.example.com:8080"});
        QCOMPARE(valuesOf(upstream.headers, "x-forwarded-host"), QList<QByteArray>{"api.example.com:8080"});

        const http::RequestHead bare =
            upstreamRequestHead(clientRequest({{"Host", "ignored.example"}}, "https://api.example.com"), context());
        QCOMPARE(valuesOf(bare.headers, "x-forwarded-host"), QList<QByteArray>{"api.example.com"});
        QCOMPARE(valuesOf(bare.headers, "host"), QList<QByteArray>{"backend.internal:8080"});
    }

    void allowedUpgradeIsAskedForAgain()
    {
        // The client's own Upgrade and Connection go; the gateway asks for what the route allows.
        const http::RequestHead client = clientRequest({{"Host", "h"},
                                                        {"Connection", "Upgrade, HTTP2-Settings"},
                                                        {"Upgrade", "h2c, websocket"},
                                                        {"HTTP2-Settings", "AAMA"},
                                                        {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="}});
        ForwardingContext upgrading = context();
        upgrading.upgrade = "websocket";
        const http::RequestHead upstream = upstreamRequestHead(client, upgrading);
        QCOMPARE(valuesOf(upstream.headers, "upgrade"), QList<QByteArray>{"websocket"});
        QCOMPARE(valuesOf(upstream.headers, "connection"), QList<QByteArray>{"upgrade"});
        QVERIFY(!upstream.headers.contains("http2-settings"));
        QCOMPARE(valuesOf(upstream.headers, "sec-websocket-key"), QList<QByteArray>{"dGhlIHNhbXBsZSBub25jZQ=="});

        const http::RequestHead notUpgrading = upstreamRequestHead(client, context());
        QVERIFY(!notUpgrading.headers.contains("upgrade"));
        QVERIFY(!notUpgrading.headers.contains("connection"));
    }

    void allowedUpgrades_data()
    {
        QTest::addColumn<QByteArray>("requested");
        QTest::addColumn<QStringList>("allowed");
        QTest::addColumn<QByteArray>("passed");
        QTest::newRow("one of two") << QByteArray("h2c, websocket") << QStringList{"websocket"}
                                    << QByteArray("websocket");
        QTest::newRow("as the client spelled it")
            << QByteArray("WebSocket") << QStringList{"websocket"} << QByteArray("WebSocket");
        QTest::newRow("several, in the client's order")
            << QByteArray("foo,  websocket ,bar") << QStringList{"websocket", "bar", "foo"}
            << QByteArray("foo, websocket, bar");
        QTest::newRow("none allowed") << QByteArray("h2c") << QStringList{"websocket"} << QByteArray();
        QTest::newRow("empty list") << QByteArray("websocket") << QStringList{} << QByteArray();
        QTest::newRow("nothing asked") << QByteArray("") << QStringList{"websocket"} << QByteArray();
        QTest::newRow("entry without version allows any")
            << QByteArray("foo/3, foo") << QStringList{"foo"} << QByteArray("foo/3, foo");
        QTest::newRow("entry with version allows that one")
            << QByteArray("foo/2, foo/3, foo") << QStringList{"foo/2"} << QByteArray("foo/2");
    }

    void allowedUpgrades()
    {
        QFETCH(QByteArray, requested);
        QFETCH(QStringList, allowed);
        QFETCH(QByteArray, passed);
        QCOMPARE(kairos::allowedUpgrades(requested, allowed), passed);
    }

    void switchesToRequestedProtocol_data()
    {
        QTest::addColumn<QByteArray>("switchedTo");
        QTest::addColumn<QByteArray>("requested");
        QTest::addColumn<bool>("accepted");
        QTest::newRow("the one asked for") << QByteArray("websocket") << QByteArray("websocket") << true;
        QTest::newRow("case") << QByteArray("WebSocket") << QByteArray("websocket") << true;
        QTest::newRow("one of those asked for") << QByteArray("websocket") << QByteArray("foo, websocket") << true;
        QTest::newRow("another") << QByteArray("h2c") << QByteArray("websocket") << false;
        QTest::newRow("nothing named") << QByteArray("") << QByteArray("websocket") << false;
        QTest::newRow("only commas") << QByteArray(" , ") << QByteArray("websocket") << false;
        QTest::newRow("one asked, one not") << QByteArray("websocket, h2c") << QByteArray("websocket") << false;
        QTest::newRow("version on one side") << QByteArray("foo/2") << QByteArray("foo") << true;
        QTest::newRow("same version") << QByteArray("foo/2") << QByteArray("foo/2") << true;
        QTest::newRow("other version") << QByteArray("foo/3") << QByteArray("foo/2") << false;
    }

    void switchesToRequestedProtocol()
    {
        QFETCH(QByteArray, switchedTo);
        QFETCH(QByteArray, requested);
        QFETCH(bool, accepted);
        QCOMPARE(kairos::switchesToRequestedProtocol(switchedTo, requested), accepted);
    }

    void resolveClientAddress_data()
    {
        QTest::addColumn<QString>("peer");
        QTest::addColumn<FieldList>("fields");
        QTest::addColumn<QString>("client");  // empty: a null address
        QTest::newRow("untrusted peer: itself, whatever it claims")
            << "192.0.2.10" << FieldList{{"X-Forwarded-For", "127.0.0.1"}} << "192.0.2.10";
        QTest::newRow("trusted peer without X-Forwarded-For") << "10.0.0.1" << FieldList{} << "10.0.0.1";
        QTest::newRow("rightmost untrusted")
            << "10.0.0.1" << FieldList{{"X-Forwarded-For", "198.51.100.1, 203.0.113.7, 10.0.0.3"}} << "203.0.113.7";
        QTest::newRow("over several fields")
            << "10.0.0.1" << FieldList{{"X-Forwarded-For", "203.0.113.7"}, {"X-Forwarded-For", "10.0.0.3"}}
            << "203.0.113.7";
        QTest::newRow("all trusted: the leftmost")
            << "10.0.0.1" << FieldList{{"X-Forwarded-For", "10.0.0.5, 10.0.0.3"}} << "10.0.0.5";
        QTest::newRow("not an address on the way: nobody")
            << "10.0.0.1" << FieldList{{"X-Forwarded-For", "203.0.113.7, unknown"}} << QString();
        QTest::newRow("IPv6 client") << "10.0.0.1" << FieldList{{"X-Forwarded-For", "2001:db8::1"}} << "2001:db8::1";
        QTest::newRow("IPv4-mapped trusted peer")
            << "::ffff:10.0.0.1" << FieldList{{"X-Forwarded-For", "203.0.113.7"}} << "203.0.113.7";
    }

    void resolveClientAddress()
    {
        QFETCH(QString, peer);
        QFETCH(FieldList, fields);
        QFETCH(QString, client);
        const NetworkList trusted({"10.0.0.0/8"});
        const QHostAddress found = kairos::resolveClientAddress(clientRequest(fields), QHostAddress(peer), trusted);
        if (client.isEmpty())
            QVERIFY2(found.isNull(), qPrintable(found.toString()));
        else
            QCOMPARE(found, QHostAddress(client));
    }

    void clientAddressText()
    {
        QCOMPARE(kairos::clientAddressText(QHostAddress("::ffff:192.0.2.10")), QByteArray("192.0.2.10"));
        QCOMPARE(kairos::clientAddressText(QHostAddress("192.0.2.10")), QByteArray("192.0.2.10"));
        QCOMPARE(kairos::clientAddressText(QHostAddress("2001:db8::1")), QByteArray("2001:db8::1"));
    }

    void requestIdsAreSixteenHexDigitsAndDiffer()
    {
        QSet<QByteArray> seen;
        static const QRegularExpression hex(QStringLiteral("^[0-9a-f]{16}$"));
        for (int i = 0; i < 1000; ++i) {
            const QByteArray id = newRequestId();
            QVERIFY2(hex.match(QString::fromLatin1(id)).hasMatch(), id.constData());
            seen.insert(id);
        }
        QCOMPARE(seen.size(), 1000);
    }
};

QTEST_GUILESS_MAIN(TestForwarding)
#include "tst_forwarding.moc"
