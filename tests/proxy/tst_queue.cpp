// Request queues (docs/CONFIGURATION.md, Request queues): backends[].max_connections holds over
// every worker thread and every retry, a request that finds the backends full waits in its route's
// queue in arrival order, and leaves it on a timeout, a full queue or its client's going away.
// Routes that list the same backends with the same queue settings wait in one queue, ordered by
// their priority.
#include "demo/echobackend.h"
#include "metrics/prometheus.h"
#include "support/runningservice.h"
#include "support/testsupport.h"

#include <QJsonArray>
#include <QMutex>
#include <QPointer>
#include <QScopeGuard>
#include <QTcpServer>
#include <QTcpSocket>
#include <QThread>
#include <QTimer>
#include <QtTest>

#include <atomic>
#include <memory>
#include <utility>

using namespace kairos;
using namespace kairos::test;

namespace {

// A backend that counts the requests it is serving at once. It answers each after `delayMs`, or
// holds every request while `hold` is set until release(). Its first answer to a target may be a
// 503 (failFirstTry), for retries. Lives on a thread of its own, so that the test's waiting does
// not slow it.
class CountingBackend : public QObject
{
public:
    CountingBackend()
    {
        m_server.listen(QHostAddress::LocalHost);
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *socket = m_server.nextPendingConnection()) {
                socket->setParent(this);
                connect(socket, &QTcpSocket::readyRead, this, [this, socket] { onReadyRead(socket); });
                // A request whose connection the gateway closed (its client left) ends there, as
                // it does for servers that stop work when the peer goes.
                connect(socket, &QTcpSocket::disconnected, this, [this, socket] {
                    for (const std::shared_ptr<bool> &done : m_open.take(socket)) {
                        if (!std::exchange(*done, true)) {
                            --current;
                            ++abandoned;
                        }
                    }
                });
            }
        });
    }
    quint16 port() const { return m_server.serverPort(); }

    std::atomic<int> delayMs{50};
    std::atomic<bool> hold{false};
    std::atomic<bool> failFirstTry{false};
    std::atomic<int> current{0};
    std::atomic<int> maxSeen{0};
    std::atomic<int> received{0};
    std::atomic<int> abandoned{0};  // requests whose connection closed before their answer

    QStringList targets() const
    {
        QMutexLocker lock(&m_mutex);
        return m_targets;
    }
    // Answers the held requests (call on the backend's thread).
    void release()
    {
        hold = false;
        const QList<Pending> held = std::exchange(m_held, {});
        for (const Pending &pending : held)
            answer(pending);
    }

private:
    struct Pending {
        QPointer<QTcpSocket> socket;
        int status;
        std::shared_ptr<bool> done;
    };

    void onReadyRead(QTcpSocket *socket)
    {
        QByteArray &buffer = m_buffers[socket];
        buffer += socket->readAll();
        for (qsizetype end = buffer.indexOf("\r\n\r\n"); end >= 0; end = buffer.indexOf("\r\n\r\n")) {
            const QByteArray head = buffer.left(end);
            buffer.remove(0, end + 4);
            const QByteArray target = head.split(' ').value(1);
            const int now = ++current;
            int seen = maxSeen.load();
            while (now > seen && !maxSeen.compare_exchange_weak(seen, now)) {
            }
            ++received;
            int status = 200;
            {
                QMutexLocker lock(&m_mutex);
                if (failFirstTry && !m_targets.contains(QString::fromLatin1(target)))
                    status = 503;
                m_targets.append(QString::fromLatin1(target));
            }
            const Pending pending{socket, status, std::make_shared<bool>(false)};
            m_open[socket].append(pending.done);
            if (hold)
                m_held.append(pending);
            else
                QTimer::singleShot(delayMs.load(), this, [this, pending] { answer(pending); });
        }
    }

    void answer(const Pending &pending)
    {
        if (std::exchange(*pending.done, true) || !pending.socket)
            return;
        --current;  // before the gateway can see the answer and send the next request
        m_open[pending.socket].removeOne(pending.done);
        pending.socket->write(pending.status == 200 ? "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
                                                    : "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n");
    }

    QTcpServer m_server;
    QHash<QTcpSocket *, QByteArray> m_buffers;
    QList<Pending> m_held;
    QHash<QTcpSocket *, QList<std::shared_ptr<bool>>> m_open;  // requests not answered, by connection
    mutable QMutex m_mutex;
    QStringList m_targets;
};

QJsonObject limitedBackend(quint16 port, int maxConnections)
{
    QJsonObject backend = backendJson(port);
    backend.insert("max_connections", maxConnections);
    return backend;
}

QJsonObject queuedRoute(quint16 port, int maxConnections, int maxSize, int timeoutMs)
{
    QJsonObject route = routeJson("/q", "/", {limitedBackend(port, maxConnections)}, {"GET"});
    route.insert("queue", QJsonObject{{"max_size", maxSize}, {"timeout_ms", timeoutMs}});
    return route;
}

// A request to the route "/q", told apart by its query: the backend sees "/?NAME".
QByteArray get(const QByteArray &name)
{
    return "GET /q?" + name + " HTTP/1.1\r\nHost: h\r\n\r\n";
}

// A route "/NAME" to the backend at `port` (which sees "/NAME?..."), with `priority` unless empty.
QJsonObject prioritizedRoute(const QString &name, quint16 port, const QString &priority)
{
    QJsonObject route = routeJson("/" + name, "/" + name, {limitedBackend(port, 1)}, {"GET"});
    if (!priority.isEmpty())
        route.insert("priority", priority);
    return route;
}

QByteArray getFrom(const QByteArray &route, const QByteArray &name)
{
    return "GET /" + route + "?" + name + " HTTP/1.1\r\nHost: h\r\n\r\n";
}

}  // namespace

class TestQueue : public QObject
{
    Q_OBJECT

private:
    QThread m_thread;
    std::unique_ptr<QObject> m_context;  // on m_thread: where the backend is made
    CountingBackend *m_backend = nullptr;

    void onBackendThread(const std::function<void()> &call)
    {
        QMetaObject::invokeMethod(m_backend, call, Qt::BlockingQueuedConnection);
    }
    void releaseHeld()
    {
        onBackendThread([this] { m_backend->release(); });
    }
    // Another backend on the backend thread, deleted with `owner` (the test's m_backend).
    CountingBackend *secondBackend()
    {
        CountingBackend *second = nullptr;
        onBackendThread([&] {
            second = new CountingBackend;
            second->setParent(m_backend);
        });
        return second;
    }

private slots:
    void init()
    {
        m_thread.start();
        m_context = std::make_unique<QObject>();
        m_context->moveToThread(&m_thread);
        QMetaObject::invokeMethod(
            m_context.get(), [this] { m_backend = new CountingBackend; }, Qt::BlockingQueuedConnection);
    }

    void cleanup()
    {
        QMetaObject::invokeMethod(
            m_backend, [this] { delete m_backend; }, Qt::BlockingQueuedConnection);
        m_backend = nullptr;
        m_thread.quit();
        m_thread.wait();
        m_context.reset();
    }

    void backendNeverSeesMoreThanMaxConnections()
    {
        RunningGateway running(makeConfig({queuedRoute(m_backend->port(), 2, 100, 30'000)}, {{"workers", 2}}));
        QCOMPARE(running.gateway.workerCount(), 2);
        std::vector<std::unique_ptr<RawClient>> clients;
        for (int i = 0; i < 50; ++i)
            clients.push_back(std::make_unique<RawClient>(running.port()));
        for (int i = 0; i < 50; ++i)
            clients[size_t(i)]->send(get(QByteArray::number(i)));
        for (auto &client : clients) {
            const Response response = client->readOne(30'000);
            QCOMPARE(response.status, 200);
        }
        QCOMPARE(m_backend->received.load(), 50);
        QCOMPARE(m_backend->maxSeen.load(), 2);  // contended, and never past the limit
        QCOMPARE(running.gateway.snapshot()->queue(0)->depth(), 0);
        QTRY_COMPARE(running.backend(0, 0).inFlight.load(), 0);
        QVERIFY(running.gateway.snapshot()->queue(0)->waitTime().count() > 0);
        MetricsInput input;
        input.queues.append({QStringLiteral("/q"), running.gateway.snapshot()->queues[0]});
        QVERIFY(renderPrometheus(input).contains("kairos_queue_wait_seconds_count{route=\"/q\"} "));
    }

    // Route /both has backends A and B, route /b only B (which both share): each queue takes the
    // slots freed on any backend of its route, and neither backend ever sees a second request.
    void routesSharingABackendAreWokenByEither()
    {
        CountingBackend *b = secondBackend();
        m_backend->delayMs = 10;
        b->delayMs = 10;
        const quint16 portA = m_backend->port();
        const quint16 portB = b->port();
        QJsonObject both = routeJson("/both", "/", {limitedBackend(portA, 1), limitedBackend(portB, 1)}, {"GET"});
        QJsonObject onlyB = routeJson("/b", "/", {limitedBackend(portB, 1)}, {"GET"});
        const QJsonObject queue{{"max_size", 100}, {"timeout_ms", 30'000}};
        RunningGateway running(makeConfig({both, onlyB}, {{"workers", 2}}, {{"queue", queue}}));
        std::vector<std::unique_ptr<RawClient>> clients;
        for (int i = 0; i < 40; ++i) {
            clients.push_back(std::make_unique<RawClient>(running.port()));
            clients.back()->send("GET " + QByteArray(i % 2 ? "/both" : "/b") + "?" + QByteArray::number(i)
                                 + " HTTP/1.1\r\nHost: h\r\n\r\n");
        }
        for (auto &client : clients)
            QCOMPARE(client->readOne(30'000).status, 200);
        QCOMPARE(m_backend->received.load() + b->received.load(), 40);
        QVERIFY(m_backend->received.load() > 0);  // /both was served by A too, not only by B
        QCOMPARE(m_backend->maxSeen.load(), 1);
        QCOMPARE(b->maxSeen.load(), 1);
        QTRY_COMPARE(running.backend(0, 0).inFlight.load(), 0);
        QTRY_COMPARE(running.backend(0, 1).inFlight.load(), 0);
        QCOMPARE(running.backend(0, 1).queued(), 0);
    }

    // Route /both (backends A and B, low priority) and route /b (B only, high priority) have
    // queues of their own, which B serves both: its freed slot goes to the high-priority request
    // of /b, though the low one of /both has waited longer.
    void aSharedBackendServesTheHigherPriorityFirst()
    {
        CountingBackend *b = secondBackend();
        m_backend->hold = true;
        b->hold = true;
        QJsonObject both =
            routeJson("/both", "/", {limitedBackend(m_backend->port(), 1), limitedBackend(b->port(), 1)}, {"GET"});
        both.insert("priority", "low");
        QJsonObject onlyB = routeJson("/b", "/", {limitedBackend(b->port(), 1)}, {"GET"});
        onlyB.insert("priority", "high");
        const QJsonObject queue{{"max_size", 10}, {"timeout_ms", 30'000}};
        RunningGateway running(makeConfig({both, onlyB}, {{"workers", 2}}, {{"queue", queue}}));
        RequestQueue *bothQueue = running.gateway.snapshot()->queue(0);
        RequestQueue *onlyBQueue = running.gateway.snapshot()->queue(1);
        QVERIFY(bothQueue->shared() != onlyBQueue->shared());
        RawClient first(running.port());
        first.send("GET /b?first HTTP/1.1\r\nHost: h\r\n\r\n");
        QTRY_COMPARE(b->received.load(), 1);
        RawClient second(running.port());
        second.send("GET /both?second HTTP/1.1\r\nHost: h\r\n\r\n");  // B is full: A
        QTRY_COMPARE(m_backend->received.load(), 1);
        RawClient low(running.port());
        low.send("GET /both?low HTTP/1.1\r\nHost: h\r\n\r\n");
        QTRY_COMPARE(bothQueue->depth(), 1);
        RawClient high(running.port());
        high.send("GET /b?high HTTP/1.1\r\nHost: h\r\n\r\n");
        QTRY_COMPARE(onlyBQueue->depth(), 1);
        b->delayMs = 0;
        onBackendThread([b] { b->release(); });  // A still holds its request
        QCOMPARE(first.readOne().status, 200);
        QCOMPARE(high.readOne().status, 200);
        QCOMPARE(low.readOne().status, 200);
        QCOMPARE(b->targets(), (QStringList{"/?first", "/?high", "/?low"}));
        releaseHeld();
        QCOMPARE(second.readOne().status, 200);
        QCOMPARE(m_backend->targets(), QStringList{"/?second"});
    }

    // Clients that give up while queued, among others that wait: the slots they would have had
    // go to the others, none is lost, and the backend sees none of the abandoned requests.
    void abandonedRequestsLoseNoSlot()
    {
        m_backend->delayMs = 20;
        RunningGateway running(makeConfig({queuedRoute(m_backend->port(), 2, 100, 30'000)}, {{"workers", 2}}));
        RequestQueue *queue = running.gateway.snapshot()->queue(0);
        std::vector<std::unique_ptr<RawClient>> staying;
        std::vector<std::unique_ptr<RawClient>> leaving;
        for (int i = 0; i < 40; ++i) {
            auto &group = i % 2 ? leaving : staying;
            group.push_back(std::make_unique<RawClient>(running.port()));
            group.back()->send(get((i % 2 ? "leave" : "stay") + QByteArray::number(i)));
        }
        QTRY_VERIFY(queue->depth() > 0);
        leaving.clear();
        for (auto &client : staying)
            QCOMPARE(client->readOne(30'000).status, 200);
        QTRY_COMPARE(queue->depth(), 0);
        QTRY_COMPARE(running.backend(0, 0).inFlight.load(), 0);
        // A request abandoned in flight gives its slot back as the gateway closes its connection,
        // which this backend may notice only after the next request came: one more each, at most.
        QVERIFY2(m_backend->maxSeen.load() <= 2 + m_backend->abandoned.load(),
                 qPrintable(QStringLiteral("%1 at once, %2 abandoned")
                                .arg(m_backend->maxSeen.load())
                                .arg(m_backend->abandoned.load())));
        const QStringList seen = m_backend->targets();
        QCOMPARE(seen.filter("stay").size(), 20);
        QVERIFY2(seen.filter("leave").size() < 20, qPrintable(seen.join(' ')));  // some left while queued
        QCOMPARE(request(running.port(), "GET", "/q?after").status, 200);        // the slots are all back
    }

    // A request body that arrives while its request is queued is kept and sent whole once a slot
    // comes; the slot is held by the test itself, so the request is queued for certain.
    void bodySentWhileQueuedArrivesWhole()
    {
        EchoBackend *echo = nullptr;
        onBackendThread([&] {
            echo = new EchoBackend(QStringLiteral("echo"), m_backend);
            echo->listen();
        });
        QJsonObject route = routeJson("/upload", "/", {limitedBackend(echo->port(), 1)}, {"POST"});
        route.insert("queue", QJsonObject{{"max_size", 10}, {"timeout_ms", 30'000}});
        RunningGateway running(makeConfig({route}, {{"workers", 2}}));
        RequestQueue *queue = running.gateway.snapshot()->queue(0);
        BackendState &backend = running.backend(0, 0);
        QVERIFY(backend.tryAcquireSlot());
        QVERIFY(!backend.tryAcquireSlot());  // max_connections 1
        RawClient client(running.port());
        client.send("POST /upload HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
        QTRY_COMPARE(queue->depth(), 1);  // the first chunk came with the head: it waits with it
        client.send("6\r\n world\r\n0\r\n\r\n");
        backend.releaseSlot();  // handed to the queued request, not freed
        const Response response = client.readOne(10'000);
        QCOMPARE(response.status, 200);
        QCOMPARE(response.json()["body"].toString(), QStringLiteral("hello world"));
        QCOMPARE(queue->depth(), 0);
        QTRY_COMPARE(backend.inFlight.load(), 0);
    }

    void waitPastTimeoutIsRefused()
    {
        m_backend->hold = true;
        QMutex recordsMutex;  // before the gateway, whose workers report to them until it is gone
        QList<RequestRecord> records;
        // The observer (the access log's source) is set before the gateway listens.
        Gateway gateway(makeConfig({queuedRoute(m_backend->port(), 1, 10, 300)}));
        gateway.setRequestObserver([&](const RequestRecord &record) {
            QMutexLocker lock(&recordsMutex);
            records.append(record);
        });
        QString error;
        QVERIFY2(gateway.listen(QHostAddress::LocalHost, 0, &error), qPrintable(error));
        const quint16 port = gateway.serverPort();
        const auto recordsSoFar = [&] {
            QMutexLocker lock(&recordsMutex);
            return records;
        };
        RawClient first(port);
        first.send(get("first"));
        QTRY_COMPARE(m_backend->received.load(), 1);
        RawClient second(port);
        second.send(get("second"));
        const Response refused = second.readOne(10'000);
        QCOMPARE(refused.status, 503);
        QCOMPARE(refused.json()["error"].toString(), QStringLiteral("queue_timeout"));
        QCOMPARE(refused.json()["type"].toString(), QStringLiteral("service_unavailable"));
        QCOMPARE(refused.headers.value("retry-after"), QByteArray("1"));
        QCOMPARE(gateway.snapshot()->queue(0)->depth(), 0);
        QCOMPARE(gateway.snapshot()->queue(0)->rejected(RequestQueue::Rejection::Timeout), quint64(1));
        QTRY_COMPARE(recordsSoFar().size(), 1);
        const RequestRecord timedOut = recordsSoFar()[0];
        QCOMPARE(timedOut.status, 503);
        QCOMPARE(QByteArray(timedOut.note), QByteArray("queue_timeout"));
        QVERIFY2(timedOut.queuedUs > 0, qPrintable(QString::number(timedOut.queuedUs)));  // it waited, and says so
        releaseHeld();
        QCOMPARE(first.readOne().status, 200);
        QCOMPARE(m_backend->targets(), QStringList{"/?first"});
        QTRY_COMPARE(recordsSoFar().size(), 2);
        QCOMPARE(recordsSoFar()[1].queuedUs, qint64(-1));  // never queued
        QCOMPARE(recordsSoFar()[1].note, nullptr);
    }

    void fullQueueIsRefusedAtOnce()
    {
        m_backend->hold = true;
        RunningGateway running(makeConfig({queuedRoute(m_backend->port(), 1, 1, 30'000)}));
        RequestQueue *queue = running.gateway.snapshot()->queue(0);
        RawClient first(running.port());
        first.send(get("first"));
        QTRY_COMPARE(m_backend->received.load(), 1);
        RawClient second(running.port());
        second.send(get("second"));
        QTRY_COMPARE(queue->depth(), 1);
        RawClient third(running.port());
        third.send(get("third"));
        const Response refused = third.readOne();
        QCOMPARE(refused.status, 503);
        QCOMPARE(refused.json()["error"].toString(), QStringLiteral("queue_full"));
        QCOMPARE(refused.headers.value("retry-after"), QByteArray("30"));
        QCOMPARE(queue->rejected(RequestQueue::Rejection::Full), quint64(1));
        MetricsInput input;
        input.queues.append({QStringLiteral("/q"), running.gateway.snapshot()->queues[0]});
        input.backends = running.gateway.backendRegistry().all();
        const QByteArray metrics = renderPrometheus(input);
        for (const char *line : {"kairos_queue_depth{route=\"/q\"} 1\n",
                                 "kairos_queue_rejected_total{route=\"/q\",reason=\"queue_full\"} 1\n",
                                 "kairos_queue_rejected_total{route=\"/q\",reason=\"queue_timeout\"} 0\n",
                                 "kairos_backend_in_flight{backend=\"http://127.0.0.1:"})
            QVERIFY2(metrics.contains(line), line);
        QVERIFY(metrics.contains("kairos_backend_max_connections{"));
        releaseHeld();
        QCOMPARE(first.readOne().status, 200);
        QCOMPARE(second.readOne().status, 200);
        QCOMPARE(m_backend->targets(), (QStringList{"/?first", "/?second"}));
    }

    void noQueueRefusesAtOnce()
    {
        m_backend->hold = true;
        RunningGateway running(makeConfig({routeJson("/q", "/", {limitedBackend(m_backend->port(), 1)}, {"GET"})}));
        QVERIFY(!running.gateway.snapshot()->queue(0));
        RawClient first(running.port());
        first.send(get("first"));
        QTRY_COMPARE(m_backend->received.load(), 1);
        const Response refused = request(running.port(), "GET", "/q?second");
        QCOMPARE(refused.status, 503);
        QCOMPARE(refused.json()["error"].toString(), QStringLiteral("queue_full"));
        QVERIFY(!refused.headers.value("retry-after").isEmpty());
        releaseHeld();
        QCOMPARE(first.readOne().status, 200);
    }

    void disconnectedClientLeavesTheQueue()
    {
        m_backend->hold = true;
        RunningGateway running(makeConfig({queuedRoute(m_backend->port(), 1, 10, 30'000)}, {{"workers", 2}}));
        RequestQueue *queue = running.gateway.snapshot()->queue(0);
        RawClient first(running.port());
        first.send(get("first"));
        QTRY_COMPARE(m_backend->received.load(), 1);
        auto gone = std::make_unique<RawClient>(running.port());
        gone->send(get("gone"));
        QTRY_COMPARE(queue->depth(), 1);
        QCOMPARE(running.backend(0, 0).queued(), 1);
        gone.reset();
        QTRY_COMPARE(queue->depth(), 0);  // at once, not when a slot comes
        QCOMPARE(running.backend(0, 0).queued(), 0);
        releaseHeld();
        QCOMPARE(first.readOne().status, 200);
        QCOMPARE(request(running.port(), "GET", "/q?after").status, 200);
        QCOMPARE(m_backend->targets(), (QStringList{"/?first", "/?after"}));
    }

    void queuedRequestsAreServedInArrivalOrder()
    {
        m_backend->hold = true;
        RunningGateway running(makeConfig({queuedRoute(m_backend->port(), 1, 100, 30'000)}, {{"workers", 2}}));
        RequestQueue *queue = running.gateway.snapshot()->queue(0);
        RawClient first(running.port());
        first.send(get("0"));
        QTRY_COMPARE(m_backend->received.load(), 1);
        std::vector<std::unique_ptr<RawClient>> waiting;
        QStringList expected{"/?0"};
        for (int i = 1; i <= 8; ++i) {
            waiting.push_back(std::make_unique<RawClient>(running.port()));
            waiting.back()->send(get(QByteArray::number(i)));
            expected.append(QStringLiteral("/?%1").arg(i));
            QTRY_COMPARE(queue->depth(), i);  // queued before the next one arrives
        }
        m_backend->delayMs = 0;
        releaseHeld();
        QCOMPARE(first.readOne().status, 200);
        for (auto &client : waiting)
            QCOMPARE(client->readOne().status, 200);
        QCOMPARE(m_backend->targets(), expected);
        QCOMPARE(m_backend->maxSeen.load(), 1);
    }

    // Four routes to one backend (max_connections 1) with the same top-level queue wait in one
    // queue. It fills while the backend holds a request; then the high-priority requests leave
    // first, then the normal ones (routes without a priority), then the low ones, each priority
    // in arrival order whatever its route.
    void higherPrioritiesLeaveAFullQueueFirst()
    {
        m_backend->hold = true;
        const quint16 port = m_backend->port();
        const QJsonObject queue{{"max_size", 8}, {"timeout_ms", 30'000}};
        RunningGateway running(makeConfig({prioritizedRoute("high", port, "high"), prioritizedRoute("a", port, ""),
                                           prioritizedRoute("b", port, "normal"), prioritizedRoute("low", port, "low")},
                                          {{"workers", 2}}, {{"queue", queue}}));
        const GatewaySnapshotPtr snapshot = running.gateway.snapshot();
        const std::shared_ptr<SharedQueue> shared = snapshot->queue(0)->shared();
        for (int route = 1; route < 4; ++route)
            QCOMPARE(snapshot->queue(route)->shared(), shared);
        RawClient first(running.port());
        first.send(getFrom("a", "first"));
        QTRY_COMPARE(m_backend->received.load(), 1);
        const QList<QPair<QByteArray, QByteArray>> arrivals{{"low", "low1"},   {"a", "a1"}, {"b", "b1"},
                                                            {"high", "high1"}, {"a", "a2"}, {"low", "low2"},
                                                            {"high", "high2"}, {"b", "b2"}};
        std::vector<std::unique_ptr<RawClient>> waiting;
        for (const auto &[route, name] : arrivals) {
            waiting.push_back(std::make_unique<RawClient>(running.port()));
            waiting.back()->send(getFrom(route, name));
            QTRY_COMPARE(shared->depth(), int(waiting.size()));  // queued before the next one arrives
        }
        QCOMPARE(snapshot->queue(0)->depth(), 2);  // each route counts its own
        QCOMPARE(snapshot->queue(1)->depth(), 2);
        QCOMPARE(snapshot->queue(2)->depth(), 2);
        QCOMPARE(snapshot->queue(3)->depth(), 2);
        QCOMPARE(running.backend(0, 0).queued(), 8);
        m_backend->delayMs = 0;
        releaseHeld();
        QCOMPARE(first.readOne().status, 200);
        for (auto &client : waiting)
            QCOMPARE(client->readOne().status, 200);
        QCOMPARE(m_backend->targets(), (QStringList{"/a?first", "/high?high1", "/high?high2", "/a?a1", "/b?b1", "/a?a2",
                                                    "/b?b2", "/low?low1", "/low?low2"}));
        QCOMPARE(m_backend->maxSeen.load(), 1);
        QCOMPARE(shared->depth(), 0);
        QTRY_COMPARE(running.backend(0, 0).queued(), 0);
    }

    // A full queue refuses low requests first: an arrival of a higher priority than the lowest
    // waiting takes the place of the newest of those, which is refused as from a full queue; an
    // arrival with no one below it is refused itself.
    void fullQueueRefusesLowPriorityFirst()
    {
        m_backend->hold = true;
        const quint16 port = m_backend->port();
        const QJsonObject queue{{"max_size", 2}, {"timeout_ms", 30'000}};
        RunningGateway running(
            makeConfig({prioritizedRoute("high", port, "high"), prioritizedRoute("low", port, "low")}, {{"workers", 2}},
                       {{"queue", queue}}));
        RequestQueue *high = running.gateway.snapshot()->queue(0);
        RequestQueue *low = running.gateway.snapshot()->queue(1);
        QCOMPARE(high->shared(), low->shared());
        const std::shared_ptr<SharedQueue> shared = high->shared();
        RawClient first(running.port());
        first.send(getFrom("low", "first"));
        QTRY_COMPARE(m_backend->received.load(), 1);
        RawClient lowA(running.port());
        lowA.send(getFrom("low", "a"));
        QTRY_COMPARE(shared->depth(), 1);
        RawClient lowB(running.port());
        lowB.send(getFrom("low", "b"));
        QTRY_COMPARE(shared->depth(), 2);  // full

        const auto expectFull = [](RawClient &client) {
            const Response refused = client.readOne();
            QCOMPARE(refused.status, 503);
            QCOMPARE(refused.json()["error"].toString(), QStringLiteral("queue_full"));
            QCOMPARE(refused.json()["type"].toString(), QStringLiteral("service_unavailable"));
            QCOMPARE(refused.headers.value("retry-after"), QByteArray("30"));
        };
        RawClient highA(running.port());
        highA.send(getFrom("high", "a"));
        expectFull(lowB);  // the newest low waiter made room
        if (QTest::currentTestFailed())
            return;
        QTRY_COMPARE(high->depth(), 1);
        QCOMPARE(low->depth(), 1);
        QCOMPARE(shared->depth(), 2);

        RawClient lowC(running.port());  // nobody below it: refused itself
        lowC.send(getFrom("low", "c"));
        expectFull(lowC);
        if (QTest::currentTestFailed())
            return;
        RawClient highB(running.port());
        highB.send(getFrom("high", "b"));
        expectFull(lowA);
        if (QTest::currentTestFailed())
            return;
        QTRY_COMPARE(high->depth(), 2);
        QCOMPARE(low->depth(), 0);
        RawClient highC(running.port());  // a full queue of its own priority: refused as before
        highC.send(getFrom("high", "c"));
        expectFull(highC);
        if (QTest::currentTestFailed())
            return;

        QCOMPARE(low->rejected(RequestQueue::Rejection::Full), quint64(3));
        QCOMPARE(high->rejected(RequestQueue::Rejection::Full), quint64(1));
        MetricsInput input;
        input.queues.append({QStringLiteral("/high"), running.gateway.snapshot()->queues[0]});
        input.queues.append({QStringLiteral("/low"), running.gateway.snapshot()->queues[1]});
        const QByteArray metrics = renderPrometheus(input);
        for (const char *line : {"kairos_queue_depth{route=\"/high\"} 2\n", "kairos_queue_depth{route=\"/low\"} 0\n",
                                 "kairos_queue_rejected_total{route=\"/high\",reason=\"queue_full\"} 1\n",
                                 "kairos_queue_rejected_total{route=\"/low\",reason=\"queue_full\"} 3\n"})
            QVERIFY2(metrics.contains(line), line);

        m_backend->delayMs = 0;
        releaseHeld();
        QCOMPARE(first.readOne().status, 200);
        QCOMPARE(highA.readOne().status, 200);
        QCOMPARE(highB.readOne().status, 200);
        QCOMPARE(m_backend->targets(), (QStringList{"/low?first", "/high?a", "/high?b"}));
        QTRY_COMPARE(running.backend(0, 0).inFlight.load(), 0);
        QCOMPARE(running.backend(0, 0).queued(), 0);
    }

    // Low and high requests at once over two worker threads, into a small shared queue: every
    // request is answered or refused as from a full queue, the refusals are counted, the backend
    // never sees more than its limit, and no slot is lost to an eviction.
    void evictionsUnderLoadLoseNoSlot()
    {
        m_backend->delayMs = 5;
        const quint16 port = m_backend->port();
        QJsonObject high = routeJson("/high", "/high", {limitedBackend(port, 2)}, {"GET"});
        high.insert("priority", "high");
        QJsonObject low = routeJson("/low", "/low", {limitedBackend(port, 2)}, {"GET"});
        low.insert("priority", "low");
        const QJsonObject queue{{"max_size", 5}, {"timeout_ms", 30'000}};
        RunningGateway running(makeConfig({high, low}, {{"workers", 2}}, {{"queue", queue}}));
        RequestQueue *highQueue = running.gateway.snapshot()->queue(0);
        RequestQueue *lowQueue = running.gateway.snapshot()->queue(1);
        std::vector<std::unique_ptr<RawClient>> clients;
        for (int i = 0; i < 60; ++i) {
            clients.push_back(std::make_unique<RawClient>(running.port()));
            clients.back()->send(getFrom(i % 2 ? "high" : "low", QByteArray::number(i)));
        }
        int answered = 0;
        int refused = 0;
        for (auto &client : clients) {
            const Response response = client->readOne(30'000);
            if (response.status == 200) {
                ++answered;
                continue;
            }
            QCOMPARE(response.status, 503);
            QCOMPARE(response.json()["error"].toString(), QStringLiteral("queue_full"));
            ++refused;
        }
        QCOMPARE(answered + refused, 60);
        QCOMPARE(m_backend->received.load(), answered);
        QCOMPARE(highQueue->rejected(RequestQueue::Rejection::Full) + lowQueue->rejected(RequestQueue::Rejection::Full),
                 quint64(refused));
        QCOMPARE(m_backend->maxSeen.load(), 2);
        QCOMPARE(highQueue->shared()->depth(), 0);
        QCOMPARE(highQueue->depth(), 0);
        QCOMPARE(lowQueue->depth(), 0);
        QTRY_COMPARE(running.backend(0, 0).inFlight.load(), 0);
        QCOMPARE(running.backend(0, 0).queued(), 0);
        RawClient first(running.port());  // both slots are back
        RawClient second(running.port());
        first.send(getFrom("low", "after1"));
        second.send(getFrom("low", "after2"));
        QCOMPARE(first.readOne().status, 200);
        QCOMPARE(second.readOne().status, 200);
    }

    // Only routes with the same backends and the same queue settings share a queue; a config
    // change that keeps them keeps the shared queue.
    void routesShareAQueueOnlyWithTheSameBackendsAndSettings()
    {
        CountingBackend *other = secondBackend();
        const quint16 port = m_backend->port();
        QJsonObject ownQueue = prioritizedRoute("own", port, "high");
        ownQueue.insert("queue", QJsonObject{{"max_size", 5}});
        QJsonObject twoBackends =
            routeJson("/two", "/", {limitedBackend(port, 1), limitedBackend(other->port(), 1)}, {"GET"});
        QJsonObject twoReversed =
            routeJson("/reversed", "/", {limitedBackend(other->port(), 1), limitedBackend(port, 1)}, {"GET"});
        twoReversed.insert("priority", "low");
        QJsonObject config{{"version", 1},
                           {"server", QJsonObject{{"host", "127.0.0.1"}, {"port", 5900}, {"workers", 2}}},
                           {"queue", QJsonObject{{"max_size", 10}}},
                           {"routers", QJsonArray{prioritizedRoute("a", port, ""), prioritizedRoute("b", port, "low"),
                                                  ownQueue, twoBackends, twoReversed}}};
        RunningService running(config);
        Gateway &gateway = *running.service.gateway();
        const GatewaySnapshotPtr before = gateway.snapshot();
        QCOMPARE(before->queue(0)->shared(), before->queue(1)->shared());
        QVERIFY(before->queue(2)->shared() != before->queue(0)->shared());  // other settings
        QCOMPARE(before->queue(2)->settings().maxSize, 5);
        QVERIFY(before->queue(3)->shared() != before->queue(0)->shared());  // other backends
        QCOMPARE(before->queue(3)->shared(), before->queue(4)->shared());   // the same ones, in another order

        QJsonArray routes = config["routers"].toArray();
        routes.append(prioritizedRoute("c", port, "high"));  // joins /a and /b
        config["routers"] = routes;
        QCOMPARE(jsonRequest(running.port, "PUT", "/api/config", config).status, 200);
        const GatewaySnapshotPtr after = gateway.snapshot();
        QCOMPARE(after->queues[0], before->queues[0]);
        QCOMPARE(after->queue(5)->shared(), before->queue(0)->shared());
        QCOMPARE(after->queue(3)->shared(), before->queue(3)->shared());
        QCOMPARE(request(running.port, "GET", "/c").status, 200);
    }

    void retriesCountAgainstMaxConnections()
    {
        m_backend->failFirstTry = true;
        m_backend->delayMs = 20;
        QJsonObject route = queuedRoute(m_backend->port(), 1, 100, 30'000);
        route.insert("retry", QJsonObject{{"max_attempts", 2},
                                          {"initial_backoff_ms", 1},
                                          {"max_backoff_ms", 2},
                                          {"retryable_status_codes", QJsonArray{503}}});
        // Every first try fails on purpose: that must not open the circuit.
        route.insert("circuit_breaker", QJsonObject{{"failure_threshold", 1000}});
        RunningGateway running(makeConfig({route}, {{"workers", 2}}));
        std::vector<std::unique_ptr<RawClient>> clients;
        for (int i = 0; i < 10; ++i) {
            clients.push_back(std::make_unique<RawClient>(running.port()));
            clients.back()->send(get(QByteArray::number(i)));
        }
        for (auto &client : clients) {
            const Response response = client->readOne(30'000);
            QCOMPARE(response.status, 200);
            QCOMPARE(response.headers.value("x-kairos-attempts"), QByteArray("2"));
        }
        QCOMPARE(m_backend->received.load(), 20);
        QCOMPARE(m_backend->maxSeen.load(), 1);
        QTRY_COMPARE(running.backend(0, 0).inFlight.load(), 0);
    }

    void reloadKeepsTheQueueOfAnUnchangedRoute()
    {
        m_backend->hold = true;
        QJsonObject config{{"version", 1},
                           {"server", QJsonObject{{"host", "127.0.0.1"}, {"port", 5900}, {"workers", 2}}},
                           {"routers", QJsonArray{queuedRoute(m_backend->port(), 1, 10, 30'000)}}};
        RunningService running(config);
        Gateway &gateway = *running.service.gateway();
        const std::shared_ptr<RequestQueue> queue = gateway.snapshot()->queues[0];
        RawClient first(running.port);
        first.send(get("first"));
        QTRY_COMPARE(m_backend->received.load(), 1);
        RawClient second(running.port);
        second.send(get("second"));
        QTRY_COMPARE(queue->depth(), 1);

        QJsonArray routes = config["routers"].toArray();
        routes.append(routeJson("/other", "/", {limitedBackend(m_backend->port(), 1)}, {"GET"}));  // shares the backend
        config["routers"] = routes;
        QCOMPARE(jsonRequest(running.port, "PUT", "/api/config", config).status, 200);
        QCOMPARE(gateway.snapshot()->config->routes.size(), 2);
        QCOMPARE(gateway.snapshot()->queues[0], queue);  // the same queue, its waiter still in it
        QCOMPARE(queue->depth(), 1);
        const QByteArray metrics = request(running.port, "GET", "/metrics").body;
        QVERIFY2(metrics.contains("kairos_queue_depth{route=\"/q\"} 1"), metrics.constData());

        RawClient third(running.port);  // arrives after the reload: queued behind the second
        third.send(get("third"));
        QTRY_COMPARE(queue->depth(), 2);
        m_backend->delayMs = 0;
        releaseHeld();
        QCOMPARE(first.readOne().status, 200);
        QCOMPARE(second.readOne().status, 200);
        QCOMPARE(third.readOne().status, 200);
        QCOMPARE(m_backend->targets(), (QStringList{"/?first", "/?second", "/?third"}));

        // A raised max_connections: the queue stays (same settings, same backend), and the
        // request waiting in it takes the new slot at once, while the first still holds its own.
        m_backend->hold = true;
        RawClient holding(running.port);
        holding.send(get("holding"));
        QTRY_COMPARE(m_backend->received.load(), 4);
        RawClient waiting(running.port);
        waiting.send(get("waiting"));
        QTRY_COMPARE(queue->depth(), 1);
        QJsonObject raised = config;
        QJsonArray raisedRoutes = raised["routers"].toArray();
        raisedRoutes[0] = queuedRoute(m_backend->port(), 2, 10, 30'000);
        raisedRoutes[1] = routeJson("/other", "/", {limitedBackend(m_backend->port(), 2)}, {"GET"});
        raised["routers"] = raisedRoutes;
        QCOMPARE(jsonRequest(running.port, "PUT", "/api/config", raised).status, 200);
        QCOMPARE(gateway.snapshot()->queues[0], queue);
        QTRY_COMPARE(m_backend->received.load(), 5);
        QCOMPARE(queue->depth(), 0);
        QCOMPARE(m_backend->current.load(), 2);
        releaseHeld();
        QCOMPARE(holding.readOne().status, 200);
        QCOMPARE(waiting.readOne().status, 200);

        // A changed queue is a new one.
        QJsonObject changed = config;
        QJsonArray changedRoutes = changed["routers"].toArray();
        changedRoutes[0] = queuedRoute(m_backend->port(), 1, 20, 30'000);
        changed["routers"] = changedRoutes;
        QCOMPARE(jsonRequest(running.port, "PUT", "/api/config", changed).status, 200);
        QVERIFY(gateway.snapshot()->queues[0] != queue);
        QCOMPARE(gateway.snapshot()->queues[0]->settings().maxSize, 20);
    }
};

QTEST_GUILESS_MAIN(TestQueue)
#include "tst_queue.moc"
