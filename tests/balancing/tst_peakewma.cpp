// PeakEwma end to end: a gateway on 127.0.0.1 in front of two backends whose answer time the test
// sets, under steady load. When one becomes ten times slower its share of new requests falls far
// below half, and comes back when it is fast again. Shares are counted by the backends themselves
// over windows of requests; GET /api/backends' fields are checked against what happened.
#include "proxy/backendreport.h"

#include "support/loadgenerator.h"
#include "support/testsupport.h"

#include <QtTest>

using namespace kairos;
using namespace kairos::test;

namespace {

// Answers every GET after `delayMs` (read when the request arrives), keeping connections open.
class DelayedBackend
{
public:
    DelayedBackend()
        : m_server([this](QTcpSocket *socket, const QByteArray &received, int) {
              // Without it, an answer written while the previous one waits for its (delayed)
              // acknowledgement is held back by Nagle's algorithm for up to 40 ms.
              socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
              const int complete = int(received.count("\r\n\r\n"));
              int &answered = m_answered[socket];
              for (; answered < complete; ++answered) {
                  ++received_;
                  QTimer::singleShot(delayMs, Qt::PreciseTimer, socket,
                                     [socket] { socket->write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"); });
              }
          })
    {}
    quint16 port() const { return m_server.port(); }
    int received() const { return received_; }

    int delayMs = 2;

private:
    int received_ = 0;
    QHash<QTcpSocket *, int> m_answered;
    ScriptedBackend m_server;
};

QString describe(const QList<double> &shares)
{
    QStringList text;
    for (double share : shares)
        text << QString::number(share, 'f', 3);
    return text.join(QLatin1String(", "));
}

}  // namespace

class TestPeakEwma : public QObject
{
    Q_OBJECT

private slots:
    void trafficLeavesASlowedBackendAndComesBack()
    {
        DelayedBackend fast;
        DelayedBackend varying;
        QJsonObject route = routeJson("/api", "/", QJsonArray{backendJson(fast.port()), backendJson(varying.port())},
                                      {"GET"}, "peak_ewma");
        // A short decay, so that the shunned backend is retried within seconds of its recovery
        // (with the default 10 s it takes about ten times longer; the slowdown counts at once either way).
        route.insert("ewma_decay_ms", 1000);
        route.insert("default_rtt_ms", 2);
        RunningGateway running(makeConfig(QJsonArray{route}));
        LoadGenerator load(running.port(), {"/api"}, 4);
        load.start();

        // The varying backend's share of the next `requests` requests the two received.
        const auto shareOfNext = [&](int requests) {
            const int fastBefore = fast.received();
            const int varyingBefore = varying.received();
            const auto total = [&] { return fast.received() - fastBefore + varying.received() - varyingBefore; };
            if (!runUntil([&] { return total() >= requests; }, 30'000))
                return -1.0;
            return double(varying.received() - varyingBefore) / double(total());
        };

        // Both equally fast: both take part.
        const double before = shareOfNext(400);
        QVERIFY2(before > 0.1 && before < 0.9, qPrintable(QString::number(before)));

        // Ten times slower: within a few seconds two windows in a row leave it under a tenth.
        varying.delayMs = 25;
        QElapsedTimer clock;
        clock.start();
        int lowWindows = 0;
        QList<double> seen;
        while (lowWindows < 2 && clock.elapsed() < 30'000) {
            const double share = shareOfNext(200);
            QVERIFY2(share >= 0, "the load stopped");
            seen << share;
            lowWindows = share < 0.1 ? lowWindows + 1 : 0;
        }
        QVERIFY2(lowWindows == 2, qPrintable("shares of successive windows: " + describe(seen)));

        // GET /api/backends: the slow one is estimated slower and has the smaller share.
        const QJsonArray report = describeBackends(*running.gateway.snapshot());
        QCOMPARE(report.size(), 2);
        const QJsonObject fastEntry = report[0].toObject();
        const QJsonObject slowEntry = report[1].toObject();
        QVERIFY(fastEntry["latency_estimate_ms"].isDouble());
        QVERIFY(slowEntry["latency_estimate_ms"].isDouble());
        QVERIFY2(fastEntry["share"].toDouble() > slowEntry["share"].toDouble(),
                 qPrintable(QJsonDocument(report).toJson(QJsonDocument::Compact)));
        QVERIFY(qAbs(fastEntry["share"].toDouble() + slowEntry["share"].toDouble() - 1) < 1e-9);

        // Fast again: as its estimate decays it is tried, answers fast, and takes its part again.
        varying.delayMs = 2;
        clock.restart();
        seen.clear();
        double recovered = 0;
        while (recovered < 0.2 && clock.elapsed() < 60'000) {
            recovered = shareOfNext(200);
            QVERIFY2(recovered >= 0, "the load stopped");
            seen << recovered;
        }
        QVERIFY2(recovered >= 0.2, qPrintable("shares of successive windows: " + describe(seen)));
        QVERIFY(load.stop());
        QCOMPARE(load.statuses().keys(), QList<int>{200});
    }

    // A split group with peak_ewma on a round-robin route: its tries are measured by the group's
    // balancer, so a slow backend of the group is left, and the report shows the group's estimates.
    // One connection, so that in-flight counts never tell the two apart: only the estimates can.
    void peakEwmaInASplitGroup()
    {
        DelayedBackend fast;
        DelayedBackend slow;
        DelayedBackend idle;
        slow.delayMs = 25;
        QJsonObject route = routeJson("/api", "/", QJsonArray(), {"GET"});
        route.remove("backends");
        route.insert(
            "split",
            QJsonArray{
                QJsonObject{{"name", "stable"},
                            {"weight", 1},
                            {"strategy", "peak_ewma"},
                            {"backends", QJsonArray{backendJson(fast.port()), backendJson(slow.port())}}},
                QJsonObject{{"name", "next"}, {"weight", 0}, {"backends", QJsonArray{backendJson(idle.port())}}}});
        route.insert("ewma_decay_ms", 1000);
        route.insert("default_rtt_ms", 2);
        RunningGateway running(makeConfig(QJsonArray{route}));
        LoadGenerator load(running.port(), {"/api"}, 1);
        load.start();
        QVERIFY(runUntil([&] { return fast.received() + slow.received() >= 100; }, 30'000));
        const int fastBefore = fast.received();
        const int slowBefore = slow.received();
        QVERIFY(runUntil([&] { return fast.received() - fastBefore + slow.received() - slowBefore >= 300; }, 30'000));
        const double slowShare =
            double(slow.received() - slowBefore) / double(fast.received() - fastBefore + slow.received() - slowBefore);
        QVERIFY2(slowShare < 0.1, qPrintable(QString::number(slowShare)));
        QVERIFY(load.stop());
        QCOMPARE(idle.received(), 0);
        const QJsonArray report = describeBackends(*running.gateway.snapshot());
        QCOMPARE(report.size(), 3);
        // The peak_ewma group's backends have estimates (the route's own strategy has none).
        QVERIFY(report[0].toObject()["latency_estimate_ms"].isDouble());
        QVERIFY(report[1].toObject()["latency_estimate_ms"].isDouble());
        QVERIFY(report[2].toObject()["latency_estimate_ms"].isNull());  // the round-robin group's
    }

    // A backend without PeakEwma routes has no estimate; without traffic no share.
    void reportWithoutPeakEwma()
    {
        DelayedBackend backend;
        RunningGateway running(makeConfig(QJsonArray{routeJson("/api", "/", QJsonArray{backendJson(backend.port())})}));
        QJsonArray report = describeBackends(*running.gateway.snapshot());
        QVERIFY(report[0].toObject()["latency_estimate_ms"].isNull());
        QVERIFY(report[0].toObject()["share"].isNull());
        QCOMPARE(request(running.port(), "GET", "/api").status, 200);
        report = describeBackends(*running.gateway.snapshot());
        QVERIFY(report[0].toObject()["latency_estimate_ms"].isNull());
        QCOMPARE(report[0].toObject()["share"].toDouble(), 1.0);
    }
};

QTEST_GUILESS_MAIN(TestPeakEwma)
#include "tst_peakewma.moc"
