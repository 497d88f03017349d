// Fleet mode end to end (docs/FLEET.md): kairos-gateway processes sharing their routes through
// etcd processes on 127.0.0.1 that the tests start, kill and restart; nothing is mocked. Every
// case has a prefix of its own in the shared single-member etcd, except the three-member one.
#include "demo/echobackend.h"
#include "support/etcdcluster.h"
#include "support/loadgenerator.h"
#include "support/testsupport.h"

#include <QDir>
#include <QJsonDocument>
#include <QProcess>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QtTest>

#include <csignal>
#include <set>
#include <sys/stat.h>

using namespace kairos;
using namespace kairos::test;

namespace {

constexpr int kEtcdTimeoutMs = 1000;  // every gateway's cluster.etcd.timeout_ms
constexpr int kStartMs = 15'000;      // a process start, etcd's included
constexpr int kSpreadMs = 1000;       // a change made on one instance reaches the others within this
// etcd back after an outage: the instances retry with a backoff of at most 5 s (and jitter).
constexpr int kRecoverMs = 15'000;
constexpr int kLeaseTtlMs = 10'000;  // a member's lease

using Headers = QList<std::pair<QByteArray, QByteArray>>;

QByteArray compact(const QJsonObject &object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

// kairos-gateway in fleet mode, on a config file of its own folder with one-second etcd calls.
class GatewayProcess
{
public:
    GatewayProcess(QStringList endpoints, QString prefix, const QJsonArray &fileRoutes = {},
                   QStringList extraArguments = {})
        : m_endpoints(std::move(endpoints)),
          m_prefix(std::move(prefix)),
          m_extra(std::move(extraArguments)),
          m_port(freePort())
    {
        const QJsonObject config{{"version", 1},
                                 {"server", QJsonObject{{"workers", 2}}},
                                 {"cluster", QJsonObject{{"etcd", QJsonObject{{"timeout_ms", kEtcdTimeoutMs}}}}},
                                 {"routers", fileRoutes}};
        QFile file(configPath());
        if (!file.open(QIODevice::WriteOnly))
            qFatal("cannot write %s", qPrintable(configPath()));
        file.write(QJsonDocument(config).toJson());
    }
    ~GatewayProcess()
    {
        stop();
        if (QTest::currentTestFailed())
            qWarning().noquote() << "kairos-gateway" << name() << "log:\n" << log().right(6000);
    }

    QString configPath() const { return m_dir.filePath(QStringLiteral("config.json")); }
    QString defaultCachePath() const { return m_dir.filePath(QStringLiteral("config.fleet-cache.json")); }
    quint16 port() const { return m_port; }
    QString name() const { return QStringLiteral("127.0.0.1:%1").arg(m_port); }  // cluster.instance_name's default
    bool isRunning() const { return m_process.state() != QProcess::NotRunning; }
    int exitCode() const { return m_process.exitCode(); }

    void launch()
    {
        QFile existing(logPath());
        m_logStart = existing.exists() ? existing.size() : 0;
        m_process.setStandardOutputFile(logPath(), QIODevice::Append);
        m_process.setStandardErrorFile(logPath(), QIODevice::Append);
        m_process.start(QStringLiteral(KAIROS_GATEWAY_BINARY),
                        QStringList{"--no-gui", "--no-watch", "--access-log", "none", "--config", configPath(),
                                    "--listen", name(), "--etcd", m_endpoints.join(QLatin1Char(',')), "--etcd-prefix",
                                    m_prefix}
                            + m_extra);
        m_process.waitForStarted();
    }
    // Until it listens; false when it exits first (the log says why) or takes too long.
    bool waitUntilListening()
    {
        const QByteArray listening = "listening on " + url(m_port).toUtf8();
        [[maybe_unused]] const bool ended =
            QTest::qWaitFor([&] { return log().contains(listening) || !isRunning(); }, kStartMs);
        if (log().contains(listening) && isRunning())
            return true;
        qWarning().noquote() << "kairos-gateway on port" << m_port << "did not start:\n" << log();
        return false;
    }
    bool start()
    {
        launch();
        return waitUntilListening();
    }
    bool waitForExit()
    {
        return QTest::qWaitFor([&] { return !isRunning(); }, kStartMs);
    }
    void signal(int number) { ::kill(pid_t(m_process.processId()), number); }
    void kill()
    {
        if (!isRunning())
            return;
        m_process.kill();
        m_process.waitForFinished();
    }
    // SIGTERM: it leaves the member list and exits with 0 (so, in a sanitizer build, without
    // leaks); anything else is recorded in uncleanExits() for the case's cleanup().
    void stop()
    {
        if (!isRunning())
            return;
        signal(SIGCONT);  // a stopped process handles no SIGTERM
        m_process.terminate();
        if (!m_process.waitForFinished(10'000)) {
            kill();
            uncleanExits().append(name() + QStringLiteral(": still running 10 s after SIGTERM"));
        } else if (m_process.exitStatus() != QProcess::NormalExit || m_process.exitCode() != 0) {
            uncleanExits().append(
                QStringLiteral("%1: exit code %2 after SIGTERM").arg(name()).arg(m_process.exitCode()));
            qWarning().noquote() << "kairos-gateway" << name() << "log:\n" << log().right(6000);
        }
    }
    static QStringList &uncleanExits()
    {
        static QStringList exits;
        return exits;
    }
    // What this run wrote to stderr and stdout.
    QByteArray log() const
    {
        QFile file(logPath());
        if (!file.open(QIODevice::ReadOnly))
            return {};
        file.seek(m_logStart);
        return file.readAll();
    }

    int status(const QByteArray &target) const { return request(m_port, "GET", target).status; }
    Response get(const QByteArray &target) const { return request(m_port, "GET", target); }
    QJsonObject cluster() const { return get("/api/cluster").json(); }
    QByteArray etag() const { return get("/api/config").headers.value("etag"); }
    Response send(const QByteArray &method, const QByteArray &target, const QJsonObject &body = {},
                  const Headers &headers = {}) const
    {
        return jsonRequest(m_port, method, target, body, headers);
    }
    Response post(const QJsonObject &route) const { return send("POST", "/api/routes", route); }
    Response remove(const QByteArray &externalPath) const { return send("DELETE", "/api/routes" + externalPath); }
    // The value of one series in /metrics ("name{labels}"), -1 when absent.
    qint64 metric(const QByteArray &series) const
    {
        const QByteArray text = get("/metrics").body;
        const qsizetype at = text.indexOf("\n" + series + " ");
        if (at < 0)
            return -1;
        const qsizetype start = at + 1 + series.size() + 1;
        return text.mid(start, text.indexOf('\n', start) - start).toLongLong();
    }

private:
    QString logPath() const { return m_dir.filePath(QStringLiteral("gateway.log")); }

    QTemporaryDir m_dir;
    QStringList m_endpoints;
    QString m_prefix;
    QStringList m_extra;
    quint16 m_port;
    QProcess m_process;
    qint64 m_logStart = 0;
};

// Several instances on one prefix, started together.
class Fleet
{
public:
    Fleet(int size, const QStringList &endpoints, const QString &prefix, const QJsonArray &fileRoutes = {})
    {
        for (int i = 0; i < size; ++i)
            m_gateways.push_back(std::make_unique<GatewayProcess>(endpoints, prefix, fileRoutes));
    }
    bool start()
    {
        for (const auto &gateway : m_gateways)
            gateway->launch();
        return std::all_of(m_gateways.begin(), m_gateways.end(),
                           [](const auto &gateway) { return gateway->waitUntilListening(); });
    }
    GatewayProcess &operator[](int index) { return *m_gateways[size_t(index)]; }
    auto begin() { return m_gateways.begin(); }
    auto end() { return m_gateways.end(); }

    // Every instance answers `target` with `status`.
    bool allAnswer(const QByteArray &target, int status)
    {
        return std::all_of(m_gateways.begin(), m_gateways.end(),
                           [&](const auto &gateway) { return gateway->status(target) == status; });
    }
    // Every instance lists the same members, `names`, each at `revision` (when not 0).
    bool allSeeMembers(const QStringList &names, qint64 revision = 0)
    {
        return std::all_of(m_gateways.begin(), m_gateways.end(), [&](const auto &gateway) {
            const QJsonArray members = gateway->cluster().value("members").toArray();
            QStringList seen;
            for (const QJsonValue &member : members) {
                if (revision && member.toObject().value("revision").toInteger() != revision)
                    return false;
                seen.append(member.toObject().value("name").toString());
            }
            seen.sort();
            QStringList expected = names;
            expected.sort();
            return seen == expected;
        });
    }
    QStringList names() const
    {
        QStringList names;
        for (const auto &gateway : m_gateways)
            names.append(gateway->name());
        return names;
    }

private:
    std::vector<std::unique_ptr<GatewayProcess>> m_gateways;
};

// The `problems` of /api/cluster, key -> error.
QMap<QString, QString> problems(const QJsonObject &cluster)
{
    QMap<QString, QString> byKey;
    for (const QJsonValue &problem : cluster.value("problems").toArray())
        byKey.insert(problem.toObject().value("key").toString(), problem.toObject().value("error").toString());
    return byKey;
}

// An admin request with If-Match, and a JSON body unless `body` is empty.
QByteArray rawRequest(quint16 port, const QByteArray &method, const QByteArray &target, const QJsonObject &body,
                      const QByteArray &ifMatch)
{
    const QByteArray json = body.isEmpty() ? QByteArray() : compact(body);
    return method + ' ' + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + QByteArray::number(port)
           + "\r\nContent-Type: application/json\r\nIf-Match: " + ifMatch
           + "\r\nContent-Length: " + QByteArray::number(json.size()) + "\r\n\r\n" + json;
}

// Sends both requests before reading either answer: the two instances handle them at once.
std::pair<Response, Response> sendTogether(const GatewayProcess &first, const QByteArray &firstRequest,
                                           const GatewayProcess &second, const QByteArray &secondRequest)
{
    RawClient a(first.port());
    RawClient b(second.port());
    a.send(firstRequest);
    b.send(secondRequest);
    const Response answerA = a.readOne(15'000);
    const Response answerB = b.readOne(15'000);
    return {answerA, answerB};
}

QString describe(const Response &response)
{
    return QStringLiteral("%1 %2").arg(response.status).arg(QString::fromUtf8(response.body.left(400)));
}

// The revision an answer's ETag names ("\"42\"" is 42).
qint64 revisionOf(const Response &response)
{
    const QByteArray etag = response.headers.value("etag");
    return etag.size() > 2 ? etag.mid(1, etag.size() - 2).toLongLong() : 0;
}

QString describe(const QMap<int, int> &statuses)
{
    QStringList parts;
    for (auto it = statuses.begin(); it != statuses.end(); ++it)
        parts.append(QStringLiteral("%1×%2").arg(it.value()).arg(it.key()));
    return parts.join(QLatin1Char(' '));
}

// A steady load of proxied GETs on every instance of a fleet.
class FleetLoad
{
public:
    FleetLoad(Fleet &fleet, const QByteArray &target)
    {
        for (const auto &gateway : fleet)
            m_loads.push_back(std::make_unique<LoadGenerator>(gateway->port(), QList<QByteArray>{target}, 2));
        for (const auto &load : m_loads)
            load->start();
    }
    ~FleetLoad()
    {
        // A generator still running would reconnect from its sockets' destructors.
        for (const auto &load : m_loads)
            load->stop(5000);
    }
    // Each instance has answered `count` more requests than at `since`.
    bool progressed(const std::vector<int> &since, int count) const
    {
        for (size_t i = 0; i < m_loads.size(); ++i) {
            if (m_loads[i]->completed() < since[i] + count)
                return false;
        }
        return true;
    }
    std::vector<int> completed() const
    {
        std::vector<int> counts;
        for (const auto &load : m_loads)
            counts.push_back(load->completed());
        return counts;
    }
    // Stops, and says what went wrong: an answer other than 200, or a connection lost.
    QString stopAndDescribeFailures()
    {
        QStringList failures;
        for (size_t i = 0; i < m_loads.size(); ++i) {
            LoadGenerator &load = *m_loads[i];
            if (!load.stop())
                failures.append(QStringLiteral("instance %1: requests still unanswered").arg(i));
            const QList<int> statuses = load.statuses().keys();
            if (statuses != QList<int>{200})
                failures.append(QStringLiteral("instance %1: %2").arg(i).arg(describe(load.statuses())));
            if (!load.transportErrors().isEmpty())
                failures.append(QStringLiteral("instance %1: %2").arg(i).arg(load.transportErrors().join("; ")));
        }
        return failures.join(QLatin1Char('\n'));
    }

private:
    std::vector<std::unique_ptr<LoadGenerator>> m_loads;
};

}  // namespace

class TestFleet : public QObject
{
    Q_OBJECT

private:
    QJsonObject route(const QString &path, const QString &internal = QStringLiteral("/"))
    {
        return routeJson(path, internal, {backendJson(m_backend->port())}, {"GET"});
    }
    QStringList endpoints() const { return m_etcd->endpoints(); }
    // POSTs a route to the gateways in turn until one is created or `timeoutMs` passes: the path
    // created, else empty with the last answer in `last`. Each attempt has a path of its own,
    // `base`-N, since one answered 503 may have been made all the same. (QTRY_* would make one
    // more attempt after the one that succeeds.)
    QString createWhenWritable(const QList<GatewayProcess *> &gateways, const QString &base, int timeoutMs,
                               Response *last)
    {
        int attempt = 0;
        QString path;
        const bool created = QTest::qWaitFor(
            [&] {
                path = QStringLiteral("%1-%2").arg(base).arg(++attempt);
                *last = gateways[attempt % gateways.size()]->post(route(path));
                return last->status == 201;
            },
            timeoutMs);
        return created ? path : QString();
    }

    std::unique_ptr<EchoBackend> m_backend;
    std::unique_ptr<EtcdCluster> m_etcd;  // one member, shared by every case but the cluster's

private slots:
    void initTestCase()
    {
        m_backend = std::make_unique<EchoBackend>(QStringLiteral("fleet"));
        QVERIFY(m_backend->listen());
        m_etcd = std::make_unique<EtcdCluster>(1);
        QVERIFY2(m_etcd->start(), "etcd does not start (Debian's etcd-server; scripts/install-deps.sh installs it)");
    }

    void init()
    {
        // A case that failed with etcd down leaves it down; the next one starts it again.
        if (!m_etcd->member(0).isRunning())
            QVERIFY(m_etcd->restart(0));
    }

    void cleanup()
    {
        const QStringList exits = std::exchange(GatewayProcess::uncleanExits(), {});
        QVERIFY2(exits.isEmpty(), qPrintable(exits.join(QLatin1Char('\n'))));
    }

    void routeChangesReachEveryInstance()
    {
        // The files' own route is not the fleet's: the empty prefix's config replaces it.
        Fleet fleet(3, endpoints(), "/t1", {route("/from-file")});
        QVERIFY(fleet.start());
        QVERIFY(fleet.allAnswer("/from-file", 404));
        QVERIFY(m_etcd->get("/t1/routes/").empty());
        // Each lists itself with the config it applied, not at its first lease renewal.
        QTRY_VERIFY_WITH_TIMEOUT(fleet.allSeeMembers(fleet.names()), kSpreadMs);
        const QJsonObject cluster = fleet[0].cluster();
        QCOMPARE(cluster.value("mode").toString(), QStringLiteral("etcd"));
        QCOMPARE(cluster.value("instance").toString(), fleet[0].name());
        QCOMPARE(cluster.value("store").toObject().value("up").toBool(), true);
        QCOMPARE(cluster.value("store").toObject().value("endpoints").toArray(),
                 QJsonArray::fromStringList(endpoints()));
        for (const QJsonValue &member : cluster.value("members").toArray())
            QCOMPARE(member.toObject().value("address").toString(),
                     QStringLiteral("http://") + member.toObject().value("name").toString());

        const Response created = fleet[0].post(route("/r1"));
        QCOMPARE(created.status, 201);
        QCOMPARE(fleet[0].status("/r1"), 200);  // answered once this instance serves it
        QTRY_VERIFY_WITH_TIMEOUT(fleet.allAnswer("/r1", 200), kSpreadMs);
        QTRY_VERIFY_WITH_TIMEOUT(fleet.allSeeMembers(fleet.names(), revisionOf(created)), kSpreadMs);
        const auto stored = m_etcd->get("/t1/routes/");
        QCOMPARE(stored.size(), size_t(1));
        QCOMPARE(stored.begin()->first, QStringLiteral("/t1/routes/%2Fr1"));
        QCOMPARE(QJsonDocument::fromJson(stored.begin()->second.value("value").toString().toUtf8())
                     .object()
                     .value("external_path")
                     .toString(),
                 QStringLiteral("/r1"));

        const Response deleted = fleet[1].remove("/r1");
        QCOMPARE(deleted.status, 204);
        QTRY_VERIFY_WITH_TIMEOUT(fleet.allAnswer("/r1", 404), kSpreadMs);
        QVERIFY(m_etcd->get("/t1/routes/").empty());
        // Every instance has caught up: one ETag on all.
        const QByteArray etag = deleted.headers.value("etag");
        QVERIFY(!etag.isEmpty());
        QTRY_VERIFY_WITH_TIMEOUT(
            std::all_of(fleet.begin(), fleet.end(), [&](const auto &gateway) { return gateway->etag() == etag; }),
            kSpreadMs);
    }

    void concurrentWritesOnOneRevisionOneWins()
    {
        Fleet fleet(2, endpoints(), "/t2");
        QVERIFY(fleet.start());
        QCOMPARE(fleet[0].post(route("/c")).status, 201);
        QTRY_VERIFY_WITH_TIMEOUT(fleet.allAnswer("/c", 200), kSpreadMs);
        QTRY_VERIFY_WITH_TIMEOUT(fleet[0].etag() == fleet[1].etag(), kSpreadMs);

        // The whole config, each instance adding a route of its own to what it read.
        QByteArray etag = fleet[0].etag();
        QByteArray puts[2];
        for (int i = 0; i < 2; ++i) {
            QJsonObject config = fleet[i].get("/api/config").json();
            QJsonArray routers = config.value("routers").toArray();
            routers.append(route(QStringLiteral("/from-%1").arg(i)));
            config.insert("routers", routers);
            puts[i] = rawRequest(fleet[i].port(), "PUT", "/api/config", config, etag);
        }
        auto [first, second] = sendTogether(fleet[0], puts[0], fleet[1], puts[1]);
        QVERIFY2((first.status == 200) != (second.status == 200),
                 qPrintable(describe(first) + " / " + describe(second)));
        int winner = first.status == 200 ? 0 : 1;
        const Response &lost = winner == 0 ? second : first;
        QVERIFY2(lost.status == 412 || lost.status == 409, qPrintable(describe(lost)));
        QVERIFY(!lost.headers.value("etag").isEmpty());
        QTRY_VERIFY_WITH_TIMEOUT(fleet.allAnswer(QStringLiteral("/from-%1").arg(winner).toUtf8(), 200), kSpreadMs);
        QVERIFY(fleet.allAnswer(QStringLiteral("/from-%1").arg(1 - winner).toUtf8(), 404));
        // The loser, on what is there now, gets its change in.
        QTRY_VERIFY_WITH_TIMEOUT(fleet[0].etag() == fleet[1].etag(), kSpreadMs);
        const int loser = 1 - winner;
        QJsonObject config = fleet[loser].get("/api/config").json();
        QJsonArray routers = config.value("routers").toArray();
        routers.append(route(QStringLiteral("/from-%1").arg(loser)));
        config.insert("routers", routers);
        const Response retried = fleet[loser].send("PUT", "/api/config", config, {{"If-Match", fleet[loser].etag()}});
        QVERIFY2(retried.status == 200, qPrintable(describe(retried)));
        QTRY_VERIFY_WITH_TIMEOUT(fleet.allAnswer(QStringLiteral("/from-%1").arg(loser).toUtf8(), 200), kSpreadMs);

        // One route, replaced on both instances from the same revision.
        QTRY_VERIFY_WITH_TIMEOUT(fleet[0].etag() == fleet[1].etag(), kSpreadMs);
        etag = fleet[0].etag();
        std::tie(first, second) =
            sendTogether(fleet[0], rawRequest(fleet[0].port(), "PUT", "/api/routes/c", route("/c", "/by-0"), etag),
                         fleet[1], rawRequest(fleet[1].port(), "PUT", "/api/routes/c", route("/c", "/by-1"), etag));
        QVERIFY2((first.status == 200) != (second.status == 200),
                 qPrintable(describe(first) + " / " + describe(second)));
        winner = first.status == 200 ? 0 : 1;
        const Response &refused = winner == 0 ? second : first;
        QVERIFY2(refused.status == 412 || refused.status == 409, qPrintable(describe(refused)));
        QVERIFY(!refused.headers.value("etag").isEmpty());
        const QString target = QStringLiteral("/by-%1").arg(winner);
        QTRY_VERIFY_WITH_TIMEOUT(std::all_of(fleet.begin(), fleet.end(),
                                             [&](const auto &gateway) {
                                                 return gateway->get("/c").json().value("target").toString() == target;
                                             }),
                                 kSpreadMs);
        // A deletion on one instance and an addition on the other, from one revision: a race
        // whose order varies, so it runs a few times, each instance deleting in turn.
        for (int round = 0; round < 4; ++round) {
            GatewayProcess &deleter = fleet[round % 2];
            GatewayProcess &adder = fleet[1 - round % 2];
            const QByteArray doomed = "/doomed-" + QByteArray::number(round);
            QCOMPARE(deleter.post(route(QString::fromUtf8(doomed))).status, 201);
            QTRY_VERIFY_WITH_TIMEOUT(fleet.allAnswer(doomed, 200), kSpreadMs);
            QTRY_VERIFY_WITH_TIMEOUT(fleet[0].etag() == fleet[1].etag(), kSpreadMs);
            etag = fleet[0].etag();
            const auto [deleted, added] = sendTogether(
                deleter, rawRequest(deleter.port(), "DELETE", "/api/routes" + doomed, {}, etag), adder,
                rawRequest(adder.port(), "POST", "/api/routes", route(QStringLiteral("/added-%1").arg(round)), etag));
            QVERIFY2((deleted.status == 204) != (added.status == 201),
                     qPrintable(describe(deleted) + " / " + describe(added)));
            const Response &turnedDown = deleted.status == 204 ? added : deleted;
            QVERIFY2(turnedDown.status == 412 || turnedDown.status == 409, qPrintable(describe(turnedDown)));
        }
    }

    void etcdDownKeepsProxyingAndRefusesWrites()
    {
        Fleet fleet(3, endpoints(), "/t3");
        QVERIFY(fleet.start());
        QCOMPARE(fleet[0].post(route("/load")).status, 201);
        QTRY_VERIFY_WITH_TIMEOUT(fleet.allAnswer("/load", 200), kSpreadMs);
        FleetLoad load(fleet, "/load?delay_ms=2");
        QTRY_VERIFY_WITH_TIMEOUT(load.progressed({0, 0, 0}, 20), 10'000);

        m_etcd->member(0).kill();
        const Response refused = fleet[1].post(route("/during-outage"));
        QCOMPARE(refused.status, 503);
        QCOMPARE(refused.json().value("type").toString(), QStringLiteral("config_store_unavailable"));
        QCOMPARE(refused.headers.value("retry-after"), QByteArray("1"));
        QTRY_VERIFY_WITH_TIMEOUT(
            std::none_of(
                fleet.begin(), fleet.end(),
                [](const auto &gateway) { return gateway->cluster().value("store").toObject().value("up").toBool(); }),
            5000);
        // Proxying goes on, and every instance stays ready, while etcd is away.
        bool alwaysReady = true;
        const std::vector<int> atOutage = load.completed();
        QTRY_VERIFY_WITH_TIMEOUT(([&] {
                                     for (const auto &gateway : fleet)
                                         alwaysReady = alwaysReady && gateway->status("/ready") == 200;
                                     return load.progressed(atOutage, 50);
                                 }()),
                                 10'000);
        QVERIFY(alwaysReady);
        QVERIFY(fleet.allAnswer("/during-outage", 404));

        QVERIFY(m_etcd->restart(0));
        Response created;
        const QString path = createWhenWritable({&fleet[2]}, "/after-outage", kRecoverMs, &created);
        QVERIFY2(!path.isEmpty(), qPrintable(describe(created)));
        const qint64 revision = revisionOf(created);
        QVERIFY(revision > 0);
        // The others may still be waiting to try etcd again.
        QTRY_VERIFY_WITH_TIMEOUT(fleet.allAnswer(path.toUtf8(), 200), kRecoverMs);
        QTRY_VERIFY_WITH_TIMEOUT(fleet.allSeeMembers(fleet.names(), revision), 5000);
        QVERIFY(fleet.allAnswer("/during-outage", 404));  // refused is refused, not queued
        const std::vector<int> atEnd = load.completed();
        QTRY_VERIFY_WITH_TIMEOUT(load.progressed(atEnd, 20), 10'000);
        const QString failures = load.stopAndDescribeFailures();
        QVERIFY2(failures.isEmpty(), qPrintable(failures));
    }

    void instanceStartsFromItsCacheWhileEtcdIsDown()
    {
        GatewayProcess gateway(endpoints(), "/t4");
        QVERIFY(gateway.start());
        QCOMPARE(gateway.post(route("/cached")).status, 201);
        const QString cache = gateway.defaultCachePath();
        QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(cache), 5000);
        struct stat info {};
        QCOMPARE(::stat(QFile::encodeName(cache).constData(), &info), 0);
        QCOMPARE(info.st_mode & 07777, mode_t(0600));  // it holds the fleet's secrets
        gateway.stop();

        // Changed in etcd while the instance is away, then etcd goes too.
        QCOMPARE(m_etcd->ctl({"put", "/t4/routes/%2Flater", compact(route("/later"))}).exitCode, 0);
        m_etcd->member(0).kill();
        QVERIFY(gateway.start());
        QCOMPARE(gateway.status("/cached"), 200);
        QCOMPARE(gateway.status("/later"), 404);
        QJsonObject store = gateway.cluster().value("store").toObject();
        QCOMPARE(store.value("up").toBool(), false);
        QCOMPARE(store.value("serving_from_cache").toString(), cache);
        QCOMPARE(gateway.post(route("/refused")).status, 503);

        // Without a cache there is nothing to serve.
        GatewayProcess uncached(endpoints(), "/t4");
        uncached.launch();
        QVERIFY(uncached.waitForExit());
        QCOMPARE(uncached.exitCode(), 1);
        const QByteArray log = uncached.log();
        QVERIFY2(log.contains(endpoints().first().toUtf8()), log.constData());
        QVERIFY2(log.contains("no cached config"), log.constData());

        QVERIFY(m_etcd->restart(0));
        QTRY_VERIFY_WITH_TIMEOUT(gateway.status("/later") == 200, kRecoverMs);
        QCOMPARE(gateway.status("/cached"), 200);
        store = gateway.cluster().value("store").toObject();
        QCOMPARE(store.value("up").toBool(), true);
        QVERIFY(!store.contains("serving_from_cache"));
        QTRY_COMPARE_WITH_TIMEOUT(
            gateway.cluster().value("members").toArray().first().toObject().value("name").toString(), gateway.name(),
            5000);
        // The cache follows.
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                QFile file(cache);
                return file.open(QIODevice::ReadOnly) && file.readAll().contains("/later");
            }(),
            5000);
    }

    void invalidDocumentsAreRefusedAndListed()
    {
        Fleet fleet(2, endpoints(), "/t5");
        QVERIFY(fleet.start());
        QCOMPARE(fleet[0].post(route("/good")).status, 201);
        QTRY_VERIFY_WITH_TIMEOUT(fleet.allAnswer("/good", 200), kSpreadMs);
        QTRY_VERIFY_WITH_TIMEOUT(fleet[0].etag() == fleet[1].etag(), kSpreadMs);
        const QByteArray etag = fleet[0].etag();

        QCOMPARE(m_etcd->ctl({"put", "/t5/routes/x", "not json"}).exitCode, 0);
        QJsonObject outOfRange = route("/bad");
        outOfRange.insert("backends", QJsonArray{QJsonObject{{"host", "http://127.0.0.1"}, {"port", 70000}}});
        QCOMPARE(m_etcd->ctl({"put", "/t5/routes/y", compact(outOfRange)}).exitCode, 0);
        // A later good change still goes through.
        QCOMPARE(m_etcd->ctl({"put", "/t5/routes/%2Fgood2", compact(route("/good2"))}).exitCode, 0);
        QTRY_VERIFY_WITH_TIMEOUT(fleet.allAnswer("/good2", 200), kSpreadMs);
        const QByteArray etagAfterGood2 = fleet[0].etag();

        const auto refusedBoth = [](const QMap<QString, QString> &listed) {
            return listed.size() == 2 && listed.value("/t5/routes/x").contains("JSON")
                   && listed.value("/t5/routes/y").contains("70000");
        };
        QTRY_VERIFY_WITH_TIMEOUT(
            std::all_of(fleet.begin(), fleet.end(),
                        [&](const auto &gateway) { return refusedBoth(problems(gateway->cluster())); }),
            kSpreadMs);
        QVERIFY(fleet.allAnswer("/bad", 404));
        QVERIFY(fleet.allAnswer("/good", 200));
        QVERIFY(etagAfterGood2 != etag);

        // Put again, the refused keys change nothing: neither the revision served nor the routes.
        QCOMPARE(m_etcd->ctl({"put", "/t5/routes/x", "{\"still\": not json"}).exitCode, 0);
        QCOMPARE(m_etcd->ctl({"put", "/t5/routes/y", compact(outOfRange)}).exitCode, 0);
        QTRY_VERIFY_WITH_TIMEOUT(
            std::all_of(fleet.begin(), fleet.end(),
                        [&](const auto &gateway) {
                            const QJsonArray listed = gateway->cluster().value("problems").toArray();
                            return std::all_of(listed.begin(), listed.end(),
                                               [&](const QJsonValue &p) {
                                                   return p.toObject().value("revision").toInteger() > 0;
                                               })
                                   && problems(gateway->cluster()).value("/t5/routes/x").contains("JSON");
                        }),
            kSpreadMs);
        for (const auto &gateway : fleet) {
            QCOMPARE(gateway->etag(), etagAfterGood2);
            QVERIFY(gateway->get("/api/routes").body.contains("/good2"));
            QVERIFY(!gateway->get("/api/routes").body.contains("/bad"));
        }

        // An instance that starts with them in the store refuses them too, and serves the rest.
        GatewayProcess late(endpoints(), "/t5");
        QVERIFY(late.start());
        QVERIFY(refusedBoth(problems(late.cluster())));
        QCOMPARE(late.status("/good"), 200);
        QCOMPARE(late.status("/good2"), 200);
        QCOMPARE(late.status("/bad"), 404);
        QCOMPARE(late.etag(), etagAfterGood2);

        // Deleted, they are no longer listed.
        QCOMPARE(m_etcd->ctl({"del", "/t5/routes/x"}).exitCode, 0);
        QCOMPARE(m_etcd->ctl({"del", "/t5/routes/y"}).exitCode, 0);
        QTRY_VERIFY_WITH_TIMEOUT(std::all_of(fleet.begin(), fleet.end(),
                                             [](const auto &gateway) { return problems(gateway->cluster()).isEmpty(); })
                                     && problems(late.cluster()).isEmpty(),
                                 kSpreadMs);
    }

    void compactedInstanceReadsEverythingAgain()
    {
        Fleet fleet(2, endpoints(), "/t6");
        QVERIFY(fleet.start());
        GatewayProcess &writer = fleet[0];
        GatewayProcess &sleeper = fleet[1];
        QCOMPARE(writer.post(route("/r0")).status, 201);
        QCOMPARE(m_etcd->ctl({"put", "/t6/routes/junk", "not json"}).exitCode, 0);
        QTRY_VERIFY_WITH_TIMEOUT(problems(sleeper.cluster()).contains("/t6/routes/junk"), kSpreadMs);
        QCOMPARE(sleeper.status("/r0"), 200);

        // Stopped, the instance loses its watch (etcd restarts meanwhile) and every event it
        // would have replayed is compacted away.
        sleeper.signal(SIGSTOP);
        m_etcd->member(0).stop();
        QVERIFY(m_etcd->restart(0));
        Response created;
        const QByteArray r1 = createWhenWritable({&writer}, "/r1", kRecoverMs, &created).toUtf8();
        QVERIFY2(!r1.isEmpty(), qPrintable(describe(created)));
        QCOMPARE(writer.post(route("/r2")).status, 201);
        QCOMPARE(writer.remove("/r0").status, 204);
        QCOMPARE(m_etcd->ctl({"del", "/t6/routes/junk"}).exitCode, 0);
        const qint64 revision = m_etcd->revision();
        QVERIFY(revision > 0);
        QCOMPARE(m_etcd->ctl({"compact", QString::number(revision)}).exitCode, 0);
        sleeper.signal(SIGCONT);

        QTRY_VERIFY_WITH_TIMEOUT(sleeper.metric("kairos_config_store_errors_total{reason=\"compacted\"}") >= 1,
                                 kRecoverMs);
        QTRY_VERIFY_WITH_TIMEOUT(sleeper.status(r1) == 200 && sleeper.status("/r2") == 200, kSpreadMs);
        QCOMPARE(sleeper.status("/r0"), 404);
        QVERIFY(problems(sleeper.cluster()).isEmpty());
        QTRY_COMPARE_WITH_TIMEOUT(sleeper.etag(), writer.etag(), kSpreadMs);

        // And it watches again from there.
        created = writer.post(route("/r3"));
        QCOMPARE(created.status, 201);
        QTRY_VERIFY_WITH_TIMEOUT(sleeper.status("/r3") == 200, kSpreadMs);
        QTRY_COMPARE_WITH_TIMEOUT(sleeper.etag(), created.headers.value("etag"), kSpreadMs);
    }

    void leaderLossInAThreeMemberCluster()
    {
        EtcdCluster cluster(3);
        QVERIFY(cluster.start());
        int leader = -1;
        QTRY_VERIFY_WITH_TIMEOUT((leader = cluster.leader()) >= 0, 5000);
        // Both instances talk to the leader first, so that losing it moves them elsewhere.
        QStringList ordered = cluster.endpoints();
        ordered.move(leader, 0);
        Fleet fleet(2, ordered, "/t7");
        QVERIFY(fleet.start());
        QCOMPARE(fleet[0].post(route("/load")).status, 201);
        QTRY_VERIFY_WITH_TIMEOUT(fleet.allAnswer("/load", 200), kSpreadMs);
        FleetLoad load(fleet, "/load?delay_ms=2");
        QTRY_VERIFY_WITH_TIMEOUT(load.progressed({0, 0}, 20), 10'000);

        cluster.member(leader).kill();
        const std::vector<int> atKill = load.completed();
        // Writes come back once the other two have elected a leader.
        Response created;
        const QString written = createWhenWritable({&fleet[0], &fleet[1]}, "/after-election", 20'000, &created);
        QVERIFY2(!written.isEmpty(), qPrintable(describe(created)));
        QTRY_VERIFY_WITH_TIMEOUT(fleet.allAnswer(written.toUtf8(), 200), kSpreadMs);
        QVERIFY(cluster.leader() != leader);
        QTRY_VERIFY_WITH_TIMEOUT(load.progressed(atKill, 50), 10'000);
        const QString failures = load.stopAndDescribeFailures();
        QVERIFY2(failures.isEmpty(), qPrintable(failures));
    }

    void killedInstanceLeavesTheMemberList()
    {
        Fleet fleet(2, endpoints(), "/t8");
        QVERIFY(fleet.start());
        QTRY_VERIFY_WITH_TIMEOUT(fleet.allSeeMembers(fleet.names()), 5000);
        // A limit of scope "fleet" is shared among the live members: with two, each admits half
        // of the burst.
        QJsonObject limited = route("/limited");
        limited.insert("rate_limit",
                       QJsonObject{{"requests_per_second", 0.001}, {"burst", 4}, {"key", "route"}, {"scope", "fleet"}});
        QCOMPARE(fleet[0].post(limited).status, 201);
        for (const auto &gateway : fleet)  // asked through the API: a request would use the limit up
            QTRY_COMPARE_WITH_TIMEOUT(gateway->get("/api/routes/limited").status, 200, kSpreadMs);
        QCOMPARE(fleet[0].status("/limited"), 200);
        const Response second = fleet[0].get("/limited");
        QCOMPARE(second.status, 200);
        QCOMPARE(second.headers.value("ratelimit-limit"), QByteArray("2"));
        QCOMPARE(fleet[0].status("/limited"), 429);

        fleet[1].kill();  // SIGKILL: no lease revoked
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                const QJsonArray members = fleet[0].cluster().value("members").toArray();
                return members.size() == 1 && members.first().toObject().value("name").toString() == fleet[0].name();
            }(),
            kLeaseTtlMs + 5000);
        // Alone now: the whole burst is this instance's.
        QTRY_COMPARE_WITH_TIMEOUT(fleet[0].get("/limited").headers.value("ratelimit-limit"), QByteArray("4"), 5000);
    }

    void seedWritesOnlyIntoAnEmptyPrefix()
    {
        GatewayProcess seeder(endpoints(), "/t9", {route("/s1", "/one"), route("/s2")}, {"--etcd-seed"});
        QVERIFY(seeder.start());
        const auto seeded = m_etcd->get("/t9/routes/");
        QCOMPARE(seeded.size(), size_t(2));
        for (const auto &[key, kv] : seeded)
            QCOMPARE(kv.value("version").toInteger(), 1);  // written once
        QVERIFY(seeded.count("/t9/routes/%2Fs1") && seeded.count("/t9/routes/%2Fs2"));
        QCOMPARE(seeder.status("/s1"), 200);
        QCOMPARE(seeder.status("/s2"), 200);

        // Into a prefix that holds routes, a seed overwrites nothing and adds nothing.
        GatewayProcess second(endpoints(), "/t9", {route("/s1", "/other"), route("/s3")}, {"--etcd-seed"});
        QVERIFY(second.start());
        QCOMPARE(m_etcd->get("/t9/routes/"), seeded);
        QCOMPARE(second.get("/s1").json().value("target").toString(), QStringLiteral("/one"));
        QCOMPARE(second.status("/s3"), 404);
        QCOMPARE(seeder.status("/s3"), 404);

        // Two seeds into one empty prefix at once: one file's routes, each written once.
        GatewayProcess left(endpoints(), "/t9b", {route("/left-1"), route("/left-2")}, {"--etcd-seed"});
        GatewayProcess right(endpoints(), "/t9b", {route("/right-1"), route("/right-2")}, {"--etcd-seed"});
        left.launch();
        right.launch();
        QVERIFY(left.waitUntilListening());
        QVERIFY(right.waitUntilListening());
        const auto raced = m_etcd->get("/t9b/routes/");
        QStringList keys;
        for (const auto &[key, kv] : raced) {
            keys.append(key);
            QCOMPARE(kv.value("version").toInteger(), 1);
        }
        QVERIFY2(keys == QStringList({"/t9b/routes/%2Fleft-1", "/t9b/routes/%2Fleft-2"})
                     || keys == QStringList({"/t9b/routes/%2Fright-1", "/t9b/routes/%2Fright-2"}),
                 qPrintable(keys.join(", ")));
    }

    // A shift driven on one instance moves every instance's share (stored under <prefix>/shifts/),
    // and an instance started later takes it.
    void shiftsMoveTogether()
    {
        Fleet fleet(2, endpoints(), "/t10");
        QVERIFY(fleet.start());
        const auto group = [this](const QString &name, int weight) {
            return QJsonObject{
                {"name", name}, {"weight", weight}, {"backends", QJsonArray{backendJson(m_backend->port())}}};
        };
        const QJsonObject split{{"external_path", "/split"},
                                {"internal_path", "/"},
                                {"methods", QJsonArray{"GET"}},
                                {"split", QJsonArray{group("stable", 90), group("canary", 10)}},
                                {"shift", QJsonObject{{"group", "canary"}, {"interval_s", 3600}}}};
        QCOMPARE(fleet[0].post(split).status, 201);
        QTRY_VERIFY_WITH_TIMEOUT(fleet.allAnswer("/split", 200), kSpreadMs);
        const auto shiftOf = [](const GatewayProcess &gateway) {
            return gateway.get("/api/routes/split").json().value("live").toObject().value("shift").toObject();
        };
        QCOMPARE(shiftOf(fleet[1]).value("percent").toDouble(), 10.0);

        QCOMPARE(fleet[0].send("POST", "/api/routes/split/shift", {{"action", "promote"}}).status, 200);
        QTRY_COMPARE_WITH_TIMEOUT(shiftOf(fleet[1]).value("phase").toString(), QStringLiteral("promoted"), kSpreadMs);
        QCOMPARE(shiftOf(fleet[1]).value("percent").toDouble(), 100.0);
        QCOMPARE(m_etcd->get("/t10/shifts/").count("/t10/shifts/%2Fsplit"), size_t(1));

        QCOMPARE(fleet[1].send("POST", "/api/routes/split/shift", {{"action", "rollback"}}).status, 200);
        QTRY_COMPARE_WITH_TIMEOUT(shiftOf(fleet[0]).value("phase").toString(), QStringLiteral("rolled_back"),
                                  kSpreadMs);
        QCOMPARE(shiftOf(fleet[0]).value("percent").toDouble(), 0.0);

        GatewayProcess later(endpoints(), "/t10");
        QVERIFY(later.start());
        QTRY_COMPARE_WITH_TIMEOUT(shiftOf(later).value("phase").toString(), QStringLiteral("rolled_back"), kSpreadMs);
    }

    void cleanupTestCase()
    {
        m_etcd.reset();
        m_backend.reset();
    }
};

QTEST_GUILESS_MAIN(TestFleet)
#include "tst_fleet.moc"
