#include "tlsservertransport.h"

#include "config/certificatefiles.h"

#include <QLoggingCategory>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <climits>

Q_LOGGING_CATEGORY(lcTls, "kairos.tls")

namespace kairos {

namespace {

// SSL_get_error() reads the thread's error queue, which must hold nothing from before the call
// (QSslSocket, for https backends, shares it on this thread). Emptied only when something is in
// it: ERR_clear_error() resets every slot of the queue, and called before each SSL_read and
// SSL_write it cost more than the encryption (bench/tls/tls.py, keep-alive: 4.9 % of the worker).
void clearStaleErrors()
{
    if (ERR_peek_error() != 0)
        ERR_clear_error();
}

// One TLS record and its overhead: a read of the socket that OpenSSL can nearly always use whole.
constexpr int kCiphertextChunk = 16 * 1024 + 512;
// Plaintext encrypted at a time before its ciphertext moves on to the socket: bounds the memory
// buffer OpenSSL writes into, which keeps the capacity of the most it ever held.
constexpr qsizetype kPlaintextChunk = 64 * 1024;

QString sslErrorText(int code)
{
    if (ERR_peek_error() != 0)
        return takeOpenSslError();
    return code == SSL_ERROR_SYSCALL ? QStringLiteral("connection closed") : QStringLiteral("TLS error %1").arg(code);
}

QByteArray subjectOf(SSL *ssl)
{
    X509 *certificate = SSL_get0_peer_certificate(ssl);
    BIO *text = certificate ? BIO_new(BIO_s_mem()) : nullptr;
    if (!text)
        return QByteArray();
    // RFC 2253 escapes control and non-ASCII bytes: the value is safe in a header field.
    X509_NAME_print_ex(text, X509_get_subject_name(certificate), 0, XN_FLAG_RFC2253);
    char *data = nullptr;
    const long size = BIO_get_mem_data(text, &data);
    QByteArray subject(data, size);
    BIO_free(text);
    return subject;
}

}  // namespace

TlsServerTransport::TlsServerTransport(int descriptor, TlsServerContextPtr context, Deadlines &deadlines)
    : m_socket(descriptor), m_context(std::move(context)), m_ssl(m_context->newSession()), m_deadlines(deadlines)
{
    m_socket.setListener(this);
    if (!m_ssl) {
        fail(sslErrorText(SSL_ERROR_SSL));
        return;
    }
    SSL_set_bio(m_ssl, BIO_new(BIO_s_mem()), BIO_new(BIO_s_mem()));
    SSL_set_accept_state(m_ssl);
    m_handshakeDeadline = Deadlines::nowMs() + m_context->handshakeTimeoutMs();
    m_deadlines.add(this);
    m_onDeadlines = true;
}

TlsServerTransport::~TlsServerTransport()
{
    stopHandshakeClock();
    m_socket.setListener(nullptr);
    SSL_free(m_ssl);
}

void TlsServerTransport::connectToHost(const QString &, quint16)
{
    fail(QStringLiteral("a TLS server transport does not connect out"));
}

void TlsServerTransport::stopHandshakeClock()
{
    m_handshakeDeadline = 0;
    if (m_onDeadlines)
        m_deadlines.remove(this);
    m_onDeadlines = false;
}

void TlsServerTransport::checkDeadlines(qint64 nowMs)
{
    // Leaves the list later (the destructor, or the handshake's end): the tick is walking it.
    if (m_handshakeDeadline && nowMs >= m_handshakeDeadline) {
        m_handshakeDeadline = 0;
        fail(QStringLiteral("TLS handshake timed out"));
    }
}

void TlsServerTransport::transportReadyRead(Transport &)
{
    if (m_state == State::Handshaking) {
        continueHandshake();
        return;
    }
    if (m_state != State::Open)
        return;
    m_readReady = true;
    if (m_listener)
        m_listener->transportReadyRead(*this);
}

void TlsServerTransport::continueHandshake()
{
    for (;;) {
        clearStaleErrors();
        const int result = SSL_do_handshake(m_ssl);
        pushCiphertext();  // the server's flight, or the alert that ends a failed handshake
        if (result == 1) {
            handshakeDone();
            return;
        }
        const int code = SSL_get_error(m_ssl, result);
        if (code == SSL_ERROR_WANT_READ && pullCiphertext())
            continue;
        if (code != SSL_ERROR_WANT_READ)
            fail(QStringLiteral("TLS handshake with %1 failed: %2")
                     .arg(m_socket.peerAddress().toString(), sslErrorText(code)));
        return;
    }
}

void TlsServerTransport::handshakeDone()
{
    stopHandshakeClock();
    m_state = State::Open;
    m_established = true;
    m_session.version = SSL_get_version(m_ssl);
    const unsigned char *alpn = nullptr;
    unsigned int alpnLength = 0;
    SSL_get0_alpn_selected(m_ssl, &alpn, &alpnLength);
    m_session.alpn = QByteArray(reinterpret_cast<const char *>(alpn), int(alpnLength));
    if (m_context->verifiesClients())
        m_session.clientSubject = subjectOf(m_ssl);
    // The client's first request may have come with its last handshake message.
    m_readReady = true;
    if (m_listener)
        m_listener->transportReadyRead(*this);
}

bool TlsServerTransport::pullCiphertext()
{
    if (!m_socket.mayRead())
        return false;
    char buffer[kCiphertextChunk];
    const qint64 got = m_socket.read(buffer, sizeof buffer);
    if (got <= 0)
        return false;
    BIO_write(SSL_get_rbio(m_ssl), buffer, int(got));
    return true;
}

void TlsServerTransport::pushCiphertext()
{
    BIO *out = SSL_get_wbio(m_ssl);
    const size_t pending = BIO_ctrl_pending(out);
    if (pending == 0)
        return;
    QByteArray ciphertext(qsizetype(pending), Qt::Uninitialized);
    BIO_read(out, ciphertext.data(), int(pending));
    m_socket.writeOwned(std::move(ciphertext));
}

qint64 TlsServerTransport::read(char *data, qint64 max)
{
    if (!m_readReady || m_state != State::Open || max <= 0)
        return 0;
    for (;;) {
        clearStaleErrors();
        const int got = SSL_read(m_ssl, data, int(std::min<qint64>(max, INT_MAX)));
        if (got > 0)
            return got;
        const int code = SSL_get_error(m_ssl, got);
        pushCiphertext();  // what reading made OpenSSL say: a TLS 1.3 key update's answer, an alert
        if (code == SSL_ERROR_WANT_READ && pullCiphertext())
            continue;
        m_readReady = false;
        if (code == SSL_ERROR_ZERO_RETURN)
            abort();  // the client's close_notify: it sends no more, as a plain peer's FIN
        else if (code != SSL_ERROR_WANT_READ)
            fail(sslErrorText(code));
        return 0;
    }
}

void TlsServerTransport::write(QByteArrayView data)
{
    if (m_state != State::Open)
        return;
    while (!data.isEmpty()) {
        // Into a memory buffer, so never partial and never "would block".
        clearStaleErrors();
        const int written = SSL_write(m_ssl, data.data(), int(std::min(data.size(), kPlaintextChunk)));
        if (written <= 0) {
            fail(sslErrorText(SSL_get_error(m_ssl, written)));
            return;
        }
        data = data.sliced(written);
        pushCiphertext();
    }
}

void TlsServerTransport::releaseIdleMemory()
{
    m_socket.releaseIdleMemory();
    if (!m_ssl)
        return;
    // Empty memory buffers still hold the capacity of their largest content: fresh ones instead.
    if (BIO_ctrl_pending(SSL_get_wbio(m_ssl)) == 0) {
        if (BIO *fresh = BIO_new(BIO_s_mem()))
            SSL_set0_wbio(m_ssl, fresh);
    }
    if (BIO_ctrl_pending(SSL_get_rbio(m_ssl)) == 0) {
        if (BIO *fresh = BIO_new(BIO_s_mem()))
            SSL_set0_rbio(m_ssl, fresh);
    }
}

void TlsServerTransport::closeWith(void (Transport::*closeSocket)())
{
    if (m_state == State::Handshaking) {
        abort();
        return;
    }
    if (m_state != State::Open)
        return;
    m_state = State::Closing;
    m_readReady = false;
    SSL_shutdown(m_ssl);  // queues close_notify; the client's answer is not waited for
    pushCiphertext();
    (m_socket.*closeSocket)();
}

void TlsServerTransport::abort()
{
    if (m_state == State::Closed)
        return;
    m_state = State::Closed;
    m_readReady = false;
    m_socket.abort();
    notifyClosedLater();
}

void TlsServerTransport::fail(const QString &why)
{
    if (m_state == State::Closed)
        return;
    qCDebug(lcTls).noquote() << why;
    setError(Error::Other, why);
    // Not abort(): the alert that tells the client why may still be waiting to go out. The
    // socket says when it is closed.
    m_state = State::Closing;
    m_readReady = false;
    m_socket.close();
}

void TlsServerTransport::transportBytesWritten(Transport &)
{
    if (m_listener && m_state == State::Open)
        m_listener->transportBytesWritten(*this);
}

void TlsServerTransport::transportClosed(Transport &socket)
{
    if (m_state == State::Closed)
        return;
    if (socket.error() != Error::None)
        setError(socket.error(), socket.errorString());
    m_state = State::Closed;
    m_readReady = false;
    notifyClosedLater();
}

}  // namespace kairos
