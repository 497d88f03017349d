// What the TLS listener serves: one OpenSSL context per certificate of server.tls, chosen by the
// name the client asks for (SNI), with the protocol floor, ALPN list and client-certificate
// check they all share. Immutable once made: a reload makes a new one and swaps the shared_ptr,
// so handshakes under way finish with the one they started with.
#pragma once

#include "config/config.h"

#include <QByteArray>
#include <QHash>

#include <memory>
#include <vector>

typedef struct ssl_st SSL;
typedef struct ssl_ctx_st SSL_CTX;

namespace kairos {

class TlsServerContext
{
public:
    // Loads every certificate, key and CA file `settings` names; null and *error when one fails.
    static std::shared_ptr<const TlsServerContext> create(const TlsSettings &settings, QString *error);
    ~TlsServerContext();
    TlsServerContext(const TlsServerContext &) = delete;
    TlsServerContext &operator=(const TlsServerContext &) = delete;

    // A server-side session for one accepted connection; the caller frees it (SSL_free).
    SSL *newSession() const;
    int handshakeTimeoutMs() const { return m_handshakeTimeoutMs; }
    bool verifiesClients() const { return m_verifiesClients; }

private:
    TlsServerContext() = default;
    bool configure(SSL_CTX *context, const TlsSettings &settings, QString *error);
    SSL_CTX *contextForName(const QByteArray &lowercaseName) const;
    static int selectCertificate(SSL *ssl, int *alert, void *self);
    static int selectProtocol(SSL *ssl, const unsigned char **out, unsigned char *outLength,
                              const unsigned char *offered, unsigned int offeredLength, void *self);

    SSL_CTX *m_default = nullptr;
    std::vector<SSL_CTX *> m_named;           // owned, one per entry of server.tls.certificates
    QHash<QByteArray, SSL_CTX *> m_exact;     // "api.example"
    QHash<QByteArray, SSL_CTX *> m_wildcard;  // "example" for "*.example"
    QByteArray m_alpn;                        // wire format: length-prefixed names, in preference order
    int m_handshakeTimeoutMs = 0;
    bool m_verifiesClients = false;
};

using TlsServerContextPtr = std::shared_ptr<const TlsServerContext>;

}  // namespace kairos
