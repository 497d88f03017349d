// The data plane's transport on a plain non-blocking socket descriptor, watched through the
// thread's Poller (epoll). Compared with QTcpSocket it reads straight into the caller's buffer (no
// FIONREAD ioctl and no second buffer per read), keeps no per-socket read buffer at all, and
// batches the writes of one event: a response head and body written while handling one readable
// socket leave in one send() (OutputBatch).
#pragma once

#include "poller.h"
#include "transport.h"

#include <QByteArray>
#include <QList>
#include <QObject>

#include <memory>

namespace kairos {

// While one exists on a thread, SocketTransport::write() only queues; the outermost one sends
// what was queued when it ends. Every SocketTransport event opens one.
class OutputBatch
{
public:
    OutputBatch();
    ~OutputBatch();
    OutputBatch(const OutputBatch &) = delete;
    OutputBatch &operator=(const OutputBatch &) = delete;
};

// TCP keepalive as SocketTransport::setTcpKeepAlive() last set it, on any connected socket.
void applyTcpKeepAlive(qintptr descriptor);

class SocketTransport final : public Transport, private PollClient
{
public:
    // For sockets opened from now on, on every thread: TCP keepalive after this many idle
    // seconds (0 = off). Default 60.
    static void setTcpKeepAlive(int idleSeconds);

    SocketTransport();  // then connectToHost()
    // Takes an accepted, connected descriptor.
    explicit SocketTransport(int descriptor);
    ~SocketTransport() override;

    void connectToHost(const QString &host, quint16 port) override;
    bool isOpen() const override
    {
        return m_state == State::Open || m_state == State::Closing || m_state == State::Lingering;
    }
    bool mayRead() const override { return m_readReady && m_state == State::Open; }
    qint64 read(char *data, qint64 max) override;
    void write(QByteArrayView data) override;
    void writeOwned(QByteArray &&data) override;
    qint64 bytesToWrite() const override { return m_out.size() - m_outOffset; }
    void close() override;
    void closeDiscardingInput() override;
    void abort() override;
    QHostAddress peerAddress() const override { return m_peer; }
    void releaseIdleMemory() override;

private:
    friend class OutputBatch;
    // Lingering: output sent and shut down, input read and dropped until the peer closes.
    enum class State : quint8 { Idle, Resolving, Connecting, Open, Closing, Lingering, Closed };
    // What connecting to a backend needs, and an accepted connection never does.
    struct Connecting {
        QString hostName;
        quint16 port = 0;
        QList<QHostAddress> addresses;           // still to try
        std::unique_ptr<QObject> lookupContext;  // while the name is resolved (QHostInfo needs one)
    };

    void connectToNextAddress();
    void connectFailed(int errorNumber);  // tries the next address, if any
    void onConnectResult();
    void becomeOpen();
    void pollReady(quint32 ready) override;
    void onReadable();
    void onWritable();
    void setInterest(quint32 interest);
    void watchReadable(bool on);
    void drained();
    bool sendBuffered();  // false when the connection failed
    void sendBatched();
    void queueBatched();
    void watchWritable(bool on);
    void fail(Error error, int errorNumber);
    void closeDescriptor();
    void finishClosing();  // the output is sent
    void discardInput();
    void notifyWrittenLater();

    // Ordered to pack: every open connection has one.
    int m_descriptor = -1;
    quint32 m_interest = Poller::None;  // what the poller watches the descriptor for
    State m_state = State::Idle;
    bool m_readReady = false;
    bool m_writeWatched = false;
    bool m_batched = false;
    bool m_writtenNotifyQueued = false;
    bool m_releaseWhenDrained = false;
    bool m_discardInputOnClose = false;
    Poller *m_poller = nullptr;
    QByteArray m_out;
    qsizetype m_outOffset = 0;
    QHostAddress m_peer;
    std::unique_ptr<Connecting> m_connecting;  // from connectToHost() until open
};

}  // namespace kairos
