// The TLS listener end to end: the gateway on worker threads, an echo backend on the test's
// thread, and curl and openssl as the clients, over real sockets on 127.0.0.1.
#include "demo/echobackend.h"
#include "proxy/gateway.h"
#include "support/testcertificates.h"
#include "support/testsupport.h"

#include <QCryptographicHash>
#include <QProcess>
#include <QRandomGenerator>
#include <QWebSocket>
#include <QWebSocketServer>
#include <QtTest>

#include <cstdio>
#include <memory>

using namespace kairos;
using namespace kairos::test;

namespace {

// The subject of the certificate curl -v was shown.
QByteArray servedSubject(const ToolResult &result)
{
    for (const QByteArray &line : result.err.split('\n')) {
        const qsizetype at = line.indexOf("subject: ");
        if (at >= 0)
            return line.mid(at + 9).trimmed();
    }
    return QByteArray();
}

bool replaceFile(const QString &target, const QByteArray &content)
{
    const QString temporary = target + QStringLiteral(".new");
    QFile file(temporary);
    if (!file.open(QIODevice::WriteOnly) || file.write(content) != content.size())
        return false;
    file.close();
    return std::rename(QFile::encodeName(temporary).constData(), QFile::encodeName(target).constData()) == 0;
}

QByteArray readFile(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

// A gateway with a plain and a TLS listener that keeps the records of its requests.
struct TlsGateway : RecordingGateway {
    explicit TlsGateway(ConfigSnapshot config) : RecordingGateway(std::move(config), true) {}
    quint16 tlsPort() const { return gateway.tlsPort(); }
    QString url(const QString &host, const QString &path) const
    {
        return QStringLiteral("https://%1:%2%3").arg(host).arg(tlsPort()).arg(path);
    }
    QString resolve(const QString &host) const { return QStringLiteral("%1:%2:127.0.0.1").arg(host).arg(tlsPort()); }
};

}  // namespace

class TestTls : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<TestCertificates> m_certs;
    std::unique_ptr<TestCertificates> m_strangers;  // another CA, which the gateway does not trust
    EchoBackend *m_echo = nullptr;

    QJsonObject tlsSettings(const QString &defaultName = QStringLiteral("localhost")) const
    {
        return {{"port", 0},
                {"cert_file", m_certs->certFile(defaultName)},
                {"key_file", m_certs->keyFile(defaultName)},
                {"certificates", QJsonArray{QJsonObject{{"server_names", QJsonArray{"api.example"}},
                                                        {"cert_file", m_certs->certFile("api")},
                                                        {"key_file", m_certs->keyFile("api")}},
                                            QJsonObject{{"server_names", QJsonArray{"*.wild.example"}},
                                                        {"cert_file", m_certs->certFile("wild")},
                                                        {"key_file", m_certs->keyFile("wild")}}}}};
    }

    std::unique_ptr<TlsGateway> start(const QJsonObject &tls, QJsonObject server = {})
    {
        server.insert("tls", tls);
        return std::make_unique<TlsGateway>(
            makeConfig({routeJson("/api/{*rest}", "/{rest}", {backendJson(m_echo->port())})}, server));
    }

    QStringList curl(const TlsGateway &running, const QString &host = QStringLiteral("localhost")) const
    {
        return {"-sS", "--max-time", "20", "--cacert", m_certs->caFile(), "--resolve", running.resolve(host)};
    }

private slots:
    void initTestCase()
    {
        m_certs = std::make_unique<TestCertificates>();
        QVERIFY2(m_certs->isValid(), qPrintable(m_certs->error()));
        QVERIFY2(m_certs->issueServer("localhost", "localhost", {"localhost"}), qPrintable(m_certs->error()));
        QVERIFY2(m_certs->issueServer("renewed", "localhost renewed", {"localhost"}), qPrintable(m_certs->error()));
        QVERIFY2(m_certs->issueServer("api", "api.example", {"api.example"}), qPrintable(m_certs->error()));
        QVERIFY2(m_certs->issueServer("wild", "wild.example", {"*.wild.example"}), qPrintable(m_certs->error()));
        QVERIFY2(m_certs->issueClient("client", "/O=Kairos Tests/CN=client-one"), qPrintable(m_certs->error()));
        m_strangers = std::make_unique<TestCertificates>();
        QVERIFY2(m_strangers->isValid(), qPrintable(m_strangers->error()));
        QVERIFY2(m_strangers->issueClient("client", "/CN=client-one"), qPrintable(m_strangers->error()));
    }

    void init()
    {
        m_echo = new EchoBackend("echo", this);
        QVERIFY(m_echo->listen());
    }

    void cleanup() { delete m_echo; }

    void proxiesHttpsBesideThePlainListener()
    {
        TlsGateway running(makeConfig({routeJson("/api/{*rest}", "/{rest}", {backendJson(m_echo->port())})},
                                      {{"tls", tlsSettings()}}));
        const ToolResult https = runTool("curl", curl(running) << running.url("localhost", "/api/hello?x=1"));
        QVERIFY2(https.exitCode == 0, https.err.constData());
        const QJsonObject echo = QJsonDocument::fromJson(https.out).object();
        QCOMPARE(echo["target"].toString(), QStringLiteral("/hello?x=1"));
        QCOMPARE(upstreamHeaderValues(https.out, "x-forwarded-proto"), QList<QByteArray>{"https"});

        // Three requests on one kept-alive connection: one handshake.
        QStringList threeRequests = curl(running) << "-w"
                                                  << "%{http_code} %{num_connects}\n";
        for (const char *path : {"/api/k1", "/api/k2", "/api/k3"})
            threeRequests << "-o"
                          << "/dev/null" << running.url("localhost", path);
        const ToolResult kept = runTool("curl", threeRequests);
        QVERIFY2(kept.exitCode == 0, kept.err.constData());
        QCOMPARE(kept.out, QByteArray("200 1\n200 0\n200 0\n"));

        const Response plain = request(running.gateway.serverPort(), "GET", "/api/plain");
        QCOMPARE(plain.status, 200);
        QCOMPARE(upstreamHeaderValues(plain.body, "x-forwarded-proto"), QList<QByteArray>{"http"});

        // The access log's and the console's record: TLS version and ALPN, none for plain.
        QTRY_COMPARE(running.recorded().size(), 5);
        const QList<RequestRecord> records = running.recorded();
        const auto secure = std::find_if(records.begin(), records.end(),
                                         [](const RequestRecord &r) { return r.target.startsWith("/api/hello"); });
        QVERIFY(secure != records.end() && secure->tlsVersion);
        QCOMPARE(QByteArray(secure->tlsVersion), QByteArray("TLSv1.3"));
        QCOMPARE(secure->alpn, QByteArray("h2"));  // curl offers h2 first, and the default alpn serves it
        const auto plainRecord = std::find_if(records.begin(), records.end(),
                                              [](const RequestRecord &r) { return r.target == "/api/plain"; });
        QVERIFY(plainRecord != records.end() && !plainRecord->tlsVersion);
    }

    void forwardedProtoFromAnUntrustedClientDoesNotWin()
    {
        auto running = start(tlsSettings());
        const ToolResult forged =
            runTool("curl", curl(*running) << "-H"
                                           << "X-Forwarded-Proto: http" << running->url("localhost", "/api/p"));
        QVERIFY2(forged.exitCode == 0, forged.err.constData());
        QCOMPARE(upstreamHeaderValues(forged.out, "x-forwarded-proto"), QList<QByteArray>{"https"});
    }

    void sniPicksTheCertificate_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QByteArray>("subject");
        QTest::newRow("exact name") << "api.example" << QByteArray("CN=api.example");
        QTest::newRow("wildcard, one label") << "a.wild.example" << QByteArray("CN=wild.example");
        QTest::newRow("wildcard, case folded") << "B.Wild.Example" << QByteArray("CN=wild.example");
        QTest::newRow("two labels below the wildcard: default") << "x.a.wild.example" << QByteArray("CN=localhost");
        QTest::newRow("unknown name: default") << "other.example" << QByteArray("CN=localhost");
        QTest::newRow("no name (an address): default") << "127.0.0.1" << QByteArray("CN=localhost");
    }

    void sniPicksTheCertificate()
    {
        QFETCH(QString, name);
        QFETCH(QByteArray, subject);
        auto running = start(tlsSettings());
        // -k: the default certificate does not name the unknown hosts; the subject tells which one came.
        const ToolResult result = runTool("curl", curl(*running, name) << "-v"
                                                                       << "-k" << running->url(name, "/api/sni"));
        QVERIFY2(result.exitCode == 0, result.err.constData());
        QCOMPARE(servedSubject(result), subject);
    }

    void versionFloorRefusesOlderClients()
    {
        auto floor12 = start(tlsSettings());
        const QString address = QStringLiteral("127.0.0.1:%1").arg(floor12->tlsPort());
        // SECLEVEL=0 lets this client offer TLS 1.1 at all; the refusal is the server's.
        const QStringList sClient{"s_client", "-connect",          address, "-CAfile", m_certs->caFile(),
                                  "-cipher",  "DEFAULT@SECLEVEL=0"};
        const ToolResult tls11 = runTool("openssl", QStringList(sClient) << "-tls1_1");
        QVERIFY(tls11.exitCode != 0);
        QVERIFY2(tls11.err.contains("alert protocol version"), tls11.err.constData());  // told why
        const ToolResult tls12 = runTool("openssl", QStringList(sClient) << "-tls1_2");
        QVERIFY2(tls12.exitCode == 0, tls12.err.constData());
        QVERIFY(tls12.out.contains("TLSv1.2"));

        QJsonObject only13 = tlsSettings();
        only13.insert("min_version", "1.3");
        auto floor13 = start(only13);
        QVERIFY(runTool("curl", curl(*floor13) << "--tls-max"
                                               << "1.2" << floor13->url("localhost", "/api/v"))
                    .exitCode
                != 0);
        const ToolResult tls13 = runTool("curl", curl(*floor13) << floor13->url("localhost", "/api/v"));
        QVERIFY2(tls13.exitCode == 0, tls13.err.constData());
    }

    void silentConnectionClosedAtTheHandshakeTimeout()
    {
        QJsonObject tls = tlsSettings();
        tls.insert("handshake_timeout_ms", 300);
        auto running = start(tls, {{"header_timeout_ms", 30'000}});
        QTcpSocket silent;
        silent.connectToHost(QHostAddress::LocalHost, running->tlsPort());
        QVERIFY(silent.waitForConnected(5000));
        QElapsedTimer clock;
        clock.start();
        QTRY_COMPARE_WITH_TIMEOUT(silent.state(), QAbstractSocket::UnconnectedState, 5000);
        QVERIFY2(clock.elapsed() < 2000, qPrintable(QString::number(clock.elapsed())));
        // The listener goes on serving.
        QCOMPARE(runTool("curl", curl(*running) << running->url("localhost", "/api/after")).exitCode, 0);
    }

    void webSocketOverTls()
    {
        QWebSocketServer server("echo", QWebSocketServer::NonSecureMode);
        QVERIFY(server.listen(QHostAddress::LocalHost, 0));
        connect(&server, &QWebSocketServer::newConnection, this, [&server] {
            QWebSocket *socket = server.nextPendingConnection();
            socket->setParent(&server);
            connect(socket, &QWebSocket::textMessageReceived, socket,
                    [socket](const QString &text) { socket->sendTextMessage(QStringLiteral("echo: ") + text); });
        });
        QJsonObject tls = tlsSettings();
        TlsGateway running(
            makeConfig({routeJson("/ws", "/", {backendJson(server.serverPort())}, {"GET"})}, {{"tls", tls}}));
        QWebSocket client;
        QSslConfiguration configuration = client.sslConfiguration();
        configuration.setCaCertificates(QSslCertificate::fromPath(m_certs->caFile()));
        client.setSslConfiguration(configuration);
        QString reply;
        connect(&client, &QWebSocket::textMessageReceived, this, [&reply](const QString &text) { reply = text; });
        client.open(QUrl(QStringLiteral("wss://localhost:%1/ws").arg(running.tlsPort())));
        QTRY_COMPARE_WITH_TIMEOUT(client.state(), QAbstractSocket::ConnectedState, 5000);
        client.sendTextMessage(QStringLiteral("hello"));
        QTRY_COMPARE_WITH_TIMEOUT(reply, QStringLiteral("echo: hello"), 5000);
        client.sendTextMessage(QString(300000, QLatin1Char('w')));
        QTRY_COMPARE_WITH_TIMEOUT(reply.size(), 300006, 5000);
        client.close();
        QTRY_COMPARE_WITH_TIMEOUT(running.gateway.activeConnections(), 0, 5000);
    }

    void configChangeAppliesToNewConnections()
    {
        auto running = start(tlsSettings());
        const QStringList tls12 = curl(*running) << "--tls-max"
                                                 << "1.2" << running->url("localhost", "/api/c");
        QCOMPARE(runTool("curl", tls12).exitCode, 0);
        QJsonObject only13 = tlsSettings("api");
        only13.insert("min_version", "1.3");
        running->gateway.applyConfig(
            makeConfig({routeJson("/api/{*rest}", "/{rest}", {backendJson(m_echo->port())})}, {{"tls", only13}}));
        QVERIFY(runTool("curl", tls12).exitCode != 0);
        const ToolResult renamed = runTool("curl", curl(*running) << "-v"
                                                                  << "-k" << running->url("localhost", "/api/c"));
        QVERIFY2(renamed.exitCode == 0, renamed.err.constData());
        QCOMPARE(servedSubject(renamed), QByteArray("CN=api.example"));
    }

    void largeBodiesBothWays()
    {
        auto running = start(tlsSettings());
        QByteArray upload(8 * 1024 * 1024, Qt::Uninitialized);
        QRandomGenerator generator(31);
        generator.fillRange(reinterpret_cast<quint32 *>(upload.data()), upload.size() / 4);
        const QString uploadFile = m_certs->path("upload.bin");
        QVERIFY(replaceFile(uploadFile, upload));
        const ToolResult sent = runTool("curl", curl(*running) << "--data-binary"
                                                               << "@" + uploadFile << "-H"
                                                               << "Content-Type: application/octet-stream"
                                                               << running->url("localhost", "/api/upload"));
        QVERIFY2(sent.exitCode == 0, sent.err.constData());
        const QJsonObject echo = QJsonDocument::fromJson(sent.out).object();
        QCOMPARE(echo["body_bytes"].toDouble(), double(upload.size()));
        QCOMPARE(echo["body_sha256"].toString().toLatin1(),
                 QCryptographicHash::hash(upload, QCryptographicHash::Sha256).toHex());

        // A client reading slower than the backend sends: the gateway holds the backend back.
        const QString downloadFile = m_certs->path("download.bin");
        const ToolResult received = runTool(
            "curl", curl(*running) << "--limit-rate"
                                   << "16M"
                                   << "-o" << downloadFile << running->url("localhost", "/api/download?bytes=8388608"));
        QVERIFY2(received.exitCode == 0, received.err.constData());
        QCOMPARE(QFileInfo(downloadFile).size(), qint64(8 * 1024 * 1024));
    }

    void mutualTlsForwardsTheVerifiedSubjectOnly()
    {
        QJsonObject tls = tlsSettings();
        tls.insert("client_ca_file", m_certs->caFile());
        auto running = start(tls);
        const QString url = running->url("localhost", "/api/mtls");
        QVERIFY(runTool("curl", curl(*running) << url).exitCode != 0);  // no client certificate
        QVERIFY(runTool("curl", curl(*running) << "--cert" << m_strangers->certFile("client") << "--key"
                                               << m_strangers->keyFile("client") << url)
                    .exitCode
                != 0);

        const QStringList withCertificate = curl(*running) << "--cert" << m_certs->certFile("client") << "--key"
                                                           << m_certs->keyFile("client") << "-H"
                                                           << "X-Client-Subject: CN=admin";
        const ToolResult verified = runTool("curl", QStringList(withCertificate) << url);
        QVERIFY2(verified.exitCode == 0, verified.err.constData());
        QCOMPARE(upstreamHeaderValues(verified.out, "x-client-subject"),
                 QList<QByteArray>{"CN=client-one,O=Kairos Tests"});

        // The same behind a certificate SNI chose.
        const QString named = running->url("api.example", "/api/mtls");
        QVERIFY(runTool("curl", curl(*running, "api.example") << named).exitCode != 0);
        const ToolResult namedVerified =
            runTool("curl", curl(*running, "api.example") << "--cert" << m_certs->certFile("client") << "--key"
                                                          << m_certs->keyFile("client") << named);
        QVERIFY2(namedVerified.exitCode == 0, namedVerified.err.constData());
        QCOMPARE(upstreamHeaderValues(namedVerified.out, "x-client-subject"),
                 QList<QByteArray>{"CN=client-one,O=Kairos Tests"});

        // The plain listener has no verified subject: a forged one is removed, none added.
        const Response plain =
            request(running->gateway.serverPort(), "GET", "/api/plain", {{"X-Client-Subject", "CN=admin"}});
        QCOMPARE(plain.status, 200);
        QVERIFY(upstreamHeaderValues(plain.body, "x-client-subject").isEmpty());
    }

    void renewedCertificateServesNewConnectionsWithoutAFailedRequest()
    {
        QVERIFY(replaceFile(m_certs->certFile("rotating"), readFile(m_certs->certFile("localhost"))));
        QVERIFY(replaceFile(m_certs->keyFile("rotating"), readFile(m_certs->keyFile("localhost"))));
        auto running = start(tlsSettings("rotating"));
        const QStringList probe = curl(*running) << "-v" << running->url("localhost", "/api/probe");
        QCOMPARE(servedSubject(runTool("curl", probe)), QByteArray("CN=localhost"));

        const QString stop = m_certs->path("stop-load");
        QFile::remove(stop);
        // Four clients, each a new connection (a new handshake) per request, until told to stop.
        const QString loop =
            QStringLiteral(
                "for client in 1 2 3 4; do ( ok=0; failed=0; while [ ! -e '%1' ]; do "
                "if [ \"$(curl %2 -o /dev/null -w '%{http_code}' '%3')\" = 200 ]; "
                "then ok=$((ok+1)); else failed=$((failed+1)); fi; done; echo \"$ok $failed\" ) & done; wait")
                .arg(stop, curl(*running).join(' '), running->url("localhost", "/api/load"));
        QProcess load;
        load.start("bash", {"-c", loop});
        QVERIFY(load.waitForStarted());
        QTest::qWait(500);

        QVERIFY(replaceFile(m_certs->keyFile("rotating"), readFile(m_certs->keyFile("renewed"))));
        QVERIFY(replaceFile(m_certs->certFile("rotating"), readFile(m_certs->certFile("renewed"))));
        QTRY_COMPARE_WITH_TIMEOUT(servedSubject(runTool("curl", probe)), QByteArray("CN=localhost renewed"), 10'000);
        QTest::qWait(500);

        // A broken file: the renewed certificate stays, and the failure is reported.
        QVERIFY(replaceFile(m_certs->certFile("rotating"), "not a certificate\n"));
        QTRY_VERIFY_WITH_TIMEOUT(!running->gateway.tlsError().isEmpty(), 5000);
        const ToolResult afterBreak = runTool("curl", probe);
        QVERIFY2(afterBreak.exitCode == 0, afterBreak.err.constData());
        QCOMPARE(servedSubject(afterBreak), QByteArray("CN=localhost renewed"));
        QTest::qWait(500);

        QFile(stop).open(QIODevice::WriteOnly);
        QTRY_COMPARE_WITH_TIMEOUT(load.state(), QProcess::NotRunning, 30'000);
        int served = 0;
        int failed = 0;
        const QList<QByteArray> lines = load.readAllStandardOutput().trimmed().split('\n');
        QCOMPARE(lines.size(), 4);
        for (const QByteArray &line : lines) {
            served += line.split(' ').value(0).toInt();
            failed += line.split(' ').value(1).toInt();
        }
        QVERIFY2(served >= 40, qPrintable(QString::number(served)));
        QCOMPARE(failed, 0);

        // A good file again ends the error.
        QVERIFY(replaceFile(m_certs->certFile("rotating"), readFile(m_certs->certFile("renewed"))));
        QTRY_VERIFY_WITH_TIMEOUT(running->gateway.tlsError().isEmpty(), 5000);
        const std::optional<Gateway::TlsReloads> reloads = running->gateway.tlsReloads();
        QVERIFY(reloads);
        QVERIFY2(reloads->succeeded >= 1 && reloads->failed >= 1,
                 qPrintable(QStringLiteral("%1 %2").arg(reloads->succeeded).arg(reloads->failed)));
    }
};

QTEST_MAIN(TestTls)
#include "tst_tls.moc"
