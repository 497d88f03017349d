#include "tlsservercontext.h"

#include "config/certificatefiles.h"

#include <openssl/ssl.h>

namespace kairos {

namespace {

// Sessions resumed by ID must come from a context with the same value; it only has to be ours.
const unsigned char kSessionIdContext[] = "kairos";

}  // namespace

TlsServerContextPtr TlsServerContext::create(const TlsSettings &settings, QString *error)
{
    std::shared_ptr<TlsServerContext> made(new TlsServerContext);
    made->m_handshakeTimeoutMs = settings.handshakeTimeoutMs;
    made->m_verifiesClients = !settings.clientCaFile.isEmpty();
    for (const QString &protocol : settings.alpn) {
        made->m_alpn += char(protocol.size());
        made->m_alpn += protocol.toLatin1();
    }
    const auto load = [&](const QString &certFile, const QString &keyFile) -> SSL_CTX * {
        SSL_CTX *context = SSL_CTX_new(TLS_server_method());
        if (!context) {
            *error = takeOpenSslError();
            return nullptr;
        }
        SSL_CTX_set_default_passwd_cb(context, &refusePassphrase);
        if (SSL_CTX_use_certificate_chain_file(context, certFile.toLocal8Bit().constData()) != 1)
            *error = QStringLiteral("%1: %2").arg(certFile, takeOpenSslError());
        else if (SSL_CTX_use_PrivateKey_file(context, keyFile.toLocal8Bit().constData(), SSL_FILETYPE_PEM) != 1)
            *error = QStringLiteral("%1: %2").arg(keyFile, takeOpenSslError());
        else if (SSL_CTX_check_private_key(context) != 1)
            *error = QStringLiteral("%1 does not match %2").arg(keyFile, certFile);
        else if (made->configure(context, settings, error))
            return context;
        SSL_CTX_free(context);
        return nullptr;
    };
    if (!(made->m_default = load(settings.certFile, settings.keyFile)))
        return nullptr;
    SSL_CTX_set_tlsext_servername_callback(made->m_default, &TlsServerContext::selectCertificate);
    SSL_CTX_set_tlsext_servername_arg(made->m_default, made.get());
    for (const TlsCertificate &certificate : settings.certificates) {
        SSL_CTX *context = load(certificate.certFile, certificate.keyFile);
        if (!context)
            return nullptr;
        made->m_named.push_back(context);
        for (const QString &name : certificate.serverNames) {
            const QByteArray lower = name.toLower().toLatin1();
            if (lower.startsWith("*."))
                made->m_wildcard.insert(lower.mid(2), context);
            else
                made->m_exact.insert(lower, context);
        }
    }
    return made;
}

TlsServerContext::~TlsServerContext()
{
    for (SSL_CTX *context : m_named)
        SSL_CTX_free(context);
    SSL_CTX_free(m_default);
}

// What every context shares: after an SNI switch OpenSSL takes the version floor from the first
// one but ALPN, the client CA and its verification from the one switched to.
bool TlsServerContext::configure(SSL_CTX *context, const TlsSettings &settings, QString *error)
{
    SSL_CTX_set_min_proto_version(context,
                                  settings.minVersion == QLatin1String("1.3") ? TLS1_3_VERSION : TLS1_2_VERSION);
    // Client-started renegotiation costs the server a handshake per request of a hostile client.
    SSL_CTX_set_options(context, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
    // An idle connection then keeps no 34 KiB read and write buffers.
    SSL_CTX_set_mode(context, SSL_MODE_RELEASE_BUFFERS);
    SSL_CTX_set_session_id_context(context, kSessionIdContext, sizeof kSessionIdContext - 1);
    SSL_CTX_set_alpn_select_cb(context, &TlsServerContext::selectProtocol, this);
    if (settings.clientCaFile.isEmpty())
        return true;
    const QByteArray caFile = settings.clientCaFile.toLocal8Bit();
    STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(caFile.constData());
    if (!names || SSL_CTX_load_verify_locations(context, caFile.constData(), nullptr) != 1) {
        sk_X509_NAME_pop_free(names, X509_NAME_free);
        *error = QStringLiteral("%1: %2").arg(settings.clientCaFile, takeOpenSslError());
        return false;
    }
    SSL_CTX_set_client_CA_list(context, names);
    SSL_CTX_set_verify(context, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
    return true;
}

SSL *TlsServerContext::newSession() const
{
    return SSL_new(m_default);
}

SSL_CTX *TlsServerContext::contextForName(const QByteArray &lowercaseName) const
{
    if (SSL_CTX *exact = m_exact.value(lowercaseName))
        return exact;
    const qsizetype dot = lowercaseName.indexOf('.');
    return dot > 0 ? m_wildcard.value(lowercaseName.mid(dot + 1)) : nullptr;
}

int TlsServerContext::selectCertificate(SSL *ssl, int *, void *self)
{
    const char *name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    if (!name)
        return SSL_TLSEXT_ERR_OK;
    if (SSL_CTX *chosen = static_cast<const TlsServerContext *>(self)->contextForName(QByteArray(name).toLower()))
        SSL_set_SSL_CTX(ssl, chosen);
    return SSL_TLSEXT_ERR_OK;
}

int TlsServerContext::selectProtocol(SSL *, const unsigned char **out, unsigned char *outLength,
                                     const unsigned char *offered, unsigned int offeredLength, void *self)
{
    const QByteArray &ours = static_cast<const TlsServerContext *>(self)->m_alpn;
    unsigned char *selected = nullptr;
    if (SSL_select_next_proto(&selected, outLength, reinterpret_cast<const unsigned char *>(ours.constData()),
                              unsigned(ours.size()), offered, offeredLength)
        != OPENSSL_NPN_NEGOTIATED)
        return SSL_TLSEXT_ERR_NOACK;  // no common protocol: carry on without ALPN, as HTTP/1.1
    *out = selected;
    return SSL_TLSEXT_ERR_OK;
}

}  // namespace kairos
