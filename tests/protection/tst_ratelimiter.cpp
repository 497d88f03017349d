// GCRA as RateLimiter keeps it: the burst, the steady rate, the fields a client is told, exactness
// when threads share one key, and the bound on keys a flood of distinct values cannot pass.
#include "protection/ratelimiter.h"

#include <QtTest>

#include <atomic>
#include <thread>
#include <vector>

using namespace kairos;

namespace {

constexpr qint64 kSecond = 1'000'000'000;

RateLimitSettings limit(double perSecond, int burst, RateLimitSettings::Key key = RateLimitSettings::Key::ClientIp,
                        int maxKeys = 100'000)
{
    RateLimitSettings settings;
    settings.requestsPerSecond = perSecond;
    settings.burst = burst;
    settings.key = key;
    settings.maxKeys = maxKeys;
    return settings;
}

}  // namespace

class TestRateLimiter : public QObject
{
    Q_OBJECT

private slots:
    void burstThenSteadyRate_data()
    {
        QTest::addColumn<int>("key");
        QTest::newRow("per client") << int(RateLimitSettings::Key::ClientIp);
        QTest::newRow("one bucket for the route") << int(RateLimitSettings::Key::Route);
    }

    void burstThenSteadyRate()
    {
        QFETCH(int, key);
        RateLimiter limiter(limit(10, 5, RateLimitSettings::Key(key)));
        const qint64 start = 1000 * kSecond;
        // Five at once, with what remains counting down; the sixth is refused.
        for (int i = 0; i < 5; ++i) {
            const RateLimiter::Decision decision = limiter.admit("a", start);
            QVERIFY(decision.admitted);
            QCOMPARE(decision.limit, 5);
            QCOMPARE(decision.remaining, 4 - i);
        }
        const RateLimiter::Decision refused = limiter.admit("a", start);
        QVERIFY(!refused.admitted);
        QCOMPARE(refused.remaining, 0);
        QCOMPARE(refused.retryAfterSeconds, 1);  // 100 ms, rounded up
        QCOMPARE(refused.resetSeconds, 1);       // 500 ms until full, rounded up
        // 100 ms later exactly one more.
        QVERIFY(limiter.admit("a", start + kSecond / 10).admitted);
        QVERIFY(!limiter.admit("a", start + kSecond / 10).admitted);
        // 10 s of one attempt every millisecond from a full bucket: the 5 at once, then one every
        // 100 ms from 1.1 s to 10.9 s.
        int admitted = 0;
        for (qint64 t = start + kSecond; t < start + 11 * kSecond; t += kSecond / 1000)
            admitted += limiter.admit("a", t).admitted;
        QCOMPARE(admitted, 5 + 99);
    }

    void keysAreSeparateUnlessTheKeyIsTheRoute()
    {
        RateLimiter perClient(limit(1, 1));
        QVERIFY(perClient.admit("10.0.0.1", kSecond).admitted);
        QVERIFY(!perClient.admit("10.0.0.1", kSecond).admitted);
        QVERIFY(perClient.admit("10.0.0.2", kSecond).admitted);
        RateLimiter perRoute(limit(1, 1, RateLimitSettings::Key::Route));
        QVERIFY(perRoute.admit("10.0.0.1", kSecond).admitted);
        QVERIFY(!perRoute.admit("10.0.0.2", kSecond).admitted);
    }

    void fractionalRatesAndLongWaits()
    {
        RateLimiter limiter(limit(0.5, 1));  // one every 2 s
        QVERIFY(limiter.admit("a", 10 * kSecond).admitted);
        const RateLimiter::Decision refused = limiter.admit("a", 10 * kSecond + 1);
        QVERIFY(!refused.admitted);
        QCOMPARE(refused.retryAfterSeconds, 2);
        QVERIFY(limiter.admit("a", 12 * kSecond).admitted);
        QCOMPARE(limiter.policy(), QByteArray("0.5;w=1;burst=1"));
        QCOMPARE(RateLimiter(limit(100, 50)).policy(), QByteArray("100;w=1;burst=50"));
        QCOMPARE(RateLimiter(limit(7, 0)).settings().effectiveBurst(), 7);  // default burst: a second's worth
    }

    // Threads sharing one key are held to the budget together: no split per thread, nothing lost.
    void exactAcrossThreads_data()
    {
        QTest::addColumn<int>("key");
        QTest::newRow("per client") << int(RateLimitSettings::Key::ClientIp);
        QTest::newRow("route (compare-and-swap)") << int(RateLimitSettings::Key::Route);
    }

    void exactAcrossThreads()
    {
        QFETCH(int, key);
        RateLimiter limiter(limit(1000, 100, RateLimitSettings::Key(key)));
        // Simulated time: 4 threads each try 20,000 times over the same 2 s of clock.
        std::atomic<int> admitted{0};
        std::vector<std::thread> threads;
        for (int t = 0; t < 4; ++t) {
            threads.emplace_back([&] {
                for (int i = 0; i < 20'000; ++i)
                    admitted += limiter.admit("k", kSecond + qint64(i) * 2 * kSecond / 20'000).admitted;
            });
        }
        for (std::thread &thread : threads)
            thread.join();
        // 2 s at 1000/s and the burst of 100; the last interval may or may not have begun.
        QVERIFY2(admitted >= 2099 && admitted <= 2101, qPrintable(QString::number(admitted)));
    }

    // A flood of distinct values (a header the client chooses) cannot grow the state past max_keys.
    void distinctKeysAreBounded()
    {
        RateLimiter limiter(limit(1, 1, RateLimitSettings::Key::Header, 1000));
        for (int i = 0; i < 1'000'000; ++i)
            limiter.admit(QByteArray::number(i), kSecond);  // all at one instant: none expires
        QVERIFY2(limiter.trackedKeys() <= 1000 + 15, qPrintable(QString::number(limiter.trackedKeys())));
        QVERIFY(limiter.trackedKeys() >= 900);
        QVERIFY(!limiter.admit("999999", kSecond).admitted);  // the most recent are still limited
        // Later, keys whose buckets filled again make room first: new ones, half of max_keys (the
        // bound is per shard, 1/16 of it each), are all kept.
        for (int i = 0; i < 500; ++i)
            QVERIFY(limiter.admit("later-" + QByteArray::number(i), 100 * kSecond).admitted);
        QVERIFY(limiter.trackedKeys() <= 1000 + 15);
        for (int i = 0; i < 500; i += 7)
            QVERIFY(!limiter.admit("later-" + QByteArray::number(i), 100 * kSecond).admitted);
    }

    // Reloads keep the buckets of routes whose limit did not change.
    void registryKeepsUnchangedLimiters()
    {
        RateLimiterRegistry registry;
        const auto first = registry.limiterFor("/a", limit(10, 5));
        QCOMPARE(registry.limiterFor("/a", limit(10, 5)), first);
        QVERIFY(registry.limiterFor("/a", limit(20, 5)) != first);
        const auto b = registry.limiterFor("/b", limit(10, 5));
        registry.retainOnly({"/a"});
        QVERIFY(registry.limiterFor("/b", limit(10, 5)) != b);
    }

    // Scope "fleet": each instance admits the limit divided by the live members, and follows the
    // membership as it changes.
    void fleetScopeAdmitsTheInstanceShare()
    {
        RateLimitSettings settings = limit(100, 20, RateLimitSettings::Key::Route);
        settings.scope = RateLimitSettings::Scope::Fleet;
        RateLimiter fleetWide(settings);
        RateLimiter local(limit(100, 20, RateLimitSettings::Key::Route));
        const auto cleanup = qScopeGuard([] { RateLimiter::setFleetMembers(1); });
        const auto admittedOverTenSeconds = [](RateLimiter &limiter, qint64 start) {
            int admitted = 0;
            for (int i = 0; i <= 10'000; ++i)  // 1,000 a second offered, 10 s from first to last
                admitted += limiter.admit({}, start + qint64(i) * kSecond / 1000).admitted;
            return admitted;
        };
        RateLimiter::setFleetMembers(4);
        // A quarter of the rate and of the burst: 5 at once, then 25 a second.
        QCOMPARE(fleetWide.admit({}, kSecond).limit, 5);
        QCOMPARE(admittedOverTenSeconds(fleetWide, 2 * kSecond), 5 + 250);
        QCOMPARE(admittedOverTenSeconds(local, 2 * kSecond), 20 + 1000);  // scope "instance": all
        RateLimiter::setFleetMembers(1);                                  // the others left: the whole limit again
        QCOMPARE(admittedOverTenSeconds(fleetWide, 20 * kSecond), 20 + 1000);
        RateLimiter::setFleetMembers(0);  // never below one member (no division by zero)
        QCOMPARE(RateLimiter::fleetMembers(), 1);
    }
};

QTEST_GUILESS_MAIN(TestRateLimiter)
#include "tst_ratelimiter.moc"
