// The access log: its line, whole lines from many threads, written in blocks yet never lost,
// reopened after log rotation, and the stderr form that follows the log's format and logging
// rules.
#include "metrics/accesslog.h"

#include <QLoggingCategory>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include <unistd.h>

using namespace kairos;

namespace {

RequestRecord record(const QByteArray &requestId)
{
    RequestRecord r;
    r.requestId = requestId;
    r.method = "GET";
    r.target = "/api/users?page=2";
    r.routePath = QStringLiteral("/api/users");
    r.backend = QStringLiteral("http://127.0.0.1:9101");
    r.status = 200;
    r.responseBytes = 401;
    r.durationUs = 1234567;
    r.attempts = 2;
    r.peer = QHostAddress(QStringLiteral("192.168.10.7"));
    r.finishedAtMs = 1700000000123;  // 2023-11-14T22:13:20.123Z
    return r;
}

QByteArray readAll(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

// An access log appending to a file in a fresh temporary folder.
struct LogFile {
    QTemporaryDir dir;
    QString path = dir.filePath("access.log");
    std::unique_ptr<AccessLog> log = std::make_unique<AccessLog>();
    QString error;
    bool opened = log->openFile(path, &error);
};

// Runs `body` with file descriptor 2 pointing at `path`.
template <typename Body> void withStderrIn(const QString &path, Body body)
{
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    const int saved = ::dup(STDERR_FILENO);
    ::dup2(file.handle(), STDERR_FILENO);
    body();
    ::dup2(saved, STDERR_FILENO);
    ::close(saved);
}

}  // namespace

class TestAccessLog : public QObject
{
    Q_OBJECT

private slots:
    void lineHasEveryField()
    {
        QCOMPARE(AccessLog::format(record("abc123")),
                 QByteArray("192.168.10.7 \"GET /api/users?page=2\" 200 401 route=/api/users "
                            "backend=http://127.0.0.1:9101 duration_ms=1234.567 attempts=2 request_id=abc123"));
        RequestRecord unmatched = record("x");
        unmatched.routePath.clear();
        unmatched.backend.clear();
        unmatched.durationUs = 45;
        unmatched.peer = QHostAddress(QStringLiteral("::1"));
        unmatched.status = 404;
        QCOMPARE(
            AccessLog::format(unmatched),
            QByteArray(
                "::1 \"GET /api/users?page=2\" 404 401 route=- backend=- duration_ms=0.045 attempts=2 request_id=x"));
        RequestRecord unicode = record("u");
        unicode.routePath = QStringLiteral("/caf\u00e9");
        QVERIFY(AccessLog::format(unicode).contains("route=/caf\xc3\xa9 "));
        RequestRecord noted = record("n");
        noted.note = "upgrade_ignored";
        QVERIFY(AccessLog::format(noted).endsWith(" request_id=n note=upgrade_ignored"));
        RequestRecord queued = record("q");
        queued.queuedUs = 12'345;
        QVERIFY(AccessLog::format(queued).contains(" attempts=2 queued_ms=12.345 request_id=q"));
        RequestRecord refused = record("r");
        refused.queuedUs = 5'000'000;
        refused.note = "queue_timeout";
        QVERIFY(AccessLog::format(refused).endsWith(" queued_ms=5000.000 request_id=r note=queue_timeout"));
        RequestRecord forwarded = record("f");
        forwarded.forwardedClient = "203.0.113.9";
        QVERIFY(AccessLog::format(forwarded).endsWith(" request_id=f client=203.0.113.9"));
        RequestRecord secure = record("s");
        secure.tlsVersion = "TLSv1.3";
        secure.alpn = "http/1.1";
        QVERIFY(AccessLog::format(secure).endsWith(" request_id=s tls=TLSv1.3 alpn=http/1.1"));
        secure.alpn.clear();  // the client offered no ALPN
        secure.note = "upgrade_ignored";
        QVERIFY(AccessLog::format(secure).endsWith(" request_id=s tls=TLSv1.3 alpn=- note=upgrade_ignored"));
        RequestRecord cleartextHttp2 = record("c");
        cleartextHttp2.alpn = "h2c";
        QVERIFY(AccessLog::format(cleartextHttp2).endsWith(" request_id=c proto=h2c"));
    }

    void fileLinesCarryTheUtcTime()
    {
        LogFile file;
        QVERIFY2(file.opened, qPrintable(file.error));
        file.log->write(record("one"));
        RequestRecord later = record("two");
        later.finishedAtMs += 1005;  // the next second: the cached date must move on
        file.log->write(later);
        file.log.reset();
        QCOMPARE(readAll(file.path), "2023-11-14T22:13:20.123Z " + AccessLog::format(record("one"))
                                         + "\n"
                                           "2023-11-14T22:13:21.128Z "
                                         + AccessLog::format(record("two")) + "\n");
    }

    void quietLogIsWrittenWithinTheFlushInterval()
    {
        LogFile file;
        QVERIFY2(file.opened, qPrintable(file.error));
        file.log->write(record("lonely"));
        QCOMPARE(readAll(file.path), QByteArray());                       // held for the block...
        QTRY_VERIFY(readAll(file.path).contains("request_id=lonely\n"));  // ...until the timer
    }

    void linesFromManyThreadsArriveWholeAndInOrder()
    {
        constexpr int kThreads = 4;
        constexpr int kEach = 5'000;  // several blocks per thread
        LogFile file;
        QVERIFY2(file.opened, qPrintable(file.error));
        std::vector<std::thread> threads;
        for (int t = 0; t < kThreads; ++t) {
            threads.emplace_back([log = file.log.get(), t] {
                for (int i = 0; i < kEach; ++i)
                    log->write(record(QByteArray::number(t) + '-' + QByteArray::number(i)));
            });
        }
        for (std::thread &thread : threads)
            thread.join();
        file.log.reset();
        const QList<QByteArray> lines = readAll(file.path).split('\n');
        QCOMPARE(lines.size(), kThreads * kEach + 1);
        QVERIFY(lines.last().isEmpty());
        const QRegularExpression shape(QStringLiteral(
            R"(^2023-11-14T22:13:20\.123Z 192\.168\.10\.7 "GET /api/users\?page=2" 200 401 route=/api/users )"
            R"(backend=http://127\.0\.0\.1:9101 duration_ms=1234\.567 attempts=2 request_id=(\d)-(\d+)$)"));
        int next[kThreads] = {};
        for (int i = 0; i < lines.size() - 1; ++i) {
            const QRegularExpressionMatch match = shape.match(QString::fromLatin1(lines[i]));
            QVERIFY2(match.hasMatch(), lines[i].constData());
            const int thread = match.captured(1).toInt();
            QCOMPARE(match.captured(2).toInt(), next[thread]++);
        }
    }

    void stderrLinesFollowTheLogFormat()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath("stderr");
        withStderrIn(path, [] {
            AccessLog log;
            log.write(record("to-stderr"));
        });
        const QByteArray text = readAll(path);
        // The date in local time, as the log's "%{time yyyy-MM-ddTHH:mm:ss.zzz}" writes it.
        const QByteArray date = QDateTime::fromMSecsSinceEpoch(record("").finishedAtMs)
                                    .toString(QStringLiteral("yyyy-MM-ddTHH:mm:ss.zzz"))
                                    .toLatin1();
        QCOMPARE(text, date + " INFO  kairos.access: " + AccessLog::format(record("to-stderr")) + '\n');
    }

    void loggingRulesTurnTheStderrFormOff()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath("stderr");
        QLoggingCategory::setFilterRules(QStringLiteral("kairos.access.info=false"));
        withStderrIn(path, [] {
            AccessLog log;
            log.write(record("muted"));
        });
        QLoggingCategory::setFilterRules(QString());
        QCOMPARE(readAll(path), QByteArray());
    }

    void unwritableFileIsAnError()
    {
        AccessLog log;
        QString error;
        QVERIFY(!log.openFile(QStringLiteral("/nonexistent-dir/access.log"), &error));
        QVERIFY2(error.contains("/nonexistent-dir/access.log"), qPrintable(error));
    }

    void reopenAfterRenameStartsANewFile()
    {
        LogFile file;
        QVERIFY2(file.opened, qPrintable(file.error));
        file.log->write(record("before"));
        const QString rotated = file.path + ".1";
        QVERIFY(QFile::rename(file.path, rotated));
        file.log->write(record("waiting"));  // gathered before the reopen: goes to the renamed file
        QString error;
        QVERIFY2(file.log->reopen(&error), qPrintable(error));
        QVERIFY(QFile::exists(file.path));
        file.log->write(record("after"));
        file.log.reset();
        const QByteArray old = readAll(rotated);
        QVERIFY(old.contains("request_id=before\n") && old.contains("request_id=waiting\n"));
        QVERIFY(!old.contains("request_id=after"));
        QVERIFY(readAll(file.path).endsWith("request_id=after\n"));
        QCOMPARE(readAll(file.path).count('\n'), 1);
    }

    void reopenWhileThreadsWriteLosesNoLine()
    {
        constexpr int kThreads = 3;
        constexpr int kEach = 5'000;
        constexpr int kRotations = 20;
        LogFile file;
        QVERIFY2(file.opened, qPrintable(file.error));
        std::atomic<int> running{kThreads};
        std::vector<std::thread> threads;
        for (int t = 0; t < kThreads; ++t) {
            threads.emplace_back([log = file.log.get(), t, &running] {
                for (int i = 0; i < kEach; ++i)
                    log->write(record(QByteArray::number(t) + '-' + QByteArray::number(i)));
                --running;
            });
        }
        int rotations = 0;
        for (; rotations < kRotations && running > 0; ++rotations) {
            QVERIFY(QFile::rename(file.path, file.path + '.' + QString::number(rotations)));
            QString error;
            QVERIFY2(file.log->reopen(&error), qPrintable(error));
        }
        for (std::thread &thread : threads)
            thread.join();
        file.log.reset();
        QByteArray all = readAll(file.path);
        for (int i = 0; i < rotations; ++i)
            all += readAll(file.path + '.' + QString::number(i));
        const QList<QByteArray> lines = all.split('\n');
        QCOMPARE(lines.size(), kThreads * kEach + 1);
        QSet<QByteArray> ids;
        for (int i = 0; i < lines.size() - 1; ++i) {
            QVERIFY2(lines[i].startsWith("2023-11-14T22:13:20.123Z 192.168.10.7 "), lines[i].constData());
            ids.insert(lines[i].mid(lines[i].lastIndexOf('=') + 1));
        }
        QCOMPARE(ids.size(), kThreads * kEach);
    }

    void reopenFailureKeepsTheOpenFile()
    {
        LogFile file;
        QVERIFY2(file.opened, qPrintable(file.error));
        const QString rotated = file.path + ".1";
        QVERIFY(QFile::rename(file.path, rotated));
        QVERIFY(QDir().mkdir(file.path));  // the path cannot be opened as a file
        QString error;
        QVERIFY(!file.log->reopen(&error));
        QVERIFY2(error.contains(file.path), qPrintable(error));
        file.log->write(record("kept"));
        file.log.reset();
        QVERIFY(readAll(rotated).endsWith("request_id=kept\n"));
    }

    void reopenWithoutAFileDoesNothing()
    {
        AccessLog log;
        QString error;
        QVERIFY(log.reopen(&error));
        QVERIFY(error.isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestAccessLog)
#include "tst_accesslog.moc"
