// The last N finished requests for the console's traffic view: what a reader gets after a given
// sequence number, in which order, how many are kept, and all of each record.
#include "metrics/recentrequests.h"

#include <QtTest>

#include <thread>
#include <vector>

using namespace kairos;

namespace {

RequestRecord numbered(int number)
{
    RequestRecord record;
    record.requestId = QByteArray::number(number);
    return record;
}

QList<QByteArray> idsOf(const QList<RequestRecord> &records)
{
    QList<QByteArray> ids;
    for (const RequestRecord &record : records)
        ids.append(record.requestId);
    return ids;
}

}  // namespace

class TestRecentRequests : public QObject
{
    Q_OBJECT

private slots:
    void emptyHasNothingToRead()
    {
        const RecentRequests recent(10);
        quint64 last = 99;
        QVERIFY(recent.since(0, &last).isEmpty());
        QCOMPARE(last, quint64(0));
    }

    void recordsComeOldestFirstAfterTheGivenNumber()
    {
        RecentRequests recent(10);
        for (int i = 1; i <= 3; ++i)
            recent.append(numbered(i));
        quint64 last = 0;
        QCOMPARE(idsOf(recent.since(0, &last)), (QList<QByteArray>{"1", "2", "3"}));
        QCOMPARE(last, quint64(3));
        QCOMPARE(idsOf(recent.since(2, &last)), QList<QByteArray>{"3"});
        QCOMPARE(last, quint64(3));
        QVERIFY(recent.since(3, &last).isEmpty());
        QCOMPARE(last, quint64(3));
    }

    void readerThatFollowsAlongSeesEachRecordOnce()
    {
        RecentRequests recent(4);
        quint64 last = 0;
        QList<QByteArray> seen;
        for (int i = 1; i <= 20; ++i) {
            recent.append(numbered(i));
            if (i % 3 == 0)
                seen += idsOf(recent.since(last, &last));
        }
        seen += idsOf(recent.since(last, &last));
        QList<QByteArray> expected;
        for (int i = 1; i <= 20; ++i)
            expected.append(QByteArray::number(i));
        QCOMPARE(seen, expected);
        QCOMPARE(last, quint64(20));
    }

    void onlyTheNewestCapacityAreKept()
    {
        RecentRequests recent(4);
        QCOMPARE(recent.capacity(), 4);
        for (int i = 1; i <= 10; ++i)
            recent.append(numbered(i));
        quint64 last = 0;
        QCOMPARE(idsOf(recent.since(0, &last)), (QList<QByteArray>{"7", "8", "9", "10"}));
        QCOMPARE(last, quint64(10));
        // A reader that fell behind gets what is still kept, not what was overwritten.
        QCOMPARE(idsOf(recent.since(2, &last)), (QList<QByteArray>{"7", "8", "9", "10"}));
        QCOMPARE(idsOf(recent.since(8, &last)), (QList<QByteArray>{"9", "10"}));
    }

    void capacityIsAtLeastOne()
    {
        QCOMPARE(RecentRequests().capacity(), 500);
        QCOMPARE(RecentRequests(0).capacity(), 1);
        QCOMPARE(RecentRequests(-3).capacity(), 1);
        RecentRequests one(0);
        one.append(numbered(1));
        one.append(numbered(2));
        quint64 last = 0;
        QCOMPARE(idsOf(one.since(0, &last)), QList<QByteArray>{"2"});
        QCOMPARE(last, quint64(2));
    }

    void everyFieldOfARecordIsKept()
    {
        RequestRecord record(QHostAddress(QStringLiteral("192.0.2.7")));
        record.requestId = "00000000000000ff";
        record.method = "POST";
        record.target = "/api/orders?id=7";
        record.routePath = QStringLiteral("/api/orders");
        record.backend = QStringLiteral("http://127.0.0.1:9101");
        record.status = 502;
        record.responseBytes = 1234;
        record.durationUs = 56'789;
        record.attempts = 3;
        record.note = "upgrade_ignored";
        record.finishedAtMs = 1'700'000'000'000;
        record.requestHeaders.add("Authorization", "Bearer [redacted]");
        record.requestHeaders.add("X-Multi", "1");
        record.requestHeaders.add("X-Multi", "2");
        record.responseHeaders.add("Content-Type", "application/json");
        RecentRequests recent(2);
        recent.append(record);
        quint64 last = 0;
        const QList<RequestRecord> kept = recent.since(0, &last);
        QCOMPARE(kept.size(), 1);
        const RequestRecord &copy = kept.first();
        QCOMPARE(copy.requestId, record.requestId);
        QCOMPARE(copy.method, record.method);
        QCOMPARE(copy.target, record.target);
        QCOMPARE(copy.routePath, record.routePath);
        QCOMPARE(copy.backend, record.backend);
        QCOMPARE(copy.status, 502);
        QCOMPARE(copy.responseBytes, qint64(1234));
        QCOMPARE(copy.durationUs, qint64(56'789));
        QCOMPARE(copy.attempts, 3);
        QCOMPARE(QByteArray(copy.note), QByteArray("upgrade_ignored"));
        QCOMPARE(copy.peer, QHostAddress(QStringLiteral("192.0.2.7")));
        QCOMPARE(copy.finishedAtMs, qint64(1'700'000'000'000));
        QCOMPARE(copy.requestHeaders.fields(), record.requestHeaders.fields());
        QCOMPARE(copy.responseHeaders.fields(), record.responseHeaders.fields());
    }

    // Worker threads append at once: every record is kept (within the capacity), each thread's
    // in the order it appended them, numbered without gaps.
    void appendsFromManyThreadsAreAllKept()
    {
        constexpr int kThreads = 4;
        constexpr int kEach = 2000;
        RecentRequests recent(kThreads * kEach);
        std::vector<std::thread> threads;
        for (int t = 0; t < kThreads; ++t) {
            threads.emplace_back([&recent, t] {
                for (int i = 0; i < kEach; ++i) {
                    RequestRecord record;
                    record.status = t;
                    record.attempts = i;
                    recent.append(record);
                }
            });
        }
        quint64 last = 0;
        int readWhileAppending = 0;
        while (last < quint64(kThreads * kEach) / 2)
            readWhileAppending += int(recent.since(last, &last).size());  // a reader meanwhile
        for (std::thread &thread : threads)
            thread.join();
        const QList<RequestRecord> all = recent.since(0, &last);
        QCOMPARE(last, quint64(kThreads * kEach));
        QCOMPARE(all.size(), kThreads * kEach);
        QVERIFY(readWhileAppending >= kThreads * kEach / 2);
        int next[kThreads] = {};
        for (const RequestRecord &record : all) {
            QVERIFY(record.status >= 0 && record.status < kThreads);
            QCOMPARE(record.attempts, next[record.status]);
            ++next[record.status];
        }
        for (int t = 0; t < kThreads; ++t)
            QCOMPARE(next[t], kEach);
    }
};

QTEST_GUILESS_MAIN(TestRecentRequests)
#include "tst_recentrequests.moc"
