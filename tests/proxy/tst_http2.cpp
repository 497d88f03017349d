// HTTP/2 from clients end to end: the gateway on a worker thread, an echo backend on the test's
// thread, and curl, h2load, Python's h2 (tests/proxy/h2_client.py, which also plays the known
// attacks) and grpcio (tests/proxy/grpc_client.py) as the clients, over real sockets on 127.0.0.1.
#include "demo/echobackend.h"
#include "proxy/gateway.h"
#include "support/testcertificates.h"
#include "support/testsupport.h"

#include <QCryptographicHash>
#include <QProcess>
#include <QRandomGenerator>
#include <QTemporaryFile>
#include <QtTest>

#include <memory>

using namespace kairos;
using namespace kairos::test;

namespace {

const QString kPython = QStringLiteral("/usr/bin/python3");  // Debian's, which has python3-h2 and python3-grpcio

// A gateway whose plain listener also speaks h2c, keeping the records of its requests.
struct H2Gateway : RecordingGateway {
    using RecordingGateway::RecordingGateway;
    quint16 port() const { return gateway.serverPort(); }
    QString url(const QString &path) const { return QStringLiteral("http://127.0.0.1:%1%2").arg(port()).arg(path); }
};

// tests/proxy/grpc_server.py for the length of a test: h2c, or TLS with a certificate.
class GrpcBackend
{
public:
    explicit GrpcBackend(const QStringList &tlsFiles = {})
    {
        m_process.start(kPython,
                        QStringList{QStringLiteral(KAIROS_SOURCE_DIR "/tests/proxy/grpc_server.py")} + tlsFiles);
        if (m_process.waitForReadyRead(20'000))
            m_port = quint16(m_process.readLine().trimmed().toUInt());
    }
    ~GrpcBackend()
    {
        m_process.closeWriteChannel();  // it serves until its input ends
        if (!m_process.waitForFinished(5000))
            m_process.kill();
        m_process.waitForFinished();
    }
    quint16 port() const { return m_port; }

private:
    QProcess m_process;
    quint16 m_port = 0;
};

QByteArray sha256Hex(const QByteArray &data)
{
    return QCryptographicHash::hash(data, QCryptographicHash::Sha256).toHex();
}

}  // namespace

class TestHttp2 : public QObject
{
    Q_OBJECT

private:
    EchoBackend *m_echo = nullptr;

    QJsonObject server(const QJsonObject &http2 = {{"cleartext", true}}) const { return {{"http2", http2}}; }

    std::unique_ptr<H2Gateway> start(QJsonObject serverSection = {}, const QJsonArray &extraRoutes = {})
    {
        if (serverSection.isEmpty())
            serverSection = server();
        QJsonArray routes = extraRoutes;
        routes.append(routeJson("/api/{*rest}", "/{rest}", {backendJson(m_echo->port())}));
        return std::make_unique<H2Gateway>(makeConfig(routes, serverSection));
    }

    // h2_client.py's one-line outcome.
    QByteArray h2Client(const H2Gateway &running, const QString &mode, int count = 1,
                        const QString &path = QStringLiteral("/api/echo"))
    {
        const ToolResult result = runTool(kPython,
                                          {QStringLiteral(KAIROS_SOURCE_DIR "/tests/proxy/h2_client.py"), mode,
                                           QString::number(running.port()), path, QString::number(count)},
                                          60'000);
        if (result.exitCode != 0)
            qWarning("h2_client.py %s: %s", qPrintable(mode), result.err.constData());
        return result.out.trimmed();
    }

    // A request on a new connection of a well-behaved client, after an attack on another.
    void verifyOthersServed(const H2Gateway &running)
    {
        const ToolResult after = runTool("curl", {"-sS", "--http2-prior-knowledge", "-o", "/dev/null", "-w",
                                                  "%{http_version} %{http_code}", running.url("/api/after")});
        QCOMPARE(after.out, QByteArray("2 200"));
    }

private slots:
    void init()
    {
        m_echo = new EchoBackend("echo", this);
        QVERIFY(m_echo->listen());
    }

    void cleanup() { delete m_echo; }

    void servesH2cAndHttp11OnOnePort()
    {
        auto running = start();
        const ToolResult h2 = runTool("curl", {"-sS", "--http2-prior-knowledge", "-w", "\n%{http_version} %{http_code}",
                                               running->url("/api/hello?x=1")});
        QVERIFY2(h2.exitCode == 0, h2.err.constData());
        const QList<QByteArray> lines = h2.out.split('\n');
        QCOMPARE(lines.last(), QByteArray("2 200"));
        const QJsonObject echo = QJsonDocument::fromJson(lines.first()).object();
        QCOMPARE(echo["target"].toString(), QStringLiteral("/hello?x=1"));
        // :authority becomes the Host the backend's forwarding sees.
        QCOMPARE(upstreamHeaderValues(lines.first(), "x-forwarded-host"),
                 QList<QByteArray>{"127.0.0.1:" + QByteArray::number(running->port())});

        const Response plain = request(running->port(), "GET", "/api/plain");
        QCOMPARE(plain.status, 200);

        // Local endpoints answer HTTP/2 as well.
        const ToolResult health = runTool("curl", {"-sS", "--http2-prior-knowledge", "-o", "/dev/null", "-w",
                                                   "%{http_version} %{http_code}", running->url("/health")});
        QVERIFY2(health.out.endsWith(" 200") || health.out.endsWith(" 404"), health.out.constData());
        QVERIFY(health.out.startsWith("2 "));

        QTRY_COMPARE(running->recorded().size(), 3);
        const QList<RequestRecord> records = running->recorded();
        const auto h2Record = std::find_if(records.begin(), records.end(),
                                           [](const RequestRecord &r) { return r.target == "/api/hello?x=1"; });
        QVERIFY(h2Record != records.end());
        QCOMPARE(h2Record->alpn, QByteArray("h2c"));
        QCOMPARE(h2Record->status, 200);
        QCOMPARE(h2Record->method, QByteArray("GET"));
    }

    void h2cIsOptIn()
    {
        auto running = start({{"workers", 1}});  // no server.http2.cleartext
        const ToolResult h2 = runTool("curl", {"-sS", "--http2-prior-knowledge", "-o", "/dev/null", "-w",
                                               "%{http_version} %{http_code}", running->url("/api/hello")});
        QVERIFY2(!h2.out.startsWith("2 "), h2.out.constData());
        const Response plain = request(running->port(), "GET", "/api/plain");
        QCOMPARE(plain.status, 200);
    }

    void h2OverTlsByAlpn()
    {
        TestCertificates certs;
        QVERIFY2(certs.isValid() && certs.issueServer("localhost", "localhost", {"localhost"}),
                 qPrintable(certs.error()));
        const auto tls = [&certs](const QJsonArray &alpn) {
            return QJsonObject{{"port", 0},
                               {"cert_file", certs.certFile("localhost")},
                               {"key_file", certs.keyFile("localhost")},
                               {"alpn", alpn}};
        };
        for (const QJsonArray &alpn : {QJsonArray{"h2", "http/1.1"}, QJsonArray{"http/1.1"}}) {
            H2Gateway running(
                makeConfig({routeJson("/api/{*rest}", "/{rest}", {backendJson(m_echo->port())})}, {{"tls", tls(alpn)}}),
                true);
            const QString resolve = QStringLiteral("localhost:%1:127.0.0.1").arg(running.gateway.tlsPort());
            const ToolResult https =
                runTool("curl", {"-sS", "--http2", "--cacert", certs.caFile(), "--resolve", resolve, "-w",
                                 "\n%{http_version} %{http_code}",
                                 QStringLiteral("https://localhost:%1/api/secure").arg(running.gateway.tlsPort())});
            QVERIFY2(https.exitCode == 0, https.err.constData());
            const QList<QByteArray> lines = https.out.split('\n');
            QCOMPARE(lines.last(), alpn.size() == 2 ? QByteArray("2 200") : QByteArray("1.1 200"));
            QCOMPARE(upstreamHeaderValues(lines.first(), "x-forwarded-proto"), QList<QByteArray>{"https"});
            QTRY_COMPARE(running.recorded().size(), 1);
            QCOMPARE(running.recorded().first().alpn, alpn.size() == 2 ? QByteArray("h2") : QByteArray("http/1.1"));
        }
    }

    void hundredConcurrentStreamsOnOneConnection()
    {
        auto running = start();
        QCOMPARE(h2Client(*running, "streams", 100), QByteArray("200x100"));
        // h2load: 20 connections of 100 streams each, every answer counted.
        const ToolResult load =
            runTool("h2load", {"-c", "20", "-m", "100", "-n", "20000", running->url("/api/load")}, 120'000);
        QVERIFY2(load.out.contains("status codes: 20000 2xx"), load.out.constData());
        // h2load by duration closes its connections with hundreds of streams still in flight,
        // whose exchanges and pending writes must go with them.
        for (int round = 0; round < 3; ++round)
            runTool("h2load", {"-c", "20", "-m", "100", "-D", "1", running->url("/api/load?delay_ms=5")}, 60'000);
        verifyOthersServed(*running);
    }

    void largeBodiesBothWaysUnderFlowControl()
    {
        auto running = start();
        QByteArray upload(8 * 1024 * 1024, Qt::Uninitialized);
        QRandomGenerator(7).fillRange(reinterpret_cast<quint32 *>(upload.data()), upload.size() / 4);
        QTemporaryFile file;
        QVERIFY(file.open());
        file.write(upload);
        file.flush();
        const ToolResult up = runTool(
            "curl",
            {"-sS", "--http2-prior-knowledge", "--data-binary", "@" + file.fileName(), running->url("/api/upload")},
            120'000);
        QVERIFY2(up.exitCode == 0, up.err.constData());
        const QJsonObject echo = QJsonDocument::fromJson(up.out).object();
        QCOMPARE(echo["body_bytes"].toInteger(), qint64(upload.size()));
        QCOMPARE(echo["body_sha256"].toString().toLatin1(), sha256Hex(upload));

        const ToolResult down = runTool("curl",
                                        {"-sS", "--http2-prior-knowledge", "-o", "/dev/null", "-w",
                                         "%{http_code} %{size_download}", running->url("/api/download?bytes=8388608")},
                                        120'000);
        QCOMPARE(down.out, QByteArray("200 8388608"));

        // A client that does not give the window back gets no more than it allowed, then the rest.
        QCOMPARE(h2Client(*running, "slow-reader", 3'000'000, "/api/slow"),
                 QByteArray("stalled at 65535, then 200 3000000"));
    }

    void cookieCrumbsAreJoinedForTheBackend()
    {
        auto running = start();
        const QByteArray echo = h2Client(*running, "cookies");
        QCOMPARE(upstreamHeaderValues(echo, "cookie"), QList<QByteArray>{"a=1; b=2"});
    }

    void malformedRequestsNeverReachTheBackend()
    {
        auto running = start();
        // Field values with CR/LF and connection-specific fields are stream errors (PROTOCOL_ERROR);
        // the connection goes on.
        QCOMPARE(h2Client(*running, "crlf-value"), QByteArray("reset 1 then 200"));
        QCOMPARE(h2Client(*running, "transfer-encoding"), QByteArray("reset 1 then 200"));
        QCOMPARE(h2Client(*running, "content-length-mismatch"), QByteArray("reset 1"));
        QCOMPARE(h2Client(*running, "host-mismatch"), QByteArray("400 then 200"));
        QTRY_VERIFY(!running->recorded().isEmpty());
        for (const RequestRecord &record : running->recorded())
            QVERIFY2(!record.target.contains("injected"), record.target.constData());
        // Three requests reached the echo backend: the well-behaved ones after each attack.
        QCOMPARE(m_echo->requestsServed(), 3);
    }

    void attacksAreRefusedWhileOthersAreServed_data()
    {
        QTest::addColumn<QString>("mode");
        QTest::addColumn<int>("count");
        QTest::addColumn<QByteArray>("outcome");
        // ENHANCE_YOUR_CALM (11) for floods; a header list past max_header_bytes gets a 431 and the
        // connection goes on; streams beyond max_concurrent_streams are a PROTOCOL_ERROR (1).
        QTest::newRow("rapid reset (CVE-2023-44487)") << "rapid-reset" << 5000 << QByteArray("goaway 11");
        QTest::newRow("CONTINUATION flood (CVE-2024-28182)") << "continuation" << 500 << QByteArray("goaway 11");
        QTest::newRow("HPACK bomb") << "hpack-bomb" << 4000 << QByteArray("431 then 200");
        QTest::newRow("PING flood") << "ping-flood" << 5000 << QByteArray("goaway 11");
        QTest::newRow("SETTINGS flood") << "settings-flood" << 5000 << QByteArray("goaway 11");
        QTest::newRow("streams beyond the limit") << "refused" << 101 << QByteArray("goaway 1x101");
    }

    void attacksAreRefusedWhileOthersAreServed()
    {
        QFETCH(QString, mode);
        QFETCH(int, count);
        QFETCH(QByteArray, outcome);
        auto running = start();
        QCOMPARE(h2Client(*running, mode, count), outcome);
        verifyOthersServed(*running);
    }

    void grpcClientsGetGrpcErrors()
    {
        // No backend listening: UNAVAILABLE (14). A backend that never answers: DEADLINE_EXCEEDED (4).
        ScriptedBackend silent([](QTcpSocket *, const QByteArray &, int) {});
        QJsonObject slowRoute =
            routeJson("/slow.Service/{*rest}", "/slow.Service/{rest}", {backendJson(silent.port())});
        slowRoute.insert("response_timeout_ms", 500);
        auto running =
            start(server(),
                  {routeJson("/down.Service/{*rest}", "/down.Service/{rest}", {backendJson(closedPort())}), slowRoute});
        const auto call = [&running](const QString &method) {
            const ToolResult result = runTool(kPython, {QStringLiteral(KAIROS_SOURCE_DIR "/tests/proxy/grpc_client.py"),
                                                        QString::number(running->port()), method});
            return result.out.trimmed();
        };
        const QByteArray down = call("/down.Service/Call");
        QVERIFY2(down.startsWith("14 "), down.constData());
        const QByteArray slow = call("/slow.Service/Call");
        QVERIFY2(slow.startsWith("4 "), slow.constData());
        const QByteArray missing = call("/missing.Service/Call");  // no route: UNIMPLEMENTED
        QVERIFY2(missing.startsWith("12 "), missing.constData());
    }

    QByteArray grpcCall(const H2Gateway &running, const QString &method, const QString &kind = QStringLiteral("unary"))
    {
        const ToolResult result = runTool(kPython,
                                          {QStringLiteral(KAIROS_SOURCE_DIR "/tests/proxy/grpc_client.py"),
                                           QString::number(running.port()), method, kind},
                                          60'000);
        return result.out.trimmed();
    }

    void grpcThroughHttp2Backends()
    {
        TestCertificates certs;
        QVERIFY2(certs.isValid() && certs.issueServer("localhost", "localhost", {"localhost"}),
                 qPrintable(certs.error()));
        GrpcBackend cleartext;
        GrpcBackend secure({certs.certFile("localhost"), certs.keyFile("localhost")});
        QVERIFY(cleartext.port() && secure.port());
        QJsonObject h2c = backendJson(cleartext.port());
        h2c.insert("protocol", "h2c");
        QJsonObject h2 = backendJson(secure.port(), 1, "https://localhost");
        h2.insert("protocol", "h2");
        h2.insert("tls_verify", false);  // the test's own CA is not in the system store
        auto running = start(server(), {routeJson("/kairos.Echo/{*rest}", "/kairos.Echo/{rest}", {h2c}),
                                        routeJson("/tls/kairos.Echo/{*rest}", "/kairos.Echo/{rest}", {h2})});
        QCOMPARE(grpcCall(*running, "/kairos.Echo/Unary"), QByteArray("ok echo:ping"));
        // Each message waits for the answer to the one before: both directions stream.
        QCOMPARE(grpcCall(*running, "/kairos.Echo/Chat", "bidi"), QByteArray("ok chat:one chat:two chat:three"));
        // The backend's status and message come through as trailers.
        QCOMPARE(grpcCall(*running, "/kairos.Echo/Fail"), QByteArray("5 no such thing"));
        QCOMPARE(grpcCall(*running, "/tls/kairos.Echo/Unary"), QByteArray("ok echo:ping"));
        QCOMPARE(grpcCall(*running, "/tls/kairos.Echo/Chat", "bidi"), QByteArray("ok chat:one chat:two chat:three"));
        // 3 MiB each way through both connections' flow control.
        QCOMPARE(grpcCall(*running, "/kairos.Echo/Unary", "big"), QByteArray("ok 3145733 True"));
        QCOMPARE(grpcCall(*running, "/tls/kairos.Echo/Unary", "big"), QByteArray("ok 3145733 True"));
        // Twenty bidirectional calls at once, multiplexed on the worker's connection to the backend.
        QList<QProcess *> clients;
        for (int i = 0; i < 20; ++i) {
            auto *client = new QProcess(this);
            client->start(kPython, {QStringLiteral(KAIROS_SOURCE_DIR "/tests/proxy/grpc_client.py"),
                                    QString::number(running->port()), "/kairos.Echo/Chat", "bidi"});
            clients.append(client);
        }
        for (QProcess *client : clients) {
            QTRY_VERIFY_WITH_TIMEOUT(client->state() == QProcess::NotRunning, 60'000);
            QCOMPARE(client->readAllStandardOutput().trimmed(), QByteArray("ok chat:one chat:two chat:three"));
            delete client;
        }
        QTRY_VERIFY(running->recorded().size() >= 25);
        const QList<RequestRecord> records = running->recorded();
        for (const RequestRecord &record : records)
            QVERIFY2(record.status == 200, record.target.constData());
    }

    void idleConnectionsEndWithGoaway()
    {
        auto running = start({{"http2", QJsonObject{{"cleartext", true}}}, {"idle_timeout_ms", 300}});
        // A request, then nothing: GOAWAY NO_ERROR once the connection has been idle.
        QCOMPARE(h2Client(*running, "idle"), QByteArray("200 then goaway 0"));
    }

    void unfinishedHeaderBlockEndsTheConnection()
    {
        auto running = start({{"http2", QJsonObject{{"cleartext", true}}}, {"header_timeout_ms", 300}});
        QCOMPARE(h2Client(*running, "stalled-headers", 5), QByteArray("goaway 11"));
        verifyOthersServed(*running);
    }
};

QTEST_MAIN(TestHttp2)
#include "tst_http2.moc"
