// The worker threads' event loop (EpollDispatcher): what Qt's own dispatcher does for a thread
// (posted events, timers, socket notifiers, quitting) on a thread of its own, against real
// sockets on 127.0.0.1 and socket pairs.
#include "runtime/epolldispatcher.h"

#include <QElapsedTimer>
#include <QSocketNotifier>
#include <QTcpServer>
#include <QTcpSocket>
#include <QThread>
#include <QTimer>
#include <QtTest>

#include <atomic>
#include <cerrno>
#include <cstring>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace kairos;

namespace {

// A thread running an EpollDispatcher's loop, and an object living there to run calls on.
class LoopThread
{
public:
    LoopThread()
    {
        m_thread.setEventDispatcher(EpollDispatcher::create());
        m_thread.start();
        m_context.moveToThread(&m_thread);
    }
    ~LoopThread()
    {
        m_thread.quit();
        if (!m_thread.wait(10000))
            qFatal("the loop did not end: quit()'s wakeup was lost");
    }
    // Runs `call` on the thread and waits for it.
    template <typename Call> void run(Call call)
    {
        QMetaObject::invokeMethod(&m_context, call, Qt::BlockingQueuedConnection);
    }
    QThread &thread() { return m_thread; }
    QObject *context() { return &m_context; }

private:
    QThread m_thread;
    QObject m_context;
};

struct SocketPair {
    SocketPair()
    {
        if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, ends) != 0)
            qFatal("socketpair: %s", strerror(errno));
    }
    ~SocketPair()
    {
        for (int end : ends) {
            if (end >= 0)
                ::close(end);
        }
    }
    void send(const char *text) const
    {
        if (::write(ends[1], text, strlen(text)) <= 0)
            qFatal("write: %s", strerror(errno));
    }
    int ends[2] = {-1, -1};
};

}  // namespace

class TestEpollDispatcher : public QObject
{
    Q_OBJECT

private slots:
    void theThreadRunsIt()
    {
        LoopThread loop;
        QVERIFY(dynamic_cast<EpollDispatcher *>(loop.thread().eventDispatcher()));
    }

    void queuedCallsFromAnotherThreadRun()
    {
        LoopThread loop;
        std::atomic<int> calls{0};
        for (int i = 0; i < 100; ++i)
            QMetaObject::invokeMethod(
                loop.context(), [&calls] { ++calls; }, Qt::QueuedConnection);
        QTRY_COMPARE(calls.load(), 100);
        // Posted from the thread itself, while it handles an event.
        loop.run([&] {
            QMetaObject::invokeMethod(
                loop.context(), [&calls] { ++calls; }, Qt::QueuedConnection);
        });
        QTRY_COMPARE(calls.load(), 101);
    }

    // Posting races the loop clearing its wakeup: however the two interleave, no wakeup may be
    // lost (with nothing else to wake the loop, a lost one leaves the calls unrun).
    void noWakeupLostUnderAStormOfPosts()
    {
        LoopThread loop;
        std::atomic<int> calls{0};
        int posted = 0;
        for (int burst = 0; burst < 2000; ++burst) {
            for (int i = 0; i < 1 + burst % 7; ++i, ++posted)
                QMetaObject::invokeMethod(
                    loop.context(), [&calls] { ++calls; }, Qt::QueuedConnection);
            if (burst % 3 == 0)
                QThread::yieldCurrentThread();
        }
        QTRY_COMPARE_WITH_TIMEOUT(calls.load(), posted, 10000);
    }

    void quitEndsTheLoop()
    {
        QThread thread;
        thread.setEventDispatcher(EpollDispatcher::create());
        thread.start();
        QTRY_VERIFY(thread.isRunning());
        thread.quit();
        QVERIFY(thread.wait(5000));
    }

    void singleShotFiresOnceAndNeverEarly()
    {
        LoopThread loop;
        std::atomic<int> fired{0};
        std::atomic<qint64> afterMs{-1};
        std::atomic<bool> markerFired{false};
        loop.run([&] {
            auto *clock = new QElapsedTimer;
            clock->start();
            QTimer::singleShot(50, Qt::PreciseTimer, loop.context(), [&, clock] {
                afterMs = clock->elapsed();
                ++fired;
                delete clock;
                // A marker due later than a second firing would be: the loop serves timers in
                // the order they fall due, so once the marker has run, a repeat would have too.
                QTimer::singleShot(120, Qt::PreciseTimer, loop.context(), [&] { markerFired = true; });
            });
        });
        QTRY_COMPARE(fired.load(), 1);
        QVERIFY2(afterMs >= 50, qPrintable(QString::number(afterMs)));
        QTRY_VERIFY(markerFired);
        QCOMPARE(fired.load(), 1);
    }

    void repeatingTimerRepeatsUntilStopped()
    {
        LoopThread loop;
        std::atomic<int> ticks{0};
        QTimer *timer = nullptr;
        loop.run([&] {
            timer = new QTimer(loop.context());
            timer->setInterval(10);
            QObject::connect(timer, &QTimer::timeout, [&ticks] { ++ticks; });
            timer->start();
        });
        QTRY_VERIFY(ticks >= 5);
        std::atomic<bool> markerFired{false};
        loop.run([&] {
            timer->stop();
            // A marker due after five more ticks of the stopped timer would have been.
            QTimer::singleShot(50, Qt::PreciseTimer, loop.context(), [&markerFired] { markerFired = true; });
        });
        const int stoppedAt = ticks;
        QTRY_VERIFY(markerFired);
        QCOMPARE(ticks.load(), stoppedAt);
    }

    void remainingTimeAndRegisteredTimers()
    {
        LoopThread loop;
        int timerId = 0, left = 0, leftAfterStop = 0;
        QList<QAbstractEventDispatcher::TimerInfo> timers, timersAfterStop;
        loop.run([&] {
            QTimer timer;
            timer.start(10000);
            auto *dispatcher = QAbstractEventDispatcher::instance();
            timerId = timer.timerId();
            left = dispatcher->remainingTime(timerId);
            timers = dispatcher->registeredTimers(&timer);
            timer.stop();
            leftAfterStop = dispatcher->remainingTime(timerId);
            timersAfterStop = dispatcher->registeredTimers(&timer);
        });
        QVERIFY2(left > 9000 && left <= 10000, qPrintable(QString::number(left)));
        QCOMPARE(timers.size(), 1);
        QCOMPARE(timers[0].timerId, timerId);
        QCOMPARE(timers[0].interval, 10000);
        QCOMPARE(leftAfterStop, -1);
        QVERIFY(timersAfterStop.isEmpty());
    }

    // A timer of interval 0 is due on every pass of the loop: queued calls and sockets still get theirs.
    void zeroTimerStarvesNothing()
    {
        LoopThread loop;
        SocketPair pair;
        std::atomic<int> spins{0};
        std::atomic<bool> called{false}, readable{false};
        loop.run([&] {
            auto *spinner = new QTimer(loop.context());
            spinner->setInterval(0);
            QObject::connect(spinner, &QTimer::timeout, [&spins] { ++spins; });
            spinner->start();
            auto *notifier = new QSocketNotifier(pair.ends[0], QSocketNotifier::Read, loop.context());
            QObject::connect(notifier, &QSocketNotifier::activated, [&readable, notifier] {
                readable = true;
                notifier->setEnabled(false);
            });
        });
        QMetaObject::invokeMethod(
            loop.context(), [&called] { called = true; }, Qt::QueuedConnection);
        pair.send("x");
        QTRY_VERIFY(called && readable);
        QVERIFY(spins > 0);
    }

    void readAndWriteNotifiers()
    {
        LoopThread loop;
        SocketPair pair, markerPair;
        std::atomic<int> reads{0}, writes{0};
        std::atomic<bool> markerRead{false};
        QSocketNotifier *reader = nullptr;
        loop.run([&] {
            // Another descriptor: once it has been served, so has every one ready before it.
            auto *marker = new QSocketNotifier(markerPair.ends[0], QSocketNotifier::Read, loop.context());
            QObject::connect(marker, &QSocketNotifier::activated, [&markerRead, marker] {
                markerRead = true;
                marker->setEnabled(false);
            });
            reader = new QSocketNotifier(pair.ends[0], QSocketNotifier::Read, loop.context());
            QObject::connect(reader, &QSocketNotifier::activated, [&reads, &pair] {
                char buffer[64];
                while (::read(pair.ends[0], buffer, sizeof buffer) > 0) {
                }
                ++reads;
            });
            // A second notifier on the same descriptor: one epoll entry for both.
            auto *writer = new QSocketNotifier(pair.ends[0], QSocketNotifier::Write, loop.context());
            QObject::connect(writer, &QSocketNotifier::activated, [&writes, writer] {
                ++writes;
                writer->setEnabled(false);  // always writable: once is enough
            });
        });
        QTRY_COMPARE(writes.load(), 1);
        QCOMPARE(reads.load(), 0);
        pair.send("one");
        QTRY_COMPARE(reads.load(), 1);
        loop.run([&] { reader->setEnabled(false); });
        pair.send("two");
        markerPair.send("m");
        QTRY_VERIFY(markerRead);
        loop.run([] {});  // the rest of that batch of events has been handed out too
        QCOMPARE(reads.load(), 1);
        loop.run([&] { reader->setEnabled(true); });
        QTRY_COMPARE(reads.load(), 2);  // level-triggered: "two" is still there
        QCOMPARE(writes.load(), 1);
    }

    // Both descriptors ready in one epoll batch; whichever handler runs first deletes the other's
    // notifier and closes its descriptor: the other is then not activated.
    void notifierDeletedByAnEarlierEventOfTheBatch()
    {
        LoopThread loop;
        SocketPair first, second;
        std::atomic<int> activations{0};
        QSocketNotifier *notifiers[2] = {};
        int *descriptors[2] = {&first.ends[0], &second.ends[0]};
        loop.run([&] {
            for (int i = 0; i < 2; ++i) {
                notifiers[i] = new QSocketNotifier(*descriptors[i], QSocketNotifier::Read, loop.context());
                QObject::connect(notifiers[i], &QSocketNotifier::activated, [&, i] {
                    ++activations;
                    const int other = 1 - i;
                    delete notifiers[other];
                    notifiers[other] = nullptr;
                    ::close(*descriptors[other]);
                    *descriptors[other] = -1;
                    notifiers[i]->setEnabled(false);
                });
            }
            // Both become readable before the loop waits again.
            first.send("a");
            second.send("b");
        });
        QTRY_COMPARE(activations.load(), 1);
        loop.run([] {});  // runs after the rest of that batch of events
        QCOMPARE(activations.load(), 1);
    }

    // Out-of-band TCP data reaches an exception notifier (EPOLLPRI).
    void exceptionNotifierHearsUrgentData()
    {
        const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t length = sizeof address;
        QVERIFY(::bind(listener, reinterpret_cast<sockaddr *>(&address), sizeof address) == 0);
        QVERIFY(::listen(listener, 1) == 0);
        QVERIFY(::getsockname(listener, reinterpret_cast<sockaddr *>(&address), &length) == 0);
        const int client = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        QVERIFY(::connect(client, reinterpret_cast<sockaddr *>(&address), sizeof address) == 0);
        const int accepted = ::accept(listener, nullptr, nullptr);
        QVERIFY(accepted >= 0);

        LoopThread loop;
        std::atomic<int> urgent{0};
        loop.run([&] {
            auto *notifier = new QSocketNotifier(accepted, QSocketNotifier::Exception, loop.context());
            QObject::connect(notifier, &QSocketNotifier::activated, [&urgent, notifier] {
                ++urgent;
                notifier->setEnabled(false);
            });
        });
        QCOMPARE(::send(client, "!", 1, MSG_OOB), 1);
        QTRY_COMPARE(urgent.load(), 1);
        loop.run([] {});  // its notifier is disabled before the descriptors go
        for (int descriptor : {client, accepted, listener})
            ::close(descriptor);
    }

    // Qt's own sockets (as QSslSocket's TLS connections in the workers) on the loop: an echo.
    void qtSocketsWorkOnIt()
    {
        LoopThread loop;
        QTcpServer *server = nullptr;
        quint16 port = 0;
        loop.run([&] {
            server = new QTcpServer(loop.context());
            if (server->listen(QHostAddress::LocalHost))
                port = server->serverPort();
            QObject::connect(server, &QTcpServer::newConnection, [server] {
                QTcpSocket *peer = server->nextPendingConnection();
                QObject::connect(peer, &QTcpSocket::readyRead, [peer] { peer->write(peer->readAll()); });
            });
        });
        QVERIFY(port != 0);
        QByteArray echoed;
        loop.run([&] {
            auto *socket = new QTcpSocket(loop.context());
            QObject::connect(socket, &QTcpSocket::connected, [socket] { socket->write("hello over epoll"); });
            QObject::connect(socket, &QTcpSocket::readyRead, [socket, &echoed] { echoed += socket->readAll(); });
            socket->connectToHost(QHostAddress::LocalHost, port);
        });
        QTRY_COMPARE(echoed, QByteArray("hello over epoll"));
    }

    // QEventLoop::ExcludeSocketNotifiers: posted events and timers run, notifiers wait.
    void excludingSocketNotifiers()
    {
        LoopThread loop;
        SocketPair pair;
        int readsExcluded = -1, readsAfter = -1;
        bool posted = false;
        loop.run([&] {
            int reads = 0;
            QSocketNotifier notifier(pair.ends[0], QSocketNotifier::Read);
            QObject::connect(&notifier, &QSocketNotifier::activated, [&reads] { ++reads; });
            pair.send("x");
            QMetaObject::invokeMethod(
                loop.context(), [&posted] { posted = true; }, Qt::QueuedConnection);
            QCoreApplication::processEvents(QEventLoop::ExcludeSocketNotifiers);
            readsExcluded = reads;
            QCoreApplication::processEvents();
            readsAfter = reads;
        });
        QVERIFY(posted);
        QCOMPARE(readsExcluded, 0);
        QCOMPARE(readsAfter, 1);
    }
};

QTEST_GUILESS_MAIN(TestEpollDispatcher)
#include "tst_epolldispatcher.moc"
