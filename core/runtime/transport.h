// A byte stream to a client or a backend, as the data plane needs it: reads into the caller's
// buffer, writes through a small buffer of its own, and one listener instead of Qt signals (a
// request hands an upstream connection from the pool to an exchange and back; connecting and
// disconnecting signals for that cost more than the rest of the hand-over).
#pragma once

#include "deferredcalls.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QHostAddress>

namespace kairos {

class Transport;

// What a TLS connection agreed on, for the access log, the request record and the forwarded headers.
struct TlsSessionInfo {
    const char *version = "";  // "TLSv1.3": OpenSSL's static text
    QByteArray alpn;           // the protocol ALPN chose; empty when the client offered none
    QByteArray clientSubject;  // of the verified client certificate (RFC 2253); empty without mTLS
};

class TransportListener
{
public:
    virtual ~TransportListener() = default;
    virtual void transportConnected(Transport &) {}
    // Bytes may be waiting: read() until it returns 0.
    virtual void transportReadyRead(Transport &) {}
    // Some of the buffered output went out.
    virtual void transportBytesWritten(Transport &) {}
    // The peer closed, the connection failed, or close()/abort() finished; error() says which.
    virtual void transportClosed(Transport &) {}
};

// Not a QObject: one lives for every open connection (see DeferredCalls).
class Transport : public DeferredCalls::Owner
{
public:
    enum class Error : quint8 { None, ConnectFailed, Reset, Other };

    // Writers hold off while this much is unsent and go on at half of it (transportBytesWritten
    // says when); whatever sends a backlog this large tells the listener. Beyond it, data waits in
    // the kernel's socket buffers, where it costs no copy and none of our memory: 256 KiB did as
    // well as 1 MiB on 1 MiB answers at 50 connections and better at 200 (docs/BENCHMARKS.md,
    // send-buffer limit), with a quarter of the worst-case buffer per connection.
    static constexpr qint64 kHighWaterBytes = 256 * 1024;

    Transport() = default;
    virtual ~Transport() = default;
    void setListener(TransportListener *listener) { m_listener = listener; }

    virtual void connectToHost(const QString &host, quint16 port) = 0;
    virtual bool isOpen() const = 0;
    // Whether a read() may return bytes; false once it returned 0 until the next transportReadyRead.
    virtual bool mayRead() const = 0;
    // Up to max bytes; 0 when nothing is waiting or the stream ended (transportClosed follows).
    virtual qint64 read(char *data, qint64 max) = 0;
    virtual void write(QByteArrayView data) = 0;
    // The same for a buffer the caller is done with, which a transport may queue without a copy.
    virtual void writeOwned(QByteArray &&data) { write(QByteArrayView(data)); }
    virtual qint64 bytesToWrite() const = 0;
    // Closes once the buffered output is sent.
    virtual void close() = 0;
    // The same, for a peer that may still be sending (a request body the answer did not wait
    // for): once the output is sent, stops sending and reads and drops what comes until the peer
    // closes. Closing with unread input makes the kernel reset the connection, and the peer may
    // lose the answer before it reads it (a 413 to an upload). The caller bounds how long.
    virtual void closeDiscardingInput() { close(); }
    virtual void abort() = 0;
    virtual QHostAddress peerAddress() const = 0;
    // Null on a plain connection, and on a TLS one until its handshake is over.
    virtual const TlsSessionInfo *tlsSession() const { return nullptr; }
    // Frees buffers kept for reuse (a connection gone idle): now, or once what waits in them is sent.
    virtual void releaseIdleMemory() {}
    Error error() const { return m_error; }
    QString errorString() const { return m_errorString; }
    // Closes now, tells no listener, and frees the object once control is back in the event loop
    // (it may be inside one of its own callbacks).
    void discard();
    // Runs `call` from the event loop unless this transport is gone by then.
    void callLater(std::function<void()> call) { DeferredCalls::post(this, std::move(call)); }

protected:
    void setError(Error error, const QString &text);
    // Tells the listener once, from the event loop: never from inside the caller's own read()
    // or write(), where the listener may be in the middle of its own state changes.
    void notifyClosedLater();

    // Ordered so that the small ones fill the room after DeferredCalls::Owner's counter.
    Error m_error = Error::None;
    bool m_closeNotified = false;
    TransportListener *m_listener = nullptr;
    QString m_errorString;
};

}  // namespace kairos
