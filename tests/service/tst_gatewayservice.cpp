// The whole service on a config file in a temporary folder, over real HTTP on 127.0.0.1: starting
// (and refusing to), changes through the store and the file, stop and restart, the access log
// and the recent requests it keeps when asked.
#include "demo/echobackend.h"
#include "metrics/recentrequests.h"
#include "service/gatewayservice.h"

#include "support/testcertificates.h"
#include "support/testsupport.h"

#include <QFile>
#include <QJsonDocument>
#include <QSignalSpy>
#include <QSslSocket>
#include <QTemporaryDir>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

using namespace kairos;
using namespace kairos::test;

namespace {

QJsonObject configFor(quint16 backendPort, const QString &externalPath = QStringLiteral("/api/{*rest}"))
{
    return QJsonObject{{"version", 1},
                       {"server", QJsonObject{{"host", "127.0.0.1"}, {"port", 5900}, {"workers", 1}}},
                       {"routers", QJsonArray{routeJson(externalPath, "/{rest}", {backendJson(backendPort)})}}};
}

bool writeFile(const QString &path, const QByteArray &bytes)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly | QIODevice::Truncate) && file.write(bytes) == bytes.size();
}

}  // namespace

class TestGatewayService : public QObject
{
    Q_OBJECT

    EchoBackend *m_backend = nullptr;
    QTemporaryDir *m_dir = nullptr;
    QString m_path;

    ServiceOptions options(bool watch = false) const
    {
        ServiceOptions options;
        options.configPath = m_path;
        options.listenHost = QStringLiteral("127.0.0.1");
        options.listenPort = 0;
        options.watchConfigFile = watch;
        options.accessLog = QStringLiteral("none");
        return options;
    }

    bool writeConfig(const QJsonObject &config) const { return writeFile(m_path, QJsonDocument(config).toJson()); }

private slots:
    void init()
    {
        m_backend = new EchoBackend(QStringLiteral("echo"), this);
        QVERIFY(m_backend->listen());
        m_dir = new QTemporaryDir;
        QVERIFY(m_dir->isValid());
        m_path = m_dir->filePath(QStringLiteral("config.json"));
    }

    void cleanup()
    {
        delete m_backend;
        delete m_dir;
    }

    void startsOnAConfigFileAndServes()
    {
        QVERIFY(writeConfig(configFor(m_backend->port())));
        GatewayService service;
        QSignalSpy listening(&service, &GatewayService::listeningChanged);
        QVERIFY(!service.isListening());
        QString error;
        QVERIFY2(service.start(options(), &error), qPrintable(error));
        QVERIFY(service.isListening());
        QCOMPARE(listening.size(), 1);
        QCOMPARE(listening.first().at(0).toBool(), true);
        const quint16 port = service.gateway()->serverPort();
        QVERIFY(port != 0);  // the options' port, not server.port from the file
        QCOMPARE(service.listenUrl(), QStringLiteral("http://127.0.0.1:%1").arg(port));
        QCOMPARE(service.configStore().revision(), quint64(1));
        QCOMPARE(service.configStore().filePath(), m_path);
        QVERIFY(!service.recentRequests());

        const Response response = request(port, "GET", "/api/hello");
        QCOMPARE(response.status, 200);
        QCOMPARE(response.json()["target"].toString(), QStringLiteral("/hello"));
        QCOMPARE(response.headers.value("x-backend"), QByteArray("echo"));
        // The admin API and the probes are served on the same port.
        QCOMPARE(request(port, "GET", "/health").status, 200);
        QCOMPARE(request(port, "GET", "/api/routes").status, 200);
    }

    void invalidConfigIsRefusedWithItsProblems()
    {
        QJsonObject config = configFor(m_backend->port());
        config["routers"] =
            QJsonArray{QJsonObject{{"external_path", "/x"}, {"internal_path", "/"}, {"backends", QJsonArray{}}}};
        QVERIFY(writeConfig(config));
        GatewayService service;
        QSignalSpy listening(&service, &GatewayService::listeningChanged);
        QString error;
        QVERIFY(!service.start(options(), &error));
        QVERIFY2(error.startsWith(QStringLiteral("invalid config ") + m_path), qPrintable(error));
        QVERIFY2(error.contains(QStringLiteral("routers[0]")), qPrintable(error));
        QVERIFY(!service.isListening());
        QVERIFY(!service.gateway());
        QVERIFY(service.listenUrl().isEmpty());
        QCOMPARE(listening.size(), 0);
    }

    void missingFileIsRefused()
    {
        GatewayService service;
        QString error;
        QVERIFY(!service.start(options(), &error));
        QVERIFY2(error.contains(m_path) && error.contains(QStringLiteral("cannot read")), qPrintable(error));
        QVERIFY(!service.isListening());
    }

    void listenHostThatIsNoAddressIsRefused()
    {
        QVERIFY(writeConfig(configFor(m_backend->port())));
        GatewayService service;
        ServiceOptions named = options();
        named.listenHost = QStringLiteral("gateway.example");
        QString error;
        QVERIFY(!service.start(named, &error));
        QVERIFY2(error.contains(QStringLiteral("not an IP address")), qPrintable(error));
        QVERIFY(!service.isListening());
    }

    void changeThroughTheStoreIsServedAndSaved()
    {
        QVERIFY(writeConfig(configFor(m_backend->port())));
        GatewayService service;
        QString error;
        QVERIFY2(service.start(options(), &error), qPrintable(error));
        const quint16 port = service.gateway()->serverPort();
        const QByteArray changed = QJsonDocument(configFor(m_backend->port(), QStringLiteral("/v2/{*rest}"))).toJson();
        QVERIFY(service.configStore().replaceJson(changed, ConfigStore::Source::Api).applied());
        QCOMPARE(service.configStore().revision(), quint64(2));
        QCOMPARE(request(port, "GET", "/v2/x").status, 200);
        QCOMPARE(request(port, "GET", "/api/x").status, 404);
        QCOMPARE(service.gateway()->serverPort(), port);  // the same listener throughout

        QFile saved(m_path);
        QVERIFY(saved.open(QIODevice::ReadOnly));
        const QJsonArray routes = QJsonDocument::fromJson(saved.readAll()).object()["routers"].toArray();
        QCOMPARE(routes.size(), 1);
        QCOMPARE(routes[0].toObject()["external_path"].toString(), QStringLiteral("/v2/{*rest}"));
    }

    void editOfTheWatchedFileIsServed()
    {
        QVERIFY(writeConfig(configFor(m_backend->port())));
        GatewayService service;
        QString error;
        QVERIFY2(service.start(options(true), &error), qPrintable(error));
        const quint16 port = service.gateway()->serverPort();
        QVERIFY(writeConfig(configFor(m_backend->port(), QStringLiteral("/edited/{*rest}"))));
        QTRY_COMPARE_WITH_TIMEOUT(request(port, "GET", "/edited/x").status, 200, 10'000);
        QCOMPARE(request(port, "GET", "/api/x").status, 404);
        QCOMPARE(service.configStore().status().lastChangeSource, QStringLiteral("file"));
    }

    void stopClosesTheListenerAndRestartOpensItAgain()
    {
        QVERIFY(writeConfig(configFor(m_backend->port())));
        GatewayService service;
        QSignalSpy listening(&service, &GatewayService::listeningChanged);
        QString error;
        QVERIFY2(service.start(options(), &error), qPrintable(error));
        const quint16 port = service.gateway()->serverPort();
        QCOMPARE(request(port, "GET", "/api/x").status, 200);

        service.stop();
        QVERIFY(!service.isListening());
        QVERIFY(service.listenUrl().isEmpty());
        QCOMPARE(listening.size(), 2);
        QCOMPARE(listening.last().at(0).toBool(), false);
        QTcpSocket refused;
        refused.connectToHost(QHostAddress::LocalHost, port);
        QVERIFY(!refused.waitForConnected(5000));
        service.stop();  // stopping again says nothing
        QCOMPARE(listening.size(), 2);

        QVERIFY2(service.restart(&error), qPrintable(error));
        QVERIFY(service.isListening());
        QCOMPARE(listening.size(), 3);
        QCOMPARE(listening.last().at(0).toBool(), true);
        const quint16 again = service.gateway()->serverPort();
        QCOMPARE(service.listenUrl(), QStringLiteral("http://127.0.0.1:%1").arg(again));
        QCOMPARE(request(again, "GET", "/api/x").status, 200);
        QCOMPARE(service.configStore().revision(), quint64(1));  // the same config, not read again
    }

    void tlsListenerFollowsTheConfigAndTheCommandLine()
    {
        TestCertificates certs;
        QVERIFY2(certs.isValid() && certs.issueServer("localhost", "localhost", {"localhost"}),
                 qPrintable(certs.error()));
        ServiceOptions withTls = options();
        withTls.listenTlsHost = QStringLiteral("127.0.0.1");
        withTls.listenTlsPort = 0;
        QString error;
        {
            QVERIFY(writeConfig(configFor(m_backend->port())));
            GatewayService service;
            QVERIFY(!service.start(withTls, &error));
            QVERIFY2(error.contains("--listen-tls needs a server.tls section"), qPrintable(error));
        }
        QJsonObject config = configFor(m_backend->port());
        QJsonObject server = config["server"].toObject();
        server.insert("tls", QJsonObject{{"port", 0},
                                         {"cert_file", certs.certFile("localhost")},
                                         {"key_file", certs.keyFile("localhost")}});
        config.insert("server", server);
        QVERIFY(writeConfig(config));
        {
            GatewayService service;  // port 0 and no --listen-tls: plain only
            QVERIFY2(service.start(options(), &error), qPrintable(error));
            QCOMPARE(service.gateway()->tlsPort(), quint16(0));
        }
        GatewayService service;
        QVERIFY2(service.start(withTls, &error), qPrintable(error));
        const auto handshake = [&] {
            QSslSocket client;
            QSslConfiguration configuration = client.sslConfiguration();
            configuration.setCaCertificates(QSslCertificate::fromPath(certs.caFile()));
            client.setSslConfiguration(configuration);
            // The acceptor is on this thread: waiting runs its event loop.
            QSignalSpy encrypted(&client, &QSslSocket::encrypted);
            client.connectToHostEncrypted(QStringLiteral("localhost"), service.gateway()->tlsPort());
            return encrypted.wait(5000) ? client.peerCertificate().subjectInfo(QSslCertificate::CommonName)
                                        : QStringList{client.errorString()};
        };
        QVERIFY(service.gateway()->tlsPort() != 0);
        QCOMPARE(handshake(), QStringList{"localhost"});
        service.stop();
        QCOMPARE(service.gateway()->tlsPort(), quint16(0));
        QVERIFY2(service.restart(&error), qPrintable(error));
        QCOMPARE(handshake(), QStringList{"localhost"});
    }

    // --dev-tls: a certificate from the local development authority, trusted by curl through
    // the printed CA file and by nothing else.
    void devTlsServesLocalhostWithItsOwnAuthority()
    {
        QVERIFY(writeConfig(configFor(m_backend->port())));
        QTemporaryDir home;
        ServiceOptions dev = options();
        dev.devTls = true;
        dev.devTlsDirectory = home.filePath("dev-tls");
        dev.listenTlsHost = QStringLiteral("127.0.0.1");
        dev.listenTlsPort = 0;
        const QString ca = home.filePath("dev-tls/ca.pem");
        // curl, run while this thread's event loop accepts for the gateway.
        const auto curl = [](quint16 port, const QStringList &extra) {
            QProcess process;
            process.start("curl", QStringList{"-s", "-o", "/dev/null", "-w", "%{http_code}", "--resolve",
                                              QStringLiteral("localhost:%1:127.0.0.1").arg(port),
                                              QStringLiteral("https://localhost:%1/api/x").arg(port)}
                                      + extra);
            QSignalSpy finished(&process, &QProcess::finished);
            finished.wait(15000);
            return QStringLiteral("%1 %2")
                .arg(process.exitCode())
                .arg(QString::fromLatin1(process.readAllStandardOutput()));
        };
        QString error;
        {
            GatewayService service;
            QVERIFY2(service.start(dev, &error), qPrintable(error));
            QVERIFY2(service.devTlsInstructions().contains(ca), qPrintable(service.devTlsInstructions()));
            const quint16 port = service.gateway()->tlsPort();
            QVERIFY(port != 0);
            QCOMPARE(curl(port, {"--cacert", ca}), QStringLiteral("0 200"));
            QCOMPARE(curl(port, {}), QStringLiteral("60 000"));  // not trusted without the CA file
            QCOMPARE(request(service.gateway()->serverPort(), "GET", "/api/x").status, 200);  // plain beside it
        }

        // The console's action: the same on a gateway started without it, with the same authority.
        ServiceOptions plain = options();
        plain.devTlsDirectory = dev.devTlsDirectory;
        GatewayService service;
        QVERIFY2(service.start(plain, &error), qPrintable(error));
        QCOMPARE(service.gateway()->tlsPort(), quint16(0));
        QVERIFY(service.devTlsInstructions().isEmpty());
        const QString instructions = service.startDevTls(&error, 0);
        QVERIFY2(instructions.contains(ca), qPrintable(error));
        QCOMPARE(curl(service.gateway()->tlsPort(), {"--cacert", ca}), QStringLiteral("0 200"));
    }

    void destroyingTheServiceClosesItsPort()
    {
        QVERIFY(writeConfig(configFor(m_backend->port())));
        quint16 port = 0;
        {
            GatewayService service;
            QString error;
            QVERIFY2(service.start(options(), &error), qPrintable(error));
            port = service.gateway()->serverPort();
            QCOMPARE(request(port, "GET", "/api/x").status, 200);
        }
        QTcpSocket refused;
        refused.connectToHost(QHostAddress::LocalHost, port);
        QVERIFY(!refused.waitForConnected(5000));
    }

    void recentRequestsAreKeptWithTheirHeadersWhenAsked()
    {
        QVERIFY(writeConfig(configFor(m_backend->port())));
        GatewayService service;
        ServiceOptions keeping = options();
        keeping.recentRequests = 3;
        QString error;
        QVERIFY2(service.start(keeping, &error), qPrintable(error));
        QVERIFY(service.recentRequests());
        QCOMPARE(service.recentRequests()->capacity(), 3);
        const quint16 port = service.gateway()->serverPort();
        for (int i = 1; i <= 5; ++i)
            QCOMPARE(
                request(port, "GET", "/api/r" + QByteArray::number(i), {{"X-Probe", QByteArray::number(i)}}).status,
                200);
        quint64 last = 0;
        QList<RequestRecord> records;
        // Recorded by the worker as each request finishes, which may be just after the client
        // has its answer.
        QTRY_VERIFY((records = service.recentRequests()->since(0, &last)).size() == 3 && last == 5);
        QCOMPARE(records[0].target, QByteArray("/api/r3"));
        QCOMPARE(records[2].target, QByteArray("/api/r5"));
        QCOMPARE(records[2].status, 200);
        QCOMPARE(records[2].method, QByteArray("GET"));
        QCOMPARE(records[2].routePath, QStringLiteral("/api/{*rest}"));
        QCOMPARE(records[2].requestHeaders.value("x-probe"), QByteArray("5"));
        QVERIFY(!records[2].responseHeaders.isEmpty());
    }

    void accessLogGoesToTheGivenFile()
    {
        QVERIFY(writeConfig(configFor(m_backend->port())));
        const QString logPath = m_dir->filePath(QStringLiteral("access.log"));
        GatewayService service;
        ServiceOptions logging = options();
        logging.accessLog = logPath;
        QString error;
        QVERIFY2(service.start(logging, &error), qPrintable(error));
        const quint16 port = service.gateway()->serverPort();
        QCOMPARE(request(port, "GET", "/api/logged?x=1").status, 200);
        QCOMPARE(request(port, "GET", "/nowhere").status, 404);
        const auto logText = [&logPath] {
            QFile file(logPath);
            return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
        };
        // Written in blocks, at the latest when the log's flush interval has passed.
        QTRY_VERIFY_WITH_TIMEOUT(logText().count('\n') >= 2, 10'000);
        const QByteArray text = logText();
        QVERIFY2(text.contains("\"GET /api/logged?x=1\" 200 "), text.constData());
        QVERIFY2(text.contains("\"GET /nowhere\" 404 "), text.constData());
    }

    void accessLogThatCannotBeOpenedIsRefused()
    {
        QVERIFY(writeConfig(configFor(m_backend->port())));
        GatewayService service;
        ServiceOptions logging = options();
        logging.accessLog = m_dir->filePath(QStringLiteral("no/such/folder/access.log"));
        QString error;
        QVERIFY(!service.start(logging, &error));
        QVERIFY2(error.contains(QStringLiteral("access.log")), qPrintable(error));
        QVERIFY(!service.isListening());
    }
};

QTEST_GUILESS_MAIN(TestGatewayService)
#include "tst_gatewayservice.moc"
