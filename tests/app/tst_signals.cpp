// The Unix signals of a running kairos-gateway, sent as an operator (or systemd and logrotate)
// sends them: SIGHUP reloads the config file, SIGUSR1 reopens the access log after rotation.
// The file watcher is off (--no-watch), so a change that shows comes from the signal.
#include "demo/echobackend.h"
#include "support/testsupport.h"

#include <QDir>
#include <QJsonDocument>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

#include <csignal>

using namespace kairos;
using namespace kairos::test;

namespace {

constexpr int kTimeoutMs = 10000;

QByteArray readAll(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

// kairos-gateway on a config file of its own folder, with one route per name to `backendPort`.
class GatewayProcess
{
public:
    enum Mode { Headless, Console };

    GatewayProcess(quint16 backendPort, const QStringList &routes) : m_backendPort(backendPort) { writeConfig(routes); }
    ~GatewayProcess()
    {
        m_process.terminate();
        if (!m_process.waitForFinished(5000))
            m_process.kill();
        m_process.waitForFinished();
    }

    QString path(const QString &name) const { return m_dir.filePath(name); }
    QString accessLogPath() const { return path(QStringLiteral("access.log")); }

    void writeConfig(const QStringList &routes) const
    {
        QJsonArray routers;
        for (const QString &route : routes)
            routers.append(routeJson(route, QStringLiteral("/"), {backendJson(m_backendPort)}, {"GET"}));
        QFile file(path(QStringLiteral("config.json")));
        if (!file.open(QIODevice::WriteOnly))
            qFatal("cannot write %s", qPrintable(file.fileName()));
        file.write(
            QJsonDocument(QJsonObject{{"version", 1}, {"server", QJsonObject{{"workers", 1}}}, {"routers", routers}})
                .toJson());
    }

    // Starts it and waits until it listens; `accessLog` is --access-log's value.
    bool start(const QString &accessLog, Mode mode = Headless)
    {
        QStringList arguments{"--no-watch",
                              "--listen",
                              "127.0.0.1:0",
                              "--access-log",
                              accessLog,
                              "--config",
                              path(QStringLiteral("config.json"))};
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        if (mode == Headless) {
            arguments.prepend(QStringLiteral("--no-gui"));
        } else {
            environment.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
            // The console remembers its window and config in the user's settings: not the tester's.
            environment.insert(QStringLiteral("XDG_CONFIG_HOME"), path(QStringLiteral("settings")));
        }
        m_process.setProcessEnvironment(environment);
        m_process.start(QStringLiteral(KAIROS_GATEWAY_BINARY), arguments);
        if (!m_process.waitForStarted())
            return false;
        const QRegularExpression listening(QStringLiteral("listening on http://127\\.0\\.0\\.1:(\\d+)"));
        QRegularExpressionMatch match;
        if (!QTest::qWaitFor([&] { return (match = listening.match(QString::fromUtf8(log()))).hasMatch(); },
                             kTimeoutMs))
            return false;
        m_port = quint16(match.captured(1).toUInt());
        return true;
    }

    void send(int signalNumber) { ::kill(pid_t(m_process.processId()), signalNumber); }
    bool isRunning() const { return m_process.state() == QProcess::Running; }
    quint16 port() const { return m_port; }
    int status(const QByteArray &target) { return request(m_port, "GET", target).status; }

    QByteArray log()
    {
        m_log += m_process.readAllStandardError();
        return m_log;
    }
    // The log from `from` on, once it holds `text`.
    bool waitForLog(const QByteArray &text, qsizetype from = 0)
    {
        return QTest::qWaitFor([&] { return log().indexOf(text, from) >= 0; }, kTimeoutMs);
    }
    QByteArray logLine(const QByteArray &text)
    {
        const qsizetype at = log().indexOf(text);
        return at < 0 ? QByteArray() : m_log.mid(at, m_log.indexOf('\n', at) - at);
    }

private:
    QTemporaryDir m_dir;
    quint16 m_backendPort;
    QProcess m_process;
    QByteArray m_log;
    quint16 m_port = 0;
};

}  // namespace

class TestSignals : public QObject
{
    Q_OBJECT

private slots:
    void init()
    {
        m_backend = std::make_unique<EchoBackend>(QStringLiteral("echo"));
        QVERIFY(m_backend->listen());
    }
    void cleanup() { m_backend.reset(); }

    void sighupReloadsTheConfigFile()
    {
        GatewayProcess gateway(m_backend->port(), {"/first"});
        QVERIFY2(gateway.start(QStringLiteral("none")), gateway.log().constData());
        QCOMPARE(gateway.status("/first"), 200);
        QCOMPARE(gateway.status("/second"), 404);

        gateway.writeConfig({"/first", "/second"});
        QCOMPARE(gateway.status("/second"), 404);  // not applied until asked for
        gateway.send(SIGHUP);
        QVERIFY2(gateway.waitForLog("received SIGHUP"), gateway.log().constData());
        QCOMPARE(gateway.logLine("received SIGHUP"), "received SIGHUP - reloaded "
                                                         + gateway.path("config.json").toUtf8()
                                                         + ": config revision 2, 2 route(s)");
        QCOMPARE(gateway.status("/second"), 200);
        const Response routes = request(gateway.port(), "GET", "/api/routes");
        QCOMPARE(routes.status, 200);
        QCOMPARE(QJsonDocument::fromJson(routes.body).array().size(), 2);
        QVERIFY(gateway.isRunning());
    }

    void sighupKeepsTheRunningConfigWhenTheFileIsInvalid()
    {
        GatewayProcess gateway(m_backend->port(), {"/first"});
        QVERIFY2(gateway.start(QStringLiteral("none")), gateway.log().constData());
        QFile file(gateway.path("config.json"));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(R"({"version": 1, "routers": [{"external_path": "/second", "methods": ["GET"]}]})");
        file.close();
        gateway.send(SIGHUP);
        QVERIFY2(gateway.waitForLog("received SIGHUP"), gateway.log().constData());
        const QByteArray line = gateway.logLine("received SIGHUP");
        QVERIFY2(line.contains(" not applied (") && line.contains("config revision 1 stays in force"),
                 line.constData());
        QVERIFY(gateway.log().contains("config change from file rejected:"));
        QCOMPARE(gateway.status("/first"), 200);
        QCOMPARE(gateway.status("/second"), 404);
        QVERIFY(gateway.isRunning());
    }

    void sigusr1ReopensTheAccessLogAfterRotation()
    {
        GatewayProcess gateway(m_backend->port(), {"/first"});
        QVERIFY2(gateway.start(gateway.accessLogPath()), gateway.log().constData());
        const QString rotated = gateway.accessLogPath() + ".1";
        QCOMPARE(gateway.status("/first?line=1"), 200);
        QTRY_VERIFY_WITH_TIMEOUT(readAll(gateway.accessLogPath()).contains("/first?line=1"), kTimeoutMs);

        QVERIFY(QFile::rename(gateway.accessLogPath(), rotated));
        QCOMPARE(gateway.status("/first?line=2"), 200);  // until the signal, lines go to the renamed file
        QTRY_VERIFY_WITH_TIMEOUT(readAll(rotated).contains("/first?line=2"), kTimeoutMs);
        QVERIFY(!QFile::exists(gateway.accessLogPath()));

        gateway.send(SIGUSR1);
        QVERIFY2(gateway.waitForLog("received SIGUSR1"), gateway.log().constData());
        QCOMPARE(gateway.logLine("received SIGUSR1"),
                 "received SIGUSR1 - reopened the access log " + gateway.accessLogPath().toUtf8());
        QVERIFY(QFile::exists(gateway.accessLogPath()));
        QCOMPARE(gateway.status("/first?line=3"), 200);
        QTRY_VERIFY_WITH_TIMEOUT(readAll(gateway.accessLogPath()).contains("/first?line=3"), kTimeoutMs);
        QCOMPARE(readAll(gateway.accessLogPath()).count('\n'), 1);
        QVERIFY(!readAll(rotated).contains("/first?line=3"));
        QVERIFY(gateway.isRunning());
    }

    void sigusr1KeepsTheOpenFileWhenThePathCannotBeOpened()
    {
        GatewayProcess gateway(m_backend->port(), {"/first"});
        QVERIFY2(gateway.start(gateway.accessLogPath()), gateway.log().constData());
        const QString rotated = gateway.accessLogPath() + ".1";
        QVERIFY(QFile::rename(gateway.accessLogPath(), rotated));
        QVERIFY(QDir().mkdir(gateway.accessLogPath()));  // a folder where the file was

        gateway.send(SIGUSR1);
        QVERIFY2(gateway.waitForLog("received SIGUSR1"), gateway.log().constData());
        const QByteArray line = gateway.logLine("received SIGUSR1");
        QVERIFY2(line.contains("cannot open access log " + gateway.accessLogPath().toUtf8())
                     && line.endsWith("; the access log stays on the file open until now"),
                 line.constData());
        QCOMPARE(gateway.status("/first?kept"), 200);
        QTRY_VERIFY_WITH_TIMEOUT(readAll(rotated).contains("/first?kept"), kTimeoutMs);
        QVERIFY(gateway.isRunning());
    }

    void sigusr1WithTheAccessLogOnStderrChangesNothing()
    {
        GatewayProcess gateway(m_backend->port(), {"/first"});
        QVERIFY2(gateway.start(QString()), gateway.log().constData());
        gateway.send(SIGUSR1);
        QVERIFY2(gateway.waitForLog("received SIGUSR1"), gateway.log().constData());
        QCOMPARE(gateway.logLine("received SIGUSR1"),
                 "received SIGUSR1 - no access log file to reopen (the access log goes to stderr)");
        const qsizetype from = gateway.log().size();
        QCOMPARE(gateway.status("/first?after"), 200);
        QVERIFY(gateway.waitForLog("kairos.access: 127.0.0.1 \"GET /first?after\" 200", from));
        QVERIFY(gateway.isRunning());
    }

    void consoleReloadsOnSighupAndReopensOnSigusr1()
    {
#ifndef KAIROS_GATEWAY_HAS_GUI
        QSKIP("kairos-gateway is built without the console (KAIROS_BUILD_GUI=OFF)");
#endif
        GatewayProcess gateway(m_backend->port(), {"/first"});
        QVERIFY2(gateway.start(gateway.accessLogPath(), GatewayProcess::Console), gateway.log().constData());
        gateway.writeConfig({"/first", "/second"});
        gateway.send(SIGHUP);
        QVERIFY2(gateway.waitForLog("received SIGHUP - reloaded"), gateway.log().constData());
        QCOMPARE(gateway.status("/second"), 200);

        QVERIFY(QFile::rename(gateway.accessLogPath(), gateway.accessLogPath() + ".1"));
        gateway.send(SIGUSR1);
        QVERIFY2(gateway.waitForLog("received SIGUSR1 - reopened the access log"), gateway.log().constData());
        QCOMPARE(gateway.status("/second?after"), 200);
        QTRY_VERIFY_WITH_TIMEOUT(readAll(gateway.accessLogPath()).contains("/second?after"), kTimeoutMs);
        QVERIFY(gateway.isRunning());
    }

private:
    std::unique_ptr<EchoBackend> m_backend;
};

QTEST_GUILESS_MAIN(TestSignals)
#include "tst_signals.moc"
