// SocketTransport against real sockets on 127.0.0.1, with a QTcpServer as the peer.
#include "runtime/poller.h"
#include "runtime/sockettransport.h"

#include <QTcpServer>
#include <QTcpSocket>
#include <QtTest>

#include <memory>

#include <sys/resource.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace kairos;

namespace {

// Records what the transport reports and reads whatever arrives.
struct Recorder : TransportListener {
    bool connected = false;
    bool closed = false;
    int bytesWrittenCalls = 0;
    QByteArray received;

    void transportConnected(Transport &) override { connected = true; }
    void transportReadyRead(Transport &transport) override
    {
        char buffer[4096];
        for (qint64 got; (got = transport.read(buffer, sizeof buffer)) > 0;)
            received.append(buffer, got);
    }
    void transportBytesWritten(Transport &) override { ++bytesWrittenCalls; }
    void transportClosed(Transport &) override { closed = true; }
};

QByteArray pattern(qsizetype size)
{
    QByteArray data(size, Qt::Uninitialized);
    for (qsizetype i = 0; i < size; ++i)
        data[i] = char(i * 131 % 251);
    return data;
}

}  // namespace

class TestTransport : public QObject
{
    Q_OBJECT

    QTcpServer m_server;
    std::unique_ptr<SocketTransport> m_transport;
    Recorder m_recorder;
    QTcpSocket *m_peer = nullptr;

    void connectToServer(const QString &host = QStringLiteral("127.0.0.1"))
    {
        m_transport = std::make_unique<SocketTransport>();
        m_transport->setListener(&m_recorder);
        m_transport->connectToHost(host, m_server.serverPort());
        QTRY_VERIFY(m_recorder.connected);
        QTRY_VERIFY(m_server.hasPendingConnections());
        m_peer = m_server.nextPendingConnection();
        QVERIFY(m_transport->isOpen());
    }

private slots:
    void init()
    {
        m_recorder = Recorder();
        QVERIFY(m_server.listen(QHostAddress::LocalHost));
    }

    void cleanup()
    {
        m_transport.reset();
        m_server.close();
    }

    // server.tcp_keepalive_s: set on accepted sockets (and on those connectToHost() opens).
    void acceptedSocketsGetTcpKeepAlive()
    {
        QTcpServer server;
        QVERIFY(server.listen(QHostAddress::LocalHost, 0));
        const auto keepAliveOf = [&server](int idleSeconds, int *idle) {
            SocketTransport::setTcpKeepAlive(idleSeconds);
            QTcpSocket client;
            client.connectToHost(QHostAddress::LocalHost, server.serverPort());
            if (!server.waitForNewConnection(5000))
                return -1;
            QTcpSocket *accepted = server.nextPendingConnection();
            const int descriptor = ::dup(int(accepted->socketDescriptor()));
            SocketTransport transport(descriptor);
            int on = 0;
            socklen_t length = sizeof on;
            ::getsockopt(descriptor, SOL_SOCKET, SO_KEEPALIVE, &on, &length);
            length = sizeof *idle;
            ::getsockopt(descriptor, IPPROTO_TCP, TCP_KEEPIDLE, idle, &length);
            delete accepted;
            return on;
        };
        int idle = 0;
        QCOMPARE(keepAliveOf(45, &idle), 1);
        QCOMPARE(idle, 45);
        QCOMPARE(keepAliveOf(0, &idle), 0);
        SocketTransport::setTcpKeepAlive(60);
    }

    void bytesBothWaysThenThePeerCloses()
    {
        connectToServer(QStringLiteral("localhost"));  // a name: resolved first
        m_transport->write("ping");
        QTRY_COMPARE(m_peer->bytesAvailable(), 4);
        QCOMPARE(m_peer->readAll(), QByteArray("ping"));
        m_peer->write("pong");
        QTRY_COMPARE(m_recorder.received, QByteArray("pong"));
        QCOMPARE(m_transport->peerAddress(), QHostAddress(QHostAddress::LocalHost));
        m_peer->close();
        QTRY_VERIFY(m_recorder.closed);
        QCOMPARE(m_transport->error(), Transport::Error::None);
        QVERIFY(!m_transport->isOpen());
    }

    void refusedConnectionSaysWhy()
    {
        const quint16 port = m_server.serverPort();
        m_server.close();  // nothing listens there now
        m_transport = std::make_unique<SocketTransport>();
        m_transport->setListener(&m_recorder);
        m_transport->connectToHost(QStringLiteral("127.0.0.1"), port);
        QTRY_VERIFY(m_recorder.closed);
        QVERIFY(!m_recorder.connected);
        QCOMPARE(m_transport->error(), Transport::Error::ConnectFailed);
        QCOMPARE(m_transport->errorString(), QStringLiteral("Connection refused"));
    }

    void writesInABatchLeaveTogetherWhenItEnds()
    {
        connectToServer();
        {
            OutputBatch batch;
            m_transport->write("HTTP/1.1 200 OK\r\n\r\n");
            m_transport->write("body");
            QCOMPARE(m_transport->bytesToWrite(), 23);  // nothing sent yet
        }
        QCOMPARE(m_transport->bytesToWrite(), 0);
        QTRY_COMPARE(m_peer->bytesAvailable(), 23);
        QCOMPARE(m_peer->readAll(), QByteArray("HTTP/1.1 200 OK\r\n\r\nbody"));
    }

    void backlogDrainsAndTheWriterHearsOfIt()
    {
        connectToServer();
        m_peer->setReadBufferSize(64 * 1024);  // the peer reads little until told otherwise
        const QByteArray data = pattern(16 * 1024 * 1024);
        m_transport->write(data);
        QVERIFY(m_transport->bytesToWrite() >= Transport::kHighWaterBytes);  // the kernel took only part
        QByteArray got;
        m_peer->setReadBufferSize(0);
        QTRY_VERIFY_WITH_TIMEOUT((got += m_peer->readAll(), got.size() == data.size()), 10000);
        QVERIFY(got == data);
        QTRY_COMPARE(m_transport->bytesToWrite(), 0);
        QVERIFY(m_recorder.bytesWrittenCalls > 0);
    }

    void closeSendsWhatIsBufferedFirst()
    {
        connectToServer();
        const QByteArray data = pattern(8 * 1024 * 1024);
        m_transport->write(data);
        m_transport->close();
        QVERIFY(m_transport->isOpen());  // still sending
        QByteArray got;
        QTRY_VERIFY_WITH_TIMEOUT((got += m_peer->readAll(),
                                  m_peer->state() == QAbstractSocket::UnconnectedState || got.size() == data.size()),
                                 10000);
        QTRY_VERIFY(m_recorder.closed);
        got += m_peer->readAll();
        QVERIFY(got == data);
        QCOMPARE(m_transport->error(), Transport::Error::None);
    }

    void discardInsideItsOwnCallbackIsSafe()
    {
        connectToServer();
        struct Discarder : TransportListener {
            void transportReadyRead(Transport &transport) override { transport.discard(); }
        } discarder;
        SocketTransport *raw = m_transport.release();  // discard() frees it
        raw->setListener(&discarder);
        m_peer->write("x");
        QTRY_COMPARE(m_peer->state(), QAbstractSocket::UnconnectedState);
    }

    // A transport is no QObject; its deferred calls keep what QObject contexts gave: run later and
    // in order, dropped with their owner, posted from inside one another.
    void deferredCallsRunLaterInOrderAndDieWithTheirOwner()
    {
        struct Owner : DeferredCalls::Owner {};
        auto first = std::make_unique<Owner>();
        auto second = std::make_unique<Owner>();
        QList<int> ran;
        DeferredCalls::post(first.get(), [&] { ran.append(1); });
        DeferredCalls::post(second.get(), [&] { ran.append(2); });
        DeferredCalls::post(first.get(), [&] {
            ran.append(3);
            second.reset();  // its call still waiting in this batch is dropped
            DeferredCalls::post(first.get(), [&] { ran.append(5); });
        });
        DeferredCalls::post(second.get(), [&] { ran.append(4); });
        QVERIFY(ran.isEmpty());
        QTRY_COMPARE(ran, QList<int>({1, 2, 3, 5}));

        DeferredCalls::post(first.get(), [&] { ran.append(6); });
        first.reset();
        auto third = std::make_unique<Owner>();
        DeferredCalls::post(third.get(), [&] { ran.append(7); });
        DeferredCalls::runWaiting();
        QCOMPARE(ran, QList<int>({1, 2, 3, 5, 7}));
    }

    void discardFreesTheTransport()
    {
        connectToServer();
        struct Owner : DeferredCalls::Owner {
        } marker;
        bool ranAfterDiscard = false, markerRan = false;
        SocketTransport *raw = m_transport.release();
        raw->discard();
        raw->callLater([&] { ranAfterDiscard = true; });  // dropped when the transport is freed first
        DeferredCalls::post(&marker, [&] { markerRan = true; });
        QTRY_VERIFY(markerRan);
        QVERIFY(!ranAfterDiscard);
    }

    // An object handed to the poller inside a socket event (an exchange whose own callback led
    // there) is gone when that event's handling returns, before any other event; outside an
    // event the poller refuses it and the caller keeps it.
    void objectDeletedAfterTheEventThatRetiredIt()
    {
        connectToServer();
        QPointer<QObject> outside(new QObject);
        QVERIFY(!Poller::deleteAfterEvent(outside));
        delete outside;
        struct Retirer : TransportListener {
            QPointer<QObject> retired;
            bool aliveUntilReturn = false;
            void transportReadyRead(Transport &transport) override
            {
                char buffer[16];
                transport.read(buffer, sizeof buffer);
                retired = new QObject;
                QVERIFY(Poller::deleteAfterEvent(retired));
                aliveUntilReturn = !retired.isNull();
            }
        } retirer;
        m_transport->setListener(&retirer);
        m_peer->write("x");
        QTRY_VERIFY(retirer.aliveUntilReturn);
        QVERIFY(retirer.retired.isNull());
    }

    // A thread whose epoll set cannot be made (no descriptor left) fails its sockets instead of
    // aborting the process. Workers make theirs at start; this covers any other thread.
    void noDescriptorForTheEpollSetFailsTheSocket()
    {
        int pair[2];
        QCOMPARE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), 0);
        QThread thread;  // new, so without an epoll set
        QObject context;
        context.moveToThread(&thread);
        thread.start();
        bool closed = false;
        Transport::Error error = Transport::Error::None;
        QMetaObject::invokeMethod(
            &context,
            [&] {
                rlimit saved{};
                ::getrlimit(RLIMIT_NOFILE, &saved);
                const int lowestFree = ::dup(pair[1]);
                ::close(lowestFree);
                rlimit tight = saved;
                tight.rlim_cur = rlim_t(lowestFree);  // every new descriptor now fails with EMFILE
                ::setrlimit(RLIMIT_NOFILE, &tight);
                Recorder recorder;
                auto transport = std::make_unique<SocketTransport>(pair[0]);
                transport->setListener(&recorder);
                ::setrlimit(RLIMIT_NOFILE, &saved);
                QCoreApplication::sendPostedEvents();  // the closed notification is queued
                closed = recorder.closed;
                error = transport->error();
            },
            Qt::BlockingQueuedConnection);
        thread.quit();
        thread.wait();
        ::close(pair[1]);
        QVERIFY(closed);
        QCOMPARE(error, Transport::Error::Other);
    }
};

QTEST_GUILESS_MAIN(TestTransport)
#include "tst_transport.moc"
