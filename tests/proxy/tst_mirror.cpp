// Request mirroring (docs/CONFIGURATION.md, Mirroring): a route's mirror gets copies of its
// requests while the client sees only the primary's answer, at the primary's pace; bodies over
// retry_buffer_bytes are not copied, a shadow that is down or slow changes nothing for the client,
// and copies beyond the worker's cap are dropped.
#include "config/configloader.h"
#include "demo/echobackend.h"
#include "metrics/prometheus.h"
#include "proxy/mirror.h"
#include "support/testsupport.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>
#include <QtTest>

#include <memory>
#include <utility>

using namespace kairos;
using namespace kairos::test;

namespace {

struct ShadowRequest {
    http::RequestHead head;
    QByteArray body;
};

// A shadow backend on the test's thread: it keeps every request it gets, whole, and answers each
// `delayMs` later (never, with `hang`). `events` is shared with the test, which adds its own, so
// their order shows what happened first.
class Shadow : public QObject
{
public:
    explicit Shadow(QStringList &events) : m_events(events)
    {
        m_server.listen(QHostAddress::LocalHost);
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *socket = m_server.nextPendingConnection()) {
                socket->setParent(this);
                auto parser = std::make_shared<http::MessageParser>(http::MessageParser::Type::Request, 64 * 1024);
                auto body = std::make_shared<QByteArray>();
                connect(socket, &QTcpSocket::readyRead, this,
                        [this, socket, parser, body] { onReadyRead(socket, *parser, *body); });
            }
        });
    }
    quint16 port() const { return m_server.serverPort(); }

    int delayMs = 0;
    bool hang = false;
    QList<ShadowRequest> requests;
    int answered = 0;

private:
    void onReadyRead(QTcpSocket *socket, http::MessageParser &parser, QByteArray &body)
    {
        using State = http::MessageParser::State;
        QByteArray data = socket->readAll();
        qsizetype offset = 0;
        while (offset < data.size()) {
            http::MessageParser::BodyPieces pieces;
            offset += parser.feed(data.constData() + offset, data.size() - offset, &pieces);
            for (QByteArrayView piece : pieces)
                body += piece;
            if (parser.state() == State::HeadDone)
                parser.continueToBody();  // Complete at once without a body
            if (parser.state() == State::Failed) {
                socket->abort();
                return;
            }
            if (parser.state() != State::Complete)
                continue;
            requests.append({parser.request(), std::exchange(body, {})});
            m_events.append(QStringLiteral("shadow received"));
            parser.startNextMessage();
            if (hang)
                continue;
            QTimer::singleShot(delayMs, socket, [this, socket] {
                socket->write("HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nshadow");
                ++answered;
                m_events.append(QStringLiteral("shadow answered"));
            });
        }
    }

    QTcpServer m_server;
    QStringList &m_events;
};

QJsonObject mirrorJson(quint16 port, int percent = 100)
{
    return QJsonObject{{"backends", QJsonArray{backendJson(port)}}, {"percent", percent}};
}

QJsonObject mirroredRoute(const QString &path, quint16 primary, const QJsonObject &mirror)
{
    QJsonObject route = routeJson(path + "/{*rest}", path + "/{rest}", {backendJson(primary)});
    route.insert("mirror", mirror);
    return route;
}

}  // namespace

class TestMirror : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<EchoBackend> m_primary;

    static quint64 mirrored(RunningGateway &running, int route, RouteMetrics::MirrorResult result)
    {
        return running.gateway.snapshot()->routeMetrics[size_t(route)]->mirrored(result);
    }

private slots:
    void init()
    {
        m_primary = std::make_unique<EchoBackend>(QStringLiteral("primary"));
        QVERIFY(m_primary->listen());
    }
    void cleanup() { m_primary.reset(); }

    void shadowHostKeepsThePort()
    {
        QCOMPARE(shadowHost("api.internal"), QByteArray("api.internal-shadow"));
        QCOMPARE(shadowHost("api.internal:8080"), QByteArray("api.internal-shadow:8080"));
        QCOMPARE(shadowHost("127.0.0.1:9001"), QByteArray("127.0.0.1-shadow:9001"));
        QCOMPARE(shadowHost("[::1]:9001"), QByteArray("[::1]-shadow:9001"));
    }

    // The copy carries what the primary got (method, target, fields, body), with the shadow's Host
    // marked; the client has the primary's answer while the shadow still takes its 2 s.
    void mirrorReceivesCopiesWhileTheClientSeesOnlyThePrimary()
    {
        QStringList events;
        Shadow shadow(events);
        shadow.delayMs = 2000;
        RunningGateway running(makeConfig({mirroredRoute("/m", m_primary->port(), mirrorJson(shadow.port()))}));

        const QByteArray body = "{\"copy\": true}";
        const Response response = request(running.port(), "POST", "/m/items?page=2",
                                          {{"X-Test", "abc"}, {"Content-Type", "application/json"}}, body);
        events.append(QStringLiteral("client answered"));
        QCOMPARE(response.status, 200);
        QCOMPARE(response.headers.value("x-backend"), QByteArray("primary"));
        QCOMPARE(response.json()["backend"].toString(), QStringLiteral("primary"));

        QTRY_COMPARE_WITH_TIMEOUT(shadow.answered, 1, 10'000);
        QVERIFY2(events.indexOf(QStringLiteral("client answered")) < events.indexOf(QStringLiteral("shadow answered")),
                 qPrintable(events.join(", ")));
        QCOMPARE(shadow.requests.size(), 1);

        const ShadowRequest &copy = shadow.requests[0];
        const QJsonObject echo = response.json();
        QCOMPARE(QString::fromLatin1(copy.head.method), echo["method"].toString());
        QCOMPARE(QString::fromLatin1(copy.head.target), echo["target"].toString());
        QCOMPARE(copy.head.target, QByteArray("/m/items?page=2"));
        QCOMPARE(copy.body, body);
        QCOMPARE(echo["body"].toString().toUtf8(), body);
        // Every field the primary got, in the same order, with the Host of the shadow marked.
        QList<std::pair<QByteArray, QByteArray>> primaryFields;
        for (const QJsonValue &field : echo["headers"].toArray())
            primaryFields.append({field[0].toString().toLatin1(), field[1].toString().toLatin1()});
        QList<std::pair<QByteArray, QByteArray>> copyFields;
        for (const auto &field : copy.head.headers.fields())
            copyFields.append({field.first, field.second});
        QCOMPARE(copyFields.size(), primaryFields.size());
        for (int i = 0; i < copyFields.size(); ++i) {
            QCOMPARE(copyFields[i].first.toLower(), primaryFields[i].first.toLower());
            if (copyFields[i].first.compare("host", Qt::CaseInsensitive) == 0) {
                QCOMPARE(primaryFields[i].second, "127.0.0.1:" + QByteArray::number(m_primary->port()));
                QCOMPARE(copyFields[i].second, "127.0.0.1-shadow:" + QByteArray::number(shadow.port()));
            } else {
                QCOMPARE(copyFields[i].second, primaryFields[i].second);
            }
        }
        QCOMPARE(copy.head.headers.value("x-test"), QByteArray("abc"));
        QVERIFY(!copy.head.headers.value("x-request-id").isEmpty());
        QCOMPARE(copy.head.headers.value("x-request-id"), response.headers.value("x-request-id"));
        QCOMPARE(copy.head.headers.value("x-forwarded-for"), QByteArray("127.0.0.1"));

        QCOMPARE(mirrored(running, 0, RouteMetrics::MirrorResult::Sent), 1u);
        QCOMPARE(mirrored(running, 0, RouteMetrics::MirrorResult::Failed), 0u);
        MetricsInput input;
        input.routes = running.gateway.routeMetrics().all();
        const QByteArray metrics = renderPrometheus(input);
        QVERIFY2(metrics.contains("kairos_mirror_requests_total{route=\"/m/{*rest}\",result=\"sent\"} 1\n"),
                 metrics.constData());
    }

    // A chunked body is copied whole, with a Content-Length; a bodyless GET gets none.
    void chunkedBodiesAreCopiedWhole()
    {
        QStringList events;
        Shadow shadow(events);
        RunningGateway running(makeConfig({mirroredRoute("/m", m_primary->port(), mirrorJson(shadow.port()))}));
        RawClient client(running.port());
        client.send("POST /m/up HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n\r\n"
                    "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
                    "GET /m/plain HTTP/1.1\r\nHost: gw\r\n\r\n");
        const QList<Response> responses = client.read(2);
        QCOMPARE(responses.size(), 2);
        QCOMPARE(responses[0].status, 200);
        QCOMPARE(responses[1].status, 200);
        QTRY_COMPARE(shadow.requests.size(), 2);
        QCOMPARE(shadow.requests[0].body, QByteArray("hello world"));
        QCOMPARE(shadow.requests[0].head.headers.value("content-length"), QByteArray("11"));
        QVERIFY(!shadow.requests[0].head.headers.contains("transfer-encoding"));
        QCOMPARE(shadow.requests[1].head.target, QByteArray("/m/plain"));
        QVERIFY(!shadow.requests[1].head.headers.contains("content-length"));
        QCOMPARE(shadow.requests[1].head.headers.value("host"),
                 "127.0.0.1-shadow:" + QByteArray::number(shadow.port()));
        QTRY_COMPARE(mirrored(running, 0, RouteMetrics::MirrorResult::Sent), 2u);
    }

    // With preserve_host the client's Host goes on, marked the same way; a shadow's error status
    // is an answer like any other.
    void preservedHostIsMarked()
    {
        QStringList events;
        Shadow shadow(events);
        QJsonObject route = mirroredRoute("/m", m_primary->port(), mirrorJson(shadow.port()));
        route.insert("preserve_host", true);
        RunningGateway running(makeConfig({route}));
        RawClient client(running.port());
        client.send("GET /m/a HTTP/1.1\r\nHost: api.example:8443\r\n\r\n"
                    "GET /m/b HTTP/1.1\r\nHost: api.example\r\n\r\n");
        const QList<Response> responses = client.read(2);
        QCOMPARE(responses.size(), 2);
        QCOMPARE(upstreamHeaderValues(responses[0].body, "host"), QList<QByteArray>{"api.example:8443"});
        QTRY_COMPARE(shadow.requests.size(), 2);
        QCOMPARE(shadow.requests[0].head.headers.value("host"), QByteArray("api.example-shadow:8443"));
        QCOMPARE(shadow.requests[1].head.headers.value("host"), QByteArray("api.example-shadow"));
        QCOMPARE(shadow.requests[0].head.headers.value("x-forwarded-host"), QByteArray("api.example:8443"));
        QTRY_COMPARE(mirrored(running, 0, RouteMetrics::MirrorResult::Sent), 2u);
    }

    // A request that came over HTTP/2 is copied as HTTP/1.1, body and all.
    void http2RequestsAreCopied()
    {
        QStringList events;
        Shadow shadow(events);
        RunningGateway running(makeConfig({mirroredRoute("/m", m_primary->port(), mirrorJson(shadow.port()))},
                                          {{"http2", QJsonObject{{"cleartext", true}}}}));
        const QString url = QStringLiteral("http://127.0.0.1:%1/m/h2?x=1").arg(running.port());
        const ToolResult h2 = runTool("curl", {"-sS", "--http2-prior-knowledge", "-H", "X-Test: h2", "--data-binary",
                                               "from h2", "-w", "\n%{http_version} %{http_code}", url});
        QVERIFY2(h2.exitCode == 0, h2.err.constData());
        QCOMPARE(h2.out.split('\n').last(), QByteArray("2 200"));
        QTRY_COMPARE(shadow.requests.size(), 1);
        const ShadowRequest &copy = shadow.requests[0];
        QCOMPARE(copy.head.method, QByteArray("POST"));
        QCOMPARE(copy.head.target, QByteArray("/m/h2?x=1"));
        QCOMPARE(copy.head.headers.value("x-test"), QByteArray("h2"));
        QCOMPARE(copy.body, QByteArray("from h2"));
        QCOMPARE(copy.head.headers.value("content-length"), QByteArray("7"));
        QTRY_COMPARE(mirrored(running, 0, RouteMetrics::MirrorResult::Sent), 1u);
    }

    void percentZeroSendsNoneAndHundredSendsAll()
    {
        QStringList events;
        Shadow shadow(events);
        RunningGateway running(makeConfig({mirroredRoute("/none", m_primary->port(), mirrorJson(shadow.port(), 0)),
                                           mirroredRoute("/all", m_primary->port(), mirrorJson(shadow.port(), 100))}));
        constexpr int kRequests = 30;
        for (int i = 0; i < kRequests; ++i) {
            QCOMPARE(request(running.port(), "GET", "/none/" + QByteArray::number(i)).status, 200);
            QCOMPARE(request(running.port(), "GET", "/all/" + QByteArray::number(i)).status, 200);
        }
        QTRY_COMPARE(mirrored(running, 1, RouteMetrics::MirrorResult::Sent), quint64(kRequests));
        QCOMPARE(shadow.requests.size(), kRequests);
        for (int i = 0; i < kRequests; ++i)
            QCOMPARE(shadow.requests[i].head.target, "/all/" + QByteArray::number(i));
        for (const auto result : {RouteMetrics::MirrorResult::Sent, RouteMetrics::MirrorResult::Failed,
                                  RouteMetrics::MirrorResult::Skipped, RouteMetrics::MirrorResult::Dropped})
            QCOMPARE(mirrored(running, 0, result), 0u);
    }

    // A partial percent copies about that share of the requests, chosen at random.
    void percentCopiesAShare()
    {
        QStringList events;
        Shadow shadow(events);
        RunningGateway running(makeConfig({mirroredRoute("/some", m_primary->port(), mirrorJson(shadow.port(), 50))}));
        RawClient client(running.port());
        constexpr int kRequests = 200;
        QByteArray pipelined;
        for (int i = 0; i < kRequests; ++i)
            pipelined += "GET /some/" + QByteArray::number(i) + " HTTP/1.1\r\nHost: gw\r\n\r\n";
        client.send(pipelined);
        QCOMPARE(client.read(kRequests, 20'000).size(), kRequests);
        QTRY_COMPARE(quint64(shadow.requests.size()), mirrored(running, 0, RouteMetrics::MirrorResult::Sent));
        // Binomial(200, 0.5): outside 60..140 once in about 10^8 runs.
        QVERIFY2(shadow.requests.size() > 60 && shadow.requests.size() < 140,
                 qPrintable(QString::number(shadow.requests.size())));
    }

    void bodiesOverTheRetryBufferAreNotMirrored()
    {
        QStringList events;
        Shadow shadow(events);
        QJsonObject route = mirroredRoute("/m", m_primary->port(), mirrorJson(shadow.port()));
        route.insert("retry", QJsonObject{{"max_attempts", 1}, {"retry_buffer_bytes", 1024}});
        RunningGateway running(makeConfig({route}));

        const QByteArray large(2000, 'L');
        const Response big = request(running.port(), "POST", "/m/big", {}, large);
        QCOMPARE(big.status, 200);
        QCOMPARE(big.json()["body_bytes"].toInt(), 2000);
        // Chunked, so the size shows only as the body passes.
        RawClient client(running.port());
        client.send("POST /m/chunked HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n\r\n"
                    "400\r\n"
                    + QByteArray(1024, 'a') + "\r\n1\r\nb\r\n0\r\n\r\n");
        const Response chunked = client.readOne();
        QCOMPARE(chunked.status, 200);
        QCOMPARE(chunked.json()["body_bytes"].toInt(), 1025);
        const QByteArray fits(1024, 'S');
        QCOMPARE(request(running.port(), "POST", "/m/small", {}, fits).status, 200);

        QTRY_COMPARE(shadow.requests.size(), 1);
        QCOMPARE(shadow.requests[0].head.target, QByteArray("/m/small"));
        QCOMPARE(shadow.requests[0].body, fits);
        QTRY_COMPARE(mirrored(running, 0, RouteMetrics::MirrorResult::Sent), 1u);
        QCOMPARE(mirrored(running, 0, RouteMetrics::MirrorResult::Skipped), 2u);
    }

    // Without a retry block, the default retry_buffer_bytes (1 MiB) bounds the copies.
    void defaultBufferBoundsCopies()
    {
        QStringList events;
        Shadow shadow(events);
        RunningGateway running(makeConfig({mirroredRoute("/m", m_primary->port(), mirrorJson(shadow.port()))}));
        const QByteArray atLimit(1024 * 1024, 'x');
        QCOMPARE(request(running.port(), "PUT", "/m/a", {}, atLimit).status, 200);
        QCOMPARE(request(running.port(), "PUT", "/m/b", {}, atLimit + "y").status, 200);
        QTRY_COMPARE(mirrored(running, 0, RouteMetrics::MirrorResult::Sent), 1u);
        QCOMPARE(mirrored(running, 0, RouteMetrics::MirrorResult::Skipped), 1u);
        QCOMPARE(shadow.requests.size(), 1);
        QCOMPARE(shadow.requests[0].body.size(), atLimit.size());
    }

    void shadowDownLeavesTheClientUnaffected()
    {
        const quint16 down = closedPort();
        RunningGateway running(makeConfig({mirroredRoute("/m", m_primary->port(), mirrorJson(down))}));
        constexpr int kRequests = 5;
        for (int i = 0; i < kRequests; ++i) {
            const Response response = request(running.port(), "POST", "/m/x", {}, "payload");
            QCOMPARE(response.status, 200);
            QCOMPARE(response.json()["backend"].toString(), QStringLiteral("primary"));
            QCOMPARE(response.headers.value("x-kairos-attempts"), QByteArray("1"));
        }
        QTRY_COMPARE(mirrored(running, 0, RouteMetrics::MirrorResult::Failed), quint64(kRequests));
        QCOMPARE(mirrored(running, 0, RouteMetrics::MirrorResult::Sent), 0u);
        QCOMPARE(m_primary->requestsServed(), kRequests);
    }

    // A shadow that never answers: the client has its answer at once, and the copy fails at the
    // route's timeout_ms.
    void silentShadowTimesOut()
    {
        QStringList events;
        Shadow shadow(events);
        shadow.hang = true;
        QJsonObject route = mirroredRoute("/m", m_primary->port(), mirrorJson(shadow.port()));
        route.insert("timeout_ms", 300);
        RunningGateway running(makeConfig({route}));
        QCOMPARE(request(running.port(), "GET", "/m/x").status, 200);
        events.append(QStringLiteral("client answered"));
        QTRY_COMPARE(mirrored(running, 0, RouteMetrics::MirrorResult::Failed), 1u);
        QCOMPARE(shadow.requests.size(), 1);
        QCOMPARE(mirrored(running, 0, RouteMetrics::MirrorResult::Sent), 0u);
    }

    // A gateway that stops drops the copies still waiting for their shadow.
    void stoppingDropsCopiesInFlight()
    {
        QStringList events;
        Shadow shadow(events);
        shadow.hang = true;
        {
            RunningGateway running(
                makeConfig({mirroredRoute("/m", m_primary->port(), mirrorJson(shadow.port()))}, {{"workers", 2}}));
            for (int i = 0; i < 4; ++i)
                QCOMPARE(request(running.port(), "POST", "/m/x", {}, "body").status, 200);
            QTRY_COMPARE(shadow.requests.size(), 4);
        }
        QTRY_COMPARE(shadow.findChildren<QTcpSocket *>().size(), 4);  // each closed by the gateway
        const QList<QTcpSocket *> sockets = shadow.findChildren<QTcpSocket *>();
        for (QTcpSocket *socket : sockets)
            QTRY_COMPARE(socket->state(), QAbstractSocket::UnconnectedState);
    }

    // Copies beyond the sender's cap are dropped and counted; those in flight go on.
    void copiesBeyondTheCapAreDropped()
    {
        QStringList events;
        Shadow shadow(events);
        shadow.hang = true;
        const ConfigSnapshot config = makeConfig({mirroredRoute("/m", m_primary->port(), mirrorJson(shadow.port()))});
        RouteMetrics metrics(QStringLiteral("/m"));
        const std::vector<MirrorPolicyPtr> policies = compileMirrors(*config, {&metrics});
        QCOMPARE(policies.size(), size_t(1));
        QVERIFY(policies[0]);

        MirrorSender sender(2);
        const auto job = [&](const QByteArray &target) {
            MirrorJob made;
            made.policy = policies[0];
            made.head.method = "GET";
            made.head.target = target;
            made.head.headers.add("Host", "gw");
            made.context.peerText = "127.0.0.1";
            made.context.requestId = target;
            made.context.upstreamTarget = target;
            return made;
        };
        sender.send(job("/1"));
        sender.send(job("/2"));
        sender.send(job("/3"));
        QCOMPARE(sender.inFlight(), 2);
        QCOMPARE(metrics.mirrored(RouteMetrics::MirrorResult::Dropped), 1u);
        QTRY_COMPARE(shadow.requests.size(), 2);
        QCOMPARE(shadow.requests[0].head.target, QByteArray("/1"));
        QCOMPARE(shadow.requests[1].head.target, QByteArray("/2"));
        sender.abortAll();
        QCOMPARE(sender.inFlight(), 0);
        sender.send(job("/4"));
        QTRY_COMPARE(shadow.requests.size(), 3);
        QCOMPARE(metrics.mirrored(RouteMetrics::MirrorResult::Dropped), 1u);
    }

    // Answered copies leave their connection to the next copy.
    void shadowConnectionsAreReused()
    {
        QStringList events;
        Shadow shadow(events);
        RunningGateway running(makeConfig({mirroredRoute("/m", m_primary->port(), mirrorJson(shadow.port()))}));
        for (int i = 0; i < 3; ++i) {
            QCOMPARE(request(running.port(), "GET", "/m/" + QByteArray::number(i)).status, 200);
            QTRY_COMPARE(mirrored(running, 0, RouteMetrics::MirrorResult::Sent), quint64(i + 1));
        }
        QCOMPARE(shadow.requests.size(), 3);
        QCOMPARE(shadow.findChildren<QTcpSocket *>().size(), 1);
    }
};

QTEST_GUILESS_MAIN(TestMirror)
#include "tst_mirror.moc"
