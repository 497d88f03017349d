// Certificates for TLS tests, made with the openssl command line in a temporary directory: a
// CA, and server and client certificates it signs (P-256 keys: quick to make).
#pragma once

#include <QString>
#include <QStringList>
#include <QTemporaryDir>

namespace kairos::test {

class TestCertificates
{
public:
    TestCertificates();
    bool isValid() const { return m_valid; }
    QString error() const { return m_error; }

    QString caFile() const { return path(QStringLiteral("ca.pem")); }
    // Issues <name>.pem and <name>.key: for a server, `dnsNames` go into subjectAltName.
    bool issueServer(const QString &name, const QString &commonName, const QStringList &dnsNames);
    bool issueClient(const QString &name, const QString &subject);
    // A key that matches no certificate: <name>.key.
    bool makeKey(const QString &name);
    QString certFile(const QString &name) const { return path(name + QStringLiteral(".pem")); }
    QString keyFile(const QString &name) const { return path(name + QStringLiteral(".key")); }
    QString path(const QString &file) const { return m_dir.filePath(file); }

private:
    bool run(const QStringList &arguments);
    bool issue(const QString &name, const QString &subject, const QString &extensions);

    QTemporaryDir m_dir;
    bool m_valid = false;
    QString m_error;
};

}  // namespace kairos::test
