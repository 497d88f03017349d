// The pool of idle keep-alive connections to backends, on real connections to QTcpServers on
// 127.0.0.1: what is handed out again, what is closed (past the cap, after the idle timeout,
// when the backend closes or speaks unasked, when it leaves the config), seen from the backend.
#include "proxy/upstreampool.h"

#include "support/testsupport.h"

#include <QTcpServer>
#include <QTcpSocket>
#include <QtTest>

#include <memory>

using namespace kairos;

namespace {

// A backend: a listening socket on 127.0.0.1, as the pool knows it.
class BackendServer
{
public:
    BackendServer()
    {
        if (!server.listen(QHostAddress::LocalHost, 0))
            qFatal("cannot listen");
        config = test::backendAt(QStringLiteral("http://127.0.0.1"), server.serverPort());
        state = std::make_shared<BackendState>(config);
        balanced.state = state;
    }
    QString key() const { return balanced.connectionKey(); }

    // A connection to this backend, open, and the backend's end of it.
    std::unique_ptr<UpstreamConnection> connect(QTcpSocket **peer)
    {
        auto connection = std::make_unique<UpstreamConnection>(config, balanced, 8192);
        connection->connectToBackend();
        const bool open =
            QTest::qWaitFor([&] { return connection->transport()->isOpen() && server.hasPendingConnections(); }, 5000);
        *peer = open ? server.nextPendingConnection() : nullptr;
        return open ? std::move(connection) : nullptr;
    }

    QTcpServer server;
    Backend config;
    std::shared_ptr<BackendState> state;
    BalancedBackend balanced;
};

bool isClosed(QTcpSocket *peer)
{
    return peer->state() == QAbstractSocket::UnconnectedState;
}

// Whether the connection still carries bytes to the backend.
bool reaches(UpstreamConnection &connection, QTcpSocket *peer)
{
    connection.transport()->write("ping");
    QByteArray got;
    return QTest::qWaitFor(
               [&] {
                   got += peer->readAll();
                   return got.size() >= 4;
               },
               5000)
           && got == "ping";
}

}  // namespace

class TestUpstreamPool : public QObject
{
    Q_OBJECT

private slots:
    void givenBackConnectionIsTakenAgain()
    {
        BackendServer backend;
        UpstreamPool pool;
        pool.setLimits(4, 60'000);
        pool.setLiveBackends({backend.state->key});
        QTcpSocket *peer = nullptr;
        std::unique_ptr<UpstreamConnection> connection = backend.connect(&peer);
        QVERIFY(connection);
        // A response read to its end: the parser must be ready for the next one when it is reused.
        const QByteArray response = "HTTP/1.1 204 No Content\r\n\r\n";
        connection->parser().feed(response.constData(), response.size());
        connection->parser().continueToBody();
        QCOMPARE(connection->parser().state(), http::MessageParser::State::Complete);
        UpstreamConnection *const raw = connection.get();

        pool.giveBack(std::move(connection));
        QCOMPARE(pool.idleCount(), 1);
        QCOMPARE(pool.idleCount(backend.key()), 1);
        QVERIFY(!pool.take(QStringLiteral("http://127.0.0.1:1")));
        std::unique_ptr<UpstreamConnection> again = pool.take(backend.key());
        QCOMPARE(again.get(), raw);
        const QByteArray next = "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n";
        QCOMPARE(again->parser().feed(next.constData(), next.size()), next.size());
        QCOMPARE(again->parser().state(), http::MessageParser::State::HeadDone);
        QCOMPARE(again->parser().response().status, 201);
        QCOMPARE(pool.idleCount(), 0);
        QVERIFY(!pool.take(backend.key()));
        QVERIFY(reaches(*again, peer));
        QCOMPARE(backend.server.hasPendingConnections(), false);
    }

    void mostRecentlyReturnedIsTakenFirst()
    {
        BackendServer backend;
        UpstreamPool pool;
        pool.setLimits(4, 60'000);
        pool.setLiveBackends({backend.state->key});
        QTcpSocket *peers[3] = {};
        UpstreamConnection *raw[3] = {};
        for (int i = 0; i < 3; ++i) {
            std::unique_ptr<UpstreamConnection> connection = backend.connect(&peers[i]);
            QVERIFY(connection);
            raw[i] = connection.get();
            pool.giveBack(std::move(connection));
        }
        QCOMPARE(pool.idleCount(backend.key()), 3);
        for (int i = 2; i >= 0; --i) {
            std::unique_ptr<UpstreamConnection> taken = pool.take(backend.key());
            QCOMPARE(taken.get(), raw[i]);
            QVERIFY(reaches(*taken, peers[i]));
            pool.giveBack(std::move(taken));  // back on top: taken first again
            QCOMPARE(pool.take(backend.key()).get(), raw[i]);
        }
    }

    void idleConnectionsAreCappedPerBackend()
    {
        BackendServer first, second;
        UpstreamPool pool;
        pool.setLimits(2, 60'000);
        pool.setLiveBackends({first.state->key, second.state->key});
        QList<QTcpSocket *> firstPeers, secondPeers;
        for (int i = 0; i < 3; ++i) {
            QTcpSocket *peer = nullptr;
            std::unique_ptr<UpstreamConnection> connection = first.connect(&peer);
            QVERIFY(connection);
            firstPeers.append(peer);
            pool.giveBack(std::move(connection));
        }
        for (int i = 0; i < 2; ++i) {
            QTcpSocket *peer = nullptr;
            std::unique_ptr<UpstreamConnection> connection = second.connect(&peer);
            QVERIFY(connection);
            secondPeers.append(peer);
            pool.giveBack(std::move(connection));
        }
        QCOMPARE(pool.idleCount(first.key()), 2);
        QCOMPARE(pool.idleCount(second.key()), 2);  // the cap is per backend, not for the pool
        QCOMPARE(pool.idleCount(), 4);
        QTRY_VERIFY(isClosed(firstPeers[2]));  // the one past the cap was closed
        // The kept ones are open and work.
        for (int i = 1; i >= 0; --i) {
            std::unique_ptr<UpstreamConnection> taken = pool.take(first.key());
            QVERIFY(taken);
            QVERIFY(reaches(*taken, firstPeers[i]));
        }
        QVERIFY(!pool.take(first.key()));
    }

    void capOfZeroKeepsNothing()
    {
        BackendServer backend;
        UpstreamPool pool;
        pool.setLimits(0, 60'000);
        pool.setLiveBackends({backend.state->key});
        QTcpSocket *peer = nullptr;
        std::unique_ptr<UpstreamConnection> connection = backend.connect(&peer);
        QVERIFY(connection);
        pool.giveBack(std::move(connection));
        QCOMPARE(pool.idleCount(), 0);
        QVERIFY(!pool.take(backend.key()));
        QTRY_VERIFY(isClosed(peer));
    }

    void idleConnectionsCloseAfterTheIdleTimeout()
    {
        BackendServer backend;
        UpstreamPool pool;
        pool.setLimits(4, 60'000);
        pool.setLiveBackends({backend.state->key});
        QTcpSocket *peer = nullptr;
        std::unique_ptr<UpstreamConnection> connection = backend.connect(&peer);
        QVERIFY(connection);
        pool.giveBack(std::move(connection));
        // A sweep has run once the count is published; a connection idle for less than the
        // timeout survives it.
        QTRY_COMPARE_WITH_TIMEOUT(pool.publishedIdleCount(), 1, 10'000);
        QCOMPARE(pool.idleCount(), 1);
        QVERIFY(!isClosed(peer));

        pool.setLimits(4, 100);
        QTRY_COMPARE_WITH_TIMEOUT(pool.idleCount(), 0, 10'000);
        QTRY_VERIFY(isClosed(peer));
        QCOMPARE(pool.publishedIdleCount(), 0);
        QVERIFY(!pool.take(backend.key()));
    }

    void connectionTheBackendClosesWhileIdleIsDropped()
    {
        BackendServer backend;
        UpstreamPool pool;
        pool.setLimits(4, 60'000);
        pool.setLiveBackends({backend.state->key});
        QTcpSocket *closing = nullptr, *staying = nullptr;
        std::unique_ptr<UpstreamConnection> first = backend.connect(&staying);
        std::unique_ptr<UpstreamConnection> second = backend.connect(&closing);
        QVERIFY(first && second);
        UpstreamConnection *const kept = first.get();
        pool.giveBack(std::move(first));
        pool.giveBack(std::move(second));
        closing->close();
        QTRY_COMPARE(pool.idleCount(backend.key()), 1);
        std::unique_ptr<UpstreamConnection> taken = pool.take(backend.key());
        QCOMPARE(taken.get(), kept);
        QVERIFY(reaches(*taken, staying));
    }

    void connectionTheBackendSpeaksOnWhileIdleIsDropped()
    {
        BackendServer backend;
        UpstreamPool pool;
        pool.setLimits(4, 60'000);
        pool.setLiveBackends({backend.state->key});
        QTcpSocket *peer = nullptr;
        std::unique_ptr<UpstreamConnection> connection = backend.connect(&peer);
        QVERIFY(connection);
        pool.giveBack(std::move(connection));
        peer->write("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");  // no request asked for it
        QTRY_COMPARE(pool.idleCount(), 0);
        QTRY_VERIFY(isClosed(peer));
        QVERIFY(!pool.take(backend.key()));
    }

    void connectionWithUnreadBytesIsNotHandedOut()
    {
        BackendServer backend;
        UpstreamPool pool;
        pool.setLimits(4, 60'000);
        pool.setLiveBackends({backend.state->key});
        QTcpSocket *peer = nullptr;
        std::unique_ptr<UpstreamConnection> connection = backend.connect(&peer);
        QVERIFY(connection);
        peer->write("stray");  // arrives while no one listens on the connection
        QVERIFY(QTest::qWaitFor([&] { return connection->transport()->mayRead(); }, 5000));
        pool.giveBack(std::move(connection));
        QVERIFY(!pool.take(backend.key()));
        QCOMPARE(pool.idleCount(), 0);
        QTRY_VERIFY(isClosed(peer));
    }

    void backendsLeavingTheConfigKeepNoIdleConnection()
    {
        BackendServer staying, leaving;
        UpstreamPool pool;
        pool.setLimits(4, 60'000);
        pool.setLiveBackends({staying.state->key, leaving.state->key});
        QTcpSocket *stayingPeer = nullptr, *leavingIdlePeer = nullptr, *leavingBusyPeer = nullptr;
        std::unique_ptr<UpstreamConnection> stayingConnection = staying.connect(&stayingPeer);
        std::unique_ptr<UpstreamConnection> leavingIdle = leaving.connect(&leavingIdlePeer);
        std::unique_ptr<UpstreamConnection> leavingBusy =
            leaving.connect(&leavingBusyPeer);  // carrying a request meanwhile
        QVERIFY(stayingConnection && leavingIdle && leavingBusy);
        pool.giveBack(std::move(stayingConnection));
        pool.giveBack(std::move(leavingIdle));

        pool.setLiveBackends({staying.state->key});
        QCOMPARE(pool.idleCount(leaving.key()), 0);
        QCOMPARE(pool.idleCount(staying.key()), 1);
        QTRY_VERIFY(isClosed(leavingIdlePeer));
        // The request it was carrying is done: the connection is closed, not kept.
        pool.giveBack(std::move(leavingBusy));
        QCOMPARE(pool.idleCount(leaving.key()), 0);
        QTRY_VERIFY(isClosed(leavingBusyPeer));
        QVERIFY(!isClosed(stayingPeer));

        // Back in the config: kept again.
        pool.setLiveBackends({staying.state->key, leaving.state->key});
        QTcpSocket *returnedPeer = nullptr;
        std::unique_ptr<UpstreamConnection> returned = leaving.connect(&returnedPeer);
        QVERIFY(returned);
        pool.giveBack(std::move(returned));
        QCOMPARE(pool.idleCount(leaving.key()), 1);
        QCOMPARE(pool.idleCount(staying.key()), 1);
    }

    void clearClosesEveryIdleConnection()
    {
        BackendServer first, second;
        UpstreamPool pool;
        pool.setLimits(4, 60'000);
        pool.setLiveBackends({first.state->key, second.state->key});
        QTcpSocket *firstPeer = nullptr, *secondPeer = nullptr;
        std::unique_ptr<UpstreamConnection> a = first.connect(&firstPeer);
        std::unique_ptr<UpstreamConnection> b = second.connect(&secondPeer);
        QVERIFY(a && b);
        pool.giveBack(std::move(a));
        pool.giveBack(std::move(b));
        QCOMPARE(pool.idleCount(), 2);
        pool.clear();
        QCOMPARE(pool.idleCount(), 0);
        QVERIFY(!pool.take(first.key()));
        QVERIFY(!pool.take(second.key()));
        QTRY_VERIFY(isClosed(firstPeer));
        QTRY_VERIFY(isClosed(secondPeer));
    }
};

QTEST_GUILESS_MAIN(TestUpstreamPool)
#include "tst_upstreampool.moc"
