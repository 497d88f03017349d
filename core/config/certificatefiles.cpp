#include "certificatefiles.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cstring>
#include <memory>

namespace kairos {

QString takeOpenSslError()
{
    const unsigned long code = ERR_peek_error();
    ERR_clear_error();
    if (code == 0)
        return QStringLiteral("unknown OpenSSL error");
    if (ERR_SYSTEM_ERROR(code))
        return QString::fromLocal8Bit(std::strerror(int(ERR_GET_REASON(code))));
    const char *reason = ERR_reason_error_string(code);
    return reason ? QString::fromLatin1(reason) : QStringLiteral("OpenSSL error %1").arg(code, 0, 16);
}

int refusePassphrase(char *, int, int, void *)
{
    return -1;
}

QString certificateKeyProblem(const QString &certFile, const QString &keyFile)
{
    std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> context(SSL_CTX_new(TLS_server_method()), &SSL_CTX_free);
    if (!context)
        return QStringLiteral("cannot set up TLS: %1").arg(takeOpenSslError());
    SSL_CTX_set_default_passwd_cb(context.get(), &refusePassphrase);
    if (SSL_CTX_use_certificate_chain_file(context.get(), certFile.toLocal8Bit().constData()) != 1)
        return QStringLiteral("cannot read a PEM certificate from \"%1\": %2").arg(certFile, takeOpenSslError());
    // Loading the key checks it against the certificate already.
    if (SSL_CTX_use_PrivateKey_file(context.get(), keyFile.toLocal8Bit().constData(), SSL_FILETYPE_PEM) == 1)
        return QString();
    if (ERR_GET_REASON(ERR_peek_error()) != X509_R_KEY_VALUES_MISMATCH)
        return QStringLiteral("cannot read a PEM private key from \"%1\": %2").arg(keyFile, takeOpenSslError());
    ERR_clear_error();
    return QStringLiteral("the key in \"%1\" does not match the certificate in \"%2\"").arg(keyFile, certFile);
}

QString caFileProblem(const QString &caFile)
{
    std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> context(SSL_CTX_new(TLS_server_method()), &SSL_CTX_free);
    if (!context)
        return QStringLiteral("cannot set up TLS: %1").arg(takeOpenSslError());
    if (SSL_CTX_load_verify_locations(context.get(), caFile.toLocal8Bit().constData(), nullptr) != 1)
        return QStringLiteral("cannot read PEM certificates from \"%1\": %2").arg(caFile, takeOpenSslError());
    return QString();
}

}  // namespace kairos
