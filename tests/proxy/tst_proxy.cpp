// The data plane end to end: real sockets on 127.0.0.1, the gateway on worker threads, in-process
// echo and scripted backends on the test's thread.
#include "demo/echobackend.h"
#include "metrics/accesslog.h"
#include "metrics/requestrecord.h"
#include "proxy/gateway.h"
#include "proxy/networklist.h"
#include "support/testsupport.h"

#include <QProcess>
#include <QSslKey>
#include <QSslServer>
#include <QWebSocket>
#include <QWebSocketServer>
#include <QtTest>

using namespace kairos;
using namespace kairos::test;

namespace {

QJsonArray headersOf(const Response &response)
{
    return response.json().value("headers").toArray();
}

QList<QByteArray> upstreamHeaderValues(const Response &response, const QByteArray &name)
{
    QList<QByteArray> values;
    for (const QJsonValue &field : headersOf(response)) {
        if (http::equalsIgnoreCase(field.toArray()[0].toString().toLatin1(), name))
            values.append(field.toArray()[1].toString().toLatin1());
    }
    return values;
}

}  // namespace

class TestProxy : public QObject
{
    Q_OBJECT

private:
    EchoBackend *m_a = nullptr;
    EchoBackend *m_b = nullptr;

    ConfigSnapshot echoConfig(const QJsonObject &server = {}, const QString &strategy = QStringLiteral("RoundRobin"))
    {
        const QJsonArray both{backendJson(m_a->port()), backendJson(m_b->port())};
        return makeConfig(
            {routeJson("/api/users", "/users", both, {"GET", "POST", "PUT", "HEAD", "PROPFIND", "X-CUSTOM"}, strategy),
             routeJson("/one/{*rest}", "/{rest}", {backendJson(m_a->port())},
                       {"GET", "POST", "PUT", "HEAD", "DELETE", "TRACE", "PROPFIND", "BREW"})},
            server);
    }

private slots:
    void init()
    {
        m_a = new EchoBackend("a", this);
        m_b = new EchoBackend("b", this);
        QVERIFY(m_a->listen());
        QVERIFY(m_b->listen());
    }

    void cleanup()
    {
        delete m_a;
        delete m_b;
    }

    void forwardsMethodTargetHeadersAndBody()
    {
        RunningGateway running(echoConfig());
        const Response response = request(running.port(), "POST", "/one/a%2Fb/c%20d?x=1&y=%41",
                                          {{"X-Multi", "1"}, {"X-Other", "z"}, {"X-Multi", "2"}}, "hello body");
        QCOMPARE(response.status, 200);
        const QJsonObject echo = response.json();
        QCOMPARE(echo["method"].toString(), QStringLiteral("POST"));
        QCOMPARE(echo["target"].toString(), QStringLiteral("/a%2Fb/c%20d?x=1&y=%41"));  // byte for byte
        QCOMPARE(echo["body"].toString(), QStringLiteral("hello body"));
        QCOMPARE(upstreamHeaderValues(response, "x-multi"), (QList<QByteArray>{"1", "2"}));  // order and multiplicity
        QCOMPARE(response.headers.value("x-backend"), QByteArray("a"));
    }

    void odd_methods_data()
    {
        QTest::addColumn<QByteArray>("method");
        for (const char *method : {"TRACE", "PROPFIND", "BREW", "DELETE", "PUT"})
            QTest::newRow(method) << QByteArray(method);
    }

    void odd_methods()
    {
        QFETCH(QByteArray, method);
        RunningGateway running(echoConfig());
        const Response response = request(running.port(), method, "/one/x");
        QCOMPARE(response.status, 200);
        QCOMPARE(response.json()["method"].toString().toLatin1(), method);
    }

    void emptyAndLargeBodies()
    {
        RunningGateway running(echoConfig());
        QCOMPARE(request(running.port(), "POST", "/one/x", {{"Content-Length", "0"}}).json()["body_bytes"].toInt(), 0);
        QByteArray large(3 * 1024 * 1024, Qt::Uninitialized);
        for (qsizetype i = 0; i < large.size(); ++i)
            large[i] = char(i * 7919 % 251);
        const Response response = request(running.port(), "PUT", "/one/x", {}, large);
        QCOMPARE(response.json()["body_bytes"].toInt(), large.size());
        QCOMPARE(response.json()["body_sha256"].toString().toLatin1(),
                 QCryptographicHash::hash(large, QCryptographicHash::Sha256).toHex());
    }

    void chunkedRequestBodyIsReframed()
    {
        RunningGateway running(echoConfig());
        RawClient client(running.port());
        client.send("POST /one/x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                    "4\r\nWiki\r\n5\r\npedia\r\n0\r\n\r\n");
        const Response response = client.readOne();
        QCOMPARE(response.status, 200);
        QCOMPARE(response.json()["body"].toString(), QStringLiteral("Wikipedia"));
        QCOMPARE(upstreamHeaderValues(response, "transfer-encoding"), QList<QByteArray>{"chunked"});
    }

    void chunkedAndUntilCloseResponses()
    {
        RunningGateway running(echoConfig());
        RawClient client(running.port());
        client.send("GET /one/x?bytes=100000&chunked=1 HTTP/1.1\r\nHost: h\r\n\r\n"
                    "GET /one/x?bytes=5000&close=1 HTTP/1.1\r\nHost: h\r\n\r\n");
        const QList<Response> responses = client.read(2);
        QCOMPARE(responses.size(), 2);
        QCOMPARE(responses[0].body.size(), 100000);
        QCOMPARE(responses[0].headers.value("transfer-encoding"), QByteArray("chunked"));
        QCOMPARE(responses[1].body.size(), 5000);  // re-framed as chunked for the HTTP/1.1 client
        QCOMPARE(responses[1].headers.value("transfer-encoding"), QByteArray("chunked"));
        QVERIFY(client.isConnected());  // the backend's close does not close the client connection
    }

    // Trailer fields of a chunked request reach the backend and those of a chunked response reach
    // the client; the ones a trailer may not carry go neither way, and none of them frames
    // anything: the bytes after the trailer section are the next request on both connections.
    void trailersPassBothWays()
    {
        QByteArray toBackend;
        ScriptedBackend backend([&toBackend](QTcpSocket *socket, const QByteArray &received, int) {
            toBackend = received;
            const qsizetype end = received.indexOf("0\r\n");
            if (end < 0 || !received.endsWith("\r\n\r\n") || received.size() <= end + 5)
                return;
            const int requests = int(received.count("POST /"));
            if (requests == 1 && received.endsWith("yes\r\n\r\n")) {
                socket->write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                              "5\r\nhello\r\n0\r\nX-Checksum: abc\r\nGrpc-Status: 0\r\nContent-Length: 99\r\n"
                              "Transfer-Encoding: chunked\r\nSet-Cookie: s=1\r\nConnection: close\r\n\r\n");
            } else if (requests == 2 && received.endsWith("\r\n0\r\n\r\n")) {
                socket->write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nsecond\r\n0\r\n\r\n");
            }
        });
        RunningGateway running(makeConfig({routeJson("/{*rest}", "/{rest}", {backendJson(backend.port())})}));
        RawClient client(running.port());
        client.send("POST /first HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                    "3\r\nabc\r\n0\r\nX-Checksum: c1\r\nContent-Length: 44\r\nTransfer-Encoding: chunked\r\n"
                    "Host: evil\r\nX-Forwarded-For: 6.6.6.6\r\nX-Kept: yes\r\n\r\n");
        const Response first = client.readOne();
        QCOMPARE(first.status, 200);
        QCOMPARE(first.body, QByteArray("hello"));
        QVERIFY2(client.received().endsWith("\r\n5\r\nhello\r\n0\r\nX-Checksum: abc\r\nGrpc-Status: 0\r\n\r\n"),
                 client.received().constData());
        const qsizetype body = toBackend.indexOf("\r\n\r\n") + 4;
        QCOMPARE(toBackend.mid(body), QByteArray("3\r\nabc\r\n0\r\nX-Checksum: c1\r\nX-Kept: yes\r\n\r\n"));
        QVERIFY(!toBackend.contains("evil"));
        QVERIFY(!toBackend.contains("6.6.6.6"));

        // The same connections carry the next request and response, framed as before.
        client.send("POST /second HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n");
        const Response second = client.readOne();
        QCOMPARE(second.status, 200);
        QCOMPARE(second.body, QByteArray("second"));
        QVERIFY(client.received().endsWith("\r\n6\r\nsecond\r\n0\r\n\r\n"));
        QCOMPARE(backend.connections(), 1);
        QVERIFY(toBackend.endsWith("\r\n\r\n2\r\nhi\r\n0\r\n\r\n"));
        QVERIFY(client.isConnected());
    }

    // A retry sends the body again with its trailer fields.
    void retriedRequestKeepsItsTrailers()
    {
        QList<QByteArray> requests;
        ScriptedBackend backend([&requests](QTcpSocket *socket, const QByteArray &received, int connection) {
            if (!received.endsWith("X-Digest: d1\r\n\r\n"))
                return;
            requests.append(received);
            socket->write(connection == 0 ? "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n"
                                          : "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        });
        QJsonObject route = routeJson("/{*rest}", "/{rest}", {backendJson(backend.port())});
        route.insert(
            "retry",
            QJsonObject{{"max_attempts", 2}, {"initial_backoff_ms", 1}, {"retryable_status_codes", QJsonArray{503}}});
        RunningGateway running(makeConfig({route}));
        RawClient client(running.port());
        client.send("PUT /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                    "4\r\ndata\r\n0\r\nX-Digest: d1\r\n\r\n");
        const Response response = client.readOne();
        QCOMPARE(response.status, 200);
        QCOMPARE(requests.size(), 2);
        for (const QByteArray &sent : requests)
            QVERIFY2(sent.endsWith("\r\n\r\n4\r\ndata\r\n0\r\nX-Digest: d1\r\n\r\n"), sent.constData());
    }

    // A Content-Length in a request's trailer section does not make the gateway read the next
    // request as body, nor is it sent on where a backend could.
    void lengthInATrailerDoesNotSmuggle()
    {
        RunningGateway running(echoConfig());
        RawClient client(running.port());
        client.send("POST /one/first HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                    "3\r\nabc\r\n0\r\nContent-Length: 37\r\nTransfer-Encoding: chunked\r\n\r\n"
                    "GET /one/smuggled HTTP/1.1\r\nHost: h\r\n\r\n");
        const QList<Response> responses = client.read(2);
        QCOMPARE(responses.size(), 2);
        QCOMPARE(responses[0].json()["body"].toString(), QStringLiteral("abc"));
        QCOMPARE(upstreamHeaderValues(responses[0], "content-length"), QList<QByteArray>{});
        QCOMPARE(responses[1].json()["target"].toString(), QStringLiteral("/smuggled"));
        QVERIFY(client.isConnected());
    }

    void http10ClientGetsNoTrailers()
    {
        ScriptedBackend backend([](QTcpSocket *socket, const QByteArray &received, int) {
            if (received.contains("\r\n\r\n"))
                socket->write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                              "5\r\nhello\r\n0\r\nX-Checksum: abc\r\n\r\n");
        });
        RunningGateway running(makeConfig({routeJson("/{*rest}", "/{rest}", {backendJson(backend.port())})}));
        RawClient client(running.port());
        client.send("GET /x HTTP/1.0\r\n\r\n");
        QVERIFY(client.waitForClosed());
        QVERIFY(client.received().startsWith("HTTP/1.1 200"));
        QVERIFY(client.received().endsWith("\r\n\r\nhello"));  // read to the close: no room for trailers
    }

    void requestWithoutOneValidHostIsRefused()
    {
        RunningGateway running(echoConfig());
        for (const char *head : {"GET /one/x HTTP/1.1\r\n\r\n", "GET /one/x HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
                                 "GET /health HTTP/1.1\r\nHost: a b\r\n\r\n"}) {
            RawClient client(running.port());
            client.send(head);
            QVERIFY(client.waitForClosed());
            QVERIFY2(client.received().startsWith("HTTP/1.1 400 "), head);
            QVERIFY(client.received().contains("Host header field"));
        }
    }

    void http10ClientGetsUntilCloseFraming()
    {
        RunningGateway running(echoConfig());
        RawClient client(running.port());
        client.send("GET /one/x?bytes=3000&chunked=1 HTTP/1.0\r\n\r\n");
        QVERIFY(client.waitForClosed());
        const QByteArray raw = client.received();
        QVERIFY(raw.startsWith("HTTP/1.1 200"));
        QVERIFY(!raw.contains("Transfer-Encoding"));
        QCOMPARE(raw.size() - (raw.indexOf("\r\n\r\n") + 4), 3000);
    }

    void headResponseHasNoBody()
    {
        RunningGateway running(echoConfig());
        RawClient client(running.port());
        client.send("HEAD /one/x?bytes=1234 HTTP/1.1\r\nHost: h\r\n\r\nGET /one/y HTTP/1.1\r\nHost: h\r\n\r\n");
        const QList<Response> responses = client.read(2, 5000, {true, false});
        QCOMPARE(responses.size(), 2);
        QCOMPARE(responses[0].headers.value("content-length"), QByteArray("1234"));
        QVERIFY(responses[0].body.isEmpty());
        QCOMPARE(responses[1].json()["target"].toString(), QStringLiteral("/y"));
    }

    void pipelinedResponsesStayInOrder()
    {
        RunningGateway running(echoConfig({{"workers", 2}}));
        RawClient client(running.port());
        client.send("GET /one/slow?delay_ms=300 HTTP/1.1\r\nHost: h\r\n\r\n"
                    "GET /one/fast HTTP/1.1\r\nHost: h\r\n\r\n"
                    "POST /one/post HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc"
                    "GET /one/medium?delay_ms=100 HTTP/1.1\r\nHost: h\r\n\r\n");
        const QList<Response> responses = client.read(4);
        QCOMPARE(responses.size(), 4);
        QCOMPARE(responses[0].json()["target"].toString(), QStringLiteral("/slow?delay_ms=300"));
        QCOMPARE(responses[1].json()["target"].toString(), QStringLiteral("/fast"));
        QCOMPARE(responses[2].json()["body"].toString(), QStringLiteral("abc"));
        QCOMPARE(responses[3].json()["target"].toString(), QStringLiteral("/medium?delay_ms=100"));
    }

    // A head in pieces is gathered; a whole one is read in place and what follows it in the same
    // read (its body, the next request) kept: both on one keep-alive connection.
    void requestsInPiecesAndWholeOnOneConnection()
    {
        RunningGateway running(echoConfig());
        RawClient client(running.port());
        for (const char *piece : {"GET /one/pie", "ces HTTP/1.1\r\nHo", "st: h\r\n\r\n"}) {
            client.send(piece);
            QTest::qWait(50);  // a pause between the pieces, so that the gateway reads each on its own
        }
        QCOMPARE(client.readOne().json()["target"].toString(), QStringLiteral("/pieces"));
        client.send("POST /one/whole HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\nbody"
                    "GET /one/next HTTP/1.1\r\nHost: h\r\n\r\n");
        const QList<Response> responses = client.read(2);
        QCOMPARE(responses.size(), 2);
        QCOMPARE(responses[0].json()["body"].toString(), QStringLiteral("body"));
        QCOMPARE(responses[1].json()["target"].toString(), QStringLiteral("/next"));
        client.send("POST /one/split HTTP/1.1\r\nHost: h\r\nContent-Length: 6\r\n\r\nab");
        QTest::qWait(50);  // the rest of the body in a read of its own
        client.send("cdef");
        QCOMPARE(client.readOne().json()["body"].toString(), QStringLiteral("abcdef"));
    }

    void expectContinue()
    {
        RunningGateway running(echoConfig());
        RawClient client(running.port());
        client.send("POST /one/x HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
        QVERIFY(QTest::qWaitFor([&] { return client.received().startsWith("HTTP/1.1 100 Continue\r\n\r\n"); }, 5000));
        client.send("hello");
        const Response response = client.readOne();
        QCOMPARE(response.status, 200);
        QCOMPARE(response.json()["body"].toString(), QStringLiteral("hello"));
        QVERIFY(upstreamHeaderValues(response, "expect").isEmpty());
    }

    void keepAliveReusesBackendConnections()
    {
        RunningGateway running(echoConfig());
        RawClient client(running.port());
        for (int i = 0; i < 20; ++i) {
            client.send("GET /one/x HTTP/1.1\r\nHost: h\r\n\r\n");
            QCOMPARE(client.readOne().status, 200);
        }
        for (int i = 0; i < 5; ++i)
            QCOMPARE(request(running.port(), "GET", "/one/y").status, 200);
        QCOMPARE(m_a->requestsServed(), 25);
        QCOMPARE(m_a->connectionsAccepted(), 1);
    }

    void idleBackendConnectionsAreCappedAsConfigured()
    {
        const auto burst = [this](quint16 port) {  // three requests at once: three backend connections
            std::vector<std::unique_ptr<RawClient>> clients;
            for (int i = 0; i < 3; ++i) {
                clients.push_back(std::make_unique<RawClient>(port));
                clients.back()->send("GET /one/x?delay_ms=200 HTTP/1.1\r\nHost: h\r\n\r\n");
            }
            for (const auto &client : clients)
                QCOMPARE(client->readOne().status, 200);
        };
        const auto withCap = [this](int cap) {
            return echoConfig({{"workers", 1}, {"max_idle_upstream_connections", cap}});
        };
        RunningGateway running(withCap(1));
        burst(running.port());
        QCOMPARE(m_a->connectionsAccepted(), 3);
        QTRY_COMPARE(m_a->openConnections(), 1);  // two closed on their return, one kept

        running.gateway.applyConfig(withCap(0));  // no keep-alive to backends from now on
        QCOMPARE(request(running.port(), "GET", "/one/x").status, 200);
        QTRY_COMPARE(m_a->openConnections(), 0);

        running.gateway.applyConfig(withCap(4));
        const int accepted = m_a->connectionsAccepted();
        burst(running.port());
        QCOMPARE(m_a->connectionsAccepted(), accepted + 3);
        QCOMPARE(m_a->openConnections(), 3);
        // All kept: a connection is back in the pool before its response leaves for the client,
        // so a second burst finds all three there and opens none.
        burst(running.port());
        QCOMPARE(m_a->connectionsAccepted(), accepted + 3);
        QCOMPARE(m_a->openConnections(), 3);
    }

    // A backend taken out of the config keeps no idle connection, and a request it was serving
    // then does not put its connection back in the pool.
    void removedBackendsConnectionsAreNotKept()
    {
        RunningGateway running(echoConfig({{"workers", 1}}));
        QCOMPARE(request(running.port(), "GET", "/one/x").status, 200);
        QTRY_COMPARE(m_a->openConnections(), 1);  // kept idle
        RawClient slow(running.port());
        slow.send("GET /one/x?delay_ms=400 HTTP/1.1\r\nHost: h\r\n\r\n");  // takes the idle one
        QTRY_COMPARE(running.backend(1, 0).inFlight.load(), 1);
        running.gateway.applyConfig(makeConfig({routeJson("/new", "/", {backendJson(m_b->port())})}));
        QCOMPARE(m_a->connectionsAccepted(), 1);
        QCOMPARE(slow.readOne().status, 200);
        QTRY_COMPARE(m_a->openConnections(), 0);
        QCOMPARE(request(running.port(), "GET", "/new").status, 200);
        QTRY_COMPARE(m_b->openConnections(), 1);  // the new backend's connection is kept
    }

    void roundRobinThroughTheGateway()
    {
        RunningGateway running(echoConfig());
        QList<QByteArray> backends;
        for (int i = 0; i < 6; ++i)
            backends.append(request(running.port(), "GET", "/api/users").headers.value("x-backend"));
        QCOMPARE(backends, (QList<QByteArray>{"a", "b", "a", "b", "a", "b"}));
    }

    void leastConnectionsPrefersTheIdleBackend()
    {
        RunningGateway running(echoConfig({}, "LeastConnections"));
        RawClient slow(running.port());
        slow.send("GET /api/users?delay_ms=1500 HTTP/1.1\r\nHost: h\r\n\r\n");
        // The slow request is in flight at one backend.
        QTRY_COMPARE(running.backend(0, 0).inFlight.load() + running.backend(0, 1).inFlight.load(), 1);
        QSet<QByteArray> others;
        for (int i = 0; i < 5; ++i)
            others.insert(request(running.port(), "GET", "/api/users").headers.value("x-backend"));
        const Response slowResponse = slow.readOne();
        QCOMPARE(others.size(), 1);
        QVERIFY(!others.contains(slowResponse.headers.value("x-backend")));
    }

    // The address ip_hash keys on: the TCP peer's (hashed once per connection), or, behind a
    // trusted proxy, the X-Forwarded-For client's (hashed per request).
    void ipHashFollowsTheClientAddress()
    {
        const auto backendsFor = [](quint16 port, int addresses) {
            QList<QByteArray> result;
            for (int i = 0; i < addresses; ++i) {
                const QByteArray client = "203.0.113." + QByteArray::number(i);
                const Response first = request(port, "GET", "/api/users", {{"X-Forwarded-For", client}});
                const Response again = request(port, "GET", "/api/users", {{"X-Forwarded-For", client}});
                if (first.headers.value("x-backend") != again.headers.value("x-backend"))
                    return QList<QByteArray>{"moved: " + client};
                result.append(first.headers.value("x-backend"));
            }
            return result;
        };
        RunningGateway trusting(echoConfig({{"trusted_proxies", QJsonArray{"127.0.0.0/8"}}}, "IpHash"));
        const QList<QByteArray> behindProxy = backendsFor(trusting.port(), 20);
        QCOMPARE(QSet<QByteArray>(behindProxy.begin(), behindProxy.end()), (QSet<QByteArray>{"a", "b"}));
        RunningGateway direct(echoConfig({}, "IpHash"));
        const QList<QByteArray> peerOnly = backendsFor(direct.port(), 20);
        QCOMPARE(QSet<QByteArray>(peerOnly.begin(), peerOnly.end()).size(), 1);  // all from 127.0.0.1
    }

    // The access log names the client a trusted proxy forwards for (the address the admin API
    // judges and ip_hash keys on), beside the peer; a peer that is not trusted names nobody else.
    void accessLogNamesTheForwardedClient_data()
    {
        QTest::addColumn<QJsonArray>("trusted");
        QTest::addColumn<QByteArray>("forwardedFor");  // empty: no X-Forwarded-For
        QTest::addColumn<QByteArray>("logged");
        const QJsonArray local{"127.0.0.0/8"};
        QTest::newRow("one hop") << local << QByteArray("203.0.113.9") << QByteArray("203.0.113.9");
        QTest::newRow("rightmost untrusted")
            << local << QByteArray("198.51.100.1, 203.0.113.9, 127.0.0.5") << QByteArray("203.0.113.9");
        QTest::newRow("not an address") << local << QByteArray("203.0.113.9, unknown") << QByteArray("-");
        QTest::newRow("no X-Forwarded-For") << local << QByteArray() << QByteArray("127.0.0.1");
        QTest::newRow("untrusted peer") << QJsonArray{} << QByteArray("203.0.113.9") << QByteArray();
    }

    void accessLogNamesTheForwardedClient()
    {
        QFETCH(QJsonArray, trusted);
        QFETCH(QByteArray, forwardedFor);
        QFETCH(QByteArray, logged);
        Gateway gateway(echoConfig({{"trusted_proxies", trusted}}));
        QMutex mutex;
        QList<QByteArray> lines;
        gateway.setRequestObserver([&](const RequestRecord &record) {
            const QMutexLocker lock(&mutex);
            lines.append(AccessLog::format(record));
        });
        QString error;
        QVERIFY2(gateway.listen(QHostAddress::LocalHost, 0, &error), qPrintable(error));
        QList<std::pair<QByteArray, QByteArray>> fields;
        if (!forwardedFor.isEmpty())
            fields.append({"X-Forwarded-For", forwardedFor});
        QCOMPARE(request(gateway.serverPort(), "GET", "/api/users", fields).status, 200);
        const auto loggedLines = [&] {
            const QMutexLocker lock(&mutex);
            return lines;
        };
        QTRY_COMPARE(loggedLines().size(), 1);
        const QByteArray line = loggedLines().constFirst();
        QVERIFY2(line.startsWith("127.0.0.1 \"GET /api/users\" 200 "), line.constData());
        if (logged.isEmpty())
            QVERIFY2(!line.contains(" client="), line.constData());
        else
            QVERIFY2(line.endsWith(" client=" + logged), line.constData());
    }

    void consoleCaptureKeepsBodiesOnlyWhileCapturing_data()
    {
        QTest::addColumn<bool>("capturing");
        QTest::newRow("console open") << true;
        QTest::newRow("headless") << false;
    }

    // The first console.capture_body_bytes of each body as it streams by, each try with its
    // outcome, and the time to the first byte: only while the console captures.
    void consoleCaptureKeepsBodiesOnlyWhileCapturing()
    {
        QFETCH(bool, capturing);
        const QJsonArray both{backendJson(m_a->port())};
        Gateway gateway(makeConfig({routeJson("/one/{*rest}", "/{rest}", both, {"POST"})}, {},
                                   {{"console", QJsonObject{{"capture_body_bytes", 1000}}}}));
        gateway.setCaptureHeaders(capturing);
        QMutex mutex;
        QList<RequestRecord> records;
        gateway.setRequestObserver([&](const RequestRecord &record) {
            const QMutexLocker lock(&mutex);
            records.append(record);
        });
        const auto seen = [&] {
            const QMutexLocker lock(&mutex);
            return records;
        };
        QString error;
        QVERIFY2(gateway.listen(QHostAddress::LocalHost, 0, &error), qPrintable(error));

        // A chunked request body of 3000 bytes in three chunks; a chunked response of 5000.
        RawClient client(gateway.serverPort());
        QByteArray sent;
        QByteArray out = "POST /one/x?bytes=5000&chunked=1 HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n";
        for (const char c : {'a', 'b', 'c'}) {
            const QByteArray chunk(1000, c);
            sent += chunk;
            out += QByteArray::number(chunk.size(), 16) + "\r\n" + chunk + "\r\n";
        }
        client.send(out + "0\r\n\r\n");
        const Response response = client.readOne();
        QCOMPARE(response.status, 200);
        QCOMPARE(response.body.size(), 5000);
        QTRY_COMPARE(seen().size(), 1);
        const RequestRecord record = seen().constFirst();
        QCOMPARE(record.responseBytes, 5000);
        QVERIFY(!record.gatewayResponse);
        if (capturing) {
            QCOMPARE(record.requestBody, sent.left(1000));
            QVERIFY(record.requestBodyTruncated);
            QCOMPARE(record.requestBytes, 3000);
            QCOMPARE(record.responseBody, response.body.left(1000));
            QVERIFY(record.responseBodyTruncated);
            QCOMPARE(record.tries.size(), 1);
            QCOMPARE(record.tries[0].status, 200);
            QCOMPARE(record.tries[0].backend, QStringLiteral("http://127.0.0.1:%1").arg(m_a->port()));
            QVERIFY(record.tries[0].connectUs >= 0);
            QVERIFY(record.tries[0].firstByteUs >= 0);
            QVERIFY(record.firstByteUs >= 0 && record.firstByteUs <= record.durationUs);
        } else {
            QVERIFY(record.requestBody.isEmpty());
            QVERIFY(record.responseBody.isEmpty());
            QVERIFY(!record.requestBodyTruncated && !record.responseBodyTruncated);
            QVERIFY(record.tries.isEmpty());
            QCOMPARE(record.firstByteUs, -1);
        }

        // The gateway's own answer says so, captured or not.
        QCOMPARE(request(gateway.serverPort(), "GET", "/nowhere").status, 404);
        QTRY_COMPARE(seen().size(), 2);
        QVERIFY(seen().at(1).gatewayResponse);
        QCOMPARE(seen().at(1).responseBody.isEmpty(), !capturing);
    }

    // One client address's limit, on two worker threads, over 5 s of load many times the rate:
    // admitted within 2 % of the burst and the rate times the time; the refused get 429 with
    // Retry-After and the RateLimit fields; a request field as the key cannot be dodged by
    // leaving it out.
    void rateLimitHoldsAcrossWorkerThreads()
    {
        // A backend on a thread of its own: the test's thread waits in 10 ms steps and would hold
        // every admitted request (and the 429s pipelined behind it) back.
        QThread backendThread;
        QObject context;
        context.moveToThread(&backendThread);
        backendThread.start();
        EchoBackend *fast = nullptr;
        QMetaObject::invokeMethod(
            &context,
            [&fast] {
                fast = new EchoBackend("fast");
                fast->listen();
            },
            Qt::BlockingQueuedConnection);
        const auto stopBackend = qScopeGuard([&] {
            QMetaObject::invokeMethod(
                &context, [&fast] { delete fast; }, Qt::BlockingQueuedConnection);
            backendThread.quit();
            backendThread.wait();
        });
        QJsonObject route = routeJson("/limited", "/", {backendJson(fast->port())}, {"GET"});
        route.insert("rate_limit", QJsonObject{{"requests_per_second", 100}, {"burst", 20}});
        QJsonObject byHeader = routeJson("/by-key", "/", {backendJson(m_a->port())}, {"GET"});
        byHeader.insert("rate_limit",
                        QJsonObject{{"requests_per_second", 1}, {"burst", 1}, {"key", "header:X-Api-Key"}});
        RunningGateway running(makeConfig({route, byHeader}, {{"workers", 2}}));
        QCOMPARE(running.gateway.workerCount(), 2);
        std::vector<std::unique_ptr<RawClient>> clients;
        for (int i = 0; i < 8; ++i)
            clients.push_back(std::make_unique<RawClient>(running.port()));
        const QByteArray limitedRequest = "GET /limited HTTP/1.1\r\nHost: h\r\n\r\n";
        int admitted = 0;
        int refused = 0;
        Response lastRefused;
        QElapsedTimer clock;
        clock.start();
        while (clock.elapsed() < 5000) {
            // Forty pipelined on each connection at a time.
            for (auto &client : clients)
                client->send(limitedRequest.repeated(40));
            for (auto &client : clients) {
                for (const Response &response : client->read(40)) {
                    if (response.status == 200) {
                        ++admitted;
                    } else {
                        QCOMPARE(response.status, 429);
                        ++refused;
                        lastRefused = response;
                    }
                }
            }
        }
        const double seconds = double(clock.elapsed()) / 1000.0;
        const double expected = 20 + 100 * seconds;
        QVERIFY2(refused > 4 * admitted, qPrintable(QStringLiteral("offered only %1 + %2").arg(admitted).arg(refused)));
        QVERIFY2(std::abs(admitted - expected) <= 0.02 * expected,
                 qPrintable(QStringLiteral("admitted %1, expected %2").arg(admitted).arg(expected)));
        QCOMPARE(lastRefused.json()["type"].toString(), QStringLiteral("rate_limited"));
        QCOMPARE(lastRefused.headers.value("retry-after"), QByteArray("1"));
        QCOMPARE(lastRefused.headers.value("ratelimit-limit"), QByteArray("20"));
        QCOMPARE(lastRefused.headers.value("ratelimit-remaining"), QByteArray("0"));
        QCOMPARE(lastRefused.headers.value("ratelimit-policy"), QByteArray("100;w=1;burst=20"));

        const auto byKey = [&](const QList<std::pair<QByteArray, QByteArray>> &fields) {
            return request(running.port(), "GET", "/by-key", fields).status;
        };
        QCOMPARE(byKey({{"X-Api-Key", "alice"}}), 200);
        QCOMPARE(byKey({{"X-Api-Key", "alice"}}), 429);
        QCOMPARE(byKey({{"X-Api-Key", "bob"}}), 200);
        QCOMPARE(byKey({}), 200);  // without the field: one shared bucket, limited like any key
        QCOMPARE(byKey({}), 429);
    }

    // A backend's own limit sends what it refuses to another backend of the route; only when no
    // backend admits a request does the client get 429, with the backend's fields. Admitted answers
    // carry the fields of whichever limit has less left.
    void backendRateLimitFallsThroughToAnotherBackend()
    {
        QJsonObject limitedA = backendJson(m_a->port());
        limitedA.insert("rate_limit", QJsonObject{{"requests_per_second", 0.01}, {"burst", 2}, {"key", "route"}});
        QJsonObject shared = routeJson("/shared", "/", {limitedA, backendJson(m_b->port())}, {"GET"});
        shared.insert("rate_limit", QJsonObject{{"requests_per_second", 1000}, {"burst", 1000}, {"key", "route"}});
        const QJsonObject onlyA = routeJson("/only-a", "/", {limitedA}, {"GET"});
        RunningGateway running(makeConfig({shared, onlyA}));

        int fromA = 0;
        int fromB = 0;
        for (int i = 0; i < 8; ++i) {
            const Response response = request(running.port(), "GET", "/shared");
            QCOMPARE(response.status, 200);
            const QByteArray backend = response.headers.value("x-backend");
            if (backend == "a") {
                ++fromA;
                // A's bucket (2 at once) has less left than the route's (1,000): its fields.
                QCOMPARE(response.headers.value("ratelimit-limit"), QByteArray("2"));
                QCOMPARE(response.headers.value("ratelimit-remaining"), QByteArray::number(2 - fromA));
            } else {
                QCOMPARE(backend, QByteArray("b"));
                ++fromB;
                QCOMPARE(response.headers.value("ratelimit-limit"), QByteArray("1000"));
            }
        }
        QCOMPARE(fromA, 2);  // its burst; the rest went to b
        QCOMPARE(fromB, 6);
        QCOMPARE(m_a->requestsServed(), 2);

        // The same backend on a route of its own: its bucket is the one the other route emptied.
        const Response refused = request(running.port(), "GET", "/only-a");
        QCOMPARE(refused.status, 429);
        QCOMPARE(refused.json()["type"].toString(), QStringLiteral("rate_limited"));
        QVERIFY2(refused.json()["error"].toString().contains(QStringLiteral("backend http://127.0.0.1:")),
                 qPrintable(refused.json()["error"].toString()));
        QCOMPARE(refused.headers.value("ratelimit-limit"), QByteArray("2"));
        QCOMPARE(refused.headers.value("ratelimit-remaining"), QByteArray("0"));
        QVERIFY(refused.headers.value("retry-after").toInt() >= 90);  // one request per 100 s
        QVERIFY(!refused.headers.contains("x-kairos-attempts"));      // nothing was sent upstream
        QCOMPARE(m_a->requestsServed(), 2);
    }

    // key client_ip counts the client a trusted proxy forwards for, and only then: X-Forwarded-For
    // from anyone else changes nothing, and behind a proxy the entries left of the one the proxy
    // added (a client's own) do not either.
    void clientIpLimitCannotBeDodgedWithForwardedFor()
    {
        const QJsonObject limit{{"requests_per_second", 0.01}, {"burst", 1}, {"key", "client_ip"}};
        QJsonObject route = routeJson("/limited", "/", {backendJson(m_a->port())}, {"GET"});
        route.insert("rate_limit", limit);
        const auto status = [](quint16 port, const QByteArray &forwardedFor) {
            return request(port, "GET", "/limited", {{"X-Forwarded-For", forwardedFor}}).status;
        };
        {
            RunningGateway direct(makeConfig({route}));
            QCOMPARE(status(direct.port(), "198.51.100.1"), 200);
            QCOMPARE(status(direct.port(), "198.51.100.2"), 429);  // the peer's bucket, whatever it says
        }
        RunningGateway behindProxy(makeConfig({route}, {{"trusted_proxies", QJsonArray{"127.0.0.0/8"}}}));
        QCOMPARE(status(behindProxy.port(), "198.51.100.1"), 200);
        QCOMPARE(status(behindProxy.port(), "198.51.100.1"), 429);
        QCOMPARE(status(behindProxy.port(), "203.0.113.9, 198.51.100.1"), 429);  // a spoofed entry before it
        QCOMPARE(status(behindProxy.port(), "198.51.100.2"), 200);               // another client
        QCOMPARE(status(behindProxy.port(), "not-an-address"), 200);             // unreadable: one shared bucket
        QCOMPARE(status(behindProxy.port(), "also-not-one"), 429);
    }

    void errorsAreJson_data()
    {
        QTest::addColumn<QByteArray>("requestBytes");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("type");
        QTest::newRow("404") << QByteArray("GET /nowhere HTTP/1.1\r\nHost: h\r\n\r\n") << 404 << "not_found";
        QTest::newRow("405") << QByteArray("DELETE /api/users HTTP/1.1\r\nHost: h\r\n\r\n") << 405
                             << "method_not_allowed";
        QTest::newRow("400 path") << QByteArray("GET /one/%zz HTTP/1.1\r\nHost: h\r\n\r\n") << 400 << "bad_request";
        QTest::newRow("400 traversal") << QByteArray("GET /one/../etc HTTP/1.1\r\nHost: h\r\n\r\n") << 400
                                       << "bad_request";
    }

    void errorsAreJson()
    {
        QFETCH(QByteArray, requestBytes);
        QFETCH(int, status);
        QFETCH(QString, type);
        RunningGateway running(echoConfig());
        RawClient client(running.port());
        client.send(requestBytes);
        const Response response = client.readOne();
        QCOMPARE(response.status, status);
        QCOMPARE(response.headers.value("content-type"), QByteArray("application/json"));
        QCOMPARE(response.json()["type"].toString(), type);
        QVERIFY(!response.json()["error"].toString().isEmpty());
        QCOMPARE(response.json()["request_id"].toString().toLatin1(), response.headers.value("x-request-id"));
        if (status == 405)
            QCOMPARE(response.headers.value("allow"), QByteArray("GET, POST, PUT, HEAD, PROPFIND, X-CUSTOM"));
    }

    void smugglingAttemptsAreRejectedAndClosed_data()
    {
        QTest::addColumn<QByteArray>("requestBytes");
        const QByteArray start = "POST /one/x HTTP/1.1\r\nHost: h\r\n";
        QTest::newRow("CL+TE") << start + "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n";
        QTest::newRow("two CL") << start + "Content-Length: 4\r\nContent-Length: 5\r\n\r\nabcde";
        QTest::newRow("bad CL") << start + "Content-Length: +4\r\n\r\nabcd";
        QTest::newRow("TE not chunked") << start + "Transfer-Encoding: gzip\r\n\r\nabcd";
        QTest::newRow("TE chunked twice") << start + "Transfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n";
        QTest::newRow("bad chunk size") << start + "Transfer-Encoding: chunked\r\n\r\n-1\r\nabc\r\n0\r\n\r\n";
        QTest::newRow("obs-fold") << start + "X-A: a\r\n b\r\n\r\n";
        QTest::newRow("space before colon") << start + "Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n";
        QTest::newRow("NUL") << start + QByteArray("X-A: a\0b\r\n\r\n", 12);
        QTest::newRow("LF in value") << QByteArray("GET /one/x HTTP/1.1\nHost: h\n\n");
        const QByteArray chunked = start + "Transfer-Encoding: chunked\r\n\r\n";
        // Each of these libhttp-parser alone reads as a whole body, and the request after it as the next.
        QTest::newRow("bare LFs after chunk data") << chunked + "5\r\nhello\n\n0\r\n\r\n";
        QTest::newRow("CR CR after chunk size") << chunked + "5\r\rhello\r\n0\r\n\r\n";
        QTest::newRow("bare LF in a trailer") << chunked + "0\r\nX: y\n\r\n";
        QTest::newRow("bare LF at the end") << chunked + "0\r\n\n";
        QTest::newRow("TE in HTTP/1.0") << QByteArray(
            "POST /one/x HTTP/1.0\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
        QTest::newRow("two Authorization") << QByteArray(
            "GET /one/x HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer a\r\nAuthorization: Bearer b\r\n\r\n");
    }

    void smugglingAttemptsAreRejectedAndClosed()
    {
        QFETCH(QByteArray, requestBytes);
        RunningGateway running(echoConfig());
        RawClient client(running.port());
        client.send(requestBytes + "GET /one/smuggled HTTP/1.1\r\nHost: h\r\n\r\n");
        const Response response = client.readOne();
        QCOMPARE(response.status, 400);
        QCOMPARE(response.headers.value("connection"), QByteArray("close"));
        QVERIFY(client.waitForClosed());
        QCOMPARE(m_a->requestsServed(), 0);  // nothing reached the backend
    }

    void headerSectionTooLarge()
    {
        RunningGateway running(echoConfig({{"max_header_bytes", 2048}}));
        RawClient client(running.port());
        client.send("GET /one/x HTTP/1.1\r\nHost: h\r\nX-Big: " + QByteArray(4000, 'a') + "\r\n\r\n");
        QCOMPARE(client.readOne().status, 431);
        QVERIFY(client.waitForClosed());
    }

    void bodyTooLarge()
    {
        RunningGateway running(echoConfig({{"max_body_bytes", 1000}}));
        QCOMPARE(request(running.port(), "POST", "/one/x", {}, QByteArray(1001, 'x')).status, 413);
        QCOMPARE(request(running.port(), "POST", "/one/x", {}, QByteArray(1000, 'x')).status, 200);
        RawClient chunked(running.port());
        chunked.send("POST /one/x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                     "3e8\r\n"
                     + QByteArray(1000, 'x') + "\r\n1\r\nx\r\n0\r\n\r\n");
        QCOMPARE(chunked.readOne().status, 413);
        QVERIFY(chunked.waitForClosed());
        // An upload far over the limit, still being sent when the 413 goes out: the gateway reads
        // and drops the rest instead of resetting the connection, so the client gets the answer.
        for (int round = 0; round < 3; ++round)
            QCOMPARE(request(running.port(), "POST", "/one/x", {}, QByteArray(16 * 1024 * 1024, 'x')).status, 413);
    }

    void perRouteBodyLimit()
    {
        QJsonObject route = routeJson("/small", "/", {backendJson(m_a->port())});
        route.insert("max_body_bytes", 10);
        RunningGateway running(makeConfig({route}));
        QCOMPARE(request(running.port(), "POST", "/small", {}, QByteArray(11, 'x')).status, 413);
        QCOMPARE(request(running.port(), "POST", "/small", {}, QByteArray(10, 'x')).status, 200);
    }

    void headerReadTimeout()
    {
        RunningGateway running(echoConfig({{"header_timeout_ms", 300}}));
        RawClient partial(running.port());
        partial.send("GET /one/x HTTP/1.1\r\nHost:");
        const Response response = partial.readOne(3000);
        QCOMPARE(response.status, 408);
        QVERIFY(partial.waitForClosed());
        RawClient silent(running.port());
        QVERIFY(silent.waitForClosed(3000));
        QVERIFY(silent.received().isEmpty());  // a connection that never spoke is closed quietly
    }

    void idleKeepAliveTimeout()
    {
        RunningGateway running(echoConfig({{"idle_timeout_ms", 300}}));
        RawClient client(running.port());
        client.send("GET /one/x HTTP/1.1\r\nHost: h\r\n\r\n");
        QCOMPARE(client.readOne().status, 200);
        QVERIFY(client.waitForClosed(3000));
    }

    void connectionIdleLongerThanASecondKeepsWorking()
    {
        // After a second of idleness the connection frees its buffers (input, output, the
        // parser's head buffer, the last request's record): the client must notice nothing.
        RunningGateway running(echoConfig({{"idle_timeout_ms", 5000}}));
        RawClient client(running.port());
        for (int round = 0; round < 3; ++round) {
            client.send("GET /one/x HTTP/1.1\r\nHost: h\r\nX-Filler: " + QByteArray(1000 * round, 'f') + "\r\n\r\n");
            const Response response = client.readOne();
            QCOMPARE(response.status, 200);
            QCOMPARE(upstreamHeaderValues(response, "x-forwarded-for"), QList<QByteArray>{"127.0.0.1"});
            // Idle past the second after which the buffers go, which shows in nothing the client
            // can observe but the connection staying usable: time must pass.
            QTest::qWait(1300);
            QVERIFY(client.isConnected());
        }
        // Pipelined requests right after a swap, and the idle timeout still ends it.
        client.send("GET /one/a HTTP/1.1\r\nHost: h\r\n\r\nGET /one/b HTTP/1.1\r\nHost: h\r\n\r\n");
        const QList<Response> both = client.read(2);
        QCOMPARE(both.size(), 2);
        QCOMPARE(both[1].status, 200);
        QCOMPARE(running.gateway.activeConnections(), 1);
        QVERIFY(client.waitForClosed(8000));
        QTRY_COMPARE(running.gateway.activeConnections(), 0);
    }

    void clientClosingWhileBackendIsSlow()
    {
        RunningGateway running(echoConfig());
        {
            RawClient client(running.port());
            client.send("GET /one/x?delay_ms=300 HTTP/1.1\r\nHost: h\r\n\r\n");
            QTRY_COMPARE(running.backend(1, 0).inFlight.load(), 1);
        }                                                            // gone before the answer
        QTRY_COMPARE_WITH_TIMEOUT(m_a->openConnections(), 0, 5000);  // the upstream connection was not kept
        QCOMPARE(request(running.port(), "GET", "/one/y").status, 200);
        QTRY_COMPARE(running.gateway.activeConnections(), 0);
    }

    void backendClosingMidResponse()
    {
        ScriptedBackend backend([](QTcpSocket *socket, const QByteArray &received, int) {
            if (!received.contains("\r\n\r\n"))
                return;
            if (received.contains("/silent"))
                socket->close();  // nothing sent
            else {
                socket->write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly-ten-b");
                socket->flush();
                socket->close();
            }
        });
        RunningGateway running(makeConfig({routeJson("/{*rest}", "/{rest}", {backendJson(backend.port())})}));
        const Response silent = request(running.port(), "GET", "/silent");
        QCOMPARE(silent.status, 502);
        QCOMPARE(silent.json()["type"].toString(), QStringLiteral("bad_gateway"));

        RawClient client(running.port());
        client.send("GET /partial HTTP/1.1\r\nHost: h\r\n\r\n");
        QVERIFY(client.waitForClosed());
        QVERIFY(client.received().startsWith("HTTP/1.1 200 OK"));
        QVERIFY(client.received().endsWith("only-ten-b"));
    }

    void garbageFromBackendIs502()
    {
        ScriptedBackend backend(
            [](QTcpSocket *socket, const QByteArray &, int) { socket->write("this is not HTTP at all\r\n\r\n"); });
        RunningGateway running(makeConfig({routeJson("/{*rest}", "/{rest}", {backendJson(backend.port())})}));
        QCOMPARE(request(running.port(), "GET", "/x").status, 502);
    }

    void refusedBackendIs502()
    {
        QTcpServer reserve;
        QVERIFY(reserve.listen(QHostAddress::LocalHost, 0));
        const quint16 closedPort = reserve.serverPort();
        reserve.close();
        RunningGateway running(makeConfig({routeJson("/x", "/", {backendJson(closedPort)})}));
        const Response response = request(running.port(), "GET", "/x");
        QCOMPARE(response.status, 502);
        QVERIFY(response.json()["error"].toString().contains("backend connection failed"));
    }

    void slowBackendIs504()
    {
        ScriptedBackend stalled([](QTcpSocket *, const QByteArray &, int) {});
        RunningGateway running(
            makeConfig({routeJson("/x", "/", {backendJson(stalled.port())})}, {{"response_timeout_ms", 300}}));
        const Response response = request(running.port(), "GET", "/x");
        QCOMPARE(response.status, 504);
        QCOMPARE(response.json()["type"].toString(), QStringLiteral("gateway_timeout"));
    }

    void perRouteResponseTimeout()
    {
        ScriptedBackend stalled([](QTcpSocket *, const QByteArray &, int) {});
        QJsonObject quick = routeJson("/quick", "/", {backendJson(stalled.port())});
        quick.insert("response_timeout_ms", 200);
        RunningGateway running(makeConfig({quick, routeJson("/patient", "/", {backendJson(stalled.port())})},
                                          {{"response_timeout_ms", 60000}}));
        // The client waits 10 s: an answer at all means the route's 200 ms applied, not the 60 s.
        QCOMPARE(request(running.port(), "GET", "/quick").status, 504);
    }

    void upgradeRefusedByTheBackendClosesTheConnection()
    {
        RunningGateway running(echoConfig());
        RawClient client(running.port());
        client.send("GET /one/ws HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n");
        const Response response = client.readOne();
        QCOMPARE(response.status, 200);  // the echo backend does not speak WebSocket
        QCOMPARE(response.headers.value("connection"), QByteArray("close"));
        QVERIFY(client.waitForClosed());
    }

    void staleKeepAliveConnectionIsRetriedFreshForIdempotentRequests()
    {
        // The backend drops a kept-alive connection when the second request arrives on it, as a
        // backend whose idle timeout fired just then would.
        ScriptedBackend backend([](QTcpSocket *socket, const QByteArray &received, int) {
            const int requests = int(received.count("\r\n\r\n"));
            if (requests == 1 && received.endsWith("\r\n\r\n"))
                socket->write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
            else if (requests >= 2)
                socket->abort();
        });
        RunningGateway running(makeConfig({routeJson("/x", "/", {backendJson(backend.port())})}));
        QCOMPARE(request(running.port(), "GET", "/x").status, 200);
        QCOMPARE(request(running.port(), "GET", "/x").status, 200);  // reused, dropped, retried fresh
        QCOMPARE(backend.connections(), 2);
        const Response post = request(running.port(), "POST", "/x", {}, "data");
        QCOMPARE(post.status, 502);  // a POST that may have reached the backend is not replayed
    }

    void hopByHopFieldsAreRemoved()
    {
        RunningGateway running(echoConfig());
        const Response response = request(running.port(), "GET", "/one/x",
                                          {{"Connection", "X-Secret, keep-alive"},
                                           {"X-Secret", "s"},
                                           {"Keep-Alive", "timeout=5"},
                                           {"TE", "trailers"},
                                           {"Proxy-Connection", "keep-alive"},
                                           {"Trailer", "X-T"},
                                           {"Upgrade", "h2c"},
                                           {"X-Kept", "yes"}});
        for (const char *name :
             {"x-secret", "keep-alive", "te", "proxy-connection", "trailer", "upgrade", "connection"})
            QVERIFY2(upstreamHeaderValues(response, name).isEmpty(), name);
        QCOMPARE(upstreamHeaderValues(response, "x-kept"), QList<QByteArray>{"yes"});
    }

    void connectionCannotStripTheGatewaysOwnFields()
    {
        RunningGateway running(echoConfig());
        const Response response =
            request(running.port(), "GET", "/one/x", {{"Connection", "X-Forwarded-For, X-Request-Id, Host"}});
        QCOMPARE(upstreamHeaderValues(response, "x-forwarded-for").size(), 1);
        QCOMPARE(upstreamHeaderValues(response, "x-request-id").size(), 1);
        QCOMPARE(upstreamHeaderValues(response, "host"),
                 QList<QByteArray>{"127.0.0.1:" + QByteArray::number(m_a->port())});
    }

    void forwardedFieldsAndRequestId()
    {
        RunningGateway running(echoConfig());
        const Response response = request(running.port(), "GET", "/one/x",
                                          {{"Host", "gateway.test"},
                                           {"X-Forwarded-For", "6.6.6.6"},
                                           {"X-Forwarded-Proto", "https"},
                                           {"X-Request-Id", "abc-123"}});
        QCOMPARE(upstreamHeaderValues(response, "x-forwarded-for"), QList<QByteArray>{"127.0.0.1"});  // untrusted peer
        QCOMPARE(upstreamHeaderValues(response, "x-forwarded-proto"), QList<QByteArray>{"http"});
        QCOMPARE(upstreamHeaderValues(response, "x-forwarded-host"), QList<QByteArray>{"gateway.test"});
        QCOMPARE(upstreamHeaderValues(response, "x-request-id"), QList<QByteArray>{"abc-123"});
        QCOMPARE(response.headers.value("x-request-id"), QByteArray("abc-123"));
        const Response generated = request(running.port(), "GET", "/one/x");
        const QByteArray id = generated.headers.value("x-request-id");
        QVERIFY2(QRegularExpression("^[0-9a-f]{16}$").match(QString::fromLatin1(id)).hasMatch(), id.constData());
        QVERIFY(request(running.port(), "GET", "/one/x").headers.value("x-request-id") != id);
        QCOMPARE(upstreamHeaderValues(generated, "x-request-id"), QList<QByteArray>{id});
    }

    void trustedProxyFieldsAreAppended()
    {
        RunningGateway running(echoConfig({{"trusted_proxies", QJsonArray{"127.0.0.0/8"}}}));
        const Response response = request(running.port(), "GET", "/one/x",
                                          {{"X-Forwarded-For", "203.0.113.9"}, {"X-Forwarded-Proto", "https"}});
        QCOMPARE(upstreamHeaderValues(response, "x-forwarded-for"), QList<QByteArray>{"203.0.113.9, 127.0.0.1"});
        QCOMPARE(upstreamHeaderValues(response, "x-forwarded-proto"), QList<QByteArray>{"https"});
    }

    // Trusted proxies: an IPv4 peer matches an IPv4 network whether it comes as a.b.c.d or, from
    // a dual-stack socket, as ::ffff:a.b.c.d; an empty list matches nothing.
    void networkListMatchesPeersInEitherForm()
    {
        const NetworkList list({"10.0.0.0/8", "192.168.1.7", "2001:db8::/32"});
        QVERIFY(list.contains(QHostAddress("10.1.2.3")));
        QVERIFY(list.contains(QHostAddress("::ffff:10.1.2.3")));
        QVERIFY(list.contains(QHostAddress("192.168.1.7")));
        QVERIFY(!list.contains(QHostAddress("192.168.1.8")));
        QVERIFY(!list.contains(QHostAddress("::ffff:11.0.0.1")));
        QVERIFY(list.contains(QHostAddress("2001:db8::1")));
        QVERIFY(!list.contains(QHostAddress("2001:db9::1")));
        QVERIFY(!NetworkList(QStringList()).contains(QHostAddress("10.1.2.3")));
    }

    void preserveHost()
    {
        QJsonObject route = routeJson("/p", "/", {backendJson(m_a->port())});
        route.insert("preserve_host", true);
        RunningGateway running(makeConfig({route}));
        QCOMPARE(upstreamHeaderValues(request(running.port(), "GET", "/p", {{"Host", "gateway.test"}}), "host"),
                 QList<QByteArray>{"gateway.test"});
        RawClient client(running.port());
        client.send("GET http://user@api.example:8080/p?q HTTP/1.1\r\nHost: other.test\r\n\r\n");
        QCOMPARE(upstreamHeaderValues(client.readOne(), "host"), QList<QByteArray>{"api.example:8080"});
    }

    // RFC 9112 3.2.2: for a target in absolute form the host is the target's, not the Host field's.
    void absoluteFormTargetNamesTheHost()
    {
        RunningGateway running(echoConfig());
        RawClient client(running.port());
        client.send("GET http://api.example/one/x?q=1 HTTP/1.1\r\nHost: other.test\r\n\r\n");
        const Response response = client.readOne();
        QCOMPARE(response.json()["target"].toString(), QStringLiteral("/x?q=1"));
        QCOMPARE(upstreamHeaderValues(response, "x-forwarded-host"), QList<QByteArray>{"api.example"});
        QCOMPARE(upstreamHeaderValues(response, "host"),
                 QList<QByteArray>{"127.0.0.1:" + QByteArray::number(m_a->port())});
    }

    void webSocketEchoThroughTheGateway()
    {
        QWebSocketServer server("echo", QWebSocketServer::NonSecureMode);
        QVERIFY(server.listen(QHostAddress::LocalHost, 0));
        connect(&server, &QWebSocketServer::newConnection, this, [&server] {
            QWebSocket *socket = server.nextPendingConnection();
            socket->setParent(&server);
            connect(socket, &QWebSocket::textMessageReceived, socket,
                    [socket](const QString &text) { socket->sendTextMessage(QStringLiteral("echo: ") + text); });
        });
        RunningGateway running(makeConfig({routeJson("/ws", "/", {backendJson(server.serverPort())}, {"GET"})}));
        QWebSocket client;
        QString reply;
        connect(&client, &QWebSocket::textMessageReceived, this, [&reply](const QString &text) { reply = text; });
        client.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/ws").arg(running.port())));
        QTRY_COMPARE_WITH_TIMEOUT(client.state(), QAbstractSocket::ConnectedState, 5000);
        client.sendTextMessage(QStringLiteral("hello"));
        QTRY_COMPARE_WITH_TIMEOUT(reply, QStringLiteral("echo: hello"), 5000);
        client.sendTextMessage(QString(100000, QLatin1Char('w')));
        QTRY_COMPARE_WITH_TIMEOUT(reply.size(), 100006, 5000);
        client.close();
        QTRY_COMPARE_WITH_TIMEOUT(running.gateway.activeConnections(), 0, 5000);
    }

    // A WebSocket whose client vanished without a FIN would hold two descriptors for ever: a tunnel
    // silent both ways for the route's tunnel_idle_timeout_ms is closed on both sides, while one
    // that carries a message more often than that stays open.
    void silentTunnelIsClosedAfterItsIdleTimeout()
    {
        QWebSocketServer server("echo", QWebSocketServer::NonSecureMode);
        QVERIFY(server.listen(QHostAddress::LocalHost, 0));
        int backendClosed = 0;
        connect(&server, &QWebSocketServer::newConnection, this, [&server, &backendClosed] {
            QWebSocket *socket = server.nextPendingConnection();
            socket->setParent(&server);
            connect(socket, &QWebSocket::textMessageReceived, socket,
                    [socket](const QString &text) { socket->sendTextMessage(text); });
            connect(socket, &QWebSocket::disconnected, socket, [&backendClosed] { ++backendClosed; });
        });
        QJsonObject route = routeJson("/ws", "/", {backendJson(server.serverPort())}, {"GET"});
        route.insert("tunnel_idle_timeout_ms", 1000);
        RunningGateway running(makeConfig({route}, {{"idle_timeout_ms", 300}}));
        QWebSocket silent;
        QWebSocket active;
        int echoes = 0;
        connect(&active, &QWebSocket::textMessageReceived, this, [&echoes] { ++echoes; });
        for (QWebSocket *client : {&silent, &active})
            client->open(QUrl(QStringLiteral("ws://127.0.0.1:%1/ws").arg(running.port())));
        QTRY_COMPARE_WITH_TIMEOUT(silent.state(), QAbstractSocket::ConnectedState, 5000);
        QTRY_COMPARE_WITH_TIMEOUT(active.state(), QAbstractSocket::ConnectedState, 5000);
        QElapsedTimer clock;
        clock.start();
        // The active one talks every 250 ms; the silent one says nothing.
        while (silent.state() == QAbstractSocket::ConnectedState && clock.elapsed() < 10'000) {
            active.sendTextMessage(QStringLiteral("ping"));
            QTest::qWait(250);
        }
        QCOMPARE(silent.state(), QAbstractSocket::UnconnectedState);
        QVERIFY2(clock.elapsed() >= 900, qPrintable(QString::number(clock.elapsed())));  // not before its time
        QTRY_COMPARE_WITH_TIMEOUT(backendClosed, 1, 5000);  // its backend side is closed too
        QCOMPARE(active.state(), QAbstractSocket::ConnectedState);
        QVERIFY(echoes >= 3);
        // The server's idle_timeout_ms (300) does not apply to tunnels.
        active.close();
        QTRY_COMPARE_WITH_TIMEOUT(running.gateway.activeConnections(), 0, 5000);
    }

    // The backend ends the tunnel while its bytes still make their way to a client that reads
    // slowly (back-pressure all along): the client gets every byte, then the connection goes.
    void tunnelClosedByTheBackendDeliversEverythingThenEnds()
    {
        const QByteArray payload(1024 * 1024, 'w');
        ScriptedBackend backend([&payload](QTcpSocket *socket, const QByteArray &received, int) {
            if (!received.endsWith("\r\n\r\n"))
                return;
            socket->write("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: raw\r\n\r\n");
            socket->write(payload);
            socket->disconnectFromHost();  // once all is written
        });
        QJsonObject route = routeJson("/t", "/", {backendJson(backend.port())}, {"GET"});
        route.insert("allowed_upgrades", QJsonArray{"raw"});
        RunningGateway running(makeConfig({route}));
        QTcpSocket client;
        client.setReadBufferSize(1024);  // reads no more than this until asked: the kernel's buffers fill
        client.setSocketOption(QAbstractSocket::ReceiveBufferSizeSocketOption, 4096);
        client.connectToHost(QHostAddress::LocalHost, running.port());
        QVERIFY(client.waitForConnected(5000));
        client.write("GET /t HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: raw\r\n\r\n");
        QTest::qWait(500);  // reading nothing meanwhile
        client.setReadBufferSize(0);
        QByteArray received;
        connect(&client, &QTcpSocket::readyRead, this, [&] { received += client.readAll(); });
        received += client.readAll();
        QTRY_COMPARE_WITH_TIMEOUT(client.state(), QAbstractSocket::UnconnectedState, 10000);
        received += client.readAll();
        const qsizetype head = received.indexOf("\r\n\r\n") + 4;
        QVERIFY(received.startsWith("HTTP/1.1 101"));
        QCOMPARE(received.size() - head, payload.size());
        QTRY_COMPARE_WITH_TIMEOUT(running.gateway.activeConnections(), 0, 5000);
    }

    // h2c smuggling: a backend that accepts "Upgrade: h2c" would give the client an HTTP/2
    // connection on which it asks for any path. The upgrade is dropped, the request answered as
    // HTTP/1.1, and the path behind the route stays out of reach.
    void h2cUpgradeIsNeverTunnelled_data()
    {
        QTest::addColumn<QByteArray>("connection");
        QTest::newRow("Connection: Upgrade") << QByteArray("Upgrade");
        QTest::newRow("Connection: Upgrade, HTTP2-Settings") << QByteArray("Upgrade, HTTP2-Settings");
    }

    void h2cUpgradeIsNeverTunnelled()
    {
        QFETCH(QByteArray, connection);
        const QString python = QStringLiteral("/usr/bin/python3");
        QProcess backend;
        backend.start(python, {QStringLiteral(KAIROS_SOURCE_DIR "/tests/proxy/h2c_backend.py")});
        QVERIFY2(backend.waitForReadyRead(10000), "the h2c backend (python3-h2) did not start");
        const int backendPort = backend.readLine().trimmed().toInt();
        QVERIFY(backendPort > 0);
        QJsonObject route = routeJson("/pub/{*rest}", "/public/{rest}", {backendJson(quint16(backendPort))}, {"GET"});
        route.insert("allowed_upgrades", QJsonArray{"websocket", "foo"});
        RunningGateway running(makeConfig({route}));
        QProcess attacker;
        attacker.start(python,
                       {QStringLiteral(KAIROS_SOURCE_DIR "/tests/proxy/h2c_smuggle.py"),
                        QString::number(running.port()), "/pub/a.txt", "/secret.txt", QString::fromLatin1(connection)});
        QVERIFY(attacker.waitForStarted(5000));
        while (attacker.state() != QProcess::NotRunning)  // the gateway's workers run meanwhile; the test's loop too
            QTest::qWait(20);
        const QByteArray verdict = attacker.readAllStandardOutput().trimmed();
        QCOMPARE(verdict, QByteArray("ordinary 200 served /public/a.txt"));
        // The backend prints a request's line before it answers: all of them are on their way.
        QByteArray seen;
        QVERIFY2(QTest::qWaitFor(
                     [&] {
                         seen += backend.readAllStandardOutput();
                         return seen.contains("GET /public/a.txt") && seen.endsWith('\n');
                     },
                     5000),
                 seen.constData());
        backend.kill();
        backend.waitForFinished();
        QVERIFY2(seen.contains("http/1.1 GET /public/a.txt upgrade=none settings=no"), seen.constData());
        QVERIFY2(!seen.contains("secret") && !seen.contains("h2 "), seen.constData());
    }

    // A protocol the route does not list is removed on the way; once listed, it is tunnelled.
    void customUpgradeTunnelsOnlyOnceAllowed()
    {
        QByteArrayList upgradesSeen;
        ScriptedBackend backend([&upgradesSeen](QTcpSocket *socket, const QByteArray &received, int) {
            const qsizetype end = received.indexOf("\r\n\r\n");
            if (end < 0)
                return;
            if (!received.contains("\r\nUpgrade: ")) {
                if (end + 4 == received.size()) {
                    upgradesSeen.append("none");
                    socket->write("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nplain");
                }
                return;
            }
            if (end + 4 == received.size()) {
                upgradesSeen.append(received.mid(received.indexOf("\r\nUpgrade: ") + 11).split('\r').first());
                socket->write("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: foo\r\n\r\n");
            } else {
                socket->write("echo:" + received.mid(end + 4));  // in the tunnel
            }
        });
        const auto route = [&backend](const QJsonArray &allowed) {
            QJsonObject json = routeJson("/t", "/", {backendJson(backend.port())}, {"GET"});
            if (!allowed.isEmpty())
                json.insert("allowed_upgrades", allowed);
            return json;
        };
        const QByteArray upgrade = "GET /t HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: foo, h2c\r\n\r\n";
        {
            RunningGateway running(makeConfig({route({})}));
            RawClient client(running.port());
            client.send(upgrade);
            const Response response = client.readOne();
            QCOMPARE(response.status, 200);
            QCOMPARE(response.body, QByteArray("plain"));
            QVERIFY(client.waitForClosed());
        }
        {
            RunningGateway running(makeConfig({route({"foo"})}));
            RawClient client(running.port());
            client.send(upgrade);
            QTRY_VERIFY_WITH_TIMEOUT(client.received().contains("\r\n\r\n"), 5000);
            QVERIFY(client.received().startsWith("HTTP/1.1 101"));
            client.send("hi");
            QTRY_VERIFY_WITH_TIMEOUT(client.received().endsWith("echo:hi"), 5000);
        }
        // A top-level allowed_upgrades that a route's own list overrides.
        {
            RunningGateway running(makeConfig({route({"websocket"})}, {}, {{"allowed_upgrades", QJsonArray{"foo"}}}));
            RawClient client(running.port());
            client.send(upgrade);
            QCOMPARE(client.readOne().status, 200);
        }
        QCOMPARE(upgradesSeen, (QByteArrayList{"none", "foo", "none"}));  // never h2c
    }

    // A 101 to another protocol than the ones asked for, or to a request that asked for none:
    // 502, and both connections close.
    void unrequestedProtocolSwitchIs502_data()
    {
        QTest::addColumn<QByteArray>("requestBytes");
        QTest::newRow("websocket asked, bar given")
            << QByteArray("GET /t HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n");
        QTest::newRow("nothing asked") << QByteArray("GET /t HTTP/1.1\r\nHost: h\r\n\r\n");
        QTest::newRow("h2c asked and dropped")
            << QByteArray("GET /t HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n");
    }

    void unrequestedProtocolSwitchIs502()
    {
        QFETCH(QByteArray, requestBytes);
        bool backendClosed = false;
        ScriptedBackend backend([&backendClosed](QTcpSocket *socket, const QByteArray &received, int) {
            if (!received.endsWith("\r\n\r\n"))
                return;
            const QByteArray protocol = received.contains("Upgrade: websocket") ? "bar" : "websocket";
            socket->write("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: " + protocol
                          + "\r\n\r\n");
            QObject::connect(socket, &QTcpSocket::disconnected, [&backendClosed] { backendClosed = true; });
        });
        RunningGateway running(makeConfig({routeJson("/t", "/", {backendJson(backend.port())}, {"GET"})}));
        RawClient client(running.port());
        client.send(requestBytes);
        const Response response = client.readOne();
        QCOMPARE(response.status, 502);
        QCOMPARE(response.headers.value("connection"), QByteArray("close"));
        QVERIFY(client.waitForClosed());
        QTRY_VERIFY_WITH_TIMEOUT(backendClosed, 5000);
    }

    // "..;" is ".." to Tomcat, Jetty and Spring, which read a segment's parameters away.
    void dotSegmentsWithParametersAreRefused_data()
    {
        QTest::addColumn<QByteArray>("target");
        QTest::addColumn<int>("status");
        QTest::newRow("..;") << QByteArray("/one/..;/secret") << 400;
        QTest::newRow("..;x") << QByteArray("/one/..;x=1/secret") << 400;
        QTest::newRow(".;") << QByteArray("/one/.;/secret") << 400;
        QTest::newRow("%2e%2e;") << QByteArray("/one/%2e%2e;/secret") << 400;
        QTest::newRow("..%3b") << QByteArray("/one/..%3b/secret") << 400;
        QTest::newRow("%2E.%3B") << QByteArray("/one/%2E.%3B/secret") << 400;
        QTest::newRow("..;/ last") << QByteArray("/one/a/..;") << 400;
        QTest::newRow("parameters pass") << QByteArray("/one/a;v=1/b") << 200;
        QTest::newRow("dots within a name pass") << QByteArray("/one/a..;b/c") << 200;
    }

    void dotSegmentsWithParametersAreRefused()
    {
        QFETCH(QByteArray, target);
        QFETCH(int, status);
        RunningGateway running(echoConfig());
        const Response response = request(running.port(), "GET", target);
        QCOMPARE(response.status, status);
        QCOMPARE(m_a->requestsServed(), status == 200 ? 1 : 0);
        if (status == 200)
            QCOMPARE(response.json()["target"].toString().toLatin1(), target.mid(4));
    }

    // Two Authorization fields, in either order, valid or not: refused before routing, on every
    // route, and the backend sees nothing.
    void twoAuthorizationFieldsAreRefused()
    {
        RunningGateway running(echoConfig());
        for (const QByteArray &target : {QByteArray("/one/x"), QByteArray("/api/users"), QByteArray("/nowhere")}) {
            RawClient client(running.port());
            client.send(
                "GET " + target
                + " HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer a\r\nX-A: 1\r\nauthorization: Basic b\r\n\r\n");
            const Response response = client.readOne();
            QCOMPARE(response.status, 400);
            QVERIFY(response.json()["error"].toString().contains(QLatin1String("Authorization")));
            QVERIFY(client.waitForClosed());
        }
        QCOMPARE(m_a->requestsServed() + m_b->requestsServed(), 0);
        // One is passed on as it came.
        const Response one = request(running.port(), "GET", "/one/x", {{"Authorization", "Bearer a"}});
        QCOMPARE(upstreamHeaderValues(one, "authorization"), QList<QByteArray>{"Bearer a"});
    }

    void tlsBackend()
    {
        QFile certFile(QStringLiteral(KAIROS_SOURCE_DIR "/tests/proxy/data/backend.crt"));
        QFile keyFile(QStringLiteral(KAIROS_SOURCE_DIR "/tests/proxy/data/backend.key"));
        QVERIFY(certFile.open(QIODevice::ReadOnly) && keyFile.open(QIODevice::ReadOnly));
        QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
        tls.setLocalCertificate(QSslCertificate(certFile.readAll()));
        tls.setPrivateKey(QSslKey(keyFile.readAll(), QSsl::Rsa));
        QSslServer server;
        server.setSslConfiguration(tls);
        QVERIFY(server.listen(QHostAddress::LocalHost, 0));
        connect(&server, &QTcpServer::pendingConnectionAvailable, this, [&server] {
            QTcpSocket *socket = server.nextPendingConnection();
            connect(socket, &QTcpSocket::readyRead, socket, [socket] {
                if (socket->readAll().contains("\r\n\r\n"))
                    socket->write("HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecure");
            });
        });
        QJsonObject insecure = backendJson(server.serverPort(), 1, "https://127.0.0.1");
        insecure.insert("tls_verify", false);
        const QJsonObject verified = backendJson(server.serverPort(), 1, "https://127.0.0.1");
        RunningGateway running(makeConfig({routeJson("/dev", "/", {insecure}), routeJson("/strict", "/", {verified})}));
        const Response response = request(running.port(), "GET", "/dev");
        QCOMPARE(response.status, 200);
        QCOMPARE(response.body, QByteArray("secure"));
        QCOMPARE(request(running.port(), "GET", "/strict").status, 502);  // self-signed: verification fails
    }

    void configSwapLeavesRequestsInFlightAlone()
    {
        RunningGateway running(echoConfig());
        RawClient slow(running.port());
        slow.send("GET /one/x?delay_ms=400 HTTP/1.1\r\nHost: h\r\n\r\n");
        QTRY_COMPARE(running.backend(1, 0).inFlight.load(), 1);
        running.gateway.applyConfig(makeConfig({routeJson("/new", "/", {backendJson(m_b->port())})}));
        QCOMPARE(slow.readOne().status, 200);  // finished on the snapshot it started with
        QCOMPARE(request(running.port(), "GET", "/one/x").status, 404);
        QCOMPARE(request(running.port(), "GET", "/new").headers.value("x-backend"), QByteArray("b"));
    }
};

QTEST_GUILESS_MAIN(TestProxy)
#include "tst_proxy.moc"
