// A client connection over TLS: decorates the SocketTransport of an accepted descriptor, with
// OpenSSL working between memory buffers so that the socket, its poller and its output batching
// stay as they are. The handshake runs on the worker's thread as bytes arrive, bounded by the
// context's handshake timeout on the worker's Deadlines tick; the listener hears nothing until
// it is over. Reads decrypt into the caller's buffer, pulling ciphertext from the socket only as
// the caller asks for more, so that a slow reader holds the client back as on a plain socket;
// writes are encrypted at once and wait, as ciphertext, in the socket's buffer, which is what
// bytesToWrite() counts.
#pragma once

#include "runtime/deadlines.h"
#include "runtime/sockettransport.h"
#include "tlsservercontext.h"

#include <memory>

namespace kairos {

class TlsServerTransport final : public Transport, private TransportListener, private Deadlines::Client
{
public:
    TlsServerTransport(int descriptor, TlsServerContextPtr context, Deadlines &deadlines);
    ~TlsServerTransport() override;

    // Accepted connections only: connecting out fails at once.
    void connectToHost(const QString &host, quint16 port) override;
    bool isOpen() const override { return m_state != State::Closed && m_socket.isOpen(); }
    bool mayRead() const override { return m_readReady && m_state == State::Open; }
    qint64 read(char *data, qint64 max) override;
    // Dropped until the handshake is over: there is nobody to send it to yet.
    void write(QByteArrayView data) override;
    qint64 bytesToWrite() const override { return m_socket.bytesToWrite(); }
    void close() override { closeWith(&Transport::close); }
    void closeDiscardingInput() override { closeWith(&Transport::closeDiscardingInput); }
    void abort() override;
    QHostAddress peerAddress() const override { return m_socket.peerAddress(); }
    void releaseIdleMemory() override;
    const TlsSessionInfo *tlsSession() const override { return m_established ? &m_session : nullptr; }

private:
    enum class State : quint8 { Handshaking, Open, Closing, Closed };

    void continueHandshake();
    void handshakeDone();
    void fail(const QString &why);
    bool pullCiphertext();  // false when the socket had nothing
    void pushCiphertext();
    void closeWith(void (Transport::*closeSocket)());
    void stopHandshakeClock();
    void checkDeadlines(qint64 nowMs) override;

    // The socket's events
    void transportReadyRead(Transport &) override;
    void transportBytesWritten(Transport &) override;
    void transportClosed(Transport &) override;

    SocketTransport m_socket;
    TlsServerContextPtr m_context;
    SSL *m_ssl = nullptr;
    Deadlines &m_deadlines;
    qint64 m_handshakeDeadline = 0;  // Deadlines::nowMs(); 0 once the handshake is over
    State m_state = State::Handshaking;
    bool m_readReady = false;
    bool m_onDeadlines = false;
    bool m_established = false;  // the handshake succeeded
    TlsSessionInfo m_session;
};

}  // namespace kairos
