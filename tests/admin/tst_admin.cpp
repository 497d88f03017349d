// The control plane over real HTTP: route and config API, hot reload, admin access, JWT routes,
// probes and /metrics, with the whole GatewayService running on a config file in a temp folder.
#include "demo/echobackend.h"
#include "service/gatewayservice.h"
#include "support/runningservice.h"
#include "support/testsupport.h"

#include <QJsonDocument>
#include <QMessageAuthenticationCode>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

#include <jwt.h>

using namespace kairos;
using namespace kairos::test;

namespace {

const QString kSecret = QStringLiteral("0123456789abcdef0123456789abcdef");

QJsonObject baseConfig(quint16 backendPort, const QJsonObject &extra = {})
{
    QJsonObject config = extra;
    config.insert("version", 1);
    config.insert("server", QJsonObject{{"host", "127.0.0.1"}, {"port", 5900}, {"workers", 2}});
    config.insert("x-owner", "team-a");  // an unknown key that saves must keep
    config.insert("routers",
                  QJsonArray{routeJson("/api/users", "/users", {backendJson(backendPort)}, {"GET", "POST"})});
    return config;
}

QJsonObject productRoute(quint16 backendPort)
{
    return QJsonObject{
        {"external_path", "/api/products"},
        {"internal_path", "/products"},
        {"methods", QJsonArray{"GET", "POST"}},
        {"backends", QJsonArray{QJsonObject{{"host", "http://127.0.0.1"}, {"port", int(backendPort)}, {"weight", 1}}}},
        {"load_balancing_strategy", "RoundRobin"}};
}

QByteArray hs256(const QJsonObject &claims, const QString &secret = kSecret)
{
    jwt_t *jwt = nullptr;
    jwt_new(&jwt);
    jwt_add_grants_json(jwt, QJsonDocument(claims).toJson(QJsonDocument::Compact).constData());
    const QByteArray key = secret.toUtf8();
    jwt_set_alg(jwt, JWT_ALG_HS256, reinterpret_cast<const unsigned char *>(key.constData()), int(key.size()));
    char *encoded = jwt_encode_str(jwt);
    const QByteArray token(encoded);
    free(encoded);
    jwt_free(jwt);
    return token;
}

// A token signed with kSecret under a header of the test's own (hs256() lets libjwt write it).
QByteArray hs256WithHeader(const QByteArray &header, const QJsonObject &claims)
{
    const auto encode = [](const QByteArray &bytes) {
        return bytes.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
    };
    const QByteArray input = encode(header) + '.' + encode(QJsonDocument(claims).toJson(QJsonDocument::Compact));
    return input + '.' + encode(QMessageAuthenticationCode::hash(input, kSecret.toUtf8(), QCryptographicHash::Sha256));
}

// name{labels} -> value, checking the text format on the way.
QMap<QString, double> parsePrometheus(const QByteArray &text, QString *problem)
{
    static const QRegularExpression sampleLine(QStringLiteral(R"(^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$)"));
    QMap<QString, double> samples;
    QSet<QString> typed;
    for (const QByteArray &raw : text.split('\n')) {
        const QString line = QString::fromUtf8(raw);
        if (line.isEmpty() || line.startsWith(QLatin1String("# HELP")))
            continue;
        if (line.startsWith(QLatin1String("# TYPE "))) {
            typed.insert(line.section(' ', 2, 2));
            continue;
        }
        const QRegularExpressionMatch match = sampleLine.match(line);
        bool ok = false;
        const double value = match.captured(3).toDouble(&ok);
        QString family = match.captured(1);
        family.remove(QRegularExpression(QStringLiteral("_(bucket|sum|count)$")));
        if (!match.hasMatch() || !ok || (!typed.contains(family) && !typed.contains(match.captured(1)))) {
            *problem = QStringLiteral("bad line: ") + line;
            return {};
        }
        samples.insert(match.captured(1) + match.captured(2), value);
    }
    return samples;
}

}  // namespace

class TestAdmin : public QObject
{
    Q_OBJECT

private:
    EchoBackend *m_backend = nullptr;

private slots:
    void init()
    {
        m_backend = new EchoBackend("echo", this);
        QVERIFY(m_backend->listen());
    }
    void cleanup() { delete m_backend; }

    void listAndGetRoutes()
    {
        RunningService running(baseConfig(m_backend->port()));
        const Response list = request(running.port, "GET", "/api/routes");
        QCOMPARE(list.status, 200);
        const QJsonArray routes = QJsonDocument::fromJson(list.body).array();
        QCOMPARE(routes.size(), 1);
        QCOMPARE(routes[0].toObject()["external_path"].toString(), QStringLiteral("/api/users"));
        QCOMPARE(list.headers.value("etag"), QByteArray("\"1\""));
        const Response one = request(running.port, "GET", "/api/routes/api/users");
        QCOMPARE(one.status, 200);
        QCOMPARE(one.json()["internal_path"].toString(), QStringLiteral("/users"));
        QCOMPARE(request(running.port, "GET", "/api/routes/api/nothing").status, 404);
    }

    void createUpdateDeleteApplyAtOnceAndAreSaved()
    {
        RunningService running(baseConfig(m_backend->port()));
        QCOMPARE(request(running.port, "GET", "/api/products").status, 404);

        const Response created = jsonRequest(running.port, "POST", "/api/routes", productRoute(m_backend->port()));
        QCOMPARE(created.status, 201);
        QCOMPARE(created.headers.value("location"), QByteArray("/api/routes/api/products"));
        QCOMPARE(created.json()["internal_path"].toString(), QStringLiteral("/products"));
        QCOMPARE(request(running.port, "GET", "/api/products").json()["target"].toString(),
                 QStringLiteral("/products"));

        QJsonObject changed = productRoute(m_backend->port());
        changed.remove("external_path");
        changed["internal_path"] = "/v2/products";
        const Response updated = jsonRequest(running.port, "PUT", "/api/routes/api/products", changed);
        QCOMPARE(updated.status, 200);
        QCOMPARE(request(running.port, "GET", "/api/products").json()["target"].toString(),
                 QStringLiteral("/v2/products"));

        const QJsonObject saved = running.fileContents();
        QCOMPARE(saved["routers"].toArray().size(), 2);
        QCOMPARE(saved["x-owner"].toString(), QStringLiteral("team-a"));
        QCOMPARE(QFile(running.path).permissions() & (QFileDevice::ReadGroup | QFileDevice::ReadOther),
                 QFileDevice::Permissions());

        const Response deleted = request(running.port, "DELETE", "/api/routes/api/products");
        QCOMPARE(deleted.status, 204);
        QVERIFY(!deleted.headers.contains("content-length"));
        QCOMPARE(request(running.port, "GET", "/api/products").status, 404);
        QCOMPARE(request(running.port, "DELETE", "/api/routes/api/products").status, 404);
        QCOMPARE(running.fileContents()["routers"].toArray().size(), 1);
    }

    void templateRoutesArePercentEncoded()
    {
        RunningService running(baseConfig(m_backend->port()));
        QJsonObject route = productRoute(m_backend->port());
        route["external_path"] = "/api/products/{id}";
        route["internal_path"] = "/products/{id}";
        QCOMPARE(jsonRequest(running.port, "POST", "/api/routes", route).status, 201);
        QCOMPARE(request(running.port, "GET", "/api/routes/api/products/%7Bid%7D").status, 200);
        QCOMPARE(request(running.port, "GET", "/api/products/7").json()["target"].toString(),
                 QStringLiteral("/products/7"));
    }

    void errorsOfTheRouteApi()
    {
        RunningService running(baseConfig(m_backend->port()));
        QCOMPARE(jsonRequest(running.port, "POST", "/api/routes", productRoute(m_backend->port())).status, 201);
        const Response duplicate = jsonRequest(running.port, "POST", "/api/routes", productRoute(m_backend->port()));
        QCOMPARE(duplicate.status, 409);

        QJsonObject invalid = productRoute(m_backend->port());
        invalid["external_path"] = "/api/invalid";
        invalid["backends"] = QJsonArray{QJsonObject{{"host", "backend"}, {"port", 0}}};
        const Response rejected = jsonRequest(running.port, "POST", "/api/routes", invalid);
        QCOMPARE(rejected.status, 400);
        QCOMPARE(rejected.json()["type"].toString(), QStringLiteral("validation_error"));
        const QJsonArray problems = rejected.json()["problems"].toArray();
        QCOMPARE(problems.size(), 2);
        QCOMPARE(problems[0].toObject()["path"].toString(), QStringLiteral("routers[2].backends[0].host"));
        QCOMPARE(problems[1].toObject()["path"].toString(), QStringLiteral("routers[2].backends[0].port"));

        QCOMPARE(request(running.port, "POST", "/api/routes", {{"Content-Type", "text/plain"}}, "{}").status, 415);
        QCOMPARE(request(running.port, "POST", "/api/routes", {{"Content-Type", "application/json"}}, "{nope").status,
                 400);
        QCOMPARE(request(running.port, "POST", "/api/routes", {{"Content-Type", "application/json"}},
                         QByteArray(33 * 1024 * 1024, ' '))
                     .status,
                 413);  // over admin.max_body_bytes
        QCOMPARE(jsonRequest(running.port, "PUT", "/api/routes/api/ghost", productRoute(m_backend->port())).status,
                 404);
        QCOMPARE(request(running.port, "PATCH", "/api/routes").status, 405);
        QJsonObject reserved = productRoute(m_backend->port());
        reserved["external_path"] = "/api/config/x";
        QCOMPARE(jsonRequest(running.port, "POST", "/api/routes", reserved).status, 400);
        QCOMPARE(running.service.configStore().revision(), quint64(2));  // only the first POST changed anything
    }

    void unknownKeysAreReportedToWhoeverSentThem()
    {
        RunningService running(baseConfig(m_backend->port()));
        const auto warningsOf = [](const Response &response) {
            QList<QByteArray> warnings;
            for (const auto &field : response.headers.fields())
                if (field.first.compare("warning", Qt::CaseInsensitive) == 0)
                    warnings.append(field.second);
            return warnings;
        };

        QJsonObject typo = productRoute(m_backend->port());
        typo.insert("retyr", QJsonObject{{"max_attempts", 5}});
        typo.insert("note\r\nX-Injected: 1", 1);  // a key is any string; a header line is not
        const Response created = jsonRequest(running.port, "POST", "/api/routes", typo);
        QCOMPARE(created.status, 201);
        QCOMPARE(warningsOf(created),
                 QList<QByteArray>(
                     {R"w(299 kairos "route.note\\u000d\\u000aX-Injected: 1: unknown key (kept as is, not used)")w",
                      R"w(299 kairos "route.retyr: unknown key (kept as is, not used)")w"}));
        QVERIFY(created.headers.value("x-injected").isNull());
        QCOMPARE(running.fileContents()["routers"].toArray()[1].toObject()["retyr"].toObject()["max_attempts"].toInt(),
                 5);

        // The whole config: each unknown key, wherever it is (the base config's "x-owner" too).
        QJsonObject config = running.fileContents();
        const Response replaced = jsonRequest(running.port, "PUT", "/api/config", config);
        QCOMPARE(replaced.status, 200);
        QCOMPARE(warningsOf(replaced).size(), 3);
        QVERIFY(warningsOf(replaced).contains(R"w(299 kairos "x-owner: unknown key (kept as is, not used)")w"));

        // Rejected, they come with the problems.
        typo["backends"] = QJsonArray();
        typo["external_path"] = "/api/other";
        const Response rejected = jsonRequest(running.port, "POST", "/api/routes", typo);
        QCOMPARE(rejected.status, 400);
        QCOMPARE(rejected.json()["warnings"].toArray().size(), 2);
        QVERIFY(warningsOf(rejected).isEmpty());
    }

    void configReplacementWithoutRoutersIsRefused()
    {
        RunningService running(baseConfig(m_backend->port()));
        const Response misspelt = jsonRequest(running.port, "PUT", "/api/config",
                                              QJsonObject{{"routes", QJsonArray{productRoute(m_backend->port())}}});
        QCOMPARE(misspelt.status, 400);
        QCOMPARE(misspelt.json()["problems"].toArray()[0].toObject()["path"].toString(), QStringLiteral("routers"));
        QCOMPARE(misspelt.json()["warnings"].toArray()[0].toObject()["path"].toString(), QStringLiteral("routes"));
        QCOMPARE(request(running.port, "GET", "/api/users").status, 200);  // nothing changed

        QJsonObject empty = running.fileContents();
        empty["routers"] = QJsonArray();
        QCOMPARE(jsonRequest(running.port, "PUT", "/api/config", empty).status, 200);
        QCOMPARE(request(running.port, "GET", "/api/users").status, 404);
    }

    void ifMatchGuardsAgainstLostUpdates()
    {
        RunningService running(baseConfig(m_backend->port()));
        const QByteArray etag = request(running.port, "GET", "/api/config").headers.value("etag");
        QCOMPARE(jsonRequest(running.port, "POST", "/api/routes", productRoute(m_backend->port()), {{"If-Match", etag}})
                     .status,
                 201);
        const Response stale =
            jsonRequest(running.port, "DELETE", "/api/routes/api/products", QJsonObject(), {{"If-Match", etag}});
        QCOMPARE(stale.status, 412);
        const QByteArray fresh = request(running.port, "GET", "/api/config").headers.value("etag");
        QCOMPARE(request(running.port, "DELETE", "/api/routes/api/products", {{"If-Match", "W/" + fresh}}).status, 412);
        QCOMPARE(
            request(running.port, "DELETE", "/api/routes/api/products", {{"If-Match", "\"999\", " + fresh}}).status,
            204);
        QCOMPARE(request(running.port, "DELETE", "/api/routes/api/users", {{"If-Match", "*"}}).status, 204);
    }

    void configGetRedactsAndPutKeepsSecrets()
    {
        QJsonObject config = baseConfig(m_backend->port(), {{"jwt", QJsonObject{{"secret", kSecret}}}});
        QJsonObject secured = routeJson("/secure", "/s", {backendJson(m_backend->port())}, {"GET"});
        secured.insert("auth_required", true);
        QJsonArray routers = config["routers"].toArray();
        routers.append(secured);
        config["routers"] = routers;
        RunningService running(config);

        const Response got = request(running.port, "GET", "/api/config");
        QCOMPARE(got.status, 200);
        QVERIFY(!got.body.contains(kSecret.toUtf8()));
        QCOMPARE(got.json()["jwt"].toObject()["secret"].toString(), QStringLiteral("********"));

        QJsonObject edited = got.json();
        edited["x-note"] = "edited through the API";
        const Response put = jsonRequest(running.port, "PUT", "/api/config", edited);
        QCOMPARE(put.status, 200);
        QVERIFY(!put.body.contains(kSecret.toUtf8()));
        QCOMPARE(running.fileContents()["jwt"].toObject()["secret"].toString(), kSecret);  // kept, not "********"
        QCOMPARE(request(running.port, "GET", "/secure", {{"Authorization", "Bearer " + hs256({{"sub", "a"}})}}).status,
                 200);

        QJsonObject broken = edited;
        broken["routers"] = QJsonArray{QJsonObject{{"external_path", "x"}}};
        const Response rejected = jsonRequest(running.port, "PUT", "/api/config", broken);
        QCOMPARE(rejected.status, 400);
        QVERIFY(rejected.json()["problems"].toArray().size() >= 3);
        QCOMPARE(request(running.port, "GET", "/api/users").status, 200);  // nothing changed
    }

    void reloadAndStatus()
    {
        RunningService running(baseConfig(m_backend->port()));
        QJsonObject next = baseConfig(m_backend->port());
        next["routers"] = QJsonArray{productRoute(m_backend->port())};
        running.write(next);
        const Response reloaded = request(running.port, "POST", "/api/config/reload");
        QCOMPARE(reloaded.status, 200);
        QCOMPARE(reloaded.json()["version"].toInt(), 2);
        QCOMPARE(request(running.port, "GET", "/api/products").status, 200);

        QFile broken(running.path);
        broken.open(QIODevice::WriteOnly | QIODevice::Truncate);
        broken.write("{\"version\": 1, \"routers\": [");
        broken.close();
        const Response failed = request(running.port, "POST", "/api/config/reload");
        QCOMPARE(failed.status, 400);
        QVERIFY(
            failed.json()["problems"].toArray()[0].toObject()["message"].toString().startsWith("invalid JSON at line"));
        QCOMPARE(request(running.port, "GET", "/api/products").status, 200);  // still running the last good one

        const QJsonObject status = request(running.port, "GET", "/api/config/status").json();
        QCOMPARE(status["version"].toInt(), 2);
        QCOMPARE(status["file"].toString(), running.path);
        QCOMPARE(status["last_change_ok"].toBool(), false);
        QCOMPARE(status["last_change_source"].toString(), QStringLiteral("file"));
        QCOMPARE(status["changes_applied"].toInt(), 2);
        QCOMPARE(status["changes_rejected"].toInt(), 1);
    }

    void fileWatching()
    {
        RunningService running(baseConfig(m_backend->port()), true);
        // Written in place.
        QJsonObject withProducts = baseConfig(m_backend->port());
        withProducts["routers"] = QJsonArray{productRoute(m_backend->port())};
        running.write(withProducts);
        QTRY_COMPARE_WITH_TIMEOUT(request(running.port, "GET", "/api/products").status, 200, 5000);
        // Replaced by rename, the way editors save.
        QJsonObject withUsers = baseConfig(m_backend->port());
        const QString temporary = running.dir.filePath("config.json.tmp");
        QFile file(temporary);
        file.open(QIODevice::WriteOnly);
        file.write(QJsonDocument(withUsers).toJson());
        file.close();
        QVERIFY(QFile::remove(running.path) && QFile::rename(temporary, running.path));
        QTRY_COMPARE_WITH_TIMEOUT(request(running.port, "GET", "/api/products").status, 404, 5000);
        QCOMPARE(request(running.port, "GET", "/api/users").status, 200);
        // Broken: reported, the running config stays.
        const quint64 revision = running.service.configStore().revision();
        QFile broken(running.path);
        broken.open(QIODevice::WriteOnly | QIODevice::Truncate);
        broken.write("{ not json");
        broken.close();
        QTRY_VERIFY_WITH_TIMEOUT(!running.service.configStore().status().lastChangeOk, 5000);
        QCOMPARE(running.service.configStore().revision(), revision);
        QCOMPARE(request(running.port, "GET", "/api/users").status, 200);
        // An API change writes the file; the watcher must not apply it a second time.
        running.write(baseConfig(m_backend->port()));
        QTRY_VERIFY_WITH_TIMEOUT(running.service.configStore().status().lastChangeOk, 5000);
        const quint64 before = running.service.configStore().revision();
        QCOMPARE(jsonRequest(running.port, "POST", "/api/routes", productRoute(m_backend->port())).status, 201);
        // Nothing to wait for when nothing happens: time enough for the watcher to see the save
        // and pass its 200 ms debounce, after which a second application would show.
        QTest::qWait(600);
        QCOMPARE(running.service.configStore().revision(), before + 1);
    }

    void reloadsUnderLoadLoseNoRequest()
    {
        RunningService running(baseConfig(m_backend->port()));
        QJsonObject alternative = baseConfig(m_backend->port());
        QJsonArray routers = alternative["routers"].toArray();
        routers.append(productRoute(m_backend->port()));
        alternative["routers"] = routers;
        const QJsonObject original = baseConfig(m_backend->port());

        int failures = 0;
        int completed = 0;
        QList<std::shared_ptr<RawClient>> clients;
        for (int i = 0; i < 4; ++i) {
            clients.append(std::make_shared<RawClient>(running.port));
            clients.last()->send("GET /api/users?delay_ms=5 HTTP/1.1\r\nHost: h\r\n\r\n");
        }
        for (int round = 0; round < 30; ++round) {
            const QJsonObject next = round % 2 ? original : alternative;
            QVERIFY(running.service.configStore()
                        .replaceJson(QJsonDocument(next).toJson(), ConfigStore::Source::Api)
                        .applied());
            if (round % 10 == 5)  // a broken one in between changes nothing
                QVERIFY(!running.service.configStore().replaceJson("{ broken", ConfigStore::Source::Api).applied());
            for (const auto &client : clients) {
                const Response response = client->readOne();
                ++completed;
                if (response.status != 200)
                    ++failures;
                client->send("GET /api/users?delay_ms=5 HTTP/1.1\r\nHost: h\r\n\r\n");
            }
        }
        for (const auto &client : clients) {
            failures += client->readOne().status == 200 ? 0 : 1;
            ++completed;
        }
        QCOMPARE(failures, 0);
        QCOMPARE(completed, 124);
    }

    void adminApiRefusesRebindedNames()
    {
        RunningService running(baseConfig(m_backend->port()));
        // A page on http://attacker.example:PORT whose name now resolves to 127.0.0.1.
        const Response rebound = request(running.port, "GET", "/api/routes", {{"Host", "attacker.example:5900"}});
        QCOMPARE(rebound.status, 403);
        QVERIFY(rebound.json()["error"].toString().contains("attacker.example"));
        QCOMPARE(request(running.port, "GET", "/api/routes", {{"Host", "localhost:5900"}}).status, 200);
        QCOMPARE(request(running.port, "GET", "/api/routes", {{"Host", "[::1]:5900"}}).status, 200);
        QCOMPARE(request(running.port, "GET", "/api/users", {{"Host", "attacker.example"}}).status,
                 200);  // traffic is not admin

        QJsonObject withToken =
            baseConfig(m_backend->port(), {{"admin", QJsonObject{{"token", "s3cret-admin-token"}}}});
        QVERIFY(running.service.configStore()
                    .replaceJson(QJsonDocument(withToken).toJson(), ConfigStore::Source::Api)
                    .applied());
        QCOMPARE(request(running.port, "GET", "/api/routes",
                         {{"Host", "gateway.internal"}, {"Authorization", "Bearer s3cret-admin-token"}})
                     .status,
                 200);
    }

    void adminAccessFromOtherNetworks()
    {
        RunningService running(
            baseConfig(m_backend->port(), {{"admin", QJsonObject{{"allowed_networks", QJsonArray{"127.0.0.1/32"}}}}}));
        const QHostAddress outside("127.0.0.2");
        QCOMPARE(request(running.port, "GET", "/api/routes").status, 200);
        const Response refused = request(running.port, "GET", "/api/routes", {}, {}, outside);
        QCOMPARE(refused.status, 403);
        QCOMPARE(request(running.port, "GET", "/metrics", {}, {}, outside).status, 403);
        QCOMPARE(request(running.port, "GET", "/health", {}, {}, outside).status, 200);     // probes are open
        QCOMPARE(request(running.port, "GET", "/api/users", {}, {}, outside).status, 200);  // and so is traffic

        QJsonObject withToken =
            baseConfig(m_backend->port(), {{"admin", QJsonObject{{"allowed_networks", QJsonArray{"127.0.0.1/32"}},
                                                                 {"token", "s3cret-admin-token"}}}});
        QVERIFY(running.service.configStore()
                    .replaceJson(QJsonDocument(withToken).toJson(), ConfigStore::Source::Api)
                    .applied());
        const Response noToken = request(running.port, "GET", "/api/routes", {}, {}, outside);
        QCOMPARE(noToken.status, 401);
        QVERIFY(noToken.headers.value("www-authenticate").startsWith("Bearer"));
        QCOMPARE(request(running.port, "GET", "/api/routes", {{"Authorization", "Bearer wrong"}}, {}, outside).status,
                 401);
        QCOMPARE(
            request(running.port, "GET", "/api/routes", {{"Authorization", "Bearer s3cret-admin-token"}}, {}, outside)
                .status,
            200);
        QVERIFY(!request(running.port, "GET", "/api/config").body.contains("s3cret-admin-token"));

        // Refused on its head: the gateway neither waits for nor holds the body of a client that
        // may not use the API.
        RawClient client(running.port, QHostAddress::LocalHost, outside);
        client.send("PUT /api/config HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    "Content-Length: 900000\r\n\r\n{\"routers\": [");
        const Response early = client.readOne(3000);
        QCOMPARE(early.status, 401);
        QCOMPARE(early.headers.value("connection"), QByteArray("close"));
        QVERIFY(client.waitForClosed());
    }

    // With a load balancer on the same host every request comes from 127.0.0.1: the admin API
    // judges the client the proxy forwards for, as the access log and X-Forwarded-For name it.
    void adminBehindATrustedProxyJudgesTheForwardedClient_data()
    {
        QTest::addColumn<QList<QByteArray>>("forwardedFor");  // one X-Forwarded-For field each
        QTest::newRow("one hop") << QList<QByteArray>{"203.0.113.5"};
        QTest::newRow("several hops") << QList<QByteArray>{"198.51.100.7, 203.0.113.5, 127.0.0.1"};
        QTest::newRow("a local address claimed first") << QList<QByteArray>{"127.0.0.1, 203.0.113.5"};
        QTest::newRow("two fields") << QList<QByteArray>{"203.0.113.5", "127.0.0.1"};
        QTest::newRow("IPv6") << QList<QByteArray>{"2001:db8::5"};
        QTest::newRow("not an address") << QList<QByteArray>{"unknown"};
        QTest::newRow("address and port") << QList<QByteArray>{"127.0.0.1:80"};
    }

    void adminBehindATrustedProxyJudgesTheForwardedClient()
    {
        QFETCH(QList<QByteArray>, forwardedFor);
        const QJsonObject trusted{
            {"host", "127.0.0.1"}, {"port", 5900}, {"workers", 2}, {"trusted_proxies", QJsonArray{"127.0.0.1/32"}}};
        QJsonObject config = baseConfig(m_backend->port());
        config["server"] = trusted;
        RunningService running(config);
        QList<std::pair<QByteArray, QByteArray>> fields;
        for (const QByteArray &value : forwardedFor)
            fields.append(std::pair<QByteArray, QByteArray>("X-Forwarded-For", value));
        const QByteArray before = request(running.port, "GET", "/api/config").body;

        struct Call {
            QByteArray method, target;
            QJsonValue body;
        };
        const QList<Call> calls{{"GET", "/api/config", {}},
                                {"GET", "/api/routes", {}},
                                {"GET", "/api/routes/api/users", {}},
                                {"GET", "/api/backends", {}},
                                {"GET", "/metrics", {}},
                                {"GET", "/api/config/status", {}},
                                {"PUT", "/api/config", QJsonObject{{"routers", QJsonArray{}}}},
                                {"POST", "/api/routes", productRoute(m_backend->port())},
                                {"PUT", "/api/routes/api/users", productRoute(m_backend->port())},
                                {"DELETE", "/api/routes/api/users", {}},
                                {"POST", "/api/config/reload", {}}};
        for (const Call &call : calls) {
            const Response refused = call.body.isUndefined() || call.body.isNull()
                                         ? request(running.port, call.method, call.target, fields)
                                         : jsonRequest(running.port, call.method, call.target, call.body, fields);
            QVERIFY2(refused.status == 403,
                     call.method + ' ' + call.target + " answered " + QByteArray::number(refused.status));
        }
        QCOMPARE(request(running.port, "GET", "/api/config").body, before);  // nothing changed
        QCOMPARE(request(running.port, "GET", "/api/config/status").json()["changes_applied"].toInt(), 1);
        QCOMPARE(request(running.port, "GET", "/api/users", fields).status, 200);  // traffic still flows
        // Forwarded for a client inside allowed_networks: admitted.
        QCOMPARE(request(running.port, "GET", "/api/routes", {{"X-Forwarded-For", "127.0.0.7"}}).status, 200);

        // With the admin token, from anywhere.
        config["admin"] = QJsonObject{{"token", "s3cret-admin-token"}};
        QVERIFY(running.service.configStore()
                    .replaceJson(QJsonDocument(config).toJson(), ConfigStore::Source::Api)
                    .applied());
        QCOMPARE(request(running.port, "GET", "/api/routes", fields).status, 401);
        fields.append(std::pair<QByteArray, QByteArray>("Authorization", "Bearer s3cret-admin-token"));
        QCOMPARE(request(running.port, "GET", "/api/routes", fields).status, 200);
        QCOMPARE(request(running.port, "POST", "/api/config/reload", fields).status, 200);
    }

    // A page the user has open can make the browser send simple requests to 127.0.0.1, and a page
    // proxied on the gateway's own port is even same-origin: no change may come from either.
    void browserPagesCannotChangeTheConfig()
    {
        RunningService running(baseConfig(m_backend->port()));
        const QByteArray origin = "http://127.0.0.1:" + QByteArray::number(running.port);
        QCOMPARE(request(running.port, "POST", "/api/config/reload", {{"Content-Type", "text/plain"}}, "x").status,
                 415);
        QCOMPARE(request(running.port, "POST", "/api/config/reload",
                         {{"Content-Type", "application/x-www-form-urlencoded"}}, "a=b")
                     .status,
                 415);
        QCOMPARE(request(running.port, "POST", "/api/config/reload", {{"Origin", "http://attacker.example"}}).status,
                 403);
        QCOMPARE(request(running.port, "POST", "/api/config/reload", {{"Origin", "null"}}).status, 403);
        QCOMPARE(
            jsonRequest(running.port, "PUT", "/api/config", baseConfig(m_backend->port()), {{"Origin", origin}}).status,
            403);
        QCOMPARE(request(running.port, "DELETE", "/api/routes/api/users", {{"Sec-Fetch-Site", "same-origin"}}).status,
                 403);
        QCOMPARE(request(running.port, "GET", "/api/config", {{"Sec-Fetch-Site", "cross-site"}}).status, 403);
        QCOMPARE(request(running.port, "GET", "/api/config/status").json()["changes_applied"].toInt(), 1);
        // No CORS preflight is answered, so a page never gets to send what needs one.
        const Response preflight = request(running.port, "OPTIONS", "/api/config/reload",
                                           {{"Origin", "http://attacker.example"},
                                            {"Access-Control-Request-Method", "POST"},
                                            {"Access-Control-Request-Headers", "content-type"}});
        QVERIFY(preflight.status >= 400);
        QVERIFY(!preflight.headers.contains("access-control-allow-origin"));
        QVERIFY(!preflight.headers.contains("access-control-allow-methods"));
        // What curl and scripts send still works, and a page typed into the address bar can be read.
        QCOMPARE(request(running.port, "POST", "/api/config/reload").status, 200);
        QCOMPARE(request(running.port, "GET", "/api/config", {{"Sec-Fetch-Site", "none"}}).status, 200);
    }

    // A config of 10,000 routes goes through PUT /api/config; a body over admin.max_body_bytes
    // does not, and nor does one whose JSON repeats a key.
    void largeConfigsAndRepeatedKeys()
    {
        RunningService running(baseConfig(m_backend->port()));
        QJsonObject config = baseConfig(m_backend->port());
        QJsonArray routes;
        for (int i = 0; i < 10000; ++i) {
            QJsonObject route = productRoute(m_backend->port());
            route["external_path"] = QStringLiteral("/service-%1/items/{id}").arg(i);
            route["internal_path"] = QStringLiteral("/items/{id}");
            routes.append(route);
        }
        config["routers"] = routes;
        const QByteArray large = QJsonDocument(config).toJson(QJsonDocument::Indented);
        QVERIFY(large.size() > 2 * 1024 * 1024);
        QCOMPARE(request(running.port, "PUT", "/api/config", {{"Content-Type", "application/json"}}, large).status,
                 200);
        QCOMPARE(request(running.port, "GET", "/service-9999/items/7").status, 200);

        QJsonObject small = baseConfig(m_backend->port());
        small["admin"] = QJsonObject{{"max_body_bytes", 1024 * 1024}};
        QCOMPARE(jsonRequest(running.port, "PUT", "/api/config", small).status, 200);
        QCOMPARE(request(running.port, "PUT", "/api/config", {{"Content-Type", "application/json"}}, large).status,
                 413);
        QCOMPARE(request(running.port, "GET", "/api/config/status").json()["changes_applied"].toInt(), 3);

        const QByteArray repeated = R"({"external_path": "/api/a", "internal_path": "/a", "methods": ["GET"],
            "backends": [{"host": "http://127.0.0.1", "port": 1, "port": 2}], "external_path": "/api/b"})";
        const Response refused =
            request(running.port, "POST", "/api/routes", {{"Content-Type", "application/json"}}, repeated);
        QCOMPARE(refused.status, 400);
        const QByteArray problems = QJsonDocument(refused.json()["problems"].toArray()).toJson(QJsonDocument::Compact);
        QVERIFY2(problems.contains("external_path") && problems.contains("route.backends[0]"), problems.constData());
        QCOMPARE(request(running.port, "GET", "/api/config/status").json()["changes_applied"].toInt(), 3);
    }

    void separateAdminListener()
    {
        RunningService running(baseConfig(m_backend->port(), {{"admin", QJsonObject{{"listen", "127.0.0.1:0"}}}}));
        const quint16 adminPort = running.service.gateway()->adminPort();
        QVERIFY(adminPort != 0 && adminPort != running.port);
        QCOMPARE(request(adminPort, "GET", "/api/routes").status, 200);
        QCOMPARE(request(adminPort, "GET", "/metrics").status, 200);
        QCOMPARE(request(adminPort, "GET", "/api/users").status, 404);      // no proxying there
        QCOMPARE(request(running.port, "GET", "/api/routes").status, 404);  // not on the main port
        QCOMPARE(request(running.port, "GET", "/health").status, 200);
        QCOMPARE(request(running.port, "GET", "/api/users").status, 200);

        // Dropping admin.listen brings the API back to the main port, without a restart.
        QVERIFY(jsonRequest(adminPort, "PUT", "/api/config", baseConfig(m_backend->port())).status == 200);
        QTRY_COMPARE(running.service.gateway()->adminPort(), quint16(0));
        QCOMPARE(request(running.port, "GET", "/api/routes").status, 200);
    }

    // rate_limit keyed on a claim counts per verified token: forged tokens, whatever they claim,
    // and requests without one all share one bucket.
    void rateLimitByVerifiedClaim()
    {
        QJsonObject config = baseConfig(m_backend->port(), {{"jwt", QJsonObject{{"secret", kSecret}}}});
        QJsonObject route = routeJson("/per-user", "/s", {backendJson(m_backend->port())}, {"GET"});
        route.insert("rate_limit", QJsonObject{{"requests_per_second", 0.01}, {"burst", 1}, {"key", "jwt:sub"}});
        config["routers"] = QJsonArray{route};
        RunningService running(config);
        const auto as = [&](const QByteArray &token) {
            return request(running.port, "GET", "/per-user",
                           token.isEmpty()
                               ? QList<std::pair<QByteArray, QByteArray>>{}
                               : QList<std::pair<QByteArray, QByteArray>>{{"Authorization", "Bearer " + token}})
                .status;
        };
        const QByteArray forgedKey = "another-secret-another-secret-abc";
        QCOMPARE(as(hs256({{"sub", "alice"}})), 200);
        QCOMPARE(as(hs256({{"sub", "alice"}})), 429);
        QCOMPARE(as(hs256({{"sub", "bob"}})), 200);
        QCOMPARE(as(hs256({{"sub", "carol"}}, forgedKey)), 200);  // the shared bucket's one
        QCOMPARE(as(hs256({{"sub", "dave"}}, forgedKey)), 429);
        QCOMPARE(as(QByteArray()), 429);
        QCOMPARE(as(hs256({{"sub", 7}})), 200);  // a number is a key too, apart from the string "7"
        QCOMPARE(as(hs256({{"sub", "7"}})), 200);
    }

    // A backend's own limit keyed on a header: each key has its bucket there too; its refusals are
    // counted on the backend's metrics line.
    void backendRateLimitByHeaderIsCounted()
    {
        QJsonObject config = baseConfig(m_backend->port());
        QJsonObject backend = backendJson(m_backend->port());
        backend.insert("rate_limit",
                       QJsonObject{{"requests_per_second", 0.01}, {"burst", 1}, {"key", "header:X-Tenant"}});
        config["routers"] = QJsonArray{routeJson("/tenants", "/s", {backend}, {"GET"})};
        RunningService running(config);
        const auto as = [&](const QByteArray &tenant) {
            return request(running.port, "GET", "/tenants", {{"X-Tenant", tenant}});
        };
        QCOMPARE(as("t1").status, 200);
        const Response refused = as("t1");
        QCOMPARE(refused.status, 429);
        QCOMPARE(refused.headers.value("ratelimit-policy"), QByteArray("0.01;w=1;burst=1"));
        QCOMPARE(as("t2").status, 200);
        QCOMPARE(as("t2").status, 429);
        const QByteArray metrics = request(running.port, "GET", "/metrics").body;
        const QByteArray line = "kairos_rate_limited_total{route=\"\",backend=\"http://127.0.0.1:"
                                + QByteArray::number(m_backend->port()) + "\",key_type=\"header\"} 2";
        QVERIFY2(metrics.contains(line), metrics.constData());

        const QJsonObject reported =
            QJsonDocument::fromJson(request(running.port, "GET", "/api/backends").body).array()[0].toObject();
        const QJsonObject limit = reported["rate_limit"].toObject();
        QCOMPARE(limit["policy"].toString(), QStringLiteral("0.01;w=1;burst=1"));
        QCOMPARE(limit["key"].toString(), QStringLiteral("header:x-tenant"));
        QCOMPARE(limit["refused"].toInt(), 2);
        QCOMPARE(limit["tracked_keys"].toInt(), 2);
    }

    // A config change keeps the buckets of limits it did not change (a route's, a backend's), and
    // a limit that changed starts full.
    void configChangesKeepUnchangedBuckets()
    {
        QJsonObject config = baseConfig(m_backend->port());
        QJsonObject limitedRoute = routeJson("/limited", "/s", {backendJson(m_backend->port())}, {"GET"});
        limitedRoute.insert("rate_limit", QJsonObject{{"requests_per_second", 0.01}, {"burst", 1}, {"key", "route"}});
        EchoBackend other("other");
        QVERIFY(other.listen());
        QJsonObject limitedBackend = backendJson(other.port());
        limitedBackend.insert("rate_limit", QJsonObject{{"requests_per_second", 0.01}, {"burst", 1}, {"key", "route"}});
        config["routers"] = QJsonArray{limitedRoute, routeJson("/guarded", "/s", {limitedBackend}, {"GET"})};
        RunningService running(config);
        QCOMPARE(request(running.port, "GET", "/limited").status, 200);
        QCOMPARE(request(running.port, "GET", "/limited").status, 429);
        QCOMPARE(request(running.port, "GET", "/guarded").status, 200);
        QCOMPARE(request(running.port, "GET", "/guarded").status, 429);

        QCOMPARE(jsonRequest(running.port, "POST", "/api/routes", productRoute(m_backend->port())).status, 201);
        QCOMPARE(request(running.port, "GET", "/limited").status, 429);  // the same buckets, still empty
        QCOMPARE(request(running.port, "GET", "/guarded").status, 429);

        limitedRoute.insert("rate_limit", QJsonObject{{"requests_per_second", 0.02}, {"burst", 1}, {"key", "route"}});
        QCOMPARE(jsonRequest(running.port, "PUT", "/api/routes/limited", limitedRoute).status, 200);
        QCOMPARE(request(running.port, "GET", "/limited").status, 200);  // a new limit: a full bucket
        QCOMPARE(request(running.port, "GET", "/guarded").status, 429);
    }

    void jwtRoutes()
    {
        QJsonObject config =
            baseConfig(m_backend->port(), {{"jwt", QJsonObject{{"secret", kSecret}, {"issuer", "kairos"}}}});
        QJsonObject secured = routeJson("/secure", "/s", {backendJson(m_backend->port())}, {"GET"});
        secured.insert("auth_required", true);
        QJsonObject stripped = secured;
        stripped["external_path"] = "/stripped";
        stripped.insert("forward_authorization", false);
        config["routers"] = QJsonArray{secured, stripped};
        RunningService running(config);
        const qint64 now = QDateTime::currentSecsSinceEpoch();

        const Response missing = request(running.port, "GET", "/secure");
        QCOMPARE(missing.status, 401);
        QCOMPARE(missing.json()["type"].toString(), QStringLiteral("unauthorized"));
        QVERIFY(missing.headers.value("www-authenticate").startsWith("Bearer"));

        auto withToken = [&](const QByteArray &path, const QByteArray &token) {
            return request(running.port, "GET", path, {{"Authorization", "Bearer " + token}});
        };
        const QByteArray good = hs256({{"sub", "alice"}, {"iss", "kairos"}, {"exp", double(now + 300)}});
        const Response ok = withToken("/secure", good);
        QCOMPARE(ok.status, 200);
        QVERIFY(QJsonDocument(ok.json()["headers"].toArray()).toJson().contains("Authorization"));  // passed on
        QVERIFY(!QJsonDocument(withToken("/stripped", good).json()["headers"].toArray())
                     .toJson()
                     .contains("Authorization"));

        const struct {
            const char *name;
            QByteArray token;
        } refused[] = {
            {"expired", hs256({{"iss", "kairos"}, {"exp", double(now - 3600)}})},
            {"not yet valid", hs256({{"iss", "kairos"}, {"nbf", double(now + 3600)}})},
            {"wrong signature", hs256({{"iss", "kairos"}}, QStringLiteral("another-secret-another-secret-abc"))},
            {"wrong issuer", hs256({{"iss", "mallory"}})},
            {"alg none", QByteArray("eyJhbGciOiJub25lIn0.eyJpc3MiOiJrYWlyb3MifQ.")},
            // {"alg":"x\"\r\nX-Injected: 1"}: words of the token must not become a field of the answer
            {"alg with CRLF", QByteArray("eyJhbGciOiJ4XCJcclxuWC1JbmplY3RlZDogMSJ9.eyJpc3MiOiJrYWlyb3MifQ.c2ln")},
            {"crit", hs256WithHeader(R"({"alg":"HS256","crit":["x-unknown"],"x-unknown":1})",
                                     {{"iss", "kairos"}, {"exp", double(now + 300)}})},
        };
        for (const auto &entry : refused) {
            const Response response = withToken("/secure", entry.token);
            QVERIFY2(response.status == 401, entry.name);
            QVERIFY2(response.headers.value("www-authenticate").contains("error=\"invalid_token\""), entry.name);
            QVERIFY2(response.headers.value("x-injected").isNull(), entry.name);
        }
        QCOMPARE(m_backend->requestsServed(), 2);

        // A forged token beside a valid one, in either order: refused before any is looked at.
        const QByteArray forged =
            hs256({{"sub", "admin"}, {"iss", "kairos"}}, QStringLiteral("another-secret-another-secret-abc"));
        for (const auto &[first, second] : {std::pair{good, forged}, std::pair{forged, good}, std::pair{good, good}}) {
            const Response twice =
                request(running.port, "GET", "/secure",
                        {{"Authorization", "Bearer " + first}, {"Authorization", "Bearer " + second}});
            QCOMPARE(twice.status, 400);
        }
        QCOMPARE(m_backend->requestsServed(), 2);
    }

    void probes()
    {
        RunningService running(baseConfig(m_backend->port()));
        const Response health = request(running.port, "GET", "/health");
        QCOMPARE(health.status, 200);
        QCOMPARE(health.json()["status"].toString(), QStringLiteral("healthy"));
        QVERIFY(health.json().contains("uptime_seconds"));
        QCOMPARE(health.json()["version"].toString(), QStringLiteral(KAIROS_VERSION));
        QCOMPARE(request(running.port, "GET", "/ready").status, 200);
        QCOMPARE(request(running.port, "GET", "/live").status, 200);
    }

    void backendsEndpoint()
    {
        RunningService running(baseConfig(m_backend->port()));
        for (int i = 0; i < 3; ++i)
            QCOMPARE(request(running.port, "GET", "/api/users").status, 200);
        const QJsonArray backends = QJsonDocument::fromJson(request(running.port, "GET", "/api/backends").body).array();
        QCOMPARE(backends.size(), 1);
        const QJsonObject backend = backends[0].toObject();
        QCOMPARE(backend["routes"].toArray(), QJsonArray{"/api/users"});
        QCOMPARE(backend["requests"].toInt(), 3);
        QCOMPARE(backend["healthy"].toBool(), true);
        QCOMPARE(backend["circuit"].toString(), QStringLiteral("closed"));
        QCOMPARE(backend["responses"].toObject()["2xx"].toInt(), 3);
        QVERIFY(backend["latency_ms"].toObject()["p99"].toDouble() > 0);
    }

    void metricsParseBack()
    {
        RunningService running(baseConfig(m_backend->port()));
        for (int i = 0; i < 5; ++i)
            QCOMPARE(request(running.port, "GET", "/api/users").status, 200);
        QCOMPARE(request(running.port, "POST", "/api/users", {}, "x").status, 200);
        QCOMPARE(request(running.port, "GET", "/nowhere").status, 404);
        const Response response = request(running.port, "GET", "/metrics");
        QCOMPARE(response.status, 200);
        QVERIFY(response.headers.value("content-type").startsWith("text/plain; version=0.0.4"));
        QString problem;
        const QMap<QString, double> metrics = parsePrometheus(response.body, &problem);
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        QCOMPARE(metrics.value(R"m(kairos_requests_total{route="/api/users",method="GET",status_class="2xx"})m"), 5.0);
        QCOMPARE(metrics.value(R"m(kairos_requests_total{route="/api/users",method="POST",status_class="2xx"})m"), 1.0);
        QCOMPARE(metrics.value(R"m(kairos_requests_total{route="(none)",method="GET",status_class="4xx"})m"), 1.0);
        QCOMPARE(metrics.value(R"m(kairos_request_duration_seconds_count{route="/api/users"})m"), 6.0);
        QCOMPARE(metrics.value(R"m(kairos_request_duration_seconds_bucket{route="/api/users",le="+Inf"})m"), 6.0);
        double previous = 0;
        for (const double bound :
             {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0}) {
            const double cumulative = metrics.value(
                QStringLiteral(R"m(kairos_request_duration_seconds_bucket{route="/api/users",le="%1"})m").arg(bound));
            QVERIFY(cumulative >= previous);
            previous = cumulative;
        }
        const QString backend = QStringLiteral("http://127.0.0.1:%1").arg(m_backend->port());
        QCOMPARE(
            metrics.value(
                QStringLiteral(R"m(kairos_upstream_responses_total{backend="%1",status_class="2xx"})m").arg(backend)),
            6.0);
        QCOMPARE(metrics.value(QStringLiteral(R"m(kairos_circuit_state{backend="%1",state="closed"})m").arg(backend)),
                 1.0);
        QCOMPARE(metrics.value(QStringLiteral(R"m(kairos_backend_healthy{backend="%1"})m").arg(backend)), 1.0);
        QCOMPARE(metrics.value("kairos_config_version"), 1.0);
        QCOMPARE(metrics.value(R"m(kairos_config_reloads_total{result="success"})m"), 1.0);
        QVERIFY(metrics.contains("kairos_active_connections"));
        QVERIFY(metrics.contains("kairos_upstream_idle_connections"));
        QVERIFY(metrics.contains("kairos_uptime_seconds"));
    }
};

QTEST_GUILESS_MAIN(TestAdmin)
#include "tst_admin.moc"
