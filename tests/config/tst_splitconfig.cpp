// A route's split, split_key, canary_header and shift: read, written back as they were, and
// refused with the JSON path of what is wrong; discover entries inside groups expand per group.
#include "config/configreader.h"
#include "config/configvalidator.h"
#include "config/configwriter.h"
#include "config/discoveredbackends.h"

#include <QtTest>

using namespace kairos;

namespace {

QJsonObject backend(int port)
{
    return QJsonObject{{"host", "http://127.0.0.1"}, {"port", port}};
}

QJsonObject splitRoute(const QJsonObject &extra = {})
{
    QJsonObject route{{"external_path", "/api"},
                      {"internal_path", "/"},
                      {"methods", QJsonArray{"GET"}},
                      {"split", QJsonArray{QJsonObject{{"name", "stable"},
                                                       {"weight", 95},
                                                       {"backends", QJsonArray{backend(8001), backend(8002)}}},
                                           QJsonObject{{"name", "canary"},
                                                       {"weight", 5},
                                                       {"strategy", "LeastConnections"},
                                                       {"backends", QJsonArray{backend(8003)}}}}}};
    for (auto it = extra.begin(); it != extra.end(); ++it)
        route.insert(it.key(), it.value());
    return route;
}

ConfigReadResult read(const QJsonObject &route)
{
    return readConfig(QJsonDocument(QJsonObject{{"routers", QJsonArray{route}}}).toJson());
}

// All problems, reader's and validator's, as "path: message".
QStringList problemsOf(const QJsonObject &route)
{
    const ConfigReadResult result = read(route);
    QStringList problems;
    for (const ConfigProblem &problem : result.errors)
        problems << problem.toString();
    if (problems.isEmpty() && result.config) {
        for (const ConfigProblem &problem : validateConfig(*result.config))
            problems << problem.toString();
    }
    return problems;
}

}  // namespace

class TestSplitConfig : public QObject
{
    Q_OBJECT

private slots:
    void readsGroupsAsRunsOfTheRoutesBackends()
    {
        const QJsonObject shift{{"group", "canary"}, {"step_percent", 20}, {"interval_s", 0.5}, {"max_p99_ms", 250}};
        const ConfigReadResult result =
            read(splitRoute({{"split_key", "cookie:session"}, {"canary_header", "X-Canary"}, {"shift", shift}}));
        QVERIFY(result.errors.isEmpty());
        QVERIFY(validateConfig(*result.config).isEmpty());
        const Route &route = result.config->routes[0];
        QCOMPARE(route.backends.size(), 3);
        QCOMPARE(route.backends[2].port, 8003);
        const SplitSettings *split = route.split();
        QVERIFY(split);
        QCOMPARE(split->groups.size(), 2);
        QCOMPARE(split->groups[0].backendCount, 2);
        QCOMPARE(split->groups[1].backendCount, 1);
        QCOMPARE(split->groups[1].strategy, LoadBalancingStrategy::LeastConnections);
        QVERIFY(!split->groups[0].strategy);
        QCOMPARE(split->key.kind, SplitKey::Kind::Cookie);
        QCOMPARE(split->key.name, QStringLiteral("session"));
        QCOMPARE(split->canaryHeader, QStringLiteral("X-Canary"));
        QCOMPARE(split->shift->stepPercent, 20);
        QCOMPARE(split->shift->intervalS, 0.5);
        QCOMPARE(split->shift->maxErrorRate, 0.05);
        QCOMPARE(split->shift->minRequests, 100);
        QCOMPARE(split->shift->maxP99Ms, 250);
        QCOMPARE(split->canaryGroup(), 1);
        QCOMPARE(route.backendPath(1), QStringLiteral("split[0].backends[1]"));
        QCOMPARE(route.backendPath(2), QStringLiteral("split[1].backends[0]"));
    }

    void writesItBackAsItWas()
    {
        const QJsonObject shift{{"group", "canary"}, {"interval_s", 0.5}, {"future", 1}};
        QJsonObject route = splitRoute({{"split_key", "header:X-User"}, {"shift", shift}});
        const ConfigReadResult result = read(route);
        QVERIFY(result.errors.isEmpty());
        const QJsonObject written = routeToJson(result.config->routes[0]);
        QVERIFY(!written.contains("backends"));
        const QJsonArray groups = written["split"].toArray();
        QCOMPARE(groups[0].toObject()["backends"].toArray().size(), 2);
        QCOMPARE(groups[1].toObject()["strategy"].toString(), QStringLiteral("LeastConnections"));
        QCOMPARE(written["split_key"].toString(), QStringLiteral("header:X-User"));
        QCOMPARE(written["shift"].toObject(), shift);  // defaults left out, unknown keys kept
        // And read again, the same settings.
        const ConfigReadResult again = read(written);
        QVERIFY(again.errors.isEmpty());
        QVERIFY(*again.config->routes[0].split() == *result.config->routes[0].split());
        QCOMPARE(again.config->routes[0].backends, result.config->routes[0].backends);
    }

    // "live", which GET /api/routes adds, is dropped on the way in rather than kept as unknown.
    void liveStateIsNotConfig()
    {
        const ConfigReadResult result = read(splitRoute({{"live", QJsonObject{{"groups", QJsonArray{}}}}}));
        QVERIFY(result.errors.isEmpty());
        QVERIFY(result.warnings.isEmpty());
        QVERIFY(!routeToJson(result.config->routes[0]).contains("live"));
    }

    void refusesWhatCannotWork_data()
    {
        QTest::addColumn<QJsonObject>("route");
        QTest::addColumn<QString>("problem");
        QJsonObject both = splitRoute();
        both.insert("backends", QJsonArray{backend(9000)});
        QTest::newRow("split and backends") << both << "routers[0].split: replaces backends";
        QJsonObject duplicate = splitRoute();
        QJsonArray groups = duplicate["split"].toArray();
        QJsonObject second = groups[1].toObject();
        second.insert("name", "stable");
        groups[1] = second;
        duplicate.insert("split", groups);
        QTest::newRow("same name twice") << duplicate << "routers[0].split[1].name: \"stable\" names another group";
        QJsonObject badName = splitRoute();
        groups = badName["split"].toArray();
        second = groups[1].toObject();
        second.insert("name", "can ary\"");
        groups[1] = second;
        badName.insert("split", groups);
        QTest::newRow("name with a quote") << badName << "routers[0].split[1].name: must be 1 to 64";
        QJsonObject zero = splitRoute();
        groups = zero["split"].toArray();
        for (int g = 0; g < 2; ++g) {
            QJsonObject entry = groups[g].toObject();
            entry.insert("weight", 0);
            groups[g] = entry;
        }
        zero.insert("split", groups);
        QTest::newRow("all weights 0") << zero << "routers[0].split: the groups' weights add up to 0";
        QJsonObject empty = splitRoute();
        groups = empty["split"].toArray();
        second = groups[1].toObject();
        second.insert("backends", QJsonArray{});
        groups[1] = second;
        empty.insert("split", groups);
        QTest::newRow("group without backends")
            << empty << "routers[0].split[1].backends: must list at least one backend";
        QJsonObject badBackend = splitRoute();
        groups = badBackend["split"].toArray();
        second = groups[1].toObject();
        second.insert("backends", QJsonArray{QJsonObject{{"host", "http://127.0.0.1"}, {"port", 70000}}});
        groups[1] = second;
        badBackend.insert("split", groups);
        QTest::newRow("a group's backend") << badBackend << "routers[0].split[1].backends[0].port";
        QTest::newRow("split_key") << splitRoute({{"split_key", "ip"}}) << "routers[0].split_key: must be random";
        QTest::newRow("split_key header name") << splitRoute({{"split_key", "header:X User"}})
                                               << "routers[0].split_key: \"X User\" is not a header field name";
        QTest::newRow("canary_header") << splitRoute({{"canary_header", "X:Canary"}}) << "routers[0].canary_header";
        QTest::newRow("shift of no group") << splitRoute({{"shift", QJsonObject{{"group", "beta"}}}})
                                           << "routers[0].shift.group: names no group of split";
        QTest::newRow("shift of the first group") << splitRoute({{"shift", QJsonObject{{"group", "stable"}}}})
                                                  << "routers[0].shift.group: is the first group";
        QTest::newRow("shift without group")
            << splitRoute({{"shift", QJsonObject{{"step_percent", 5}}}}) << "routers[0].shift.group: is required";
        QTest::newRow("step") << splitRoute({{"shift", QJsonObject{{"group", "canary"}, {"step_percent", 0}}}})
                              << "routers[0].shift.step_percent";
        QTest::newRow("interval") << splitRoute({{"shift", QJsonObject{{"group", "canary"}, {"interval_s", 0.01}}}})
                                  << "routers[0].shift.interval_s: must be between 0.1 and 86400";
        QTest::newRow("error rate") << splitRoute({{"shift", QJsonObject{{"group", "canary"}, {"max_error_rate", 2}}}})
                                    << "routers[0].shift.max_error_rate: must be between 0 and 1";
        QTest::newRow("queue") << splitRoute({{"queue", QJsonObject{{"max_size", 10}}}})
                               << "routers[0].queue: a route with split has no request queue";
        QJsonObject shiftWithoutSplit{{"external_path", "/api"},
                                      {"internal_path", "/"},
                                      {"backends", QJsonArray{backend(9000)}},
                                      {"shift", QJsonObject{{"group", "canary"}}}};
        QTest::newRow("shift without split")
            << shiftWithoutSplit << "routers[0].shift: applies to a route with split only";
    }

    void refusesWhatCannotWork()
    {
        QFETCH(QJsonObject, route);
        QFETCH(QString, problem);
        const QStringList problems = problemsOf(route);
        QVERIFY2(std::any_of(problems.begin(), problems.end(),
                             [&problem](const QString &found) { return found.startsWith(problem); }),
                 qPrintable(problems.join(QLatin1String(" | "))));
    }

    // Each group's discover entries expand within the group, and its count follows.
    void discoveryExpandsWithinGroups()
    {
        QJsonObject route = splitRoute();
        QJsonArray groups = route["split"].toArray();
        QJsonObject canary = groups[1].toObject();
        canary.insert("backends",
                      QJsonArray{QJsonObject{{"discover", QJsonObject{{"dns", "canary.internal"}, {"port", 8080}}}}});
        groups[1] = canary;
        route.insert("split", groups);
        const ConfigReadResult result = read(route);
        QVERIFY(result.errors.isEmpty());
        const auto written = std::make_shared<const Config>(*result.config);
        const QString source = written->routes[0].backends[2].discover->sourceKey();
        DiscoveredBackends found;
        for (const char *address : {"10.0.0.1", "10.0.0.2", "10.0.0.3"}) {
            Backend backend;
            backend.host = QStringLiteral("http://canary.internal");
            backend.port = 8080;
            backend.discovered = DiscoveredFrom{source, QString::fromLatin1(address), QStringLiteral("A")};
            found[source].append(backend);
        }
        const ConfigSnapshot expanded = expandDiscovered(written, found);
        const Route &expandedRoute = expanded->routes[0];
        QCOMPARE(expandedRoute.backends.size(), 5);
        QCOMPARE(expandedRoute.split()->groups[0].backendCount, 2);
        QCOMPARE(expandedRoute.split()->groups[1].backendCount, 3);
        QCOMPARE(expandedRoute.backends[4].connectHost(), QStringLiteral("10.0.0.3"));
        found[source].clear();
        const ConfigSnapshot none = expandDiscovered(written, found);
        QCOMPARE(none->routes[0].split()->groups[1].backendCount, 0);
        QCOMPARE(none->routes[0].backends.size(), 2);
    }
};

QTEST_GUILESS_MAIN(TestSplitConfig)
#include "tst_splitconfig.moc"
