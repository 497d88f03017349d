// The coarse tick that checks a worker's timeouts: which clients it calls, with what time, and
// that a deadline set by a client fires on a tick at or after it.
#include "runtime/deadlines.h"

#include <QElapsedTimer>
#include <QtTest>

#include <algorithm>

using namespace kairos;

namespace {

// Records the time of every check.
struct Recorder : Deadlines::Client {
    QList<qint64> checks;
    void checkDeadlines(qint64 nowMs) override { checks.append(nowMs); }
};

// A connection-like client with one deadline, cleared when it fires.
struct OneDeadline : Deadlines::Client {
    qint64 deadline = 0;
    qint64 firedAt = 0;
    int fired = 0;
    void checkDeadlines(qint64 nowMs) override
    {
        if (deadline && nowMs >= deadline) {
            firedAt = nowMs;
            deadline = 0;
            ++fired;
        }
    }
};

}  // namespace

class TestDeadlines : public QObject
{
    Q_OBJECT

private slots:
    // Milliseconds of the monotonic clock: bracketed by two QElapsedTimers, one started before
    // the first reading and read after the second, one started after the first and read before
    // the second (each reading rounds down: one millisecond either way).
    void nowCountsMonotonicMilliseconds()
    {
        QElapsedTimer outer;
        outer.start();
        const qint64 first = Deadlines::nowMs();
        QElapsedTimer inner;
        inner.start();
        QTRY_VERIFY(inner.elapsed() >= 50);
        const qint64 innerMs = inner.elapsed();
        const qint64 second = Deadlines::nowMs();
        const qint64 outerMs = outer.elapsed();
        const QString seen = QStringLiteral("%1 between %2 and %3").arg(second - first).arg(innerMs).arg(outerMs);
        QVERIFY2(second - first >= innerMs - 1, qPrintable(seen));
        QVERIFY2(second - first <= outerMs + 1, qPrintable(seen));
    }

    void everyClientIsCheckedOnEveryTickWithTheCurrentTime()
    {
        Deadlines deadlines;
        Recorder first, second;
        const qint64 before = Deadlines::nowMs();
        deadlines.add(&first);
        deadlines.add(&second);
        QTRY_VERIFY(first.checks.size() >= 3);
        // One tick checks both, with the same time: the test's loop runs between ticks only.
        QCOMPARE(second.checks, first.checks);
        QVERIFY(std::is_sorted(first.checks.begin(), first.checks.end()));
        QVERIFY(first.checks.first() >= before);
        QVERIFY(first.checks.last() <= Deadlines::nowMs());
        QVERIFY(first.checks.last() > first.checks.first());  // time moves between ticks
    }

    void removedClientIsNotCheckedAgain()
    {
        Deadlines deadlines;
        Recorder first, middle, last;
        deadlines.add(&first);
        deadlines.add(&middle);
        deadlines.add(&last);
        QTRY_VERIFY(middle.checks.size() >= 1);
        deadlines.remove(&middle);
        const qsizetype middleChecks = middle.checks.size();
        const qsizetype firstChecks = first.checks.size();
        QTRY_VERIFY(first.checks.size() >= firstChecks + 3);
        QCOMPARE(middle.checks.size(), middleChecks);
        QCOMPARE(last.checks, first.checks);  // the others keep being checked together

        Recorder stranger;  // never added: removing it changes nothing
        deadlines.remove(&stranger);
        const qsizetype lastChecks = last.checks.size();
        QTRY_VERIFY(last.checks.size() >= lastChecks + 2);
        QCOMPARE(last.checks, first.checks);
        QVERIFY(stranger.checks.isEmpty());
    }

    void deadlineFiresOnATickAtOrAfterIt()
    {
        Deadlines deadlines;
        OneDeadline soon, later;
        soon.deadline = Deadlines::nowMs() + 150;
        later.deadline = Deadlines::nowMs() + 600;
        const qint64 soonDeadline = soon.deadline, laterDeadline = later.deadline;
        deadlines.add(&soon);
        deadlines.add(&later);
        QTRY_COMPARE_WITH_TIMEOUT(soon.fired, 1, 10'000);
        QTRY_COMPARE_WITH_TIMEOUT(later.fired, 1, 10'000);
        QVERIFY(soon.firedAt >= soonDeadline);
        QVERIFY(later.firedAt >= laterDeadline);
        QVERIFY(soon.firedAt <= later.firedAt);
        QCOMPARE(soon.fired, 1);
    }
};

QTEST_GUILESS_MAIN(TestDeadlines)
#include "tst_deadlines.moc"
