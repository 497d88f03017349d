// The tunnel after a 101: a client transport and a backend connection on real sockets on
// 127.0.0.1, with QTcpSockets as the client and the backend at the far ends.
#include "proxy/tunnel.h"
#include "runtime/deadlines.h"
#include "runtime/sockettransport.h"

#include "support/testsupport.h"

#include <QEventLoop>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>
#include <QElapsedTimer>
#include <QtTest>

#include <memory>

#include <sys/socket.h>

using namespace kairos;
using kairos::test::runUntil;

namespace {

const QByteArray kSwitching = "HTTP/1.1 101 Switching Protocols\r\n\r\n";

QByteArray pattern(qsizetype size, int seed)
{
    QByteArray data(size, Qt::Uninitialized);
    for (qsizetype i = 0; i < size; ++i)
        data[i] = char((i * 131 + seed) % 251);
    return data;
}

// How long the event loop may take to move tens of megabytes through the tunnel: a bound that
// keeps a stalled tunnel from hanging the suite, not a speed check (under ASan on a busy machine
// a 64 MiB run takes about 10 s).
constexpr int kTransferBoundMs = 90'000;

// Runs the event loop until `side` holds a backlog that stopped changing: the tunnel has stopped
// reading the sending side. Where it stops is not fixed: the tunnel reads until a backlog of
// Transport::kHighWaterBytes is queued, then the kernel takes what its buffers hold, and what is
// left waits for the reader (anything up to the high-water mark and one read).
bool waitForSteadyBacklog(Transport *side, QTcpSocket *sender, qint64 *largest)
{
    qint64 last = -1;
    QElapsedTimer unchanged;
    return runUntil(
        [&] {
            const qint64 backlog = side->bytesToWrite();
            *largest = std::max(*largest, backlog);
            if (backlog != last) {
                last = backlog;
                unchanged.start();
            }
            return backlog > 0 && sender->bytesToWrite() > 0 && unchanged.elapsed() >= 300;
        },
        kTransferBoundMs);
}

// Accepted sockets take their receive buffer from the listening socket, and the window they
// announce in the handshake from that: set later, a smaller buffer would leave the peer a window
// the kernel then drops segments from.
void setAcceptedReceiveBuffer(const QTcpServer &server, int bytes)
{
    ::setsockopt(int(server.socketDescriptor()), SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes);
}

// Reads what arrives at `socket` into `into` until it holds `size` bytes.
bool readUntil(QTcpSocket *socket, QByteArray &into, qsizetype size, int timeoutMs = 10'000)
{
    return runUntil(
        [&] {
            into += socket->readAll();
            return into.size() >= size;
        },
        timeoutMs);
}

}  // namespace

class TestTunnel : public QObject
{
    Q_OBJECT

    QTcpServer m_clientSide;   // where the client transport connects: its peer plays the client
    QTcpServer m_backendSide;  // the backend
    std::unique_ptr<SocketTransport> m_client;
    QTcpSocket *m_clientPeer = nullptr;
    QTcpSocket *m_backendPeer = nullptr;
    Transport *m_upstream = nullptr;  // the backend connection's transport, owned by the tunnel
    std::unique_ptr<Tunnel> m_tunnel;

    // A tunnel between a connected client and a connected backend, not started yet.
    bool makeTunnel(int idleTimeoutMs = 60'000)
    {
        m_client = std::make_unique<SocketTransport>();
        m_client->connectToHost(QStringLiteral("127.0.0.1"), m_clientSide.serverPort());
        if (!QTest::qWaitFor([&] { return m_client->isOpen() && m_clientSide.hasPendingConnections(); }, 5000))
            return false;
        m_clientPeer = m_clientSide.nextPendingConnection();

        const Backend backend = test::backendAt(QStringLiteral("http://127.0.0.1"), m_backendSide.serverPort());
        BalancedBackend balanced;
        balanced.state = std::make_shared<BackendState>(backend);
        auto upstream = std::make_unique<UpstreamConnection>(backend, balanced, 8192);
        upstream->connectToBackend();
        if (!QTest::qWaitFor([&] { return upstream->transport()->isOpen() && m_backendSide.hasPendingConnections(); },
                             5000))
            return false;
        m_backendPeer = m_backendSide.nextPendingConnection();
        m_upstream = upstream->transport();
        m_tunnel = std::make_unique<Tunnel>(m_client.get(), std::move(upstream), idleTimeoutMs);
        return true;
    }

private slots:
    void init()
    {
        QVERIFY(m_clientSide.listen(QHostAddress::LocalHost, 0));
        QVERIFY(m_backendSide.listen(QHostAddress::LocalHost, 0));
    }

    void cleanup()
    {
        m_tunnel.reset();  // before the client transport it uses
        m_client.reset();
        // Transports are deleted from the event loop (DeferredCalls): let it run once, or the last
        // test's would still be waiting when the process ends (a leak to LeakSanitizer).
        QCoreApplication::sendPostedEvents();
        QCoreApplication::processEvents();
        m_upstream = nullptr;
        delete m_clientPeer;
        delete m_backendPeer;
        m_clientPeer = m_backendPeer = nullptr;
        m_clientSide.close();
        m_backendSide.close();
    }

    void bytesFlowBothWays()
    {
        QVERIFY(makeTunnel());
        QSignalSpy finished(m_tunnel.get(), &Tunnel::finished);
        // What each side already had for the other when the upgrade went through comes first.
        m_tunnel->start(kSwitching + "early", "pipelined");
        QByteArray atClient, atBackend;
        QVERIFY(readUntil(m_clientPeer, atClient, kSwitching.size() + 5));
        QCOMPARE(atClient, kSwitching + "early");
        QVERIFY(readUntil(m_backendPeer, atBackend, 9));
        QCOMPARE(atBackend, QByteArray("pipelined"));

        for (int round = 0; round < 3; ++round) {
            const QByteArray up = "up " + QByteArray::number(round);
            const QByteArray down = "down " + QByteArray::number(round);
            m_clientPeer->write(up);
            m_backendPeer->write(down);
            atClient.clear();
            atBackend.clear();
            QVERIFY(readUntil(m_backendPeer, atBackend, up.size()));
            QVERIFY(readUntil(m_clientPeer, atClient, down.size()));
            QCOMPARE(atBackend, up);
            QCOMPARE(atClient, down);
        }
        // Larger than any one read, both ways at once.
        const QByteArray up = pattern(3 * 1024 * 1024, 1), down = pattern(3 * 1024 * 1024, 2);
        m_clientPeer->write(up);
        m_backendPeer->write(down);
        atClient.clear();
        atBackend.clear();
        QVERIFY(runUntil(
            [&] {
                atBackend += m_backendPeer->readAll();
                atClient += m_clientPeer->readAll();
                return atBackend.size() >= up.size() && atClient.size() >= down.size();
            },
            kTransferBoundMs));
        QVERIFY(atBackend == up);
        QVERIFY(atClient == down);
        QCOMPARE(finished.size(), 0);
    }

    // Idle means no byte either way since the later of the start and the last byte moved.
    void idleCountsFromTheLastByteEitherWay()
    {
        const qint64 before = Deadlines::nowMs();
        QVERIFY(makeTunnel(1000));
        m_tunnel->start(kSwitching, QByteArray());
        QVERIFY(!m_tunnel->isIdle(Deadlines::nowMs()));
        QVERIFY(m_tunnel->isIdle(Deadlines::nowMs() + 1000));
        QTest::qWait(30);  // so that the byte below moves at a later millisecond than the start
        m_backendPeer->write("x");
        QByteArray atClient;
        QVERIFY(readUntil(m_clientPeer, atClient, kSwitching.size() + 1));
        QVERIFY(!m_tunnel->isIdle(before + 1000 + 10));
        QSignalSpy finished(m_tunnel.get(), &Tunnel::finished);
        m_tunnel->close();
        QCOMPARE(finished.size(), 1);
        QVERIFY(!m_tunnel->isIdle(Deadlines::nowMs() + 1'000'000));  // closed: never idle again
        QVERIFY(runUntil([&] { return m_backendPeer->state() == QAbstractSocket::UnconnectedState; }, 5000));
    }

    void backendClosingEndsTheTunnelAfterItsLastBytes()
    {
        QVERIFY(makeTunnel());
        QSignalSpy finished(m_tunnel.get(), &Tunnel::finished);
        m_tunnel->start(kSwitching, {});
        const QByteArray last = pattern(512 * 1024, 3);
        m_backendPeer->write(last);
        m_backendPeer->disconnectFromHost();  // once all is written
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 10'000);
        QByteArray atClient;
        QVERIFY(readUntil(m_clientPeer, atClient, kSwitching.size() + last.size()));
        QCOMPARE(atClient.size(), kSwitching.size() + last.size());
        QVERIFY(atClient.startsWith(kSwitching) && atClient.mid(kSwitching.size()) == last);
        QCOMPARE(finished.size(), 1);
    }

    void clientClosingEndsTheTunnelAndClosesTheBackend()
    {
        QVERIFY(makeTunnel());
        QSignalSpy finished(m_tunnel.get(), &Tunnel::finished);
        m_tunnel->start({}, {});
        m_clientPeer->write("goodbye");
        m_clientPeer->disconnectFromHost();
        QTRY_COMPARE(finished.size(), 1);
        QByteArray atBackend;
        QVERIFY(readUntil(m_backendPeer, atBackend, 7));
        QCOMPARE(atBackend, QByteArray("goodbye"));
        QTRY_COMPARE(m_backendPeer->state(), QAbstractSocket::UnconnectedState);
        QCOMPARE(finished.size(), 1);
    }

    // The backend had answered and gone before the tunnel started: what it sent still reaches
    // the client, and the tunnel ends.
    void backendGoneBeforeTheStartStillDelivers()
    {
        QVERIFY(makeTunnel());
        QSignalSpy finished(m_tunnel.get(), &Tunnel::finished);
        m_backendPeer->write("already said");
        m_backendPeer->disconnectFromHost();
        QTRY_COMPARE(m_backendPeer->state(), QAbstractSocket::UnconnectedState);
        m_tunnel->start(kSwitching, {});
        QTRY_COMPARE(finished.size(), 1);
        QByteArray atClient;
        QVERIFY(readUntil(m_clientPeer, atClient, kSwitching.size() + 12));
        QCOMPARE(atClient, kSwitching + "already said");
    }

    // A reader that does not keep up holds the writer back: the tunnel stops reading from the
    // sending side while the other side has a backlog, instead of buffering everything.
    void slowReaderHoldsTheWriterBack_data()
    {
        QTest::addColumn<bool>("towardsClient");
        QTest::newRow("backend to client") << true;
        QTest::newRow("client to backend") << false;
    }

    void slowReaderHoldsTheWriterBack()
    {
        QFETCH(bool, towardsClient);
        // Small kernel buffers on the reader's end, and no reading there for now.
        setAcceptedReceiveBuffer(towardsClient ? m_clientSide : m_backendSide, 16 * 1024);
        QVERIFY(makeTunnel());
        QTcpSocket *sender = towardsClient ? m_backendPeer : m_clientPeer;
        QTcpSocket *reader = towardsClient ? m_clientPeer : m_backendPeer;
        Transport *readerSide = towardsClient ? static_cast<Transport *>(m_client.get()) : m_upstream;
        reader->setReadBufferSize(16 * 1024);
        m_tunnel->start({}, {});

        // More than all the kernel buffers between the two ends can hold.
        const QByteArray data = pattern(64 * 1024 * 1024, 4);
        sender->write(data);
        qint64 largestBacklog = 0;
        const auto sampleBacklog = [&] { largestBacklog = std::max(largestBacklog, readerSide->bytesToWrite()); };
        const auto state = [&] {
            return QStringLiteral("backlog %1 (largest %2), sender still holds %3, reader holds %4")
                .arg(readerSide->bytesToWrite())
                .arg(largestBacklog)
                .arg(sender->bytesToWrite())
                .arg(reader->bytesAvailable());
        };
        // The sender is held back: the tunnel stopped reading it, with a bounded backlog.
        QVERIFY2(waitForSteadyBacklog(readerSide, sender, &largestBacklog), qPrintable(state()));
        QVERIFY2(largestBacklog <= Transport::kHighWaterBytes + 64 * 1024, qPrintable(state()));

        // The reader catches up: everything arrives, in order, and the backlog stayed bounded.
        reader->setReadBufferSize(0);
        QByteArray received;
        QVERIFY(runUntil(
            [&] {
                sampleBacklog();
                received += reader->readAll();
                return received.size() >= data.size();
            },
            60'000));
        QCOMPARE(received.size(), data.size());
        QVERIFY(received == data);
        QVERIFY2(largestBacklog < 2 * Transport::kHighWaterBytes, qPrintable(QString::number(largestBacklog)));
    }

    // The backend ends while a slow client still has most of its bytes to read: they all arrive.
    void backendClosingDuringBackPressureLosesNothing()
    {
        setAcceptedReceiveBuffer(m_clientSide, 16 * 1024);
        QVERIFY(makeTunnel());
        QSignalSpy finished(m_tunnel.get(), &Tunnel::finished);
        m_clientPeer->setReadBufferSize(16 * 1024);
        m_tunnel->start({}, {});
        const QByteArray data = pattern(16 * 1024 * 1024, 5);
        m_backendPeer->write(data);
        m_backendPeer->disconnectFromHost();
        qint64 largest = 0;
        QVERIFY(waitForSteadyBacklog(m_client.get(), m_backendPeer, &largest));
        QCOMPARE(finished.size(), 0);  // the backend's last bytes are not read yet
        m_clientPeer->setReadBufferSize(0);
        QByteArray received;
        QVERIFY(readUntil(m_clientPeer, received, data.size(), 60'000));
        QVERIFY(received == data);
        QTRY_COMPARE(finished.size(), 1);
    }
};

QTEST_GUILESS_MAIN(TestTunnel)
#include "tst_tunnel.moc"
