#include "config/configloader.h"
#include "config/configreader.h"
#include "config/configvalidator.h"
#include "config/configwriter.h"
#include "config/jsonkeys.h"

#include <QJsonDocument>
#include <QTemporaryDir>
#include "support/testcertificates.h"
#include "support/testsupport.h"

#include <QtTest>

using namespace kairos;

namespace {

QByteArray fixture(const char *name)
{
    QFile file(QStringLiteral(KAIROS_SOURCE_DIR "/tests/config/data/") + QLatin1String(name));
    if (!file.open(QIODevice::ReadOnly))
        qFatal("missing test fixture %s", name);
    return file.readAll();
}

// The configuration example of the v0.2.8 release notes, verbatim.
QByteArray seedExample()
{
    return fixture("seed-example.json");
}

QJsonObject validRoute()
{
    return QJsonObject{{"external_path", "/a"},
                       {"internal_path", "/a"},
                       {"methods", QJsonArray{"GET"}},
                       {"backends", QJsonArray{QJsonObject{{"host", "http://127.0.0.1"}, {"port", 8080}}}}};
}

// A route to the backend 127.0.0.1:8081 with its max_connections.
QJsonObject routeWithLimit(const QString &path, int maxConnections)
{
    return QJsonObject{
        {"external_path", path},
        {"internal_path", "/"},
        {"methods", QJsonArray{"GET"}},
        {"backends",
         QJsonArray{QJsonObject{{"host", "http://127.0.0.1"}, {"port", 8081}, {"max_connections", maxConnections}}}}};
}

QByteArray configWithRoutes(const QJsonArray &routes, const QJsonObject &extra = {})
{
    QJsonObject root = extra;
    root.insert(QStringLiteral("version"), 1);
    root.insert(QStringLiteral("routers"), routes);
    return QJsonDocument(root).toJson();
}

QByteArray configWithRoute(const QJsonObject &route, const QJsonObject &extra = {})
{
    return configWithRoutes(QJsonArray{route}, extra);
}

// JSON text written with ' for ", to keep it readable; every ' is replaced, none stays itself.
QByteArray jsonText(QByteArray text)
{
    return text.replace('\'', '"');
}

QStringList problemStrings(const QList<ConfigProblem> &problems)
{
    QStringList lines;
    for (const ConfigProblem &problem : problems)
        lines.append(problem.toString());
    return lines;
}

}  // namespace

class TestConfig : public QObject
{
    Q_OBJECT

private slots:
    void repeatedBackendsAndMethodsAreStoredOnce()
    {
        const auto route = [](const char *path, const char *host, int weight = 1, int attempts = 0) {
            QJsonObject object{{"external_path", path},
                               {"internal_path", "/"},
                               {"methods", QJsonArray{"GET", "POST"}},
                               {"backends", QJsonArray{QJsonObject{{"host", host}, {"port", 80}, {"weight", weight}}}}};
            if (attempts > 0)
                object.insert("retry", QJsonObject{{"max_attempts", attempts}});
            return object;
        };
        const QByteArray json = QJsonDocument(QJsonObject{{"version", 1},
                                                          {"routers", QJsonArray{route("/a", "http://shared", 1, 3),
                                                                                 route("/b", "http://shared", 1, 3),
                                                                                 route("/c", "http://other", 1, 4),
                                                                                 route("/d", "http://shared", 2)}}})
                                    .toJson();
        const ConfigLoadResult result = loadConfig(json);
        QVERIFY(result.ok());
        const QList<Route> &routes = result.config->routes;
        QCOMPARE(routes[1].backends[0].host, QStringLiteral("http://shared"));
        QCOMPARE(routes[2].backends[0].host, QStringLiteral("http://other"));
        QCOMPARE(routes[2].methods, QStringList({"GET", "POST"}));
        // One copy in memory, however many routes name it.
        QCOMPARE(routes[0].backends[0].host.constData(), routes[1].backends[0].host.constData());
        QCOMPARE(routes[0].methods.constData(), routes[2].methods.constData());
        // Equal backend lists are one list; a list that differs in anything is its own.
        QCOMPARE(routes[0].backends.constData(), routes[1].backends.constData());
        QVERIFY(routes[0].backends.constData() != routes[3].backends.constData());
        QCOMPARE(routes[3].backends[0].weight, 2);
        QCOMPARE(routes[3].backends[0].host.constData(), routes[0].backends[0].host.constData());
        QCOMPARE(routes[0].internalPath.constData(), routes[3].internalPath.constData());
        // Equal retry policies are one; another policy, or none, is not.
        QVERIFY(routes[0].retry.sharesValueWith(routes[1].retry));
        QVERIFY(!routes[0].retry.sharesValueWith(routes[2].retry));
        QCOMPARE(routes[2].retry->maxAttempts, 4);
        QVERIFY(!routes[3].retry);
    }

    void seedExampleParsesVerbatim()
    {
        const ConfigLoadResult result = loadConfig(seedExample());
        QVERIFY2(result.ok(), qPrintable(result.errorSummary()));
        QVERIFY(result.warnings.isEmpty());
        const Config &config = *result.config;
        QCOMPARE(config.version, 1);
        QCOMPARE(config.routes.size(), 1);
        const Route &route = config.routes[0];
        QCOMPARE(route.externalPath, QStringLiteral("/api/users"));
        QCOMPARE(route.internalPath, QStringLiteral("/users"));
        QCOMPARE(route.methods, (QStringList{"GET", "POST"}));
        QCOMPARE(route.authRequired, false);
        QCOMPARE(route.strategy, LoadBalancingStrategy::Weighted);
        QCOMPARE(route.backends.size(), 3);
        QCOMPARE(route.backends[0].host, QStringLiteral("http://backend-1"));
        QCOMPARE(route.backends[0].hostName(), QStringLiteral("backend-1"));
        QCOMPARE(route.backends[0].port, 8080);
        QCOMPARE(route.backends[0].weight, 3);
        QCOMPARE(route.backends[2].weight, 1);
        QCOMPARE(route.backends[1].healthCheckPath, QStringLiteral("/health"));
        QVERIFY(route.retry.has_value());
        QCOMPARE(route.retry->maxAttempts, 3);
        QCOMPARE(route.retry->initialBackoffMs, 100);
        QCOMPARE(route.retry->maxBackoffMs, 5000);
        QCOMPARE(route.retry->backoffMultiplier, 2.0);
        QCOMPARE(route.retry->retryableStatusCodes, (QList<int>{502, 503, 504}));
        // Sections absent from the file take their defaults.
        QCOMPARE(config.server.host, QStringLiteral("127.0.0.1"));
        QCOMPARE(config.server.port, 5900);
    }

    // What the proxy derives from a backend entry: its identity, its Host value, its pool key.
    void backendKeyAuthorityAndConnectionKey()
    {
        const Backend plain = test::backendAt(QStringLiteral("http://backend-1"), 8080);
        QCOMPARE(plain.key(), QStringLiteral("http://backend-1:8080"));
        QCOMPARE(plain.authority(), QByteArray("backend-1:8080"));
        QCOMPARE(Backend::connectionKey(plain.key(), plain.checksCertificate()), plain.key());
        QCOMPARE(test::backendAt(QStringLiteral("http://backend-1"), 80).authority(), QByteArray("backend-1"));
        QCOMPARE(test::backendAt(QStringLiteral("http://[::1]"), 9000).authority(), QByteArray("[::1]:9000"));
        Backend tls = test::backendAt(QStringLiteral("https://api.internal"), 443);
        QCOMPARE(tls.authority(), QByteArray("api.internal"));
        QVERIFY(tls.checksCertificate());
        QCOMPARE(Backend::connectionKey(tls.key(), true), QStringLiteral("https://api.internal:443"));
        tls.tlsVerify = false;
        QVERIFY(!tls.checksCertificate());
        QCOMPARE(Backend::connectionKey(tls.key(), false), QStringLiteral("https://api.internal:443 (unverified)"));
    }

    void legacyHostPortBecomesOneBackend()
    {
        const ConfigLoadResult result = loadConfig(fixture("legacy-route.json"));
        QVERIFY2(result.ok(), qPrintable(result.errorSummary()));
        const Route &route = result.config->routes[0];
        QCOMPARE(route.backends.size(), 1);
        QCOMPARE(route.backends[0].host, QStringLiteral("http://backend"));
        QCOMPARE(route.backends[0].port, 8080);
        QCOMPARE(route.backends[0].weight, 1);
        QCOMPARE(route.strategy, LoadBalancingStrategy::RoundRobin);
        QVERIFY(!route.retry.has_value());
    }

    void legacyHostPortIgnoredBesideBackends()
    {
        QJsonObject route = validRoute();
        route.insert("host", "http://other");
        route.insert("port", 9000);
        const ConfigLoadResult result = loadConfig(configWithRoute(route));
        QVERIFY(result.ok());
        QCOMPARE(result.config->routes[0].backends.size(), 1);
        QCOMPARE(result.config->routes[0].backends[0].host, QStringLiteral("http://127.0.0.1"));
        QVERIFY(problemStrings(result.warnings).join('\n').contains("legacy host/port ignored"));
    }

    void strategyNames_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<int>("strategy");
        const QList<std::tuple<const char *, const char *, LoadBalancingStrategy>> names{
            {"RoundRobin", "round_robin", LoadBalancingStrategy::RoundRobin},
            {"LeastConnections", "least_connections", LoadBalancingStrategy::LeastConnections},
            {"Weighted", "weighted", LoadBalancingStrategy::Weighted},
            {"Random", "random", LoadBalancingStrategy::Random},
            {"IpHash", "ip_hash", LoadBalancingStrategy::IpHash},
            {"PowerOfTwo", "power_of_two", LoadBalancingStrategy::PowerOfTwo},
            {"PeakEwma", "peak_ewma", LoadBalancingStrategy::PeakEwma}};
        for (const auto &[pascal, snake, strategy] : names) {
            QTest::newRow(pascal) << QString::fromLatin1(pascal) << int(strategy);
            QTest::newRow(snake) << QString::fromLatin1(snake) << int(strategy);
        }
    }

    void strategyNames()
    {
        QFETCH(QString, name);
        QFETCH(int, strategy);
        QJsonObject route = validRoute();
        route.insert("load_balancing_strategy", name);
        const ConfigLoadResult result = loadConfig(configWithRoute(route));
        QVERIFY2(result.ok(), qPrintable(result.errorSummary()));
        QCOMPARE(int(result.config->routes[0].strategy), strategy);
    }

    // ewma_decay_ms and default_rtt_ms are written back when the route set them, and only then.
    void peakEwmaKeysRoundTrip()
    {
        QJsonObject route = validRoute();
        route.insert("load_balancing_strategy", "peak_ewma");
        route.insert("ewma_decay_ms", 2500);
        route.insert("default_rtt_ms", 7);
        const ConfigLoadResult result = loadConfig(configWithRoute(route));
        QVERIFY2(result.ok(), qPrintable(result.errorSummary()));
        const Route &read = result.config->routes[0];
        QCOMPARE(read.strategy, LoadBalancingStrategy::PeakEwma);
        QCOMPARE(read.overrides->ewmaDecayMs, std::optional<int>(2500));
        QCOMPARE(read.overrides->defaultRttMs, std::optional<int>(7));
        const QByteArray saved = configToBytes(*result.config);
        const QJsonObject written = QJsonDocument::fromJson(saved)["routers"].toArray()[0].toObject();
        QCOMPARE(written["load_balancing_strategy"].toString(), QStringLiteral("PeakEwma"));
        QCOMPARE(written["ewma_decay_ms"].toInt(), 2500);
        QCOMPARE(written["default_rtt_ms"].toInt(), 7);
        const ConfigLoadResult again = loadConfig(saved);
        QVERIFY2(again.ok(), qPrintable(again.errorSummary()));
        QCOMPARE(configToBytes(*again.config), saved);

        QJsonObject plain = validRoute();
        plain.insert("load_balancing_strategy", "PeakEwma");
        const ConfigLoadResult defaults = loadConfig(configWithRoute(plain));
        QVERIFY2(defaults.ok(), qPrintable(defaults.errorSummary()));
        QVERIFY(!defaults.config->routes[0].overrides->ewmaDecayMs);
        QVERIFY(!defaults.config->routes[0].overrides->defaultRttMs);
        const QJsonObject writtenPlain =
            QJsonDocument::fromJson(configToBytes(*defaults.config))["routers"].toArray()[0].toObject();
        QVERIFY(!writtenPlain.contains("ewma_decay_ms"));
        QVERIFY(!writtenPlain.contains("default_rtt_ms"));
    }

    // priority is read in lower case, written back unless it is the default (normal).
    void priorityRoundTrip_data()
    {
        QTest::addColumn<QJsonValue>("given");
        QTest::addColumn<int>("priority");
        QTest::addColumn<QJsonValue>("written");
        QTest::newRow("high") << QJsonValue("high") << int(RoutePriority::High) << QJsonValue("high");
        QTest::newRow("low") << QJsonValue("low") << int(RoutePriority::Low) << QJsonValue("low");
        QTest::newRow("normal") << QJsonValue("normal") << int(RoutePriority::Normal)
                                << QJsonValue(QJsonValue::Undefined);
        QTest::newRow("absent") << QJsonValue(QJsonValue::Undefined) << int(RoutePriority::Normal)
                                << QJsonValue(QJsonValue::Undefined);
    }

    void priorityRoundTrip()
    {
        QFETCH(QJsonValue, given);
        QFETCH(int, priority);
        QFETCH(QJsonValue, written);
        QJsonObject route = validRoute();
        if (!given.isUndefined())
            route.insert("priority", given);
        const ConfigLoadResult result = loadConfig(configWithRoute(route));
        QVERIFY2(result.ok(), qPrintable(result.errorSummary()));
        QVERIFY(result.warnings.isEmpty());
        QCOMPARE(int(result.config->routes[0].priority), priority);
        const QByteArray saved = configToBytes(*result.config);
        QCOMPARE(QJsonDocument::fromJson(saved)["routers"].toArray()[0].toObject().value("priority"), written);
        const ConfigLoadResult again = loadConfig(saved);
        QVERIFY2(again.ok(), qPrintable(again.errorSummary()));
        QCOMPARE(int(again.config->routes[0].priority), priority);
        QCOMPARE(configToBytes(*again.config), saved);
    }

    // A mirror is read and written back as it was, unknown keys included; percent defaults to 100.
    void mirrorRoundTrip()
    {
        QJsonObject route = validRoute();
        const QJsonObject shadow{{"host", "https://shadow.internal"}, {"port", 8443}, {"tls_verify", false}};
        route.insert("mirror", QJsonObject{{"backends",
                                            QJsonArray{shadow, QJsonObject{{"host", "http://other"}, {"port", 9000}}}},
                                           {"percent", 10},
                                           {"x-note", "kept"}});
        const ConfigLoadResult result = loadConfig(configWithRoute(route));
        QVERIFY2(result.ok(), qPrintable(result.errorSummary()));
        QVERIFY(
            problemStrings(result.warnings).contains("routers[0].mirror.x-note: unknown key (kept as is, not used)"));
        const std::optional<MirrorSettings> &mirror = result.config->routes[0].overrides->mirror;
        QVERIFY(mirror);
        QCOMPARE(mirror->percent, 10);
        QCOMPARE(mirror->backends.size(), 2);
        QCOMPARE(mirror->backends[0].host, QStringLiteral("https://shadow.internal"));
        QCOMPARE(mirror->backends[0].port, 8443);
        QCOMPARE(mirror->backends[0].tlsVerify, false);
        QCOMPARE(mirror->backends[1].port, 9000);
        const QByteArray saved = configToBytes(*result.config);
        const QJsonObject written =
            QJsonDocument::fromJson(saved)["routers"].toArray()[0].toObject()["mirror"].toObject();
        QCOMPARE(written["percent"].toInt(), 10);
        QCOMPARE(written["x-note"].toString(), QStringLiteral("kept"));
        QCOMPARE(written["backends"].toArray().size(), 2);
        QCOMPARE(written["backends"].toArray()[0].toObject()["tls_verify"].toBool(true), false);
        const ConfigLoadResult again = loadConfig(saved);
        QVERIFY2(again.ok(), qPrintable(again.errorSummary()));
        QCOMPARE(again.config->routes[0].overrides->mirror, mirror);
        QCOMPARE(configToBytes(*again.config), saved);

        QJsonObject defaults = validRoute();
        defaults.insert("mirror", QJsonObject{{"backends", QJsonArray{shadow}}});
        const ConfigLoadResult plain = loadConfig(configWithRoute(defaults));
        QVERIFY2(plain.ok(), qPrintable(plain.errorSummary()));
        QCOMPARE(plain.config->routes[0].overrides->mirror->percent, 100);
        const QJsonObject writtenPlain =
            QJsonDocument::fromJson(configToBytes(*plain.config))["routers"].toArray()[0].toObject();
        QCOMPARE(writtenPlain["mirror"].toObject()["percent"].toInt(), 100);
        const ConfigLoadResult without = loadConfig(configWithRoute(validRoute()));
        QVERIFY(!without.config->routes[0].overrides->mirror);
        QVERIFY(!QJsonDocument::fromJson(configToBytes(*without.config))["routers"].toArray()[0].toObject().contains(
            "mirror"));
    }

    void unknownStrategyIsAnError()
    {
        QJsonObject route = validRoute();
        route.insert("load_balancing_strategy", "Fastest");
        const ConfigLoadResult result = loadConfig(configWithRoute(route));
        QVERIFY(!result.ok());
        QCOMPARE(result.errors[0].path, QStringLiteral("routers[0].load_balancing_strategy"));
        QVERIFY(result.errors[0].message.contains("unknown strategy \"Fastest\""));
    }

    void retryAliases()
    {
        QJsonObject route = validRoute();
        route.insert("retry", QJsonObject{{"max_retries", 2},
                                          {"retry_on_status_codes", QJsonArray{500, 503}},
                                          {"retry_on_connection_error", false}});
        const ConfigLoadResult result = loadConfig(configWithRoute(route));
        QVERIFY2(result.ok(), qPrintable(result.errorSummary()));
        const RetryPolicy &retry = *result.config->routes[0].retry;
        QCOMPARE(retry.maxAttempts, 3);  // two retries after the first try
        QCOMPARE(retry.retryableStatusCodes, (QList<int>{500, 503}));
        QCOMPARE(retry.retryOnConnectionError, false);
        QCOMPARE(retry.initialBackoffMs, 100);
    }

    void topLevelSections()
    {
        const ConfigLoadResult result = loadConfig(fixture("all-sections.json"));
        QVERIFY2(result.ok(), qPrintable(result.errorSummary()));
        const Config &config = *result.config;
        QCOMPARE(config.version, 4);
        QCOMPARE(config.server.host, QStringLiteral("0.0.0.0"));
        QCOMPARE(config.server.port, 8081);
        QCOMPARE(config.server.workers, 2);
        QCOMPARE(config.server.maxIdleUpstreamConnections, 16);
        QCOMPARE(config.server.trustedProxies, QStringList{"10.0.0.0/8"});
        QCOMPARE(config.jwt.issuer, QStringLiteral("kairos"));
        QCOMPARE(config.jwt.audience, QStringLiteral("api"));
        QCOMPARE(config.jwt.requiredClaims, QStringList{"sub"});
        QCOMPARE(config.admin.allowedNetworks, QStringList{"127.0.0.1/32"});
        QCOMPARE(config.admin.token, QStringLiteral("t0k3n"));
        QCOMPARE(config.admin.listen, QStringLiteral("127.0.0.1:5901"));
    }

    void routeOverridesLayOverTheTopLevelBlocks()
    {
        const ConfigLoadResult result = loadConfig(fixture("everything.json"));
        QVERIFY2(result.ok(), qPrintable(result.errorSummary()));
        const Config &config = *result.config;
        const CircuitBreakerSettings breaker = config.circuitBreakerFor(config.routes[0]);
        QCOMPARE(breaker.failureThreshold, 3);     // top level
        QCOMPARE(breaker.openDurationMs, 1000);    // top level
        QCOMPARE(breaker.successThreshold, 4);     // the route's own
        QCOMPARE(breaker.halfOpenMaxRequests, 1);  // default
        const HealthCheckSettings health = config.healthCheckFor(config.routes[0]);
        QCOMPARE(health.intervalMs, 500);
        QCOMPARE(health.timeoutMs, 300);
        QCOMPARE(health.expectedStatuses, (QList<int>{200, 204}));
        QCOMPARE(config.healthCheckFor(config.routes[1]).timeoutMs, 2000);
        QCOMPARE(config.routes[0].timeoutMs, 9000);
        QVERIFY(config.routes[0].retryNonIdempotent);
        QVERIFY(config.routes[0].retry->jitter);
        QCOMPARE(config.routes[0].retry->retryBufferBytes, 2048);
    }

    void outlierDetectionAndSlowStartLayOverTheTopLevel()
    {
        const ConfigLoadResult result = loadConfig(fixture("everything.json"));
        QVERIFY2(result.ok(), qPrintable(result.errorSummary()));
        const Config &config = *result.config;
        const std::optional<OutlierDetectionSettings> own = config.outlierDetectionFor(config.routes[0]);
        QVERIFY(own);
        QCOMPARE(own->consecutive5xx, 2);              // the route's own
        QCOMPARE(own->maxEjectionPercent, 50);         // the route's own
        QCOMPARE(own->consecutiveGatewayFailures, 3);  // top level
        QCOMPARE(own->baseEjectionMs, 1000);           // top level
        QCOMPARE(own->maxEjectionMs, 4000);            // top level
        const std::optional<OutlierDetectionSettings> inherited = config.outlierDetectionFor(config.routes[1]);
        QVERIFY(inherited);
        QCOMPARE(inherited->consecutive5xx, 7);
        QCOMPARE(config.slowStartMsFor(config.routes[0]), 5000);
        QCOMPARE(config.slowStartMinWeightPercentFor(config.routes[0]), 25);
        QCOMPARE(config.slowStartMsFor(config.routes[1]), 20000);
        QCOMPARE(config.slowStartMinWeightPercentFor(config.routes[1]), 5);
    }

    void outlierDetectionIsOffUnlessConfigured()
    {
        const ConfigLoadResult plain = loadConfig(configWithRoute(validRoute()));
        QVERIFY2(plain.ok(), qPrintable(plain.errorSummary()));
        QVERIFY(!plain.config->outlierDetection);
        QVERIFY(!plain.config->outlierDetectionFor(plain.config->routes[0]));
        QCOMPARE(plain.config->slowStartMsFor(plain.config->routes[0]), 0);

        // A route's block alone turns it on there, over the defaults.
        QJsonObject route = validRoute();
        route.insert("outlier_detection", QJsonObject{{"base_ejection_ms", 500}});
        const ConfigLoadResult onRoute = loadConfig(configWithRoute(route));
        QVERIFY2(onRoute.ok(), qPrintable(onRoute.errorSummary()));
        const std::optional<OutlierDetectionSettings> settings =
            onRoute.config->outlierDetectionFor(onRoute.config->routes[0]);
        QVERIFY(settings);
        QCOMPARE(settings->baseEjectionMs, 500);
        QCOMPARE(settings->consecutive5xx, 5);
        QCOMPARE(settings->consecutiveGatewayFailures, 5);
        QCOMPARE(settings->maxEjectionMs, 300000);
        QCOMPARE(settings->maxEjectionPercent, 10);

        // "enabled": false on a route turns the top level's off there.
        QJsonObject off = validRoute();
        off.insert("outlier_detection", QJsonObject{{"enabled", false}});
        const ConfigLoadResult offRoute = loadConfig(configWithRoute(off, {{"outlier_detection", QJsonObject{}}}));
        QVERIFY2(offRoute.ok(), qPrintable(offRoute.errorSummary()));
        QVERIFY(offRoute.config->outlierDetection);
        QVERIFY(!offRoute.config->outlierDetectionFor(offRoute.config->routes[0]));

        // "enabled": false at the top level: off, unless a route turns it on again.
        QJsonObject on = validRoute();
        on.insert("outlier_detection", QJsonObject{{"enabled", true}});
        const ConfigLoadResult offTop =
            loadConfig(configWithRoute(validRoute(), {{"outlier_detection", QJsonObject{{"enabled", false}}}}));
        QVERIFY2(offTop.ok(), qPrintable(offTop.errorSummary()));
        QVERIFY(!offTop.config->outlierDetectionFor(offTop.config->routes[0]));
        const ConfigLoadResult onAgain =
            loadConfig(configWithRoute(on, {{"outlier_detection", QJsonObject{{"enabled", false}}}}));
        QVERIFY2(onAgain.ok(), qPrintable(onAgain.errorSummary()));
        QVERIFY(onAgain.config->outlierDetectionFor(onAgain.config->routes[0]));

        // An empty top-level block is on, and saving keeps it.
        const ConfigLoadResult empty =
            loadConfig(configWithRoute(validRoute(), {{"outlier_detection", QJsonObject{}}}));
        QVERIFY2(empty.ok(), qPrintable(empty.errorSummary()));
        QVERIFY(empty.config->outlierDetectionFor(empty.config->routes[0]));
        const ConfigLoadResult saved = loadConfig(configToBytes(*empty.config));
        QVERIFY(saved.config->outlierDetection);
    }

    void queuesLayOverTheTopLevelQueue()
    {
        const ConfigLoadResult result = loadConfig(fixture("everything.json"));
        QVERIFY2(result.ok(), qPrintable(result.errorSummary()));
        const Config &config = *result.config;
        QCOMPARE(config.routes[0].backends[0].maxConnections, 7);
        QCOMPARE(config.routes[1].backends[0].maxConnections, 0);  // default: no limit
        const QueueSettings *own = config.queueFor(config.routes[0]);
        QVERIFY(own);
        QCOMPARE(own->maxSize, 10);
        QCOMPARE(own->timeoutMs, 250);
        QVERIFY(!config.queueFor(config.routes[1]));  // "queue": null
        QVERIFY(config.queue);
        QCOMPARE(config.queue->maxSize, 50);
        Route plain = config.routes[1];
        plain.overrides = RouteOverrides();
        QCOMPARE(config.queueFor(plain), &*config.queue);  // the top level's, for routes without their own
        QVERIFY(problemStrings(result.warnings).contains("queue.x-q: unknown key (kept as is, not used)"));

        // Equality sees the limit: a changed limit is a changed backend.
        Backend changed = config.routes[0].backends[0];
        changed.maxConnections = 8;
        QVERIFY(changed != config.routes[0].backends[0]);
    }

    void resilienceBlocksAreValidated()
    {
        QJsonObject route = validRoute();
        route.insert("circuit_breaker", QJsonObject{{"failure_threshold", 0}});
        route.insert("health_check", QJsonObject{{"interval_ms", "often"}});
        const ConfigLoadResult result =
            loadConfig(configWithRoute(route, {{"health_check", QJsonObject{{"healthy_threshold", 0}}}}));
        const QStringList errors = problemStrings(result.errors);
        QVERIFY2(errors.contains("routers[0].circuit_breaker.failure_threshold: must be between 1 and 1000 (got 0)"),
                 qPrintable(errors.join('\n')));
        QVERIFY(errors.contains("routers[0].health_check.interval_ms: must be a whole number"));
        QVERIFY(errors.contains("health_check.healthy_threshold: must be between 1 and 1000 (got 0)"));
    }

    void malformedJsonGivesLineAndColumn()
    {
        const ConfigLoadResult result = loadConfig("{\n  \"version\": 1,\n  \"routers\": [,]\n}");
        QVERIFY(!result.ok());
        QCOMPARE(result.errors.size(), 1);
        QVERIFY2(result.errors[0].message.startsWith("invalid JSON at line 3, column "),
                 qPrintable(result.errors[0].message));
    }

    void notAnObject()
    {
        const ConfigLoadResult result = loadConfig("[1, 2]");
        QVERIFY(!result.ok());
        QCOMPARE(result.errors[0].message, QStringLiteral("the config must be a JSON object"));
    }

    void wrongTypesAreReportedWithTheirPath()
    {
        QJsonObject route = validRoute();
        route.insert("methods", "GET");
        route.insert("auth_required", "no");
        QJsonObject backend = route["backends"].toArray()[0].toObject();
        backend.insert("port", "8080");
        backend.insert("weight", 1.5);
        route.insert("backends", QJsonArray{backend});
        const ConfigLoadResult result = loadConfig(configWithRoute(route));
        const QStringList errors = problemStrings(result.errors);
        QVERIFY(errors.contains("routers[0].methods: must be an array of strings"));
        QVERIFY(errors.contains("routers[0].auth_required: must be true or false"));
        QVERIFY(errors.contains("routers[0].backends[0].port: must be a whole number"));
        QVERIFY(errors.contains("routers[0].backends[0].weight: must be a whole number"));
    }

    // Each rule, with the exact message a user sees.
    void validationRules_data()
    {
        QTest::addColumn<QByteArray>("config");
        QTest::addColumn<QString>("expected");

        auto withRoute = [](const std::function<void(QJsonObject &)> &edit, const QJsonObject &extra = {}) {
            QJsonObject route = validRoute();
            edit(route);
            return configWithRoute(route, extra);
        };
        auto withBackend = [&](const std::function<void(QJsonObject &)> &edit) {
            return withRoute([&](QJsonObject &route) {
                QJsonObject backend = route["backends"].toArray()[0].toObject();
                edit(backend);
                route.insert("backends", QJsonArray{backend});
            });
        };
        auto withRetry = [&](const QJsonObject &retry) {
            return withRoute([&](QJsonObject &route) { route.insert("retry", retry); });
        };

        QTest::newRow("attempts 0") << withRetry({{"max_attempts", 0}})
                                    << "routers[0].retry.max_attempts: must be between 1 and 10 (got 0)";
        QTest::newRow("attempts 11") << withRetry({{"max_attempts", 11}})
                                     << "routers[0].retry.max_attempts: must be between 1 and 10 (got 11)";
        QTest::newRow("initial backoff 0") << withRetry({{"initial_backoff_ms", 0}})
                                           << "routers[0].retry.initial_backoff_ms: must be greater than 0 (got 0)";
        QTest::newRow("max backoff not above initial")
            << withRetry({{"initial_backoff_ms", 500}, {"max_backoff_ms", 500}})
            << "routers[0].retry.max_backoff_ms: must be greater than initial_backoff_ms (500) (got 500)";
        QTest::newRow("multiplier 1.0") << withRetry({{"backoff_multiplier", 1.0}})
                                        << "routers[0].retry.backoff_multiplier: must be greater than 1.0 (got 1)";
        QTest::newRow("status code 600")
            << withRetry({{"retryable_status_codes", QJsonArray{502, 600}}})
            << "routers[0].retry.retryable_status_codes[1]: must be between 100 and 599 (got 600)";
        QTest::newRow("external path without slash")
            << withRoute([](QJsonObject &r) { r.insert("external_path", "api"); })
            << "routers[0].external_path: must start with \"/\" (got \"api\")";
        QTest::newRow("internal path without slash")
            << withRoute([](QJsonObject &r) { r.insert("internal_path", "users"); })
            << "routers[0].internal_path: must start with \"/\" (got \"users\")";
        QTest::newRow("invalid method") << withRoute([](QJsonObject &r) {
            r.insert("methods", QJsonArray{"GET", "GE T"});
        }) << "routers[0].methods[1]: \"GE T\" is not a valid HTTP method";
        QTest::newRow("lower-case method")
            << withRoute([](QJsonObject &r) { r.insert("methods", QJsonArray{"get"}); })
            << "routers[0].methods[0]: \"get\" must be written \"GET\": methods are case-sensitive";
        QTest::newRow("no method") << withRoute([](QJsonObject &r) { r.insert("methods", QJsonArray{}); })
                                   << "routers[0].methods: must list at least one HTTP method";
        QTest::newRow("no backends")
            << withRoute([](QJsonObject &r) { r.remove("backends"); })
            << "routers[0].backends: must list at least one backend (or give the legacy host and port), or the route "
               "must answer itself with redirect, mock or static";
        const auto withBlock = [&](const char *key, const QJsonValue &block) {
            return withRoute([&](QJsonObject &r) { r.insert(key, block); });
        };
        QTest::newRow("cors without origins")
            << withBlock("cors", QJsonObject{{"allow_origins", QJsonArray{}}})
            << "routers[0].cors.allow_origins: must list at least one origin; \"cors\": null turns CORS off";
        QTest::newRow("cors wildcard with credentials")
            << withBlock("cors", QJsonObject{{"allow_origins", QJsonArray{"*"}}, {"allow_credentials", true}})
            << "routers[0].cors.allow_origins[0]: \"*\" cannot go with allow_credentials: browsers refuse a wildcard "
               "origin on credentialed requests; list the origins";
        QTest::newRow("cors null origin")
            << configWithRoute(validRoute(), {{"cors", QJsonObject{{"allow_origins", QJsonArray{"null"}}}}})
            << "cors.allow_origins[0]: \"null\" is the origin of sandboxed frames and file: pages, which any page "
               "can take on; list real origins";
        QTest::newRow("cors origin with a path")
            << withBlock("cors", QJsonObject{{"allow_origins", QJsonArray{"http://localhost:5173/app"}}})
            << "routers[0].cors.allow_origins[0]: \"http://localhost:5173/app\" is not an origin: "
               "scheme://host[:port], no path, such as http://localhost:5173 or https://*.example.com";
        QTest::newRow("cors expose star with credentials")
            << withBlock("cors", QJsonObject{{"allow_origins", QJsonArray{"http://a.test"}},
                                             {"allow_credentials", true},
                                             {"expose_headers", QJsonArray{"*"}}})
            << "routers[0].cors.expose_headers[0]: \"*\" means any field only without allow_credentials; list the "
               "fields";
        QTest::newRow("cors max age") << withBlock(
            "cors", QJsonObject{{"allow_origins", QJsonArray{"http://a.test"}}, {"max_age_s", 100000}})
                                      << "routers[0].cors.max_age_s: must be between 0 and 86400 (got 100000)";
        QTest::newRow("request rule on host")
            << withBlock("request_headers", QJsonObject{{"set", QJsonObject{{"Host", "evil"}}}})
            << "routers[0].request_headers.set.Host: Host is managed by the gateway and cannot be changed by a rule";
        QTest::newRow("request rule on x-forwarded-for")
            << withBlock("request_headers", QJsonObject{{"remove", QJsonArray{"X-Forwarded-For"}}})
            << "routers[0].request_headers.remove[0]: X-Forwarded-For is managed by the gateway and cannot be "
               "changed by a rule";
        QTest::newRow("response rule on cors field")
            << withBlock("response_headers", QJsonObject{{"add", QJsonObject{{"Access-Control-Allow-Origin", "*"}}}})
            << "routers[0].response_headers.add.Access-Control-Allow-Origin: Access-Control-Allow-Origin is managed "
               "by the gateway and cannot be changed by a rule";
        QTest::newRow("rule with unknown variable")
            << withBlock("request_headers", QJsonObject{{"set", QJsonObject{{"x-user", "{user}"}}}})
            << "routers[0].request_headers.set.x-user: names {user}, which is not one of {client_ip}, {request_id}, "
               "{route}, {host}, {path}";
        QTest::newRow("rule value with CR LF")
            << withBlock("response_headers", QJsonObject{{"set", QJsonObject{{"x-a", "1\r\nSet-Cookie: a=b"}}}})
            << "routers[0].response_headers.set.x-a: must be Latin-1 text without CR, LF or NUL";
        QTest::newRow("fault abort status") << withBlock("fault", QJsonObject{{"abort", QJsonObject{{"status", 200}}}})
                                            << "routers[0].fault.abort.status: must be between 400 and 599 (got 200)";
        QTest::newRow("fault percent") << withBlock("fault",
                                                    QJsonObject{{"delay", QJsonObject{{"percent", 150}, {"ms", 10}}}})
                                       << "routers[0].fault.delay.percent: must be between 0 and 100 (got 150)";
        QTest::newRow("fault empty") << withBlock("fault", QJsonObject{})
                                     << "routers[0].fault: sets neither delay, abort nor header; \"fault\": null "
                                        "turns faults off";
        QTest::newRow("redirect with backends")
            << withBlock("redirect", QJsonObject{{"to", "https://new.example{path}"}})
            << "routers[0].backends: a route with redirect answers itself and lists no backends";
        const auto answering = [&](const char *key, const QJsonObject &block) {
            return withRoute([&](QJsonObject &r) {
                r.remove("backends");
                r.insert(key, block);
            });
        };
        QTest::newRow("redirect status") << answering("redirect", {{"to", "/x"}, {"status", 200}})
                                         << "routers[0].redirect.status: must be 301, 302, 303, 307 or 308 (got 200)";
        QTest::newRow("redirect variable") << answering("redirect", {{"to", "/x{host}"}})
                                           << "routers[0].redirect.to: names {host}, which is not one of {path}, "
                                              "{query}";
        QTest::newRow("mock body and file") << answering("mock", {{"body", "a"}, {"body_file", "/etc/hostname"}})
                                            << "routers[0].mock.body_file: body and body_file cannot go together";
        QTest::newRow("mock file missing") << answering("mock", {{"body_file", "/nonexistent/mock.json"}})
                                           << "routers[0].mock.body_file: cannot read \"/nonexistent/mock.json\"";
        QTest::newRow("mock status") << answering("mock", {{"status", 99}})
                                     << "routers[0].mock.status: must be between 200 and 599 (got 99)";
        QTest::newRow("static root missing") << answering("static", {{"root", "/nonexistent/dist"}})
                                             << "routers[0].static.root: \"/nonexistent/dist\" is not a readable "
                                                "directory";
        QTest::newRow("static index with a slash") << answering("static", {{"root", "/tmp"}, {"index", "../x.html"}})
                                                   << "routers[0].static.index: must be a file name in the directory, "
                                                      "such as index.html (got \"../x.html\")";
        QTest::newRow("static and mock") << withRoute([](QJsonObject &r) {
            r.remove("backends");
            r.insert("static", QJsonObject{{"root", "/tmp"}});
            r.insert("mock", QJsonObject{{"body", "x"}});
        }) << "routers[0]: a route answers with one of redirect, mock and static";
        QTest::newRow("compression coding") << withBlock("compression", QJsonObject{{"encodings", QJsonArray{"lz4"}}})
                                            << "routers[0].compression.encodings[0]: \"lz4\" is not zstd, br or gzip";
        QTest::newRow("compression level") << withBlock("compression", QJsonObject{{"gzip_level", 10}})
                                           << "routers[0].compression.gzip_level: must be between 1 and 9 (got 10)";
        QTest::newRow("compression type") << withBlock("compression", QJsonObject{{"types", QJsonArray{"JSON"}}})
                                          << "routers[0].compression.types[0]: \"JSON\" is not a lower-case media "
                                             "type such as application/json or text/*";
        QTest::newRow("mock with fault") << withRoute([](QJsonObject &r) {
            r.remove("backends");
            r.insert("mock", QJsonObject{{"body", "x"}});
            r.insert("fault", QJsonObject{{"abort", QJsonObject{{"status", 500}}}});
        }) << "routers[0].fault: faults are for routes with backends";
        QTest::newRow("too many backends") << withRoute([](QJsonObject &r) {
            QJsonArray many;
            for (int port = 1; port <= kMaxBackendsPerRoute + 1; ++port)
                many.append(QJsonObject{{"host", "http://backend-1"}, {"port", port}});
            r.insert("backends", many);
        }) << "routers[0].backends: must list at most 10000 backends (got 10001)";
        QTest::newRow("host without scheme")
            << withBackend([](QJsonObject &b) { b.insert("host", "backend-1"); })
            << "routers[0].backends[0].host: must start with http:// or https:// (got \"backend-1\")";
        QTest::newRow("host with ftp scheme")
            << withBackend([](QJsonObject &b) { b.insert("host", "ftp://backend-1"); })
            << "routers[0].backends[0].host: must start with http:// or https:// (got \"ftp://backend-1\")";
        QTest::newRow("protocol unknown")
            << withBackend([](QJsonObject &b) { b.insert("protocol", "h3"); })
            << "routers[0].backends[0].protocol: must be \"http/1.1\", \"h2\" or \"h2c\" (got \"h3\")";
        QTest::newRow("h2 without TLS") << withBackend([](QJsonObject &b) { b.insert("protocol", "h2"); })
                                        << "routers[0].backends[0].protocol: \"h2\" is HTTP/2 over TLS: the host must "
                                           "start with https:// (\"h2c\" is HTTP/2 in cleartext)";
        {
            QJsonObject h2cRoute = validRoute();
            QJsonObject h2cBackend = h2cRoute["backends"].toArray()[0].toObject();
            h2cBackend.insert("protocol", "h2c");
            h2cRoute.insert("external_path", "/other");
            h2cRoute.insert("backends", QJsonArray{h2cBackend});
            QTest::newRow("protocol differs between routes")
                << configWithRoutes({validRoute(), h2cRoute})
                << "routers[1].backends[0].protocol: must be the same for every route that lists backend "
                   "http://127.0.0.1:8080: routers[0].backends[0] gives \"http/1.1\" (got \"h2c\")";
        }
        QTest::newRow("h2c with TLS")
            << withBackend([](QJsonObject &b) {
                   b.insert("protocol", "h2c");
                   b.insert("host", "https://backend-1");
               })
            << "routers[0].backends[0].protocol: \"h2c\" is HTTP/2 in cleartext: the host must start with http:// "
               "(\"h2\" is HTTP/2 over TLS)";
        QTest::newRow("host with port") << withBackend([](QJsonObject &b) {
            b.insert("host", "http://backend-1:80");
        }) << "routers[0].backends[0].host: must not contain a port; use \"port\" (got \"http://backend-1:80\")";
        QTest::newRow("port 0") << withBackend([](QJsonObject &b) { b.insert("port", 0); })
                                << "routers[0].backends[0].port: must be between 1 and 65535 (got 0)";
        QTest::newRow("port 65536") << withBackend([](QJsonObject &b) { b.insert("port", 65536); })
                                    << "routers[0].backends[0].port: must be between 1 and 65535 (got 65536)";
        QTest::newRow("weight 0") << withBackend([](QJsonObject &b) { b.insert("weight", 0); })
                                  << "routers[0].backends[0].weight: must be at least 1 (got 0)";
        QTest::newRow("duplicate external path") << configWithRoutes({validRoute(), validRoute()})
                                                 << "routers[1].external_path: \"/a\" duplicates routers[0] (\"/a\")";
        QTest::newRow("duplicate template shape") << configWithRoutes([] {
            QJsonObject first = validRoute(), second = validRoute();
            first.insert("external_path", "/u/{id}");
            second.insert("external_path", "/u/{name}");
            return QJsonArray{first, second};
        }()) << "routers[1].external_path: \"/u/{name}\" duplicates routers[0] (\"/u/{id}\")";
        QTest::newRow("placeholder missing from external path")
            << withRoute([](QJsonObject &r) {
                   r.insert("external_path", "/users/{id}");
                   r.insert("internal_path", "/users/{id}/orders/{order}");
               })
            << "routers[0].internal_path: uses placeholder \"{order}\" that external_path \"/users/{id}\" does not "
               "define";
        QTest::newRow("dot-dot in external path")
            << withRoute([](QJsonObject &r) { r.insert("external_path", "/a/../b"); })
            << "routers[0].external_path: must not contain \".\" or \"..\" segments (got \"/a/../b\")";
        QTest::newRow("dot-dot in internal path")
            << withRoute([](QJsonObject &r) { r.insert("internal_path", "/a/.."); })
            << "routers[0].internal_path: must not contain \".\" or \"..\" segments (got \"/a/..\")";
        QTest::newRow("auth without secret") << withRoute([](QJsonObject &r) { r.insert("auth_required", true); })
                                             << "routers[0].auth_required: needs jwt.secret or jwt.public_key_file, "
                                                "since tokens cannot be checked without a key";
        QTest::newRow("short jwt secret")
            << withRoute([](QJsonObject &) {}, {{"jwt", QJsonObject{{"secret", "too-short"}}}})
            << "jwt.secret: must be at least 32 bytes long (got 9)";
        QTest::newRow("catch-all not last")
            << withRoute([](QJsonObject &r) { r.insert("external_path", "/a/{*rest}/b"); })
            << "routers[0].external_path: catch-all \"{*rest}\" must be the last segment";
        QTest::newRow("partial placeholder")
            << withRoute([](QJsonObject &r) { r.insert("external_path", "/a/user-{id}"); })
            << "routers[0].external_path: a placeholder must be a whole segment (got \"user-{id}\")";
        QTest::newRow("reserved admin path")
            << withRoute([](QJsonObject &r) { r.insert("external_path", "/api/routes/x"); })
            << "routers[0].external_path: \"/api/routes/x\" is reserved for the gateway's own /api/routes endpoint";
        QTest::newRow("server port") << withRoute([](QJsonObject &) {}, {{"server", QJsonObject{{"port", 70000}}}})
                                     << "server.port: must be between 1 and 65535 (got 70000)";
        QTest::newRow("negative idle upstream connections")
            << withRoute([](QJsonObject &) {}, {{"server", QJsonObject{{"max_idle_upstream_connections", -1}}}})
            << "server.max_idle_upstream_connections: must be between 0 and 100000 (got -1)";
        QTest::newRow("bad trusted proxy")
            << withRoute([](QJsonObject &) {}, {{"server", QJsonObject{{"trusted_proxies", QJsonArray{"nope"}}}}})
            << "server.trusted_proxies[0]: must be an address or CIDR such as 10.0.0.0/8 (got \"nope\")";
        const auto withEtcd = [&](const QJsonObject &etcd, const QJsonObject &cluster = {}) {
            QJsonObject section = cluster;
            section.insert("etcd", etcd);
            return withRoute([](QJsonObject &) {}, {{"cluster", section}});
        };
        const QJsonArray endpoints{"http://127.0.0.1:2379"};
        QTest::newRow("etcd endpoint without scheme")
            << withEtcd({{"endpoints", QJsonArray{"127.0.0.1:2379"}}})
            << "cluster.etcd.endpoints[0]: must be an http:// or https:// URL of host and port such as "
               "http://127.0.0.1:2379 (got \"127.0.0.1:2379\")";
        QTest::newRow("etcd endpoint with a path")
            << withEtcd({{"endpoints", QJsonArray{"http://127.0.0.1:2379/v3"}}})
            << "cluster.etcd.endpoints[0]: must be an http:// or https:// URL of host and port such as "
               "http://127.0.0.1:2379 (got \"http://127.0.0.1:2379/v3\")";
        QTest::newRow("etcd prefix without slash")
            << withEtcd({{"endpoints", endpoints}, {"prefix", "kairos"}})
            << "cluster.etcd.prefix: must start with \"/\" and not end with one, such as /kairos (got \"kairos\")";
        QTest::newRow("etcd prefix ending in slash")
            << withEtcd({{"endpoints", endpoints}, {"prefix", "/kairos/"}})
            << "cluster.etcd.prefix: must start with \"/\" and not end with one, such as /kairos (got \"/kairos/\")";
        QTest::newRow("etcd user without password") << withEtcd({{"endpoints", endpoints}, {"username", "kairos"}})
                                                    << "cluster.etcd.password: username and password go together";
        QTest::newRow("etcd certificate without key")
            << withEtcd({{"endpoints", endpoints}, {"cert_file", "/etc/hostname"}})
            << "cluster.etcd.key_file: cert_file and key_file go together";
        QTest::newRow("etcd CA file missing")
            << withEtcd({{"endpoints", endpoints}, {"ca_file", "/nonexistent/ca.pem"}})
            << "cluster.etcd.ca_file: cannot read \"/nonexistent/ca.pem\"";
        QTest::newRow("etcd timeout too short") << withEtcd({{"endpoints", endpoints}, {"timeout_ms", 10}})
                                                << "cluster.etcd.timeout_ms: must be between 100 and 600000 (got 10)";
        QTest::newRow("rate limit keyed on no claim") << withRoute([](QJsonObject &r) {
            r.insert("rate_limit", QJsonObject{{"requests_per_second", 5}, {"key", "jwt:"}});
        }) << "routers[0].rate_limit.key: jwt:CLAIM needs a claim's name such as jwt:sub";
        QTest::newRow("rate limit with an unknown key") << withRoute([](QJsonObject &r) {
            r.insert("rate_limit", QJsonObject{{"requests_per_second", 5}, {"key", "cookie:x"}});
        }) << "routers[0].rate_limit.key: must be client_ip, route, header:NAME or jwt:CLAIM (got \"cookie:x\")";
        QTest::newRow("rate limit without a rate") << withRoute([](QJsonObject &r) {
            r.insert("rate_limit", QJsonObject{{"burst", 5}});
        }) << "routers[0].rate_limit.requests_per_second: must be greater than 0 and at most 1e9 (got 0)";
        QTest::newRow("rate limit scope unknown") << withRoute([](QJsonObject &r) {
            r.insert("rate_limit", QJsonObject{{"requests_per_second", 5}, {"scope", "cluster"}});
        }) << "routers[0].rate_limit.scope: must be instance or fleet (got \"cluster\")";
        QTest::newRow("backend rate limit without a rate") << withBackend([](QJsonObject &b) {
            b.insert("rate_limit", QJsonObject{{"key", "route"}});
        }) << "routers[0].backends[0].rate_limit.requests_per_second: must be greater than 0 and at most 1e9 (got 0)";
        QTest::newRow("backend limits that differ between routes")
            <<
            [] {
                QJsonObject limited = validRoute();
                QJsonObject backend = limited["backends"].toArray()[0].toObject();
                backend.insert("rate_limit", QJsonObject{{"requests_per_second", 5}});
                limited.insert("backends", QJsonArray{backend});
                QJsonObject other = validRoute();
                other.insert("external_path", "/other");
                QJsonObject config = QJsonDocument::fromJson(configWithRoute(limited, {})).object();
                QJsonArray routers = config["routers"].toArray();
                routers.append(other);
                config.insert("routers", routers);
                return QJsonDocument(config).toJson();
            }()
            << "routers[1].backends[0].rate_limit: differs from the rate_limit of the same backend at "
               "routers[0].backends[0]: a backend's limit is shared by every route that lists it";
        const auto withOutlier = [&](const QJsonObject &block) {
            return withRoute([](QJsonObject &) {}, {{"outlier_detection", block}});
        };
        QTest::newRow("consecutive 5xx 0") << withOutlier({{"consecutive_5xx", 0}})
                                           << "outlier_detection.consecutive_5xx: must be between 1 and 1000 (got 0)";
        QTest::newRow("consecutive gateway failures 1001")
            << withOutlier({{"consecutive_gateway_failures", 1001}})
            << "outlier_detection.consecutive_gateway_failures: must be between 1 and 1000 (got 1001)";
        QTest::newRow("base ejection 0") << withOutlier(
            {{"base_ejection_ms", 0}}) << "outlier_detection.base_ejection_ms: must be between 1 and 86400000 (got 0)";
        QTest::newRow("max ejection below base")
            << withOutlier({{"base_ejection_ms", 5000}, {"max_ejection_ms", 1000}})
            << "outlier_detection.max_ejection_ms: must be at least base_ejection_ms (5000, got 1000)";
        QTest::newRow("max ejection percent 101")
            << withOutlier({{"max_ejection_percent", 101}})
            << "outlier_detection.max_ejection_percent: must be between 0 and 100 (got 101)";
        QTest::newRow("route max ejection percent -1") << withRoute([](QJsonObject &r) {
            r.insert("outlier_detection", QJsonObject{{"max_ejection_percent", -1}});
        }) << "routers[0].outlier_detection.max_ejection_percent: must be between 0 and 100 (got -1)";
        QTest::newRow("route max ejection below the top level's base")
            << withRoute(
                   [](QJsonObject &r) {
                       r.insert("outlier_detection", QJsonObject{{"max_ejection_ms", 100}});
                   },
                   {{"outlier_detection", QJsonObject{{"base_ejection_ms", 200}}}})
            << "routers[0].outlier_detection.max_ejection_ms: must be at least base_ejection_ms (200, got 100)";
        QTest::newRow("slow start negative") << withRoute([](QJsonObject &) {}, {{"slow_start_ms", -1}})
                                             << "slow_start_ms: must be between 0 and 86400000 (got -1)";
        QTest::newRow("slow start min weight 0")
            << withRoute([](QJsonObject &) {}, {{"slow_start_min_weight_percent", 0}})
            << "slow_start_min_weight_percent: must be between 1 and 100 (got 0)";
        QTest::newRow("route slow start too long")
            << withRoute([](QJsonObject &r) { r.insert("slow_start_ms", 86400001); })
            << "routers[0].slow_start_ms: must be between 0 and 86400000 (got 86400001)";
        QTest::newRow("route slow start min weight 101")
            << withRoute([](QJsonObject &r) { r.insert("slow_start_min_weight_percent", 101); })
            << "routers[0].slow_start_min_weight_percent: must be between 1 and 100 (got 101)";
        QTest::newRow("ewma decay 99") << withRoute([](QJsonObject &r) { r.insert("ewma_decay_ms", 99); })
                                       << "routers[0].ewma_decay_ms: must be between 100 and 3600000 (got 99)";
        QTest::newRow("ewma decay over an hour")
            << withRoute([](QJsonObject &r) { r.insert("ewma_decay_ms", 3600001); })
            << "routers[0].ewma_decay_ms: must be between 100 and 3600000 (got 3600001)";
        QTest::newRow("ewma decay not a number") << withRoute([](QJsonObject &r) { r.insert("ewma_decay_ms", "10s"); })
                                                 << "routers[0].ewma_decay_ms: must be a whole number";
        QTest::newRow("unknown priority") << withRoute([](QJsonObject &r) { r.insert("priority", "urgent"); })
                                          << "routers[0].priority: must be high, normal or low (got \"urgent\")";
        QTest::newRow("priority in capitals") << withRoute([](QJsonObject &r) { r.insert("priority", "High"); })
                                              << "routers[0].priority: must be high, normal or low (got \"High\")";
        QTest::newRow("empty priority") << withRoute([](QJsonObject &r) { r.insert("priority", ""); })
                                        << "routers[0].priority: must be high, normal or low (got \"\")";
        QTest::newRow("priority not a string")
            << withRoute([](QJsonObject &r) { r.insert("priority", 1); }) << "routers[0].priority: must be a string";
        QJsonObject thirdRoute = routeWithLimit("/c", 0);
        thirdRoute.insert("priority", "top");
        QTest::newRow("priority of the third route")
            << configWithRoutes(QJsonArray{routeWithLimit("/a", 0), routeWithLimit("/b", 0), thirdRoute})
            << "routers[2].priority: must be high, normal or low (got \"top\")";
        QTest::newRow("default rtt 0") << withRoute([](QJsonObject &r) { r.insert("default_rtt_ms", 0); })
                                       << "routers[0].default_rtt_ms: must be between 1 and 600000 (got 0)";
        QTest::newRow("default rtt over ten minutes")
            << withRoute([](QJsonObject &r) { r.insert("default_rtt_ms", 600001); })
            << "routers[0].default_rtt_ms: must be between 1 and 600000 (got 600001)";
        QTest::newRow("negative max_connections")
            << withBackend([](QJsonObject &b) { b.insert("max_connections", -1); })
            << "routers[0].backends[0].max_connections: must be between 0 and 1000000 (got -1)";
        QTest::newRow("max_connections not a number")
            << withBackend([](QJsonObject &b) { b.insert("max_connections", "two"); })
            << "routers[0].backends[0].max_connections: must be a whole number";
        QTest::newRow("queue of size 0") << withRoute([](QJsonObject &r) {
            r.insert("queue", QJsonObject{{"max_size", 0}});
        }) << "routers[0].queue.max_size: must be at least 1; \"queue\": null turns the queue off (got 0)";
        QTest::newRow("queue of negative size")
            << withRoute([](QJsonObject &) {}, {{"queue", QJsonObject{{"max_size", -5}}}})
            << "queue.max_size: must be at least 1; \"queue\": null turns the queue off (got -5)";
        QTest::newRow("queue timeout 0") << withRoute([](QJsonObject &r) {
            r.insert("queue", QJsonObject{{"timeout_ms", 0}});
        }) << "routers[0].queue.timeout_ms: must be between 1 and 3600000 (got 0)";
        QTest::newRow("queue not an object")
            << withRoute([](QJsonObject &r) { r.insert("queue", 5); }) << "routers[0].queue: must be an object";
        const QJsonObject shadow{{"host", "http://shadow"}, {"port", 9000}};
        const auto withMirror = [&](const QJsonObject &mirror) {
            return withRoute([&](QJsonObject &r) { r.insert("mirror", mirror); });
        };
        const auto withShadow = [&](const std::function<void(QJsonObject &)> &edit) {
            QJsonObject backend = shadow;
            edit(backend);
            return withMirror({{"backends", QJsonArray{backend}}});
        };
        QTest::newRow("mirror percent 101") << withMirror({{"backends", QJsonArray{shadow}}, {"percent", 101}})
                                            << "routers[0].mirror.percent: must be between 0 and 100 (got 101)";
        QTest::newRow("mirror percent -1") << withMirror({{"backends", QJsonArray{shadow}}, {"percent", -1}})
                                           << "routers[0].mirror.percent: must be between 0 and 100 (got -1)";
        QTest::newRow("mirror percent not a number")
            << withMirror({{"backends", QJsonArray{shadow}}, {"percent", "10%"}})
            << "routers[0].mirror.percent: must be a whole number";
        QTest::newRow("mirror without backends")
            << withMirror({{"percent", 10}}) << "routers[0].mirror.backends: must list at least one backend";
        QTest::newRow("mirror with no backends")
            << withMirror({{"backends", QJsonArray{}}}) << "routers[0].mirror.backends: must list at least one backend";
        QTest::newRow("mirror not an object")
            << withRoute([](QJsonObject &r) { r.insert("mirror", true); }) << "routers[0].mirror: must be an object";
        QTest::newRow("mirror backend not an object")
            << withMirror({{"backends", QJsonArray{5}}}) << "routers[0].mirror.backends[0]: must be an object";
        QTest::newRow("mirror backend host")
            << withShadow([](QJsonObject &b) { b.insert("host", "shadow"); })
            << "routers[0].mirror.backends[0].host: must start with http:// or https:// (got \"shadow\")";
        QTest::newRow("mirror backend port")
            << withShadow([](QJsonObject &b) { b.insert("port", 0); })
            << "routers[0].mirror.backends[0].port: must be between 1 and 65535 (got 0)";
        QTest::newRow("mirror backend discover")
            << withMirror({{"backends", QJsonArray{QJsonObject{
                                            {"discover", QJsonObject{{"dns", "shadow.internal"}, {"port", 9000}}}}}}})
            << "routers[0].mirror.backends[0].discover: is not supported for mirror backends: list them with host and "
               "port";
        QTest::newRow("mirror backend weight")
            << withShadow([](QJsonObject &b) { b.insert("weight", 3); })
            << "routers[0].mirror.backends[0].weight: has no effect on a mirror backend: copies go to the mirror's "
               "backends in turn";
        QTest::newRow("mirror backend health check")
            << withShadow([](QJsonObject &b) { b.insert("health_check_path", "/health"); })
            << "routers[0].mirror.backends[0].health_check_path: has no effect on a mirror backend: mirror backends "
               "are not health checked; a copy that fails is counted and dropped";
        QTest::newRow("mirror backend max connections")
            << withShadow([](QJsonObject &b) { b.insert("max_connections", 5); })
            << "routers[0].mirror.backends[0].max_connections: has no effect on a mirror backend: copies in flight "
               "are limited to 1000 per worker thread";
        QTest::newRow("mirror backend h2c")
            << withShadow([](QJsonObject &b) { b.insert("protocol", "h2c"); })
            << "routers[0].mirror.backends[0].protocol: must be \"http/1.1\" for mirror backends (got \"h2c\")";
        QTest::newRow("mirror on a route that answers itself") << withRoute([&](QJsonObject &r) {
            r.remove("backends");
            r.insert("mock", QJsonObject{{"body", "a"}});
            r.insert("mirror", QJsonObject{{"backends", QJsonArray{shadow}}});
        }) << "routers[0].mirror: is for routes with backends: a route that answers itself sends nothing to copy";
        QJsonArray manyShadows;
        for (int i = 0; i <= kMaxMirrorBackends; ++i)
            manyShadows.append(QJsonObject{{"host", "http://shadow"}, {"port", 9000 + i}});
        QTest::newRow("mirror backends over the limit")
            << withMirror({{"backends", manyShadows}})
            << "routers[0].mirror.backends: must list at most 100 backends (got 101)";
        QTest::newRow("one backend, two limits")
            << configWithRoutes(QJsonArray{routeWithLimit("/a", 2), routeWithLimit("/b", 3)})
            << "routers[1].backends[0].max_connections: must be the same for every route that lists backend "
               "http://127.0.0.1:8081: routers[0].backends[0] gives 2 (got 3)";
        QTest::newRow("instance name with slash")
            << withEtcd({{"endpoints", endpoints}}, {{"instance_name", "a/b"}})
            << "cluster.instance_name: must not hold \"/\" or control characters (got \"a/b\")";
        const QString h2cRefused = QStringLiteral(
            "cannot be allowed: an HTTP/2 connection to the backend would carry requests for any path, past routes, "
            "methods and authentication");
        QTest::newRow("h2c allowed at the top level")
            << withRoute([](QJsonObject &) {}, {{"allowed_upgrades", QJsonArray{"websocket", "h2c"}}})
            << "allowed_upgrades[1]: \"h2c\" " + h2cRefused;
        QTest::newRow("h2c allowed on a route")
            << withRoute([](QJsonObject &r) { r.insert("allowed_upgrades", QJsonArray{"H2C"}); })
            << "routers[0].allowed_upgrades[0]: \"H2C\" " + h2cRefused;
        QTest::newRow("upgrade not a token")
            << withRoute([](QJsonObject &r) { r.insert("allowed_upgrades", QJsonArray{"web socket"}); })
            << "routers[0].allowed_upgrades[0]: \"web socket\" is not an upgrade protocol token such as \"websocket\"";
        QTest::newRow("dot segment with parameters")
            << withRoute([](QJsonObject &r) { r.insert("external_path", "/a/..;x/b"); })
            << "routers[0].external_path: must not contain \".\" or \"..\" segments (got \"/a/..;x/b\")";
        QTest::newRow("internal dot segment with parameters")
            << withRoute([](QJsonObject &r) { r.insert("internal_path", "/a/..;/b"); })
            << "routers[0].internal_path: must not contain \".\" or \"..\" segments (got \"/a/..;/b\")";
        const auto withPaths = [&](const QString &externalPath, const QString &internalPath) {
            return withRoute([&](QJsonObject &r) {
                r.insert("external_path", externalPath);
                r.insert("internal_path", internalPath);
            });
        };
        QTest::newRow("NUL in external path")
            << withPaths(QStringLiteral("/a") + QChar(0) + QStringLiteral("b"), "/a")
            << "routers[0].external_path: must not contain control characters (U+0000 at position 3)";
        QTest::newRow("tab in external path")
            << withPaths("/a\tb", "/a")
            << "routers[0].external_path: must not contain control characters (U+0009 at position 3)";
        QTest::newRow("newline before the slash of an external path")
            << withPaths("\n/a", "/a")
            << "routers[0].external_path: must not contain control characters (U+000A at position 1)";
        QTest::newRow("U+001F in external path")
            << withPaths("/\x1f", "/a")
            << "routers[0].external_path: must not contain control characters (U+001F at position 2)";
        QTest::newRow("DEL in external path")
            << withPaths("/a\x7f", "/a")
            << "routers[0].external_path: must not contain control characters (U+007F at position 3)";
        QTest::newRow("position counts a surrogate pair as one character")
            << withPaths(QString::fromUtf8("/\xf0\x9f\x98\x80\x01"), "/a")
            << "routers[0].external_path: must not contain control characters (U+0001 at position 3)";
        QTest::newRow("NUL in internal path")
            << withPaths("/a", QStringLiteral("/a") + QChar(0))
            << "routers[0].internal_path: must not contain control characters (U+0000 at position 3)";
        QTest::newRow("CR LF in internal path")
            << withPaths("/a", "/a\r\nX-Injected: 1")
            << "routers[0].internal_path: must not contain control characters (U+000D at position 3)";
        QTest::newRow("DEL in internal path")
            << withPaths("/a", "/a?q=\x7f")
            << "routers[0].internal_path: must not contain control characters (U+007F at position 6)";
        QTest::newRow("unpaired high surrogate in external path")
            << withPaths(QStringLiteral("/s") + QChar(0xd800), "/a")
            << "routers[0].external_path: must not contain an unpaired surrogate (U+D800 at position 3)";
        QTest::newRow("unpaired low surrogate in internal path")
            << withPaths("/a", QStringLiteral("/a") + QChar(0xdc00) + QStringLiteral("b"))
            << "routers[0].internal_path: must not contain an unpaired surrogate (U+DC00 at position 3)";
        QTest::newRow("space in internal path")
            << withPaths("/a", "/a b")
            << "routers[0].internal_path: must not contain spaces (at position 3); write them as %20";

        const QByteArray route = "{'external_path': '/a', 'internal_path': '/a', 'methods': ['GET'], "
                                 "'backends': [{'host': 'http://127.0.0.1', 'port': 8080}]}";
        const auto withRouteText = [&](const QByteArray &from, const QByteArray &to) {
            return jsonText("{'version': 1, 'routers': [" + QByteArray(route).replace(from, to) + "]}");
        };
        QTest::newRow("repeated key in a route")
            << withRouteText("'external_path': '/a'", "'external_path': '/a', 'external_path': '/b'")
            << "routers[0]: \"external_path\" appears twice";
        QTest::newRow("repeated key in a backend") << withRouteText("'port': 8080", "'port': 8080, 'port': 8081")
                                                   << "routers[0].backends[0]: \"port\" appears twice";
        QTest::newRow("repeated key written with an escape")
            << withRouteText("'methods'", "'m\\u0065thods': ['POST'], 'methods'")
            << "routers[0]: \"methods\" appears twice";
        QTest::newRow("repeated key in server")
            << jsonText("{'version': 1, 'server': {'port': 5900, 'host': '127.0.0.1', 'port': 5901}}")
            << "server: \"port\" appears twice";
        QTest::newRow("repeated top-level key")
            << jsonText("{'version': 1, 'routers': [], 'version': 2}") << "\"version\" appears twice";
    }

    void validationRules()
    {
        QFETCH(QByteArray, config);
        QFETCH(QString, expected);
        const ConfigLoadResult result = loadConfig(config);
        QVERIFY(!result.ok());
        const QStringList errors = problemStrings(result.errors);
        QVERIFY2(errors.contains(expected), qPrintable(errors.join('\n')));
    }

    // A message quoting a path with a control character in it would break the line it is on.
    void controlCharacterIsTheOnlyProblemReportedForItsPath()
    {
        QJsonObject route = validRoute();
        route.insert("external_path", "x\n/../a");
        route.insert("internal_path", "y\r/..");
        const ConfigLoadResult result = loadConfig(configWithRoute(route));
        QCOMPARE(problemStrings(result.errors),
                 QStringList({"routers[0].external_path: must not contain control characters (U+000A at position 2)",
                              "routers[0].internal_path: must not contain control characters (U+000D at position 2)"}));
    }

    // Matching runs on the percent-decoded path: "/a b" is what a request for "/a%20b" reaches.
    void spacesAndNonAsciiInExternalPathAreAccepted()
    {
        QJsonObject route = validRoute();
        route.insert("external_path", QString::fromUtf8("/a b/caf\xc3\xa9/\xf0\x9f\x98\x80"));
        route.insert("internal_path", QString::fromUtf8("/caf\xc3\xa9/\xf0\x9f\x98\x80"));
        const ConfigLoadResult result = loadConfig(configWithRoute(route));
        QVERIFY2(result.ok(), qPrintable(result.errorSummary()));
    }

    void repeatedKeysRefuseAFileAlongWithItsOtherProblems()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath("config.json");
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(jsonText("{'version': 1, 'routers': [{'external_path': '/a', 'external_path': '/b', "
                            "'internal_path': '/a', 'methods': ['GET'], "
                            "'backends': [{'host': 'http://127.0.0.1', 'port': 0}]}]}"));
        file.close();
        const ConfigLoadResult result = loadConfigFile(path);
        QVERIFY(!result.ok());
        QCOMPARE(problemStrings(result.errors),
                 QStringList({"routers[0]: \"external_path\" appears twice",
                              "routers[0].backends[0].port: must be between 1 and 65535 (got 0)"}));
    }

    void repeatedKeys_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QStringList>("expected");

        QTest::newRow("none") << jsonText("{'a': 1, 'b': [1, 'a', {'c': null}], 'd': true}") << QStringList();
        QTest::newRow("top level") << jsonText("{'version': 1, 'version': 2}")
                                   << QStringList{"\"version\" appears twice"};
        QTest::newRow("three times") << jsonText("{'a': 1, 'b': 0, 'a': 2, 'a': 3}")
                                     << QStringList{"\"a\" appears 3 times"};
        QTest::newRow("nested object") << jsonText("{'server': {'port': 1, 'host': 'h', 'port': 2}}")
                                       << QStringList{"server: \"port\" appears twice"};
        QTest::newRow("array of objects")
            << jsonText("{'routers': [{'a': 1}, {'a': 1, 'a': 2}]}") << QStringList{"routers[1]: \"a\" appears twice"};
        QTest::newRow("object in an array in an object in an array")
            << jsonText("{'routers': [{'backends': [{'host': 'x'}, {'port': 1, 'port': 2}]}]}")
            << QStringList{"routers[0].backends[1]: \"port\" appears twice"};
        QTest::newRow("arrays of arrays")
            << jsonText("{'x': [[1], [{'k': 1, 'k': 2}]]}") << QStringList{"x[1][0]: \"k\" appears twice"};
        QTest::newRow("top-level array") << jsonText("[{'a': 1}, {'a': 1, 'a': 2}]")
                                         << QStringList{"[1]: \"a\" appears twice"};
        QTest::newRow("same key in different objects")
            << jsonText("{'a': {'a': 1}, 'b': [{'a': 1}, {'a': 2}], 'c': {'a': {'a': 3}}}") << QStringList();
        QTest::newRow("same keys in sibling objects")
            << jsonText("[{'a': 1, 'b': 2}, {'b': 1, 'a': 2}]") << QStringList();
        QTest::newRow("repeat after nested containers")
            << jsonText("{'a': {'b': 1}, 'c': [1, {'a': 2}], 'a': 3}") << QStringList{"\"a\" appears twice"};
        QTest::newRow("in order of first appearance")
            << jsonText("{'x': 1, 'o': {'y': 1, 'y': 2}, 'b': 1, 'x': 2, 'b': 2}")
            << QStringList{"\"x\" appears twice", "o: \"y\" appears twice", "\"b\" appears twice"};
        QTest::newRow("unicode escape") << jsonText("{'a': 1, '\\u0061': 2}") << QStringList{"\"a\" appears twice"};
        QTest::newRow("upper-case hex escape of a raw character")
            << jsonText("{'\\u00E9': 1, '\xc3\xa9': 2}")
            << QStringList{QString::fromUtf8("\"\xc3\xa9\" appears twice")};
        QTest::newRow("surrogate pair and the raw character")
            << jsonText("{'\\ud83d\\ude00': 1, '\xf0\x9f\x98\x80': 2}")
            << QStringList{QString::fromUtf8("\"\xf0\x9f\x98\x80\" appears twice")};
        QTest::newRow("lone surrogates are not the replacement character")
            << jsonText("{'\\ud800': 1, '\\ufffd': 2, '\\udc00': 3}") << QStringList();
        QTest::newRow("escaped quote") << jsonText("{'a\\'b': 1, 'a\\u0022b': 2, 'a': 3}")
                                       << QStringList{"\"a\"b\" appears twice"};
        QTest::newRow("escaped backslash before the closing quote")
            << jsonText("{'a\\\\': 1, 'b': '\\\\', 'a\\u005c': 2}") << QStringList{"\"a\\\" appears twice"};
        QTest::newRow("short escapes") << jsonText(
            "{'\\/\\b\\f\\n\\r\\t': 1, '/\\u0008\\u000c\\u000a\\u000d\\u0009': 2}")
                                       << QStringList{"\"/\\u0008\\u000c\\u000a\\u000d\\u0009\" appears twice"};
        QTest::newRow("NUL key") << jsonText("{'\\u0000': 1, '\\u0000': 2}")
                                 << QStringList{"\"\\u0000\" appears twice"};
        QTest::newRow("key that looks like a placeholder")
            << jsonText("{'%2': 1, '%2': 2, '%2': 3}") << QStringList{"\"%2\" appears 3 times"};
        QTest::newRow("empty key") << jsonText("{'': 1, '': 2}") << QStringList{"\"\" appears twice"};
        QTest::newRow("keys differing in case") << jsonText("{'Port': 1, 'port': 2}") << QStringList();
        QTest::newRow("key text inside string values")
            << jsonText("{'a': '\\'a\\': 1, \\'a\\': 2', 'b': '{\\'c\\': 1, \\'c\\': 2}', 'c': 'a'}") << QStringList();
        QTest::newRow("values equal to keys") << jsonText("{'a': 'a', 'b': 'a', 'c': ['a', 'a']}") << QStringList();
        QTest::newRow("escaped key in the path")
            << jsonText("{'s\\u0065rver': {'port': 1, 'port': 2}}") << QStringList{"server: \"port\" appears twice"};
        QTest::newRow("control character in the path")
            << jsonText("{'a\\nb': {'k': 1, 'k': 2}}") << QStringList{"a\\u000ab: \"k\" appears twice"};
        QTest::newRow("pretty-printed") << jsonText("{\n  'a' :\t{ 'b'\r\n : [ 1 , 2 ] } ,\n  'a' : 0\n}\n")
                                        << QStringList{"\"a\" appears twice"};
    }

    void repeatedKeys()
    {
        QFETCH(QByteArray, json);
        QFETCH(QStringList, expected);
        QJsonParseError error;
        QJsonDocument::fromJson(json, &error);
        QCOMPARE(error.error, QJsonParseError::NoError);  // the scan's precondition
        QCOMPARE(problemStrings(kairos::repeatedKeys(json)), expected);
    }

    void repeatedKeysUnderABasePath()
    {
        const QByteArray body = jsonText("{'external_path': '/a', 'retry': {'jitter': true, 'jitter': false}, "
                                         "'external_path': '/b'}");
        QCOMPARE(problemStrings(kairos::repeatedKeys(body, QStringLiteral("route"))),
                 QStringList({"route: \"external_path\" appears twice", "route.retry: \"jitter\" appears twice"}));
    }

    void repeatedKeysDeepInside()
    {
        constexpr int depth = 500;  // arrays and objects in turn
        QByteArray json;
        for (int i = 0; i < depth; ++i)
            json += i % 2 ? "{'o': " : "[1, ";
        json += "{'k': 1, 'k': 2}";
        for (int i = depth - 1; i >= 0; --i)
            json += i % 2 ? "}" : "]";
        json = jsonText(json);
        QString path;
        for (int i = 0; i < depth / 2; ++i)
            path += "[1].o";
        QVERIFY(!QJsonDocument::fromJson(json).isNull());
        QCOMPARE(problemStrings(kairos::repeatedKeys(json)), QStringList{path + ": \"k\" appears twice"});
    }

    void repeatedKeysInAWideObject()
    {
        QByteArray json = "{";
        for (int i = 0; i < 5000; ++i)
            json += "'key" + QByteArray::number(i) + "': " + QByteArray::number(i) + ", ";
        json += "'key4321': 0, 'key17': 0, 'key17': 0}";
        QCOMPARE(problemStrings(kairos::repeatedKeys(jsonText(json))),
                 QStringList({"\"key17\" appears 3 times", "\"key4321\" appears twice"}));
    }

    // Only text QJsonDocument accepted is meant to be scanned, but other bytes must not crash it.
    void repeatedKeysReadsMalformedTextSafely()
    {
        const QList<QByteArray> texts{
            "\"",         "{\"a",          "{\"a\\", "}}]]", "{\"\\u12", "{\"\\ud800\\u", "{{{\"a\":1,\"a\":2",
            "[{]}\"\\\"", "{\"a\": 1, \"a"};
        for (const QByteArray &text : texts)
            kairos::repeatedKeys(text);
    }

    void everyProblemIsReportedAtOnce()
    {
        QJsonObject route = validRoute();
        route.insert("external_path", "nope");
        route.insert("methods", QJsonArray{});
        route.insert("retry", QJsonObject{{"max_attempts", 0}, {"backoff_multiplier", 0.5}});
        const ConfigLoadResult result = loadConfig(configWithRoute(route));
        QCOMPARE(result.errors.size(), 4);
    }

    void typeErrorsAndValueErrorsTogether()
    {
        QJsonObject route = validRoute();
        route.insert("auth_required", "yes");
        route.insert("external_path", "nope");
        const ConfigLoadResult result = loadConfig(configWithRoute(route));
        QCOMPARE(result.errors.size(), 2);
    }

    void clusterSectionRoundTrips()
    {
        const QJsonObject cluster{
            {"etcd", QJsonObject{{"endpoints", QJsonArray{"http://10.0.0.5:2379", "https://10.0.0.6:2379"}},
                                 {"prefix", "/edge"},
                                 {"username", "kairos"},
                                 {"password", "pw"},
                                 {"timeout_ms", 2000}}},
            {"instance_name", "edge-1"},
            {"cache_file", "/var/lib/kairos/cache.json"}};
        const ConfigLoadResult result = loadConfig(configWithRoute(validRoute(), {{"cluster", cluster}}));
        QVERIFY2(result.ok(), qPrintable(result.errorSummary()));
        QVERIFY(result.config->cluster.enabled());
        QCOMPARE(result.config->cluster.etcd.endpoints.size(), 2);
        QCOMPARE(result.config->cluster.etcd.timeoutMs, 2000);
        QCOMPARE(configToJson(*result.config)["cluster"].toObject(), cluster);
        QVERIFY(!loadConfig(configWithRoute(validRoute())).config->cluster.enabled());
        QVERIFY(!configToJson(*loadConfig(configWithRoute(validRoute())).config).contains("cluster"));
    }

    void tlsSectionRoundTrips()
    {
        test::TestCertificates certs;
        QVERIFY2(certs.isValid() && certs.issueServer("default", "localhost", {"localhost"})
                     && certs.issueServer("api", "api.example", {"api.example"}),
                 qPrintable(certs.error()));
        const QJsonObject tls{{"port", 5443},
                              {"cert_file", certs.certFile("default")},
                              {"key_file", certs.keyFile("default")},
                              {"certificates", QJsonArray{QJsonObject{{"server_names", QJsonArray{"api.example"}},
                                                                      {"cert_file", certs.certFile("api")},
                                                                      {"key_file", certs.keyFile("api")}}}},
                              {"min_version", "1.3"},
                              {"handshake_timeout_ms", 3000},
                              {"client_ca_file", certs.caFile()},
                              {"client_subject_header", "X-Verified-Client"}};
        const ConfigLoadResult result =
            loadConfig(configWithRoute(validRoute(), {{"server", QJsonObject{{"tls", tls}}}}));
        QVERIFY2(result.ok(), qPrintable(result.errorSummary()));
        QCOMPARE(result.config->server.tls->certificates.size(), 1);
        QCOMPARE(configToJson(*result.config)["server"].toObject()["tls"].toObject(), tls);
        QVERIFY(!configToJson(*loadConfig(configWithRoute(validRoute())).config)["server"].toObject().contains("tls"));
    }

    void tlsSectionIsValidatedWithPaths()
    {
        test::TestCertificates certs;
        QVERIFY2(certs.isValid() && certs.issueServer("default", "localhost", {"localhost"}) && certs.makeKey("other"),
                 qPrintable(certs.error()));
        const QJsonObject tls{
            {"port", 70000},
            {"cert_file", certs.certFile("default")},
            {"key_file", certs.keyFile("other")},
            {"certificates",
             QJsonArray{QJsonObject{{"server_names", QJsonArray{"a.example", "bad name", "*.*.example"}},
                                    {"cert_file", certs.certFile("default")},
                                    {"key_file", certs.keyFile("default")}},
                        QJsonObject{{"server_names", QJsonArray{"A.example"}},
                                    {"cert_file", certs.path("missing.pem")},
                                    {"key_file", certs.keyFile("default")}},
                        QJsonObject{{"cert_file", certs.certFile("default")}}}},
            {"min_version", "1.1"},
            {"alpn", QJsonArray{"spdy/3", "h3"}},
            {"handshake_timeout_ms", 0},
            {"client_ca_file", certs.keyFile("other")},
            {"client_subject_header", "X Subject"}};
        const ConfigLoadResult result =
            loadConfig(configWithRoute(validRoute(), {{"server", QJsonObject{{"tls", tls}}}}));
        QVERIFY(!result.ok());
        QStringList paths;
        for (const ConfigProblem &problem : result.errors)
            paths << problem.path;
        const QString summary = result.errorSummary();
        QCOMPARE(paths, QStringList(
                            {"server.tls.port", "server.tls.cert_file", "server.tls.certificates[0].server_names[1]",
                             "server.tls.certificates[0].server_names[2]", "server.tls.certificates[1].server_names[0]",
                             "server.tls.certificates[1].cert_file", "server.tls.certificates[2].server_names",
                             "server.tls.certificates[2].key_file", "server.tls.min_version", "server.tls.alpn[0]",
                             "server.tls.alpn[1]", "server.tls.handshake_timeout_ms", "server.tls.client_ca_file",
                             "server.tls.client_subject_header"}));
        QVERIFY2(summary.contains("does not match the certificate"), qPrintable(summary));
        QVERIFY2(summary.contains("\"spdy/3\" is not a protocol Kairos serves"), qPrintable(summary));
        QVERIFY2(summary.contains("\"a.example\" is already served by server.tls.certificates[0]"),
                 qPrintable(summary));
    }

    void consoleSectionRoundTrips()
    {
        const ConfigLoadResult defaults = loadConfig(configWithRoute(validRoute()));
        QVERIFY2(defaults.ok(), qPrintable(defaults.errorSummary()));
        QCOMPARE(defaults.config->console.captureBodyBytes, 65536);
        QVERIFY(!configToJson(*defaults.config).contains("console"));  // nothing but defaults: not written

        for (const int bytes : {0, 1024}) {
            const QJsonObject console{{"capture_body_bytes", bytes}};
            const ConfigLoadResult result = loadConfig(configWithRoute(validRoute(), {{"console", console}}));
            QVERIFY2(result.ok(), qPrintable(result.errorSummary()));
            QCOMPARE(result.config->console.captureBodyBytes, bytes);
            QCOMPARE(configToJson(*result.config)["console"].toObject(), console);
            QCOMPARE(loadConfig(configToBytes(*result.config)).config->console.captureBodyBytes, bytes);
        }

        const ConfigLoadResult negative =
            loadConfig(configWithRoute(validRoute(), {{"console", QJsonObject{{"capture_body_bytes", -1}}}}));
        QVERIFY(!negative.ok());
        QVERIFY2(problemStrings(negative.errors)
                     .contains("console.capture_body_bytes: must be between 0 and 16777216 (got -1)"),
                 qPrintable(negative.errorSummary()));
        const ConfigLoadResult wrongType =
            loadConfig(configWithRoute(validRoute(), {{"console", QJsonObject{{"capture_body_bytes", "64k"}}}}));
        QVERIFY(!wrongType.ok());
        const ConfigLoadResult unknown =
            loadConfig(configWithRoute(validRoute(), {{"console", QJsonObject{{"capture_headers", true}}}}));
        QVERIFY(unknown.ok());
        QVERIFY(
            problemStrings(unknown.warnings).contains("console.capture_headers: unknown key (kept as is, not used)"));
    }

    void unknownKeysAreWarningsAndKept()
    {
        QJsonObject route = validRoute();
        route.insert("timeout_hint", 12);
        const QByteArray json = configWithRoute(route, {{"x-team", "payments"}});
        const ConfigLoadResult result = loadConfig(json);
        QVERIFY(result.ok());
        const QStringList warnings = problemStrings(result.warnings);
        QVERIFY(warnings.contains("routers[0].timeout_hint: unknown key (kept as is, not used)"));
        QVERIFY(warnings.contains("x-team: unknown key (kept as is, not used)"));
        const QJsonObject saved = configToJson(*result.config);
        QCOMPARE(saved["x-team"].toString(), QStringLiteral("payments"));
        QCOMPARE(saved["routers"].toArray()[0].toObject()["timeout_hint"].toInt(), 12);
    }

    void roundTripIsLossless_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::newRow("seed") << seedExample();
        QTest::newRow("everything") << fixture("everything.json");
    }

    void roundTripIsLossless()
    {
        QFETCH(QByteArray, json);
        const ConfigLoadResult first = loadConfig(json);
        QVERIFY2(first.ok(), qPrintable(first.errorSummary()));
        const QByteArray saved = configToBytes(*first.config);
        const ConfigLoadResult second = loadConfig(saved);
        QVERIFY2(second.ok(), qPrintable(second.errorSummary()));
        QCOMPARE(configToBytes(*second.config), saved);
        QCOMPARE(second.warnings.size(), first.warnings.size());
        // Spot checks that the model, not just the text, survived.
        const Route &route = second.config->routes[0];
        QCOMPARE(route.backends[0].weight, first.config->routes[0].backends[0].weight);
        QCOMPARE(second.config->server.maxIdleUpstreamConnections, first.config->server.maxIdleUpstreamConnections);
        QCOMPARE(route.retry.has_value(), first.config->routes[0].retry.has_value());
        if (route.retry)
            QCOMPARE(route.retry->maxAttempts, first.config->routes[0].retry->maxAttempts);
        QCOMPARE(second.config->rateLimit.has_value(), first.config->rateLimit.has_value());
        if (first.config->rateLimit)
            QVERIFY(*second.config->rateLimit == *first.config->rateLimit);
        QCOMPARE(bool(route.backends[0].rateLimit), bool(first.config->routes[0].backends[0].rateLimit));
        QCOMPARE(second.config->outlierDetection.has_value(), first.config->outlierDetection.has_value());
        QCOMPARE(route.overrides->outlierDetection.keys, first.config->routes[0].overrides->outlierDetection.keys);
        QCOMPARE(second.config->slowStartMs, first.config->slowStartMs);
        QCOMPARE(second.config->console.captureBodyBytes, first.config->console.captureBodyBytes);
        QCOMPARE(route.overrides->slowStartMs, first.config->routes[0].overrides->slowStartMs);
        QCOMPARE(route.overrides->slowStartMinWeightPercent,
                 first.config->routes[0].overrides->slowStartMinWeightPercent);
        QCOMPARE(route.priority, first.config->routes[0].priority);
    }

    void rateLimitBlocks()
    {
        const ConfigLoadResult loaded = loadConfig(fixture("everything.json"));
        QVERIFY2(loaded.ok(), qPrintable(loaded.errorSummary()));
        QVERIFY(loaded.config->rateLimit);
        QCOMPARE(loaded.config->rateLimit->scope, RateLimitSettings::Scope::Fleet);
        QCOMPARE(loaded.config->rateLimit->keyName, QStringLiteral("x-api-key"));
        const Route &route = loaded.config->routes[0];
        QVERIFY(route.backends[0].rateLimit);
        QCOMPARE(route.backends[0].rateLimit->requestsPerSecond, 50.0);
        QCOMPARE(route.backends[0].rateLimit->key, RateLimitSettings::Key::Route);
        QCOMPARE(route.backends[0].rateLimit->headers, false);
        QCOMPARE(route.backends[0].rateLimit->scope, RateLimitSettings::Scope::Instance);
        // A backend whose limit changed is another backend for a config diff (routes reloaded).
        Backend changed = route.backends[0];
        RateLimitSettings other = *changed.rateLimit;
        other.requestsPerSecond = 51;
        changed.rateLimit = other;
        QVERIFY(changed != route.backends[0]);
    }

    void loadFromFile()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath("config.json");
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(seedExample());
        file.close();
        QVERIFY(loadConfigFile(path).ok());
        const ConfigLoadResult missing = loadConfigFile(dir.filePath("missing.json"));
        QVERIFY(!missing.ok());
        QVERIFY(missing.errorSummary().startsWith("cannot read"));
    }

    void shippedExampleIsValid()
    {
        const ConfigLoadResult result = loadConfigFile(QStringLiteral(KAIROS_SOURCE_DIR "/examples/config.json"));
        QVERIFY2(result.ok(), qPrintable(result.errorSummary()));
        QVERIFY2(result.warnings.isEmpty(), qPrintable(problemStrings(result.warnings).join('\n')));
    }

    void methodTokens()
    {
        QVERIFY(isHttpMethodToken("GET"));
        QVERIFY(isHttpMethodToken("PROPFIND"));
        QVERIFY(isHttpMethodToken("X-CUSTOM_1"));
        QVERIFY(!isHttpMethodToken(""));
        QVERIFY(!isHttpMethodToken("GE T"));
        QVERIFY(!isHttpMethodToken("GET\r"));
        QVERIFY(!isHttpMethodToken(QString::fromUtf8("GÉT")));
    }
};

QTEST_GUILESS_MAIN(TestConfig)
#include "tst_config.moc"
