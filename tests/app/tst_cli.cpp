// The kairos-gateway command line, run as a user runs it.
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

namespace {

struct Run {
    int exitCode = -1;
    QString out;
    QString err;
};

Run runGateway(const QStringList &arguments,
               const QProcessEnvironment &environment = QProcessEnvironment::systemEnvironment())
{
    QProcess process;
    process.setProcessEnvironment(environment);
    process.start(QStringLiteral(KAIROS_GATEWAY_BINARY), arguments);
    if (!process.waitForFinished(20000))
        process.kill();
    return {process.exitCode(), QString::fromUtf8(process.readAllStandardOutput()),
            QString::fromUtf8(process.readAllStandardError())};
}

QString writeFile(const QTemporaryDir &dir, const QString &name, const QByteArray &content)
{
    QFile file(dir.filePath(name));
    file.open(QIODevice::WriteOnly);
    file.write(content);
    return file.fileName();
}

}  // namespace

class TestCli : public QObject
{
    Q_OBJECT

private slots:
    void checkAcceptsTheShippedExample()
    {
        const Run run = runGateway({"--check", "--config", KAIROS_SOURCE_DIR "/examples/config.json"});
        QCOMPARE(run.exitCode, 0);
        QVERIFY2(run.out.contains("OK (3 route(s))"), qPrintable(run.out));
        for (const char *example : {"/examples/discovery.json", "/examples/canary.json"}) {
            const Run other =
                runGateway({"--check", "--config", QLatin1String(KAIROS_SOURCE_DIR) + QLatin1String(example)});
            QVERIFY2(other.exitCode == 0, qPrintable(other.out + other.err));
        }
    }

    void checkListsEveryProblem()
    {
        QTemporaryDir dir;
        const QString path = writeFile(dir, "broken.json", R"({"version": 1, "routers": [{"external_path": "/a",
            "internal_path": "/a", "methods": ["GET"], "backends": [{"host": "backend-1", "port": 8080}],
            "retry": {"max_attempts": 0}}]})");
        const Run run = runGateway({"--check", "--config", path});
        QCOMPARE(run.exitCode, 1);
        QVERIFY(run.err.contains(
            "error: routers[0].backends[0].host: must start with http:// or https:// (got \"backend-1\")"));
        QVERIFY(run.err.contains("error: routers[0].retry.max_attempts: must be between 1 and 10 (got 0)"));
        QVERIFY(run.err.contains("2 problem(s)"));
    }

    void checkReportsJsonSyntaxWithLine()
    {
        QTemporaryDir dir;
        const QString path = writeFile(dir, "bad.json", "{\n  \"version\": 1,\n  \"routers\": [\n");
        const Run run = runGateway({"--check", "--config", path});
        QCOMPARE(run.exitCode, 1);
        QVERIFY2(run.err.contains("invalid JSON at line 4"), qPrintable(run.err));
    }

    void configPathFromTheEnvironment()
    {
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        environment.insert("KAIROS_CONFIG_PATH", KAIROS_SOURCE_DIR "/examples/config.json");
        QCOMPARE(runGateway({"--check"}, environment).exitCode, 0);
    }

    void missingConfigHeadlessIsAnError()
    {
        const Run run = runGateway({"--no-gui", "--config", "/nonexistent/kairos.json"});
        QCOMPARE(run.exitCode, 2);
        QVERIFY(run.err.contains("does not exist"));
    }

    void badListenAddress()
    {
        const Run run =
            runGateway({"--no-gui", "--listen", "nonsense", "--config", KAIROS_SOURCE_DIR "/examples/config.json"});
        QCOMPARE(run.exitCode, 2);
        QVERIFY(run.err.contains("--listen takes HOST:PORT"));
    }

    void badListenTlsAddress()
    {
        for (const char *address : {"nonsense", "127.0.0.1:70000", ":5443"}) {
            const Run run = runGateway(
                {"--no-gui", "--listen-tls", address, "--config", KAIROS_SOURCE_DIR "/examples/config.json"});
            QCOMPARE(run.exitCode, 2);
            QVERIFY2(run.err.contains("--listen-tls takes HOST:PORT"), qPrintable(run.err));
        }
        // Without server.tls there are no certificates to serve.
        const Run run = runGateway({"--no-gui", "--listen", "127.0.0.1:0", "--listen-tls", "127.0.0.1:0", "--config",
                                    KAIROS_SOURCE_DIR "/examples/config.json"});
        QVERIFY(run.exitCode != 0);
        QVERIFY2(run.err.contains("--listen-tls needs a server.tls section"), qPrintable(run.err));
    }

    void version()
    {
        const Run run = runGateway({"--version"});
        QCOMPARE(run.exitCode, 0);
        QVERIFY(run.out.startsWith("kairos-gateway "));
    }

    void headlessServesAndStopsCleanlyOnSigterm()
    {
        QProcess process;
        process.start(QStringLiteral(KAIROS_GATEWAY_BINARY),
                      {"--no-gui", "--listen", "127.0.0.1:0", "--config", KAIROS_SOURCE_DIR "/examples/config.json"});
        QVERIFY(process.waitForStarted());
        QByteArray log;
        QTRY_VERIFY_WITH_TIMEOUT((log += process.readAllStandardError()).contains("listening on http://127.0.0.1:"),
                                 10000);
        process.terminate();  // SIGTERM
        QVERIFY(process.waitForFinished(10000));
        QCOMPARE(process.exitStatus(), QProcess::NormalExit);
        QCOMPARE(process.exitCode(), 0);
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
