#include "testcertificates.h"

#include <QFile>
#include <QProcess>

namespace kairos::test {

namespace {

const QStringList kNewKey{QStringLiteral("-newkey"), QStringLiteral("ec"), QStringLiteral("-pkeyopt"),
                          QStringLiteral("ec_paramgen_curve:prime256v1"), QStringLiteral("-nodes")};

}  // namespace

TestCertificates::TestCertificates()
{
    m_valid = m_dir.isValid()
              && run(QStringList{QStringLiteral("req"), QStringLiteral("-x509")} + kNewKey
                     + QStringList{QStringLiteral("-keyout"), path(QStringLiteral("ca.key")), QStringLiteral("-out"),
                                   caFile(), QStringLiteral("-days"), QStringLiteral("2"), QStringLiteral("-subj"),
                                   QStringLiteral("/CN=Kairos Test CA")});
}

bool TestCertificates::run(const QStringList &arguments)
{
    QProcess openssl;
    openssl.start(QStringLiteral("openssl"), arguments);
    if (!openssl.waitForFinished(30'000) || openssl.exitStatus() != QProcess::NormalExit || openssl.exitCode() != 0) {
        m_error = QStringLiteral("openssl %1: %2")
                      .arg(arguments.join(QLatin1Char(' ')), QString::fromLocal8Bit(openssl.readAllStandardError()));
        return false;
    }
    return true;
}

bool TestCertificates::issue(const QString &name, const QString &subject, const QString &extensions)
{
    const QString request = path(name + QStringLiteral(".csr"));
    const QString extensionFile = path(name + QStringLiteral(".ext"));
    QFile ext(extensionFile);
    if (!ext.open(QIODevice::WriteOnly) || ext.write(extensions.toUtf8()) < 0)
        return false;
    ext.close();
    return run(QStringList{QStringLiteral("req")} + kNewKey
               + QStringList{QStringLiteral("-keyout"), keyFile(name), QStringLiteral("-out"), request,
                             QStringLiteral("-subj"), subject})
           && run({QStringLiteral("x509"), QStringLiteral("-req"), QStringLiteral("-in"), request,
                   QStringLiteral("-CA"), caFile(), QStringLiteral("-CAkey"), path(QStringLiteral("ca.key")),
                   QStringLiteral("-CAcreateserial"), QStringLiteral("-days"), QStringLiteral("2"),
                   QStringLiteral("-extfile"), extensionFile, QStringLiteral("-out"), certFile(name)});
}

bool TestCertificates::issueServer(const QString &name, const QString &commonName, const QStringList &dnsNames)
{
    QStringList alternatives;
    for (const QString &dns : dnsNames)
        alternatives << QStringLiteral("DNS:") + dns;
    alternatives << QStringLiteral("IP:127.0.0.1");
    return issue(name, QStringLiteral("/CN=") + commonName,
                 QStringLiteral("subjectAltName=%1\nextendedKeyUsage=serverAuth\n").arg(alternatives.join(',')));
}

bool TestCertificates::issueClient(const QString &name, const QString &subject)
{
    return issue(name, subject, QStringLiteral("extendedKeyUsage=clientAuth\n"));
}

bool TestCertificates::makeKey(const QString &name)
{
    return run({QStringLiteral("genpkey"), QStringLiteral("-algorithm"), QStringLiteral("EC"),
                QStringLiteral("-pkeyopt"), QStringLiteral("ec_paramgen_curve:prime256v1"), QStringLiteral("-out"),
                keyFile(name)});
}

}  // namespace kairos::test
