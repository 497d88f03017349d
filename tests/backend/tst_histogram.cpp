// The latency histogram: which bucket an observation lands in, the interpolated quantiles, and
// quantiles of bucket counts taken elsewhere (the difference of two snapshots, several merged).
#include "backend/histogram.h"

#include <QtTest>

#include <thread>
#include <vector>

using namespace kairos;

namespace {

using Counts = LatencyHistogram::Counts;

Counts difference(const Counts &later, const Counts &earlier)
{
    Counts result{};
    for (size_t i = 0; i < result.size(); ++i)
        result[i] = later[i] - earlier[i];
    return result;
}

}  // namespace

class TestHistogram : public QObject
{
    Q_OBJECT

private slots:
    void observationsLandInTheirBuckets()
    {
        LatencyHistogram histogram;
        histogram.observe(0);           // bucket 0: up to 0.5 ms
        histogram.observe(500);         // a bound belongs to the bucket below it
        histogram.observe(501);         // bucket 1: up to 1 ms
        histogram.observe(1000);        // bucket 1
        histogram.observe(2'500'000);   // bucket 11: up to 2.5 s
        histogram.observe(10'000'000);  // bucket 13: up to 10 s
        histogram.observe(10'000'001);  // above the last bound
        histogram.observe(-5);          // a clock step backwards: bucket 0, nothing to the sum
        QCOMPARE(histogram.count(), quint64(8));
        Counts expected{};
        expected[0] = 3;
        expected[1] = 2;
        expected[11] = 1;
        expected[13] = 1;
        expected[14] = 1;
        QCOMPARE(histogram.counts(), expected);
        for (size_t i = 0; i < expected.size(); ++i)
            QCOMPARE(histogram.bucket(i), expected[i]);
        QCOMPARE(histogram.sumSeconds(), (500 + 501 + 1000 + 2'500'000 + 10'000'000 + 10'000'001) / 1e6);
    }

    void emptyHistogramHasNoQuantiles()
    {
        const LatencyHistogram histogram;
        QCOMPARE(histogram.count(), quint64(0));
        QCOMPARE(histogram.sumSeconds(), 0.0);
        QCOMPARE(histogram.quantileMs(0.5), 0.0);
        QCOMPARE(histogram.quantileMs(0.99), 0.0);
    }

    void quantilesInterpolateWithinABucket()
    {
        LatencyHistogram histogram;
        for (int i = 0; i < 100; ++i)
            histogram.observe(20'000);  // all in (10 ms, 25 ms]
        QCOMPARE(histogram.quantileMs(0.5), 17.5);
        QCOMPARE(histogram.quantileMs(0.99), 24.85);
        QCOMPARE(histogram.quantileMs(1.0), 25.0);
        QCOMPARE(histogram.quantileMs(0.0), 10.0);
    }

    void quantilesAcrossBuckets()
    {
        LatencyHistogram histogram;
        for (int i = 0; i < 90; ++i)
            histogram.observe(800);  // (0.5 ms, 1 ms]
        for (int i = 0; i < 10; ++i)
            histogram.observe(700'000);  // (500 ms, 1 s]
        QCOMPARE(histogram.quantileMs(0.5), 0.5 + 0.5 * 50 / 90);
        QCOMPARE(histogram.quantileMs(0.9), 1.0);
        QCOMPARE(histogram.quantileMs(0.95), 750.0);
        QCOMPARE(histogram.quantileMs(1.0), 1000.0);
    }

    void aboveTheLastBoundReadsUpToTwiceIt()
    {
        LatencyHistogram histogram;
        for (int i = 0; i < 4; ++i)
            histogram.observe(60'000'000);
        QCOMPARE(histogram.quantileMs(0.5), 15'000.0);
        QCOMPARE(histogram.quantileMs(1.0), 20'000.0);
    }

    // What the console does once a second: the quantile of what was observed since the last
    // snapshot, from the difference of the two.
    void quantileOfTheDifferenceOfTwoSnapshots()
    {
        LatencyHistogram histogram;
        for (int i = 0; i < 1000; ++i)
            histogram.observe(3'000'000);  // (2.5 s, 5 s]: an old slow period
        const Counts earlier = histogram.counts();
        for (int i = 0; i < 10; ++i)
            histogram.observe(200);  // (0, 0.5 ms]
        const Counts recent = difference(histogram.counts(), earlier);
        QCOMPARE(LatencyHistogram::quantileMs(recent, 0.5), 0.25);
        QCOMPARE(LatencyHistogram::quantileMs(recent, 1.0), 0.5);
        QVERIFY(histogram.quantileMs(0.5) > 2500.0);  // all of it is still dominated by the old
        QCOMPARE(LatencyHistogram::quantileMs(difference(earlier, earlier), 0.5), 0.0);
    }

    // Several histograms (e.g. one backend's on several routes) merged by adding their counts.
    void quantileOfMergedCounts()
    {
        LatencyHistogram fast, slow;
        for (int i = 0; i < 75; ++i)
            fast.observe(3'000);  // (2.5 ms, 5 ms]
        for (int i = 0; i < 25; ++i)
            slow.observe(300'000);  // (250 ms, 500 ms]
        Counts merged{};
        for (size_t i = 0; i < merged.size(); ++i)
            merged[i] = fast.counts()[i] + slow.counts()[i];
        QCOMPARE(LatencyHistogram::quantileMs(merged, 0.5), 2.5 + 2.5 * 50 / 75);
        QCOMPARE(LatencyHistogram::quantileMs(merged, 0.75), 5.0);
        QCOMPARE(LatencyHistogram::quantileMs(merged, 0.9), 250.0 + 250.0 * 15 / 25);
    }

    void observationsFromManyThreadsAreAllCounted()
    {
        LatencyHistogram histogram;
        constexpr int kThreads = 4;
        constexpr int kEach = 25'000;
        std::vector<std::thread> threads;
        for (int t = 0; t < kThreads; ++t) {
            threads.emplace_back([&histogram, t] {
                for (int i = 0; i < kEach; ++i)
                    histogram.observe(t % 2 == 0 ? 100 : 40'000);
            });
        }
        for (std::thread &thread : threads)
            thread.join();
        QCOMPARE(histogram.count(), quint64(kThreads * kEach));
        QCOMPARE(histogram.bucket(0), quint64(kThreads / 2 * kEach));
        QCOMPARE(histogram.bucket(6), quint64(kThreads / 2 * kEach));  // (25 ms, 50 ms]
        QCOMPARE(histogram.sumSeconds(), double(kThreads / 2 * kEach) * (100 + 40'000) / 1e6);
    }
};

QTEST_GUILESS_MAIN(TestHistogram)
#include "tst_histogram.moc"
