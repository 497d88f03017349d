// Outlier ejection and slow start: the per-backend state machine (counts, durations, the end of
// an ejection), the per-route cap, the share a balancer gives a backend while it ramps up, a
// backend joining through a config change, and one end to end through the gateway with a real
// backend that fails with 500s and recovers.
#include "backend/backendstate.h"
#include "balancing/balancer.h"
#include "demo/echobackend.h"
#include "metrics/prometheus.h"
#include "proxy/backendreport.h"
#include "proxy/gatewaysnapshot.h"
#include "support/testsupport.h"

#include <QtTest>

#include <atomic>

using namespace kairos;
using namespace kairos::test;

namespace {

OutlierDetectionSettings settings(int consecutive5xx, int gatewayFailures, int baseMs = 1000, int maxMs = 300'000,
                                  int percent = 10)
{
    OutlierDetectionSettings result;
    result.consecutive5xx = consecutive5xx;
    result.consecutiveGatewayFailures = gatewayFailures;
    result.baseEjectionMs = baseMs;
    result.maxEjectionMs = maxMs;
    result.maxEjectionPercent = percent;
    return result;
}

std::vector<BalancedBackend> backends(int count)
{
    std::vector<BalancedBackend> result;
    for (int i = 0; i < count; ++i)
        result.push_back({std::make_shared<BackendState>(backendAt(QStringLiteral("http://b%1").arg(i), 80)), 1});
    return result;
}

QList<int> pickCounts(const StandaloneBalancer &balancer, int picks)
{
    QList<int> counts(balancer.balancer->size(), 0);
    for (int i = 0; i < picks; ++i) {
        Selection selection = balancer.select(clientHash(QByteArray::number(i)));
        const int index = selection.nextAvailable();
        if (index >= 0)
            ++counts[index];
    }
    return counts;
}

const QList<LoadBalancingStrategy> kWeighingStrategies{
    LoadBalancingStrategy::RoundRobin, LoadBalancingStrategy::Weighted, LoadBalancingStrategy::LeastConnections,
    LoadBalancingStrategy::Random, LoadBalancingStrategy::PowerOfTwo};

}  // namespace

class TestOutlier : public QObject
{
    Q_OBJECT

private slots:
    void consecutive5xxEjectsAndSuccessResets()
    {
        BackendState state(backendAt("http://b", 80));
        const OutlierDetectionSettings three = settings(3, 100);
        QVERIFY(!state.countOutcome(500, three));
        QVERIFY(!state.countOutcome(500, three));
        QVERIFY(!state.countOutcome(200, three));  // resets the run
        QCOMPARE(state.consecutive5xx(), 0);
        QVERIFY(!state.countOutcome(500, three));
        QVERIFY(!state.countOutcome(501, three));
        QVERIFY(!state.countOutcome(404, three));  // a 4xx is the client's problem, and a success here
        QVERIFY(!state.countOutcome(500, three));
        QVERIFY(!state.countOutcome(500, three));
        QVERIFY(state.countOutcome(503, three));
        // Not ejected (the route's cap): tried again after as many failures more.
        QVERIFY(!state.countOutcome(500, three));
        QVERIFY(!state.countOutcome(500, three));
        QVERIFY(state.countOutcome(500, three));
    }

    void gatewayFailuresCountOnTheirOwn()
    {
        BackendState state(backendAt("http://b", 80));
        const OutlierDetectionSettings two = settings(100, 2);
        QVERIFY(!state.countOutcome(502, two));
        QVERIFY(!state.countOutcome(500, two));  // a 5xx that is not a gateway failure ends that run
        QCOMPARE(state.consecutiveGatewayFailures(), 0);
        QCOMPARE(state.consecutive5xx(), 2);
        QVERIFY(!state.countOutcome(504, two));  // a timeout, as the exchange reports it
        QVERIFY(state.countOutcome(503, two));
    }

    void ejectionLastsBaseTimesEjectionsCapped()
    {
        BackendState state(backendAt("http://b", 80));
        const OutlierDetectionSettings capped = settings(5, 5, 1000, 2500);
        QVERIFY(state.eject(capped, 10'000));
        QVERIFY(!state.eject(capped, 10'001));  // already ejected
        QCOMPARE(state.ejectedUntilMs(), 11'000);
        QVERIFY(state.isEjected(10'999));
        QVERIFY(!state.isAvailableNow());
        QCOMPARE(state.outlierAdmission(10'999), 0);
        QVERIFY(!state.isEjected(11'000));
        QCOMPARE(state.outlierAdmission(11'000), 100);  // its time is over: back, and no slow start set
        QVERIFY(state.isAvailableNow());
        QCOMPARE(state.ejectedUntilMs(), 0);

        QVERIFY(state.eject(capped, 20'000));
        QCOMPARE(state.ejectedUntilMs(), 22'000);  // 2 x base
        QCOMPARE(state.outlierAdmission(22'000), 100);
        QVERIFY(state.eject(capped, 30'000));
        QCOMPARE(state.ejectedUntilMs(), 32'500);  // 3 x base, capped at max_ejection_ms
        QCOMPARE(state.ejections(), 3u);
    }

    void ejectionResetsTheRuns()
    {
        BackendState state(backendAt("http://b", 80));
        const OutlierDetectionSettings two = settings(2, 2);
        QVERIFY(!state.countOutcome(502, two));
        QVERIFY(state.countOutcome(502, two));
        QVERIFY(state.eject(two, 0));
        QCOMPARE(state.consecutive5xx(), 0);
        QCOMPARE(state.consecutiveGatewayFailures(), 0);
    }

    void slowStartRampsLinearly()
    {
        BackendState state(backendAt("http://b", 80));
        QCOMPARE(state.slowStartPercent(0), 100);
        state.beginSlowStart(1000);  // no window: nothing
        QCOMPARE(state.slowStartPercent(1000), 100);
        QVERIFY(state.isAvailableNow());

        state.setSlowStart(10'000, 10);
        state.beginSlowStart(1000);
        QVERIFY(!state.isAvailableNow());  // the slower check weighs it
        QCOMPARE(state.slowStartPercent(1000), 10);
        QCOMPARE(state.slowStartPercent(6000), 55);
        QCOMPARE(state.slowStartPercent(10'000), 91);
        QCOMPARE(state.outlierAdmission(6000), 55);
        QCOMPARE(state.outlierAdmission(11'000), 100);
        QVERIFY(state.isAvailableNow());  // a finished ramp is cheap again
    }

    void ejectionEndsInSlowStart()
    {
        BackendState state(backendAt("http://b", 80));
        state.setSlowStart(10'000, 20);
        QVERIFY(state.eject(settings(5, 5, 1000), 0));
        QCOMPARE(state.outlierAdmission(500), 0);
        // Seen late: the ramp starts where the ejection ended, not when someone looked.
        QCOMPARE(state.outlierAdmission(6000), 60);
        QVERIFY(!state.isEjected(6000));
        QCOMPARE(state.slowStartPercent(11'000), 100);
    }

    void capAllowsAtLeastOneAndNeverAll_data()
    {
        QTest::addColumn<int>("backends");
        QTest::addColumn<int>("percent");
        QTest::addColumn<int>("expected");
        QTest::newRow("one backend") << 1 << 100 << 0;
        QTest::newRow("two, 10 %") << 2 << 10 << 1;
        QTest::newRow("two, 100 %") << 2 << 100 << 1;
        QTest::newRow("three, 34 %") << 3 << 34 << 1;
        QTest::newRow("three, 67 %") << 3 << 67 << 2;
        QTest::newRow("ten, 0 %") << 10 << 0 << 1;
        QTest::newRow("ten, 50 %") << 10 << 50 << 5;
        QTest::newRow("twenty, 10 %") << 20 << 10 << 2;
    }
    void capAllowsAtLeastOneAndNeverAll()
    {
        QFETCH(int, backends);
        QFETCH(int, percent);
        QFETCH(int, expected);
        QCOMPARE(maxEjectedBackends(backends, percent), expected);
    }

    void routeOfThreeEjectsOneOfTwoFailing()
    {
        const StandaloneBalancer route(LoadBalancingStrategy::RoundRobin, backends(3));
        const OutlierDetectionSettings cap = settings(5, 5, 60'000, 300'000, 34);
        const qint64 now = BackendState::nowMs();
        QVERIFY(ejectWithinCap(*route.balancer, 0, cap, now));
        QVERIFY(!ejectWithinCap(*route.balancer, 1, cap, now));
        QVERIFY(route.backends[0].state->isEjected(now));
        QVERIFY(!route.backends[1].state->isEjected(now));
        QCOMPARE(route.backends[1].state->ejections(), 0u);
    }

    void routeNeverEjectsAll()
    {
        const OutlierDetectionSettings all = settings(5, 5, 60'000, 300'000, 100);
        const qint64 now = BackendState::nowMs();
        const StandaloneBalancer single(LoadBalancingStrategy::RoundRobin, backends(1));
        QVERIFY(!ejectWithinCap(*single.balancer, 0, all, now));
        const StandaloneBalancer pair(LoadBalancingStrategy::RoundRobin, backends(2));
        QVERIFY(ejectWithinCap(*pair.balancer, 0, all, now));
        QVERIFY(!ejectWithinCap(*pair.balancer, 1, all, now));
    }

    void selectionSkipsEjectedBackends()
    {
        for (LoadBalancingStrategy strategy : kWeighingStrategies + QList{LoadBalancingStrategy::IpHash}) {
            const StandaloneBalancer route(strategy, backends(3));
            QVERIFY(route.backends[1].state->eject(settings(5, 5, 60'000), BackendState::nowMs()));
            const QList<int> counts = pickCounts(route, 300);
            QVERIFY2(counts[1] == 0, qPrintable(strategyName(strategy)));
            QCOMPARE(counts[0] + counts[2], 300);
        }
    }

    // A backend shared with another route can be ejected there even when this route's cap would
    // not have allowed it: with all its backends ejected, a route still uses one of them.
    void routeWithAllEjectedStillAnswers()
    {
        const StandaloneBalancer route(LoadBalancingStrategy::RoundRobin, backends(2));
        const qint64 now = BackendState::nowMs();
        QVERIFY(route.backends[0].state->eject(settings(5, 5, 60'000), now));
        QVERIFY(route.backends[1].state->eject(settings(5, 5, 60'000), now));
        Selection selection = route.select(0);
        const int index = selection.nextAvailable();
        QVERIFY(index == 0 || index == 1);
        QCOMPARE(selection.nextAvailable(), -1);  // once

        // Down by health checks is not ejection: nothing then.
        route.backends[0].state->healthy = false;
        route.backends[1].state->healthy = false;
        Selection down = route.select(0);
        QCOMPARE(down.nextAvailable(), -1);
    }

    // A ramping backend gets the share its weight would give it at the ramp's percentage, through
    // each strategy that weighs backends. The ramp's start is set back instead of waiting.
    void slowStartShareFollowsTheRamp_data()
    {
        QTest::addColumn<int>("strategy");
        QTest::addColumn<int>("elapsedPercent");
        for (LoadBalancingStrategy strategy : kWeighingStrategies) {
            for (int elapsed : {0, 50, 90})
                QTest::addRow("%s, %d %% into the ramp", qPrintable(strategyName(strategy)), elapsed)
                    << int(strategy) << elapsed;
        }
    }
    void slowStartShareFollowsTheRamp()
    {
        QFETCH(int, strategy);
        QFETCH(int, elapsedPercent);
        const StandaloneBalancer route(LoadBalancingStrategy(strategy), backends(4));
        const qint64 window = 3'600'000;  // long enough that the test's own time does not move it
        BackendState &ramping = *route.backends[0].state;
        ramping.setSlowStart(int(window), 10);
        ramping.beginSlowStart(BackendState::nowMs() - window * elapsedPercent / 100);
        const int expectedPercent = 10 + 90 * elapsedPercent / 100;
        QCOMPARE(ramping.slowStartPercent(BackendState::nowMs()), expectedPercent);

        // As if its weight were the ramp's fraction of the others': p / (p + 3) of the picks.
        const double weight = expectedPercent / 100.0;
        const double expected = weight / (weight + 3);
        const int picks = 40'000;
        const QList<int> counts = pickCounts(route, picks);
        const double share = double(counts[0]) / picks;
        QVERIFY2(qAbs(share - expected) < 0.015,
                 qPrintable(QStringLiteral("ramping backend got %1 of the picks (expected %2); counts %3")
                                .arg(share)
                                .arg(expected)
                                .arg(QString::number(counts[0]) + ',' + QString::number(counts[1]) + ','
                                     + QString::number(counts[2]) + ',' + QString::number(counts[3]))));
        QCOMPARE(counts[0] + counts[1] + counts[2] + counts[3], picks);
        // What it is not given spreads over the others.
        const int fewest = std::min({counts[1], counts[2], counts[3]});
        const int most = std::max({counts[1], counts[2], counts[3]});
        QVERIFY2(most - fewest < picks / 40, qPrintable(QStringLiteral("others got %1 to %2").arg(fewest).arg(most)));
    }

    // Under load, least_connections and power_of_two give a ramping backend requests while it
    // carries less than its ramped share of the in-flight requests, and none while it carries more.
    void loadStrategiesRampByLoad()
    {
        for (LoadBalancingStrategy strategy :
             {LoadBalancingStrategy::LeastConnections, LoadBalancingStrategy::PowerOfTwo}) {
            const StandaloneBalancer route(strategy, backends(4));
            BackendState &ramping = *route.backends[0].state;
            const qint64 window = 3'600'000;
            ramping.setSlowStart(int(window), 10);
            ramping.beginSlowStart(BackendState::nowMs() - window / 2);  // 55 %
            for (int i = 1; i < 4; ++i)
                route.backends[size_t(i)].state->inFlight = 10;

            ramping.inFlight = 5;  // below 55 % of 10
            const int below = pickCounts(route, 1000)[0];
            ramping.inFlight = 6;  // above
            const int above = pickCounts(route, 1000)[0];
            const QByteArray name = strategyName(strategy).toUtf8();
            if (strategy == LoadBalancingStrategy::LeastConnections)
                QVERIFY2(below == 1000, name);  // always the least loaded
            else
                QVERIFY2(below > 400, name);  // whenever it is one of the two drawn
            QVERIFY2(above == 0, name);
        }
    }

    // A lone backend in slow start still takes every request: there is no one else to take them.
    void rampingBackendAloneTakesEverything()
    {
        const StandaloneBalancer route(LoadBalancingStrategy::RoundRobin, backends(1));
        route.backends[0].state->setSlowStart(3'600'000, 10);
        route.backends[0].state->beginSlowStart(BackendState::nowMs());
        QCOMPARE(pickCounts(route, 100)[0], 100);
    }

    void backendAddedByAConfigChangeStartsSlow()
    {
        const QJsonObject slowStart{{"slow_start_ms", 3'600'000}, {"slow_start_min_weight_percent", 20}};
        BackendRegistry registry;
        RouteMetricsRegistry metrics;
        const GatewaySnapshot first(
            makeConfig({routeJson("/x", "/", {backendJson(1001), backendJson(1002)})}, {}, slowStart), registry,
            metrics);
        const qint64 now = BackendState::nowMs();
        // The first config's backends start together: none ramps.
        QCOMPARE(first.balancers[0]->backend(0).state->slowStartPercent(now), 100);
        QCOMPARE(first.balancers[0]->backend(1).state->slowStartPercent(now), 100);

        const GatewaySnapshot second(
            makeConfig({routeJson("/x", "/", {backendJson(1001), backendJson(1002), backendJson(1003)})}, {},
                       slowStart),
            registry, metrics);
        QCOMPARE(second.balancers[0]->backend(0).state->slowStartPercent(now), 100);
        const int added = second.balancers[0]->backend(2).state->slowStartPercent(BackendState::nowMs());
        QVERIFY2(added >= 20 && added < 25, qPrintable(QString::number(added)));
    }

    void backendBackFromHealthChecksStartsSlow()
    {
        std::atomic<int> healthStatus{200};
        ScriptedBackend checked(healthCheckedScript(healthStatus));
        EchoBackend other("other");
        QVERIFY(other.listen());
        QJsonObject checkedBackend = backendJson(checked.port());
        checkedBackend.insert("health_check_path", "/health");
        RunningGateway running(makeConfig(
            {routeJson("/h", "/", {checkedBackend, backendJson(other.port())})}, {},
            {{"health_check", QJsonObject{{"interval_ms", 100}, {"unhealthy_threshold", 1}, {"healthy_threshold", 1}}},
             {"slow_start_ms", 3'600'000},
             {"slow_start_min_weight_percent", 30}}));
        BackendState &state = running.backend(0, 0);
        QCOMPARE(state.slowStartPercent(BackendState::nowMs()), 100);  // of the first config: no ramp

        healthStatus = 500;
        QTRY_VERIFY_WITH_TIMEOUT(!state.healthy, 5000);
        healthStatus = 200;
        QTRY_VERIFY_WITH_TIMEOUT(state.healthy.load(), 5000);
        const int percent = state.slowStartPercent(BackendState::nowMs());
        QVERIFY2(percent >= 30 && percent < 35, qPrintable(QString::number(percent)));
    }

    // Metrics and GET /api/backends show the state.
    void ejectionIsReported()
    {
        BackendRegistry registry;
        RouteMetricsRegistry metrics;
        const GatewaySnapshot snapshot(makeConfig({routeJson("/x", "/", {backendJson(1001), backendJson(1002)})}, {},
                                                  {{"slow_start_ms", 3'600'000}}),
                                       registry, metrics);
        BackendState &ejected = *snapshot.balancers[0]->backend(0).state;
        QVERIFY(ejected.eject(settings(5, 5, 60'000), BackendState::nowMs()));
        snapshot.balancers[0]->backend(1).state->beginSlowStart(BackendState::nowMs());

        MetricsInput input;
        input.backends = registry.all();
        const QByteArray text = renderPrometheus(input);
        QVERIFY(text.contains("# TYPE kairos_backend_ejected gauge\n"));
        QVERIFY(text.contains("# TYPE kairos_backend_ejections_total counter\n"));
        QVERIFY(text.contains("kairos_backend_ejected{backend=\"http://127.0.0.1:1001\"} 1\n"));
        QVERIFY(text.contains("kairos_backend_ejected{backend=\"http://127.0.0.1:1002\"} 0\n"));
        QVERIFY(text.contains("kairos_backend_ejections_total{backend=\"http://127.0.0.1:1001\"} 1\n"));

        const QJsonArray list = describeBackends(snapshot);
        QCOMPARE(list.size(), 2);
        const QJsonObject first = list[0].toObject();
        QCOMPARE(first["ejected"].toBool(), true);
        QCOMPARE(first["ejections"].toInt(), 1);
        QCOMPARE(qint64(first["ejected_until_ms"].toDouble()), ejected.ejectedUntilMs());
        QVERIFY(first["ejection_remaining_ms"].toDouble() > 0);
        QCOMPARE(first["slow_start_percent"].toInt(), 100);
        const QJsonObject second = list[1].toObject();
        QCOMPARE(second["ejected"].toBool(), false);
        QCOMPARE(second["ejected_until_ms"].toDouble(), 0.0);
        QVERIFY(second["slow_start_percent"].toInt() < 100);
    }

    // A backend answers 500 until told otherwise: it is ejected, the route's other backend takes
    // everything, and once the ejection is over it comes back, ramping up.
    void failingBackendIsEjectedAndComesBack()
    {
        EchoBackend good("good");
        QVERIFY(good.listen());
        std::atomic<bool> failing{true};
        std::atomic<int> badRequests{0};
        ScriptedBackend bad([&](QTcpSocket *socket, const QByteArray &received, int) {
            if (!received.endsWith("\r\n\r\n"))
                return;
            ++badRequests;
            socket->write(
                failing ? "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4\r\nConnection: close\r\n\r\nfail"
                        : "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
            socket->flush();
            socket->disconnectFromHost();
        });
        const QJsonObject outlier{{"consecutive_5xx", 3}, {"base_ejection_ms", 3000}, {"max_ejection_percent", 50}};
        RunningGateway running(makeConfig({routeJson("/x", "/", {backendJson(good.port()), backendJson(bad.port())})},
                                          {}, {{"outlier_detection", outlier}, {"slow_start_ms", 3'600'000}}));
        BackendState &state = running.backend(0, 1);

        int failures = 0;
        for (int i = 0; i < 12 && !state.isEjected(BackendState::nowMs()); ++i)
            failures += request(running.port(), "GET", "/x").status == 500 ? 1 : 0;
        QVERIFY(state.isEjected(BackendState::nowMs()));
        QCOMPARE(failures, 3);
        QCOMPARE(state.ejections(), 1u);

        const int before = badRequests;
        for (int i = 0; i < 10; ++i)
            QCOMPARE(request(running.port(), "GET", "/x").status, 200);
        if (state.isEjected(BackendState::nowMs()))  // its 3 s may be over on a very slow machine
            QCOMPARE(badRequests.load(), before);

        failing = false;
        QTRY_VERIFY_WITH_TIMEOUT(!state.isEjected(BackendState::nowMs()), 10'000);
        // Back, ramping from 10 %: it takes some of the requests again, not its full half.
        QTRY_VERIFY_WITH_TIMEOUT(request(running.port(), "GET", "/x").status == 200 && badRequests > before, 20'000);
        QVERIFY(state.slowStartPercent(BackendState::nowMs()) < 100);
        QCOMPARE(state.ejections(), 1u);
    }
};

QTEST_GUILESS_MAIN(TestOutlier)
#include "tst_outlier.moc"
