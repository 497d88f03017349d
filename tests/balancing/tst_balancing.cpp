#include "balancing/balancer.h"
#include "balancing/peakewma.h"
#include "balancing/weighted.h"
#include "config/configloader.h"
#include "metrics/routemetrics.h"
#include "proxy/gatewaysnapshot.h"

#include "support/testsupport.h"

#include <QtTest>

using namespace kairos;

namespace {

std::vector<BalancedBackend> backends(const QList<int> &weights)
{
    std::vector<BalancedBackend> result;
    for (int i = 0; i < weights.size(); ++i)
        result.push_back(
            {std::make_shared<BackendState>(test::backendAt(QStringLiteral("http://b%1").arg(i), 80)), weights[i]});
    return result;
}

// A row per strategy, for the tests that run with each.
void addStrategyRows()
{
    QTest::addColumn<int>("strategy");
    for (LoadBalancingStrategy strategy :
         {LoadBalancingStrategy::RoundRobin, LoadBalancingStrategy::Weighted, LoadBalancingStrategy::LeastConnections,
          LoadBalancingStrategy::Random, LoadBalancingStrategy::IpHash, LoadBalancingStrategy::PowerOfTwo,
          LoadBalancingStrategy::PeakEwma})
        QTest::newRow(qPrintable(strategyName(strategy))) << int(strategy);
}

std::unique_ptr<StandaloneBalancer> standalone(LoadBalancingStrategy strategy, std::vector<BalancedBackend> list,
                                               const PeakEwmaSettings &peakEwma = {})
{
    return std::make_unique<StandaloneBalancer>(strategy, std::move(list), peakEwma);
}

// The first choice as a request makes it.
int pick(const StandaloneBalancer &balancer, const QByteArray &client = "127.0.0.1")
{
    Selection selection = balancer.select(clientHash(client));
    return selection.nextAvailable();
}

int pick(const GatewaySnapshot &snapshot, int route)
{
    Selection selection = snapshot.select(route, clientHash("127.0.0.1"));
    return selection.nextAvailable();
}

QList<int> counts(const StandaloneBalancer &balancer, int picks)
{
    QList<int> result(balancer.balancer->size(), 0);
    for (int i = 0; i < picks; ++i)
        ++result[pick(balancer)];
    return result;
}

QByteArray clientAddress(int i)
{
    return QStringLiteral("10.%1.%2.%3").arg((i >> 16) & 255).arg((i >> 8) & 255).arg(i & 255).toLatin1();
}

}  // namespace

class TestBalancing : public QObject
{
    Q_OBJECT

private slots:
    void roundRobinIsExact()
    {
        const auto balancer = standalone(LoadBalancingStrategy::RoundRobin, backends({1, 1, 1}));
        QList<int> sequence;
        for (int i = 0; i < 7; ++i)
            sequence.append(pick(*balancer));
        QCOMPARE(sequence, (QList<int>{0, 1, 2, 0, 1, 2, 0}));
    }

    void weightedIsSmoothAndExactOverACycle()
    {
        const auto balancer = standalone(LoadBalancingStrategy::Weighted, backends({3, 2, 1}));
        QList<int> cycle;
        for (int i = 0; i < 6; ++i)
            cycle.append(pick(*balancer));
        // Interleaved, never A A A B B C; the same sequence as nginx's smooth weighted round robin.
        QCOMPARE(cycle, (QList<int>{0, 1, 0, 2, 1, 0}));
        QCOMPARE(counts(*balancer, 600), (QList<int>{300, 200, 100}));
    }

    void weightedReducesByCommonDivisor()
    {
        const std::vector<BalancedBackend> list = backends({300, 200, 100});
        const WeightedBalancer balancer(list);
        QCOMPARE(balancer.schedule().size(), size_t(6));
    }

    void randomFollowsWeightsWithinBounds()
    {
        const auto balancer = standalone(LoadBalancingStrategy::Random, backends({1, 1, 2}));
        const QList<int> result = counts(*balancer, 40000);
        // Expected 10000 / 10000 / 20000; 5 % is more than five standard deviations.
        QVERIFY2(qAbs(result[0] - 10000) < 500, qPrintable(QString::number(result[0])));
        QVERIFY2(qAbs(result[1] - 10000) < 500, qPrintable(QString::number(result[1])));
        QVERIFY2(qAbs(result[2] - 20000) < 1000, qPrintable(QString::number(result[2])));
    }

    void ipHashIsStableAndSpread()
    {
        const auto balancer = standalone(LoadBalancingStrategy::IpHash, backends({1, 1, 1, 1, 1}));
        QList<int> result(5, 0);
        for (int i = 0; i < 10000; ++i) {
            const QByteArray client = clientAddress(i);
            const int chosen = pick(*balancer, client);
            QCOMPARE(pick(*balancer, client), chosen);  // same client, same backend
            ++result[chosen];
        }
        for (int count : result)
            QVERIFY2(count > 1500 && count < 2500, qPrintable(QString::number(count)));
    }

    void ipHashRemapsOnlyTheRemovedBackendsClients()
    {
        auto all = backends({1, 1, 1, 1, 1});
        const auto before = standalone(LoadBalancingStrategy::IpHash, all);
        auto fewer = all;
        fewer.erase(fewer.begin() + 2);
        const auto after = standalone(LoadBalancingStrategy::IpHash, fewer);
        int moved = 0;
        for (int i = 0; i < 10000; ++i) {
            const QByteArray client = clientAddress(i);
            const QString was = all[size_t(pick(*before, client))].state->key;
            const QString now = fewer[size_t(pick(*after, client))].state->key;
            if (was == all[2].state->key)
                ++moved;
            else
                QCOMPARE(now, was);  // clients of the remaining backends stay where they were
        }
        QVERIFY2(moved > 1500 && moved < 2500, qPrintable(QString::number(moved)));  // about 1/5
    }

    void leastConnectionsPrefersIdle()
    {
        auto list = backends({1, 1, 1});
        const auto balancer = standalone(LoadBalancingStrategy::LeastConnections, list);
        list[0].state->inFlight = 5;
        list[1].state->inFlight = 2;
        QCOMPARE(pick(*balancer), 2);
        list[2].state->inFlight = 3;
        QCOMPARE(pick(*balancer), 1);
        // Ties share the load.
        list[0].state->inFlight = 0;
        list[1].state->inFlight = 0;
        list[2].state->inFlight = 0;
        QCOMPARE(QSet<int>({pick(*balancer), pick(*balancer), pick(*balancer)}).size(), 3);
    }

    void leastConnectionsFallsBackInOrderOfLoad()
    {
        auto list = backends({1, 1, 1, 1});
        const auto balancer = standalone(LoadBalancingStrategy::LeastConnections, list);
        list[0].state->inFlight = 5;
        list[1].state->inFlight = 2;
        list[2].state->inFlight = 3;
        list[3].state->inFlight = 9;
        for (int round = 0; round < 4; ++round) {  // whatever the rotation's start
            Selection selection = balancer->select(0);
            QCOMPARE(selection.nextAvailable(), 1);
            QCOMPARE(selection.nextAvailable(), 2);
            QCOMPARE(selection.nextAvailable(), 0);
            QCOMPARE(selection.nextAvailable(), 3);
            QCOMPARE(selection.nextAvailable(), -1);
        }
    }

    void leastConnectionsIsWeightAware()
    {
        auto list = backends({4, 1});
        const auto balancer = standalone(LoadBalancingStrategy::LeastConnections, list);
        list[0].state->inFlight = 3;  // 0.75 per unit of weight
        list[1].state->inFlight = 1;  // 1.0
        QCOMPARE(pick(*balancer), 0);
    }

    void leastConnectionsComparesLoadPerWeightExactly_data()
    {
        QTest::addColumn<QList<int>>("weights");
        // Loads are compared as in-flight count times a factor per backend when the weights have
        // a common multiple that fits in 32 bits, and by cross multiplication otherwise.
        QTest::newRow("common multiple 6") << QList<int>{1, 2, 3, 6};
        QTest::newRow("no 32-bit common multiple") << QList<int>{997, 991, 983, 977};
    }

    // Equal in-flight counts per unit of weight are ties (shared round-robin), and one request
    // more on a backend puts it behind the others.
    void leastConnectionsComparesLoadPerWeightExactly()
    {
        QFETCH(QList<int>, weights);
        auto list = backends(weights);
        const auto balancer = standalone(LoadBalancingStrategy::LeastConnections, list);
        for (size_t i = 0; i < list.size(); ++i)
            list[i].state->inFlight = 2 * weights[qsizetype(i)];
        QSet<int> picked;
        for (int i = 0; i < int(list.size()); ++i)
            picked << pick(*balancer);
        QCOMPARE(picked.size(), int(list.size()));
        for (size_t busier = 0; busier < list.size(); ++busier) {
            list[busier].state->inFlight += 1;
            for (int i = 0; i < 2 * int(list.size()); ++i)
                QVERIFY(pick(*balancer) != int(busier));
            list[busier].state->inFlight -= 1;
        }
        list[2].state->inFlight -= 1;  // now the least loaded per unit of weight, by 1 / weight
        for (int i = 0; i < 8; ++i)
            QCOMPARE(pick(*balancer), 2);
    }

    void powerOfTwoAvoidsTheBusyOne()
    {
        auto list = backends({1, 1});
        const auto balancer = standalone(LoadBalancingStrategy::PowerOfTwo, list);
        list[0].state->inFlight = 10;
        for (int i = 0; i < 50; ++i)
            QCOMPARE(pick(*balancer), 1);
    }

    // Equally loaded backends share the requests evenly: a tie favours neither the first nor
    // the lower index.
    void powerOfTwoSharesTies()
    {
        const auto balancer = standalone(LoadBalancingStrategy::PowerOfTwo, backends({1, 1, 1}));
        for (int count : counts(*balancer, 30'000))
            QVERIFY2(count > 9'000 && count < 11'000, qPrintable(QString::number(count)));
    }

    void powerOfTwoWeighsTheLoad()
    {
        auto list = backends({3, 1});
        const auto balancer = standalone(LoadBalancingStrategy::PowerOfTwo, list);
        list[0].state->inFlight = 2;  // 2 per 3 units of weight: less loaded than 1 per 1
        list[1].state->inFlight = 1;
        for (int i = 0; i < 50; ++i)
            QCOMPARE(pick(*balancer), 0);
        list[0].state->inFlight = 4;  // 4 / 3 > 1
        for (int i = 0; i < 50; ++i)
            QCOMPARE(pick(*balancer), 1);
    }

    // After its winner, power_of_two offers the other backend it drew, not the winner's neighbour.
    void powerOfTwoFallsBackOnTheOtherPick()
    {
        auto list = backends({1, 1, 1});
        const auto balancer = standalone(LoadBalancingStrategy::PowerOfTwo, list);
        list[1].state->inFlight = 5;
        list[2].state->inFlight = 10;
        QSet<QPair<int, int>> seen;
        for (int i = 0; i < 300; ++i) {
            Selection selection = balancer->select(0);
            const int first = selection.next();
            const int second = selection.next();
            QVERIFY2(first < second, qPrintable(QStringLiteral("%1 then %2").arg(first).arg(second)));
            seen.insert({first, second});
        }
        // (0, 2) is the pair that a fallback in index order would never give after 0.
        QCOMPARE(seen, (QSet<QPair<int, int>>{{0, 1}, {0, 2}, {1, 2}}));
    }

    // The estimate's arithmetic, on the tests' own clock (nanoseconds; any value but 0).
    void peakEwmaEstimateJumpsToPeaksAndDecays()
    {
        constexpr double kMs = 1e6;
        constexpr double kDecay = 1000 * kMs;
        PeakEwmaEstimate estimate;
        QCOMPARE(estimate.load().atNs, qint64(0));
        estimate.observe(2 * kMs, qint64(1000 * kMs), kDecay);  // the first sample is the estimate
        QCOMPARE(estimate.load().latencyNs, 2 * kMs);
        estimate.observe(20 * kMs, qint64(1000 * kMs), kDecay);  // a peak replaces it at once
        QCOMPARE(estimate.load().latencyNs, 20 * kMs);
        // A lower sample one decay later weighs 1 - 1/e against the estimate's 1/e.
        estimate.observe(2 * kMs, qint64(2000 * kMs), kDecay);
        const double expected = 20 * kMs * std::exp(-1.0) + 2 * kMs * (1 - std::exp(-1.0));
        QVERIFY(qAbs(estimate.load().latencyNs - expected) < 1);
        QCOMPARE(estimate.load().atNs, qint64(2000 * kMs));
        // At the same instant a lower sample moves nothing.
        estimate.observe(1 * kMs, qint64(2000 * kMs), kDecay);
        QVERIFY(qAbs(estimate.load().latencyNs - expected) < 1);
        // An answer measured before the last update counts as no time: nothing moves, and the
        // time of the estimate does not go back.
        estimate.observe(1 * kMs, qint64(1500 * kMs), kDecay);
        QCOMPARE(estimate.load().atNs, qint64(2000 * kMs));
        // Without answers it decays toward zero, by e per decay time.
        const PeakEwmaEstimate::Value value = estimate.load();
        QCOMPARE(PeakEwmaEstimate::decayed(value, value.atNs, kDecay), value.latencyNs);
        QVERIFY(qAbs(PeakEwmaEstimate::decayed(value, value.atNs + qint64(kDecay), kDecay)
                     - value.latencyNs * std::exp(-1.0))
                < 1);
        // Many samples at a steady latency settle the estimate there.
        for (int i = 1; i <= 50; ++i)
            estimate.observe(3 * kMs, qint64(2000 * kMs + i * 200 * kMs), kDecay);
        QVERIFY(qAbs(estimate.load().latencyNs - 3 * kMs) < 0.01 * kMs);
    }

    // Between two backends peak_ewma always compares both: the one estimated faster wins until
    // the in-flight requests on it make it the costlier.
    void peakEwmaPrefersTheFasterBackend()
    {
        std::vector<BalancedBackend> list = backends({1, 1});
        const qint64 now = steadyNowNs();
        list[0].state->latencyEstimate.observe(2e6, now, 10e9);
        list[1].state->latencyEstimate.observe(20e6, now, 10e9);
        const auto balancer = standalone(LoadBalancingStrategy::PeakEwma, list);
        QCOMPARE(counts(*balancer, 200), (QList<int>{200, 0}));
        // 2 ms × (10 + 1) > 20 ms × 1: the slow one is now the cheaper.
        list[0].state->inFlight = 10;
        QCOMPARE(counts(*balancer, 200), (QList<int>{0, 200}));
        list[0].state->inFlight = 8;  // 18 ms < 20 ms
        QCOMPARE(counts(*balancer, 200), (QList<int>{200, 0}));
        list[0].state->inFlight = 0;
        // Weight divides the cost: weight 20 makes 20 ms cost less than 2 ms at weight 1.
        std::vector<BalancedBackend> weighted = backends({1, 20});
        weighted[0].state->latencyEstimate.observe(2e6, now, 10e9);
        weighted[1].state->latencyEstimate.observe(20e6, now, 10e9);
        QCOMPARE(counts(*standalone(LoadBalancingStrategy::PeakEwma, weighted), 200), (QList<int>{0, 200}));
    }

    // An old estimate counts decayed: a backend sampled slow long ago is tried again, and one
    // without samples counts default_rtt_ms.
    void peakEwmaDecaysOldEstimatesAndStartsAtTheDefault()
    {
        std::vector<BalancedBackend> list = backends({1, 1});
        const qint64 now = steadyNowNs();
        // 20 ms five decay times (5 s) ago is 0.13 ms now, against 2 ms just measured.
        list[0].state->latencyEstimate.observe(2e6, now, 1e9);
        list[1].state->latencyEstimate.observe(20e6, now - qint64(5e9), 1e9);
        const auto balancer = standalone(LoadBalancingStrategy::PeakEwma, list, {1000, 30});
        QCOMPARE(counts(*balancer, 100), (QList<int>{0, 100}));
        const auto &peakEwma = static_cast<const PeakEwmaBalancer &>(*balancer->balancer);
        QVERIFY(peakEwma.estimateNs(*list[1].state, now) < 0.2e6);

        // No samples: default_rtt_ms, 30 ms against 2 ms, and 1 ms against 2 ms.
        std::vector<BalancedBackend> fresh = backends({1, 1});
        fresh[0].state->latencyEstimate.observe(2e6, steadyNowNs(), 10e9);
        QCOMPARE(counts(*standalone(LoadBalancingStrategy::PeakEwma, fresh, {10'000, 30}), 100), (QList<int>{100, 0}));
        QCOMPARE(counts(*standalone(LoadBalancingStrategy::PeakEwma, fresh, {10'000, 1}), 100), (QList<int>{0, 100}));
    }

    // A failure counts at least twice what the backend was estimated at, so a backend that fails
    // fast does not look fast; the route's timeout bounds it.
    void peakEwmaPenalisesFailures()
    {
        std::vector<BalancedBackend> list = backends({1, 1});
        const auto balancer = standalone(LoadBalancingStrategy::PeakEwma, list, {10'000, 30});
        const auto &peakEwma = static_cast<const PeakEwmaBalancer &>(*balancer->balancer);
        BackendState &state = *list[0].state;
        const qint64 now = steadyNowNs();
        peakEwma.observe(state, 200, qint64(2e6), now, 30e9);
        QCOMPARE(state.latencyEstimate.load().latencyNs, 2e6);
        // A refused connection after 0.1 ms: twice the larger of 2 ms and the 30 ms default.
        peakEwma.observe(state, 502, qint64(0.1e6), now, 30e9);
        QCOMPARE(state.latencyEstimate.load().latencyNs, 60e6);
        peakEwma.observe(state, 503, qint64(0.1e6), now, 30e9);
        QCOMPARE(state.latencyEstimate.load().latencyNs, 120e6);
        // A timeout counts as long as it took; the penalty never passes the route's timeout.
        peakEwma.observe(state, 504, qint64(150e6), now, 130e6);
        QCOMPARE(state.latencyEstimate.load().latencyNs, 150e6);
        peakEwma.observe(state, 500, qint64(1e6), now, 130e6);
        QCOMPARE(state.latencyEstimate.load().latencyNs, 150e6);
    }

    void recentCountKeepsTenSeconds()
    {
        RecentCount count;
        const qint64 start = 1'000'000;  // ms
        for (int second = 0; second < 12; ++second)
            for (int i = 0; i <= second; ++i)
                count.add(start + second * 1000 + i);
        // Seconds 2 to 11 hold 3 + ... + 12 tries.
        QCOMPARE(count.total(start + 11 * 1000 + 500), quint64(75));
        QCOMPARE(count.total(start + 12 * 1000), quint64(75 - 3));
        QCOMPARE(count.total(start + 30 * 1000), quint64(0));
    }

    // A route's PeakEwma settings make its own balancer; equal settings share one.
    void peakEwmaRoutesShareABalancerOnlyWithEqualSettings()
    {
        const auto route = [](const char *path, int decayMs) {
            QJsonObject object{{"external_path", path},
                               {"internal_path", "/"},
                               {"methods", QJsonArray{"GET"}},
                               {"load_balancing_strategy", "peak_ewma"},
                               {"backends", QJsonArray{QJsonObject{{"host", "http://a"}, {"port", 80}},
                                                       QJsonObject{{"host", "http://b"}, {"port", 80}}}}};
            if (decayMs != 0)
                object.insert("ewma_decay_ms", decayMs);
            return object;
        };
        const ConfigLoadResult loaded = loadConfig(
            QJsonDocument(QJsonObject{{"version", 1},
                                      {"routers", QJsonArray{route("/a", 0), route("/b", 10'000), route("/c", 500)}}})
                .toJson());
        QVERIFY2(loaded.ok(), qPrintable(loaded.errorSummary()));
        BackendRegistry registry;
        RouteMetricsRegistry metrics;
        const GatewaySnapshot snapshot(loaded.config, registry, metrics);
        QCOMPARE(snapshot.balancers[0], snapshot.balancers[1]);
        QVERIFY(snapshot.balancers[2] != snapshot.balancers[0]);
        QCOMPARE(static_cast<const PeakEwmaBalancer *>(snapshot.balancers[2])->decayNs(), 500e6);
        QCOMPARE(static_cast<const PeakEwmaBalancer *>(snapshot.balancers[0])->defaultRttNs(), 30e6);
    }

    void selectionYieldsEveryBackendOnce_data()
    {
        QTest::addColumn<int>("strategy");
        QTest::addColumn<int>("count");
        for (LoadBalancingStrategy strategy :
             {LoadBalancingStrategy::RoundRobin, LoadBalancingStrategy::Weighted,
              LoadBalancingStrategy::LeastConnections, LoadBalancingStrategy::Random, LoadBalancingStrategy::IpHash,
              LoadBalancingStrategy::PowerOfTwo, LoadBalancingStrategy::PeakEwma}) {
            for (int count : {4, 200})  // 200: more than the 128 whose tried bits fit in the Selection
                QTest::newRow(qPrintable(strategyName(strategy) + QString::number(count))) << int(strategy) << count;
        }
    }

    // Each backend once, whether the first choice is taken by nextAvailable()'s fast path or by
    // next(), and after it every fallback.
    void selectionYieldsEveryBackendOnce()
    {
        QFETCH(int, strategy);
        QFETCH(int, count);
        QList<int> weights;
        for (int i = 0; i < count; ++i)
            weights << QList<int>{3, 1, 2, 1}[i % 4];
        const auto balancer = standalone(LoadBalancingStrategy(strategy), backends(weights));
        for (int round = 0; round < 20; ++round) {
            const QByteArray client = clientAddress(round);
            for (bool onlyAvailable : {false, true}) {
                Selection selection = balancer->select(clientHash(client));
                QList<int> yielded;
                for (int index = onlyAvailable ? selection.nextAvailable() : selection.next(); index >= 0;
                     index = onlyAvailable ? selection.nextAvailable() : selection.next())
                    yielded << index;
                QCOMPARE(yielded.size(), count);
                QCOMPARE(QSet<int>(yielded.begin(), yielded.end()).size(), count);
            }
        }
    }

    void unavailableBackendsAreSkipped_data() { addStrategyRows(); }

    void unavailableBackendsAreSkipped()
    {
        QFETCH(int, strategy);
        auto list = backends({1, 1, 1});
        const auto balancer = standalone(LoadBalancingStrategy(strategy), list);
        list[0].state->healthy = false;
        list[2].state->healthy = false;
        for (int round = 0; round < 10; ++round) {
            const QByteArray client = clientAddress(round);
            Selection selection = balancer->select(clientHash(client));
            QCOMPARE(selection.nextAvailable(), 1);
            QCOMPARE(selection.nextAvailable(), -1);
        }
        list[1].state->healthy = false;
        Selection none = balancer->select(clientHash("1.2.3.4"));
        QCOMPARE(none.nextAvailable(), -1);
    }

    void openCircuitsAreSkippedUntilAProbeIsDue_data() { addStrategyRows(); }

    // Whatever a strategy picks first, a backend whose circuit is open is passed over; one whose
    // open period is over is a candidate again (for its probe).
    void openCircuitsAreSkippedUntilAProbeIsDue()
    {
        QFETCH(int, strategy);
        auto list = backends({1, 1, 1});
        const auto balancer = standalone(LoadBalancingStrategy(strategy), list);
        CircuitBreakerSettings longOpen;
        longOpen.failureThreshold = 1;
        longOpen.openDurationMs = 60'000;
        list[0].state->circuit.onFailure(longOpen, false);
        list[2].state->circuit.onFailure(longOpen, false);
        CircuitBreakerSettings probeDue = longOpen;
        probeDue.openDurationMs = 0;
        list[1].state->circuit.onFailure(probeDue, false);
        QCOMPARE(list[1].state->circuit.state(), CircuitBreaker::State::Open);
        for (int round = 0; round < 10; ++round) {
            const QByteArray client = clientAddress(round);
            Selection selection = balancer->select(clientHash(client));
            QCOMPARE(selection.nextAvailable(), 1);
            QCOMPARE(selection.nextAvailable(), -1);
        }
    }

    void singleBackend()
    {
        for (LoadBalancingStrategy strategy :
             {LoadBalancingStrategy::PowerOfTwo, LoadBalancingStrategy::IpHash, LoadBalancingStrategy::PeakEwma}) {
            const auto balancer = standalone(strategy, backends({1}));
            Selection selection = balancer->select(clientHash("1.2.3.4"));
            QCOMPARE(selection.next(), 0);
            QCOMPARE(selection.next(), -1);
        }
    }

    // A backend's facts the proxy uses per request, derived once with its state.
    void stateCarriesAuthorityAndConnectionKeys()
    {
        Backend tls = test::backendAt(QStringLiteral("https://api.internal"), 443);
        tls.tlsVerify = false;
        const BackendState state(tls);
        QCOMPARE(state.key, QStringLiteral("https://api.internal:443"));
        QCOMPARE(state.authority, QByteArray("api.internal"));
        QCOMPARE(state.connectionKey(true), tls.key());
        QCOMPARE(state.connectionKey(false), QStringLiteral("https://api.internal:443 (unverified)"));
        const Backend plain = test::backendAt(QStringLiteral("http://backend-1"), 8080);
        QCOMPARE(BackendState(plain).connectionKey(false), plain.key());  // http: nothing to check
    }

    void registryKeepsStatePerKey()
    {
        BackendRegistry registry;
        auto a = registry.obtain(test::backendAt("http://a", 1));
        a->inFlight = 3;
        QCOMPARE(registry.obtain(test::backendAt("http://a", 1))->inFlight.load(), 3);
        QCOMPARE(registry.find("http://a:1"), a);
        QCOMPARE(registry.all().size(), 1);
        a.reset();
        registry.prune();
        QCOMPARE(registry.all().size(), 0);
        QCOMPARE(registry.find("http://a:1"), nullptr);
    }

    // Routes that list the same backends share one list of them in a snapshot, each with its own
    // rotation; a route's own circuit breaker keys apply to it alone.
    void snapshotSharesEqualBackendListsAndCircuitSettings()
    {
        const auto route = [](const char *path, int port) {
            return QJsonObject{{"external_path", path},
                               {"internal_path", "/"},
                               {"methods", QJsonArray{"GET"}},
                               {"backends", QJsonArray{QJsonObject{{"host", "http://a"}, {"port", port}},
                                                       QJsonObject{{"host", "http://b"}, {"port", port}}}}};
        };
        QJsonObject own = route("/c", 80);
        own.insert("circuit_breaker", QJsonObject{{"failure_threshold", 9}});
        const ConfigLoadResult loaded = loadConfig(
            QJsonDocument(QJsonObject{{"version", 1},
                                      {"circuit_breaker", QJsonObject{{"failure_threshold", 4}}},
                                      {"routers", QJsonArray{route("/a", 80), route("/b", 80), own, route("/d", 81)}}})
                .toJson());
        QVERIFY(loaded.ok());
        BackendRegistry registry;
        RouteMetricsRegistry metrics;
        const GatewaySnapshot snapshot(loaded.config, registry, metrics);
        const auto &balancers = snapshot.balancers;
        QCOMPARE(balancers[0]->backends().begin(), balancers[1]->backends().begin());
        QCOMPARE(balancers[0]->backends().begin(), balancers[2]->backends().begin());
        QVERIFY(balancers[0]->backends().begin() != balancers[3]->backends().begin());
        QCOMPARE(balancers[3]->backends()[0].state->key, QStringLiteral("http://a:81"));
        QCOMPARE(pick(snapshot, 0), 0);
        QCOMPARE(pick(snapshot, 0), 1);
        QCOMPARE(pick(snapshot, 1), 0);  // its own rotation
        QCOMPARE(snapshot.circuits[0], &snapshot.config->circuitBreaker);
        QCOMPARE(snapshot.circuits[0]->failureThreshold, 4);
        QCOMPARE(snapshot.circuits[2]->failureThreshold, 9);
        QCOMPARE(snapshot.circuits[3]->failureThreshold, 4);
    }

    // One balancer (an ip_hash ring, a weighted schedule) serves every route with the same
    // backends and strategy; a rotation stays each route's own.
    void routesWithTheSameBackendsAndStrategyShareABalancer()
    {
        const auto route = [](const char *path, const char *strategy) {
            return QJsonObject{{"external_path", path},
                               {"internal_path", "/"},
                               {"methods", QJsonArray{"GET"}},
                               {"load_balancing_strategy", strategy},
                               {"backends", QJsonArray{QJsonObject{{"host", "http://a"}, {"port", 80}},
                                                       QJsonObject{{"host", "http://b"}, {"port", 80}}}}};
        };
        const ConfigLoadResult loaded = loadConfig(
            QJsonDocument(QJsonObject{{"version", 1},
                                      {"routers", QJsonArray{route("/a", "IpHash"), route("/b", "IpHash"),
                                                             route("/c", "RoundRobin"), route("/d", "RoundRobin"),
                                                             route("/e", "Random")}}})
                .toJson());
        QVERIFY(loaded.ok());
        BackendRegistry registry;
        RouteMetricsRegistry metrics;
        const GatewaySnapshot snapshot(loaded.config, registry, metrics);
        QCOMPARE(snapshot.balancers[0], snapshot.balancers[1]);
        QCOMPARE(snapshot.balancers[2], snapshot.balancers[3]);
        QCOMPARE(pick(snapshot, 2), 0);
        QCOMPARE(pick(snapshot, 2), 1);
        QCOMPARE(pick(snapshot, 3), 0);
        QVERIFY(snapshot.balancers[4] != snapshot.balancers[0]);
        QCOMPARE(snapshot.balancers[4]->strategy(), LoadBalancingStrategy::Random);
        QCOMPARE(snapshot.balancers[4]->backends().begin(), snapshot.balancers[0]->backends().begin());
    }
};

QTEST_GUILESS_MAIN(TestBalancing)
#include "tst_balancing.moc"
