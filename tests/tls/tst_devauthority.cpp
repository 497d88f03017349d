// The --dev-tls certificate authority, checked with real programs: `openssl verify`, an
// `openssl s_server` serving the certificate and curl trusting it through --cacert.
#include "tls/devauthority.h"

#include <QProcess>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QtTest>

#include <sys/stat.h>

#include <thread>
#include <vector>

using namespace kairos::tls;

namespace {

int modeOf(const QString &path)
{
    struct stat info {};
    if (::stat(QFile::encodeName(path).constData(), &info) != 0)
        return -1;
    return int(info.st_mode & 07777);
}

QByteArray contentOf(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

struct Run {
    int exitCode = -1;
    QByteArray output;  // stdout and stderr
};

Run run(const QString &program, const QStringList &arguments)
{
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start(program, arguments);
    Run result;
    if (!process.waitForFinished(30000)) {
        process.kill();
        process.waitForFinished();
        result.output = "did not finish: " + process.readAll();
        return result;
    }
    result.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    result.output = process.readAll();
    return result;
}

Run openssl(const QStringList &arguments)
{
    return run(QStringLiteral("openssl"), arguments);
}

quint16 freePort()
{
    QTcpServer server;
    server.listen(QHostAddress::LocalHost, 0);
    return server.serverPort();
}

}  // namespace

class TestDevAuthority : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_temporary;
    QString directory() const { return m_temporary.filePath(QStringLiteral("data/dev-tls")); }

    DevCertificates ensure(const QDateTime &now = QDateTime::currentDateTimeUtc())
    {
        QString error;
        const DevCertificates certificates = ensureDevCertificates(directory(), &error, now);
        if (!certificates.isValid())
            qWarning() << "ensureDevCertificates:" << error;
        return certificates;
    }

    // `openssl verify` of the server certificate against ca.pem, for a name or an address.
    Run verify(const DevCertificates &certificates, const QStringList &extra = {})
    {
        return openssl(QStringList{"verify", "-CAfile", certificates.caCertificateFile, "-purpose", "sslserver"} + extra
                       + QStringList{certificates.certificateFile});
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_temporary.isValid());
        for (const char *program : {"openssl", "curl"})
            QVERIFY2(!QStandardPaths::findExecutable(QString::fromLatin1(program)).isEmpty(),
                     qPrintable(QStringLiteral("%1 is missing (scripts/install-deps.sh installs it)").arg(program)));
    }

    void init() { QDir(directory()).removeRecursively(); }

    void createsTheFilesPrivately()
    {
        const DevCertificates certificates = ensure();
        QVERIFY(certificates.isValid());
        QVERIFY(certificates.createdAuthority);
        QVERIFY(certificates.issuedCertificate);
        QCOMPARE(QFileInfo(certificates.caCertificateFile).fileName(), QStringLiteral("ca.pem"));
        QCOMPARE(QFileInfo(certificates.caCertificateFile).absolutePath(), QDir(directory()).absolutePath());
        QCOMPARE(modeOf(directory()), 0700);
        QCOMPARE(modeOf(certificates.caKeyFile), 0600);
        QCOMPARE(modeOf(certificates.keyFile), 0600);
        QCOMPARE(modeOf(certificates.caCertificateFile), 0644);
        QCOMPARE(modeOf(certificates.certificateFile), 0644);
        // Nothing half-written is left beside them.
        QCOMPARE(QDir(directory()).entryList(QDir::Files | QDir::Hidden).size(), 4);

        const Run ca = openssl(
            {"x509", "-in", certificates.caCertificateFile, "-noout", "-subject", "-ext", "basicConstraints,keyUsage"});
        QCOMPARE(ca.exitCode, 0);
        QVERIFY2(ca.output.contains("CN = Kairos development CA ("), ca.output.constData());
        QVERIFY2(ca.output.contains("CA:TRUE"), ca.output.constData());
        QVERIFY2(ca.output.contains("Certificate Sign"), ca.output.constData());
        const Run leaf = openssl({"x509", "-in", certificates.certificateFile, "-noout", "-ext",
                                  "subjectAltName,extendedKeyUsage,basicConstraints"});
        QCOMPARE(leaf.exitCode, 0);
        QVERIFY2(leaf.output.contains("DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1"),
                 leaf.output.constData());
        QVERIFY2(leaf.output.contains("TLS Web Server Authentication"), leaf.output.constData());
        QVERIFY2(leaf.output.contains("CA:FALSE"), leaf.output.constData());
        const Run key = openssl({"pkey", "-in", certificates.keyFile, "-noout", "-text"});
        QVERIFY2(key.output.contains("prime256v1") || key.output.contains("P-256"), key.output.constData());
    }

    void certificateVerifiesForEachName()
    {
        const DevCertificates certificates = ensure();
        QVERIFY(certificates.isValid());
        for (const QStringList &name : {QStringList{"-verify_hostname", "localhost"},
                                        QStringList{"-verify_ip", "127.0.0.1"}, QStringList{"-verify_ip", "::1"}}) {
            const Run result = verify(certificates, name);
            QVERIFY2(result.exitCode == 0, result.output.constData());
        }
        const Run other = verify(certificates, {"-verify_hostname", "example.com"});
        QVERIFY2(other.exitCode != 0, other.output.constData());
    }

    void secondCallReusesEverything()
    {
        const DevCertificates first = ensure();
        QVERIFY(first.isValid());
        const QByteArray ca = contentOf(first.caCertificateFile);
        const QByteArray leaf = contentOf(first.certificateFile);
        const QByteArray key = contentOf(first.keyFile);
        const DevCertificates second = ensure();
        QVERIFY(second.isValid());
        QVERIFY(!second.createdAuthority);
        QVERIFY(!second.issuedCertificate);
        QCOMPARE(second.caFingerprintSha256, first.caFingerprintSha256);
        QCOMPARE(contentOf(second.caCertificateFile), ca);
        QCOMPARE(contentOf(second.certificateFile), leaf);
        QCOMPARE(contentOf(second.keyFile), key);
    }

    void looseKeyModesAreTightened()
    {
        const DevCertificates first = ensure();
        QVERIFY(QFile::setPermissions(first.keyFile, QFile::ReadOwner | QFile::WriteOwner | QFile::ReadOther));
        QVERIFY(QFile::setPermissions(directory(), QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner
                                                       | QFile::ReadOther | QFile::ExeOther));
        const DevCertificates second = ensure();
        QVERIFY(!second.issuedCertificate);
        QCOMPARE(modeOf(second.keyFile), 0600);
        QCOMPARE(modeOf(directory()), 0700);
    }

    void brokenCertificateIsIssuedAgainByTheSameAuthority_data()
    {
        QTest::addColumn<QString>("damage");
        QTest::newRow("garbage") << "garbage";
        QTest::newRow("missing key") << "missing key";
        QTest::newRow("key of another certificate") << "other key";
        QTest::newRow("other names") << "other names";
        QTest::newRow("self-signed") << "self-signed";
    }

    void brokenCertificateIsIssuedAgainByTheSameAuthority()
    {
        QFETCH(QString, damage);
        const DevCertificates first = ensure();
        QVERIFY(first.isValid());
        const QString otherKey = m_temporary.filePath(QStringLiteral("other-key.pem"));
        QCOMPARE(
            openssl({"genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", otherKey}).exitCode,
            0);
        if (damage == "garbage") {
            QFile file(first.certificateFile);
            QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
            file.write("-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n");
        } else if (damage == "missing key") {
            QVERIFY(QFile::remove(first.keyFile));
        } else if (damage == "other key") {
            QFile::remove(first.keyFile);
            QVERIFY(QFile::copy(otherKey, first.keyFile));
        } else if (damage == "other names") {
            // Signed by the authority itself, with the right key, for one name only.
            const Run made = openssl({"req", "-x509", "-new", "-key", first.keyFile, "-CA", first.caCertificateFile,
                                      "-CAkey", first.caKeyFile, "-subj", "/CN=localhost", "-addext",
                                      "subjectAltName=DNS:localhost", "-days", "300", "-out", first.certificateFile});
            QVERIFY2(made.exitCode == 0, made.output.constData());
            QCOMPARE(verify(first).exitCode, 0);  // a valid certificate, only not for all three names
        } else if (damage == "self-signed") {
            const Run made = openssl({"req", "-x509", "-new", "-key", first.keyFile, "-subj", "/CN=localhost",
                                      "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1", "-days", "300",
                                      "-out", first.certificateFile});
            QVERIFY2(made.exitCode == 0, made.output.constData());
        }
        if (damage == "garbage" || damage == "self-signed")
            QVERIFY(verify(first).exitCode != 0);

        const DevCertificates second = ensure();
        QVERIFY(second.isValid());
        QVERIFY(!second.createdAuthority);
        QVERIFY(second.issuedCertificate);
        QCOMPARE(second.caFingerprintSha256, first.caFingerprintSha256);
        const Run result = verify(second, {"-verify_ip", "::1"});
        QVERIFY2(result.exitCode == 0, result.output.constData());
        QCOMPARE(modeOf(second.keyFile), 0600);
    }

    // Judged at a later `now`: the server certificate (397 days) is renewed once it has less than
    // 30 days left, from the same authority (825 days), which is replaced only near its own end.
    void expiryRenewsTheCertificateThenTheAuthority()
    {
        const QDateTime now = QDateTime::currentDateTimeUtc();
        const DevCertificates first = ensure(now);
        QVERIFY(first.isValid());
        const QByteArray leaf = contentOf(first.certificateFile);

        const DevCertificates stillGood = ensure(now.addDays(360));
        QVERIFY(!stillGood.issuedCertificate);
        QCOMPARE(contentOf(stillGood.certificateFile), leaf);

        const DevCertificates nearExpiry = ensure(now.addDays(380));
        QVERIFY(nearExpiry.issuedCertificate);
        QVERIFY(!nearExpiry.createdAuthority);
        QCOMPARE(nearExpiry.caFingerprintSha256, first.caFingerprintSha256);
        QVERIFY(contentOf(nearExpiry.certificateFile) != leaf);

        // Issued 760 days on, the certificate ends with the authority (825 days), not after it.
        const DevCertificates late = ensure(now.addDays(760));
        QVERIFY(late.issuedCertificate);
        QVERIFY(!late.createdAuthority);
        const Run dates = openssl({"x509", "-in", late.certificateFile, "-noout", "-enddate"});
        const Run caDates = openssl({"x509", "-in", late.caCertificateFile, "-noout", "-enddate"});
        QCOMPARE(dates.exitCode, 0);
        QCOMPARE(dates.output, caDates.output);

        const DevCertificates expired = ensure(now.addDays(810));
        QVERIFY(expired.createdAuthority);
        QVERIFY(expired.issuedCertificate);
        QVERIFY(expired.caFingerprintSha256 != first.caFingerprintSha256);
    }

    // Callers at the same time (several threads here; processes alike) end up with one authority
    // and a certificate it signed.
    void concurrentCallersShareOneAuthority()
    {
        constexpr int kCallers = 4;
        std::vector<DevCertificates> results(kCallers);
        std::vector<std::thread> threads;
        for (int i = 0; i < kCallers; ++i)
            threads.emplace_back([this, &results, i] { results[size_t(i)] = ensure(); });
        for (std::thread &thread : threads)
            thread.join();
        int created = 0;
        for (const DevCertificates &result : results) {
            QVERIFY(result.isValid());
            QCOMPARE(result.caFingerprintSha256, results.front().caFingerprintSha256);
            created += result.createdAuthority ? 1 : 0;
        }
        QCOMPARE(created, 1);
        const Run result = verify(results.front());
        QVERIFY2(result.exitCode == 0, result.output.constData());
    }

    void unusableDirectoryIsAnError()
    {
        QFile blocker(m_temporary.filePath(QStringLiteral("a-file")));
        QVERIFY(blocker.open(QIODevice::WriteOnly));
        QString error;
        const DevCertificates certificates =
            ensureDevCertificates(m_temporary.filePath(QStringLiteral("a-file/dev-tls")), &error);
        QVERIFY(!certificates.isValid());
        QVERIFY(error.contains(QStringLiteral("a-file/dev-tls")));
    }

    void trustInstructionsNameTheFiles()
    {
        const DevCertificates certificates = ensure();
        const QString text = trustInstructions(certificates, 5443);
        QVERIFY(text.contains("curl --cacert " + certificates.caCertificateFile + " https://localhost:5443/"));
        QVERIFY(text.contains("sudo cp " + certificates.caCertificateFile
                              + " /usr/local/share/ca-certificates/kairos-development-ca.crt"));
        QVERIFY(text.contains("sudo update-ca-certificates"));
        QVERIFY(text.contains(certificates.caFingerprintSha256));
        QVERIFY(text.contains("Firefox"));
        QVERIFY(text.contains("Chrome"));
    }

    // A real TLS server with the certificate, and curl: trusted through --cacert, refused without.
    void curlTrustsTheServerThroughTheAuthority()
    {
        const DevCertificates certificates = ensure();
        QVERIFY(certificates.isValid());
        const quint16 port = freePort();
        QProcess server;
        server.setProcessChannelMode(QProcess::MergedChannels);
        server.start(QStringLiteral("openssl"),
                     {"s_server", "-accept", QStringLiteral("127.0.0.1:%1").arg(port), "-cert",
                      certificates.certificateFile, "-key", certificates.keyFile, "-www", "-quiet"});
        QVERIFY(server.waitForStarted());
        const auto stop = qScopeGuard([&server] {
            server.kill();
            server.waitForFinished();
        });
        QTRY_VERIFY_WITH_TIMEOUT(
            [port] {
                QTcpSocket probe;
                probe.connectToHost(QHostAddress::LocalHost, port);
                return probe.waitForConnected(200);
            }(),
            10000);

        const QString resolve = QStringLiteral("localhost:%1:127.0.0.1").arg(port);
        const QString url = QStringLiteral("https://localhost:%1/").arg(port);
        const QStringList common{"--silent", "--show-error", "--noproxy", "*",           "--max-time",
                                 "20",       "--output",     "/dev/null", "--write-out", "%{http_code}"};
        const Run trusted =
            run("curl", common + QStringList{"--cacert", certificates.caCertificateFile, "--resolve", resolve, url});
        QVERIFY2(trusted.exitCode == 0, trusted.output.constData());
        QCOMPARE(trusted.output, QByteArray("200"));
        const Run byAddress = run("curl", common
                                              + QStringList{"--cacert", certificates.caCertificateFile,
                                                            QStringLiteral("https://127.0.0.1:%1/").arg(port)});
        QVERIFY2(byAddress.exitCode == 0, byAddress.output.constData());

        const Run untrusted = run("curl", common + QStringList{"--resolve", resolve, url});
        QCOMPARE(untrusted.exitCode, 60);  // CURLE_PEER_FAILED_VERIFICATION
    }
};

QTEST_GUILESS_MAIN(TestDevAuthority)
#include "tst_devauthority.moc"
