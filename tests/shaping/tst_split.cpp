// Traffic splits and gradual shifts end to end: a gateway on 127.0.0.1 in front of real backends
// per group. Proportions within a statistical bound, stickiness by key, the canary header, a
// shift that steps up on a healthy canary and rolls back when it answers 500s, manual actions
// through the admin API, and the shift's state across config changes.
#include "support/loadgenerator.h"
#include "support/runningservice.h"
#include "support/testsupport.h"

#include "demo/echobackend.h"

#include <QtTest>

using namespace kairos;
using namespace kairos::test;

namespace {

// Answers every request 200, or 500 while `failing`, keeping connections open.
class SwitchableBackend
{
public:
    SwitchableBackend()
        : m_server([this](QTcpSocket *socket, const QByteArray &received, int) {
              const int complete = int(received.count("\r\n\r\n"));
              int &answered = m_answered[socket];
              for (; answered < complete; ++answered) {
                  ++m_received;
                  socket->write(failing ? "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4\r\n\r\nfail"
                                        : "HTTP/1.1 200 OK\r\nX-Backend: canary\r\nContent-Length: 2\r\n\r\nok");
              }
          })
    {}
    quint16 port() const { return m_server.port(); }
    int received() const { return m_received; }

    bool failing = false;

private:
    int m_received = 0;
    QHash<QTcpSocket *, int> m_answered;
    ScriptedBackend m_server;
};

QJsonObject group(const QString &name, int weight, const QJsonArray &backends)
{
    return QJsonObject{{"name", name}, {"weight", weight}, {"backends", backends}};
}

// A GET route on /api split between the two groups.
QJsonObject splitRoute(const QJsonObject &first, const QJsonObject &second, const QJsonObject &extra = {})
{
    QJsonObject route{{"external_path", "/api"},
                      {"internal_path", "/"},
                      {"methods", QJsonArray{"GET"}},
                      {"split", QJsonArray{first, second}}};
    for (auto it = extra.begin(); it != extra.end(); ++it)
        route.insert(it.key(), it.value());
    return route;
}

QByteArray backendOf(const Response &response)
{
    return response.headers.value("x-backend");
}

using HeaderList = QList<std::pair<QByteArray, QByteArray>>;

// Each client (its headers) sends `perClient` requests on a keep-alive connection of its own, all
// at once: the backends on this thread answer during the waits, so clients in parallel take about
// as long as one. The X-Backend of each answer, by client.
QList<QList<QByteArray>> backendsPerClient(quint16 port, const QList<HeaderList> &clients, int perClient)
{
    std::vector<std::unique_ptr<RawClient>> connections;
    for (const HeaderList &headers : clients) {
        QByteArray requests;
        for (int i = 0; i < perClient; ++i) {
            requests += "GET /api HTTP/1.1\r\nHost: t\r\n";
            for (const auto &[name, value] : headers)
                requests += name + ": " + value + "\r\n";
            requests += "\r\n";
        }
        connections.push_back(std::make_unique<RawClient>(port));
        connections.back()->send(requests);
    }
    QList<QList<QByteArray>> names;
    for (const std::unique_ptr<RawClient> &client : connections) {
        QList<QByteArray> &ofClient = names.emplace_back();
        for (const Response &response : client->read(perClient, 30'000))
            ofClient << (response.status == 200 ? backendOf(response)
                                                : "status " + QByteArray::number(response.status));
    }
    return names;
}

// `count` requests with `headers`, over 20 connections.
QList<QByteArray> backendsOf(quint16 port, int count, const HeaderList &headers = {})
{
    const int clients = std::min(count, 20);
    QList<QByteArray> all;
    for (const QList<QByteArray> &names : backendsPerClient(port, QList<HeaderList>(clients, headers), count / clients))
        all += names;
    return all;
}

QJsonObject liveOf(const Gateway &gateway)
{
    const GatewaySnapshotPtr snapshot = const_cast<Gateway &>(gateway).snapshot();
    return snapshot->split(0)->state->liveJson();
}

double canaryPercent(const Gateway &gateway)
{
    return liveOf(gateway)["groups"].toArray()[1].toObject()["percent"].toDouble();
}

QString phaseOf(const Gateway &gateway)
{
    return liveOf(gateway)["shift"].toObject()["phase"].toString();
}

}  // namespace

class TestSplit : public QObject
{
    Q_OBJECT

private:
    EchoBackend *m_stable = nullptr;
    EchoBackend *m_canary = nullptr;

    QJsonObject stableGroup(int weight) { return group("stable", weight, {backendJson(m_stable->port())}); }
    QJsonObject canaryGroup(int weight) { return group("canary", weight, {backendJson(m_canary->port())}); }

private slots:
    void init()
    {
        m_stable = new EchoBackend("stable", this);
        m_canary = new EchoBackend("canary", this);
        QVERIFY(m_stable->listen());
        QVERIFY(m_canary->listen());
    }
    void cleanup()
    {
        delete m_stable;
        delete m_canary;
    }

    // 2,000 random picks at 80/20: the canary's count within five standard deviations (±90).
    void proportionsFollowTheWeights()
    {
        RunningGateway running(makeConfig({splitRoute(stableGroup(80), canaryGroup(20))}));
        const QList<QByteArray> names = backendsOf(running.port(), 2000);
        QCOMPARE(names.size(), 2000);
        const int canary = int(names.count("canary"));
        QCOMPARE(names.count("stable") + canary, 2000);
        QVERIFY2(qAbs(canary - 400) <= 90, qPrintable(QString::number(canary)));
        const QJsonArray groups = liveOf(running.gateway)["groups"].toArray();
        QCOMPARE(groups[0].toObject()["requests"].toInt() + groups[1].toObject()["requests"].toInt(), 2000);
        QCOMPARE(groups[1].toObject()["requests"].toInt(), canary);
        QCOMPARE(groups[1].toObject()["percent"].toDouble(), 20.0);
    }

    // A weight of 0 gets nothing; each group keeps its own strategy over its own backends.
    void groupsBalanceTheirOwnBackends()
    {
        EchoBackend second("stable-2");
        QVERIFY(second.listen());
        QJsonObject stable = group("stable", 1, {backendJson(m_stable->port()), backendJson(second.port())});
        stable.insert("strategy", "RoundRobin");
        RunningGateway running(makeConfig({splitRoute(stable, canaryGroup(0))}));
        const QList<QByteArray> names = backendsOf(running.port(), 100);
        QCOMPARE(names.count("stable"), 50);
        QCOMPARE(names.count("stable-2"), 50);
        QCOMPARE(m_canary->requestsServed(), 0);
    }

    void stickyKeysKeepTheirGroup_data()
    {
        QTest::addColumn<QString>("splitKey");
        QTest::addColumn<QByteArray>("field");
        QTest::addColumn<QByteArray>("valueFormat");
        QTest::newRow("header") << "header:X-User" << QByteArray("X-User") << QByteArray("user-%1");
        QTest::newRow("cookie") << "cookie:session" << QByteArray("Cookie") << QByteArray("theme=dark; session=s%1");
    }

    // 100 clients, 5 requests each: every client sees one group; both groups are used.
    void stickyKeysKeepTheirGroup()
    {
        QFETCH(QString, splitKey);
        QFETCH(QByteArray, field);
        QFETCH(QByteArray, valueFormat);
        RunningGateway running(makeConfig({splitRoute(stableGroup(50), canaryGroup(50), {{"split_key", splitKey}})}));
        QList<HeaderList> clients;
        for (int client = 0; client < 100; ++client)
            clients.append({{field, QString::fromLatin1(valueFormat).arg(client).toLatin1()}});
        const QList<QList<QByteArray>> answers = backendsPerClient(running.port(), clients, 5);
        QSet<QByteArray> seen;
        for (int client = 0; client < 100; ++client) {
            const QList<QByteArray> &names = answers[client];
            QCOMPARE(names.size(), 5);
            QVERIFY2(names.count(names.first()) == 5, clients[client].first().second.constData());
            seen.insert(names.first());
        }
        QCOMPARE(seen, (QSet<QByteArray>{"stable", "canary"}));
    }

    // client_ip: the TCP peer's address, not an X-Forwarded-For the client makes up (no trusted
    // proxies): forging it does not move a client to the other group.
    void clientIpIgnoresForgedForwardedFor()
    {
        RunningGateway running(
            makeConfig({splitRoute(stableGroup(50), canaryGroup(50), {{"split_key", "client_ip"}})}));
        QSet<QByteArray> seen;
        for (int i = 0; i < 40; ++i) {
            const QByteArray forged = "10.0.0." + QByteArray::number(i);
            seen.unite(QSet<QByteArray>{backendsOf(running.port(), 1, {{"X-Forwarded-For", forged}}).value(0)});
        }
        QCOMPARE(seen.size(), 1);
    }

    // canary_header: always -> the canary group, never -> the first, whatever the weights; other
    // values change nothing.
    void canaryHeaderOverridesTheSplit()
    {
        RunningGateway running(
            makeConfig({splitRoute(stableGroup(100), canaryGroup(0), {{"canary_header", "X-Canary"}})}));
        QCOMPARE(backendsOf(running.port(), 20, {{"X-Canary", "always"}}), QList<QByteArray>(20, "canary"));
        QCOMPARE(backendsOf(running.port(), 20, {{"x-canary", "ALWAYS"}}), QList<QByteArray>(20, "canary"));
        QCOMPARE(backendsOf(running.port(), 20, {{"X-Canary", "maybe"}}), QList<QByteArray>(20, "stable"));
        RunningGateway reversed(
            makeConfig({splitRoute(stableGroup(0), canaryGroup(100), {{"canary_header", "X-Canary"}})}));
        QCOMPARE(backendsOf(reversed.port(), 20, {{"X-Canary", "never"}}), QList<QByteArray>(20, "stable"));
        QCOMPARE(backendsOf(reversed.port(), 20), QList<QByteArray>(20, "canary"));
    }

    // A healthy canary steps up every interval; once it answers 500s the next judged interval
    // sends its share to 0, and it gets no new requests.
    void shiftStepsUpThenRollsBackOn500s()
    {
        SwitchableBackend canary;
        const QJsonObject shift{{"group", "canary"},
                                {"step_percent", 10},
                                {"interval_s", 0.3},
                                {"min_requests", 20},
                                {"max_error_rate", 0.1}};
        RunningGateway running(makeConfig(
            {splitRoute(stableGroup(90), group("canary", 10, {backendJson(canary.port())}), {{"shift", shift}})}));
        QCOMPARE(canaryPercent(running.gateway), 10.0);
        LoadGenerator load(running.port(), {"/api"}, 4);
        load.start();
        QVERIFY2(runUntil([&] { return canaryPercent(running.gateway) >= 30; }, 30'000),
                 qPrintable(QJsonDocument(liveOf(running.gateway)).toJson()));
        QCOMPARE(phaseOf(running.gateway), QStringLiteral("shifting"));

        canary.failing = true;
        QVERIFY2(runUntil([&] { return phaseOf(running.gateway) == QLatin1String("rolled_back"); }, 30'000),
                 qPrintable(QJsonDocument(liveOf(running.gateway)).toJson()));
        const QJsonObject live = liveOf(running.gateway);
        QCOMPARE(canaryPercent(running.gateway), 0.0);
        QCOMPARE(live["groups"].toArray()[0].toObject()["percent"].toDouble(), 100.0);
        QVERIFY2(live["shift"].toObject()["reason"].toString().contains("5xx"),
                 qPrintable(live["shift"].toObject()["reason"].toString()));
        QCOMPARE(live["shift"].toObject()["rollbacks"].toInt(), 1);
        // Requests in flight at the rollback may still reach it; none after them.
        runUntil([] { return false; }, 300);
        const int after = canary.received();
        runUntil([] { return false; }, 1000);
        QVERIFY(load.stop());
        QCOMPARE(canary.received(), after);
        QVERIFY(load.completed() > 0);
    }

    // A healthy canary is promoted to 100 % and the shift stops there.
    void shiftPromotesAHealthyCanary()
    {
        const QJsonObject shift{{"group", "canary"}, {"step_percent", 50}, {"interval_s", 0.2}, {"min_requests", 5}};
        RunningGateway running(makeConfig({splitRoute(stableGroup(90), canaryGroup(10), {{"shift", shift}})}));
        LoadGenerator load(running.port(), {"/api"}, 2);
        load.start();
        QVERIFY(runUntil([&] { return phaseOf(running.gateway) == QLatin1String("promoted"); }, 30'000));
        QVERIFY(load.stop());
        QCOMPARE(canaryPercent(running.gateway), 100.0);
        QCOMPARE(liveOf(running.gateway)["shift"].toObject()["steps"].toInt(), 2);
        const int stableBefore = m_stable->requestsServed();
        QCOMPARE(backendsOf(running.port(), 20), QList<QByteArray>(20, "canary"));
        QCOMPARE(m_stable->requestsServed(), stableBefore);
    }

    // Too few answers: the interval is not judged, the share stays.
    void fewAnswersAreNotJudged()
    {
        const QJsonObject shift{{"group", "canary"}, {"interval_s", 0.1}, {"min_requests", 1000}};
        RunningGateway running(makeConfig({splitRoute(stableGroup(50), canaryGroup(50), {{"shift", shift}})}));
        backendsOf(running.port(), 50);
        runUntil([] { return false; }, 500);
        QCOMPARE(canaryPercent(running.gateway), 50.0);
        QCOMPARE(phaseOf(running.gateway), QStringLiteral("shifting"));
    }

    // A reload that leaves the canary's backends alone keeps the shift where it is; new canary
    // backends (a new version) start it over from the configured share.
    void shiftStateSurvivesReloads()
    {
        const QJsonObject shift{{"group", "canary"}, {"step_percent", 20}, {"interval_s", 0.2}, {"min_requests", 5}};
        QJsonObject route = splitRoute(stableGroup(90), canaryGroup(10), {{"shift", shift}});
        RunningGateway running(makeConfig({route}));
        LoadGenerator load(running.port(), {"/api"}, 2);
        load.start();
        QVERIFY(runUntil([&] { return canaryPercent(running.gateway) >= 50; }, 30'000));
        QVERIFY(load.stop());
        const double reached = canaryPercent(running.gateway);
        const QJsonObject reachedShift = liveOf(running.gateway)["shift"].toObject();

        route.insert("timeout_ms", 20'000);
        running.gateway.applyConfig(makeConfig({route}));
        QCOMPARE(canaryPercent(running.gateway), reached);
        QCOMPARE(liveOf(running.gateway)["shift"].toObject()["steps"], reachedShift["steps"]);

        EchoBackend next("canary-2");
        QVERIFY(next.listen());
        route = splitRoute(stableGroup(90), group("canary", 10, {backendJson(next.port())}), {{"shift", shift}});
        running.gateway.applyConfig(makeConfig({route}));
        QCOMPARE(canaryPercent(running.gateway), 10.0);
        QCOMPARE(liveOf(running.gateway)["shift"].toObject()["steps"].toInt(), 0);
    }

    // POST /api/routes/{path}/shift, and what GET /api/routes and /metrics show.
    void manualActionsThroughTheAdminApi()
    {
        const QJsonObject shift{{"group", "canary"}, {"step_percent", 10}, {"interval_s", 3600}};
        QJsonObject config{{"server", QJsonObject{{"workers", 1}}},
                           {"routers", QJsonArray{splitRoute(stableGroup(90), canaryGroup(10), {{"shift", shift}}),
                                                  routeJson("/plain", "/", {backendJson(m_stable->port())})}}};
        RunningService running(config);
        const auto act = [&](const QString &action, const QByteArray &route = "/api/routes/api/shift") {
            return jsonRequest(running.port, "POST", route, QJsonObject{{"action", action}});
        };
        Response answer = act("pause");
        QCOMPARE(answer.status, 200);
        QCOMPARE(answer.json()["live"].toObject()["shift"].toObject()["phase"].toString(), QStringLiteral("paused"));
        QCOMPARE(act("pause").status, 409);
        QCOMPARE(act("resume").status, 200);
        answer = act("promote");
        QCOMPARE(answer.status, 200);
        QCOMPARE(answer.json()["live"].toObject()["groups"].toArray()[1].toObject()["percent"].toDouble(), 100.0);
        answer = act("rollback");
        QCOMPARE(answer.status, 200);
        QCOMPARE(answer.json()["live"].toObject()["groups"].toArray()[1].toObject()["percent"].toDouble(), 0.0);
        QCOMPARE(answer.json()["live"].toObject()["shift"].toObject()["reason"].toString(),
                 QStringLiteral("rolled back by hand"));
        QCOMPARE(act("rollback").status, 409);
        answer = act("resume");  // after a rollback: starts over from the configured share
        QCOMPARE(answer.json()["live"].toObject()["groups"].toArray()[1].toObject()["percent"].toDouble(), 10.0);

        QCOMPARE(act("jump").status, 400);
        QCOMPARE(act("pause", "/api/routes/plain/shift").status, 409);
        QCOMPARE(act("pause", "/api/routes/nothing/shift").status, 404);

        // GET shows the live state; sent back with PUT it is not taken for config.
        const Response route = request(running.port, "GET", "/api/routes/api");
        QCOMPARE(route.status, 200);
        const QJsonObject routeObject = route.json();
        QCOMPARE(routeObject["live"].toObject()["shift"].toObject()["phase"].toString(), QStringLiteral("shifting"));
        const Response put = jsonRequest(running.port, "PUT", "/api/routes/api", routeObject);
        QCOMPARE(put.status, 200);
        QVERIFY(!running.fileContents()["routers"].toArray()[0].toObject().contains("live"));

        const Response metrics = request(running.port, "GET", "/metrics");
        QVERIFY(metrics.body.contains("kairos_split_requests_total{route=\"/api\",group=\"canary\"} 0\n"));
        QVERIFY(metrics.body.contains("kairos_shift_weight{route=\"/api\",group=\"canary\"} 10\n"));
        QVERIFY(metrics.body.contains("kairos_shift_weight{route=\"/api\",group=\"stable\"} 90\n"));
        QVERIFY(metrics.body.contains("kairos_shift_rollbacks_total{route=\"/api\"} 1\n"));
    }
};

QTEST_GUILESS_MAIN(TestSplit)
#include "tst_split.moc"
