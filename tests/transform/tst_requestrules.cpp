// What a route does besides proxying, end to end on 127.0.0.1: CORS (preflights, actual
// responses, and a real browser), header rules with every variable, redirects, mocks and faults.
#include "demo/echobackend.h"
#include "support/testsupport.h"

#include <QDir>
#include <QElapsedTimer>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

using namespace kairos;
using namespace kairos::test;

namespace {

QList<QByteArray> upstreamValues(const Response &response, const QByteArray &name)
{
    return upstreamHeaderValues(response.body, name);
}

QJsonObject answeringRoute(const QString &path, const char *key, const QJsonObject &block,
                           const QStringList &methods = {"GET", "POST", "HEAD"})
{
    return QJsonObject{{"external_path", path},
                       {"internal_path", "/"},
                       {"methods", QJsonArray::fromStringList(methods)},
                       {key, block}};
}

QList<QByteArray> valuesOf(const Response &response, QByteArrayView name)
{
    QList<QByteArray> values;
    for (const http::Headers::Field &field : response.headers.fields()) {
        if (http::equalsIgnoreCase(field.first, name))
            values.append(field.second);
    }
    return values;
}

}  // namespace

class TestRequestRules : public QObject
{
    Q_OBJECT

private:
    EchoBackend *m_echo = nullptr;

    QJsonObject apiRoute(const QJsonObject &extra = {}, const QString &path = QStringLiteral("/api/{*rest}"))
    {
        QJsonObject route = routeJson(path, "/{rest}", {backendJson(m_echo->port())}, {"GET", "POST", "PUT", "HEAD"});
        for (auto it = extra.begin(); it != extra.end(); ++it)
            route.insert(it.key(), it.value());
        return route;
    }

    static QJsonObject cors(const QJsonObject &extra = {})
    {
        QJsonObject block{{"allow_origins", QJsonArray{"http://localhost:5173", "https://*.example.com"}},
                          {"expose_headers", QJsonArray{"x-request-id"}}};
        for (auto it = extra.begin(); it != extra.end(); ++it)
            block.insert(it.key(), it.value());
        return block;
    }

private slots:
    void init()
    {
        m_echo = new EchoBackend("echo", this);
        QVERIFY(m_echo->listen());
    }

    void cleanup() { delete m_echo; }

    void preflightIsAnsweredForAnAllowedOrigin()
    {
        RunningGateway running(makeConfig({apiRoute({{"cors", cors()}})}));
        // The route does not list OPTIONS: the preflight is the gateway's to answer.
        const Response response = request(running.port(), "OPTIONS", "/api/items",
                                          {{"Origin", "http://localhost:5173"},
                                           {"Access-Control-Request-Method", "PUT"},
                                           {"Access-Control-Request-Headers", "content-type, x-custom"}});
        QCOMPARE(response.status, 204);
        QCOMPARE(response.headers.value("access-control-allow-origin"), QByteArray("http://localhost:5173"));
        QCOMPARE(response.headers.value("access-control-allow-methods"), QByteArray("GET, POST, PUT, HEAD"));
        QCOMPARE(response.headers.value("access-control-allow-headers"), QByteArray("content-type, x-custom"));
        QCOMPARE(response.headers.value("access-control-max-age"), QByteArray("600"));
        QVERIFY(!response.headers.contains("access-control-allow-credentials"));
        QVERIFY(valuesOf(response, "vary").contains("Origin"));
        QCOMPARE(m_echo->requestsServed(), 0);  // never proxied
    }

    void preflightIsRefusedForOtherOriginsMethodsAndHeaders_data()
    {
        QTest::addColumn<QByteArray>("origin");
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<QByteArray>("headers");
        QTest::newRow("other origin") << QByteArray("http://evil.test") << QByteArray("PUT") << QByteArray();
        QTest::newRow("other port") << QByteArray("http://localhost:5174") << QByteArray("PUT") << QByteArray();
        QTest::newRow("other scheme") << QByteArray("https://localhost:5173") << QByteArray("PUT") << QByteArray();
        QTest::newRow("suffix without dot")
            << QByteArray("https://evilexample.com") << QByteArray("PUT") << QByteArray();
        QTest::newRow("allowed name inside")
            << QByteArray("https://a.example.com.evil.test") << QByteArray("PUT") << QByteArray();
        QTest::newRow("wildcard with a port")
            << QByteArray("https://a.example.com:8443") << QByteArray("PUT") << QByteArray();
        QTest::newRow("wildcard bare domain") << QByteArray("https://example.com") << QByteArray("PUT") << QByteArray();
        QTest::newRow("userinfo") << QByteArray("https://x@a.example.com") << QByteArray("PUT") << QByteArray();
        QTest::newRow("null") << QByteArray("null") << QByteArray("PUT") << QByteArray();
        QTest::newRow("method not allowed")
            << QByteArray("http://localhost:5173") << QByteArray("DELETE") << QByteArray();
        QTest::newRow("header not listed")
            << QByteArray("http://localhost:5173") << QByteArray("PUT") << QByteArray("x-custom, x-other");
    }

    void preflightIsRefusedForOtherOriginsMethodsAndHeaders()
    {
        QFETCH(QByteArray, origin);
        QFETCH(QByteArray, method);
        QFETCH(QByteArray, headers);
        // DELETE is on the route, but not in allow_methods.
        QJsonObject route = apiRoute(
            {{"cors", cors({{"allow_methods", QJsonArray{"GET", "PUT"}}, {"allow_headers", QJsonArray{"x-custom"}}})}});
        route.insert("methods", QJsonArray{"GET", "PUT", "DELETE"});
        RunningGateway running(makeConfig({route}));
        QList<std::pair<QByteArray, QByteArray>> fields{{"Origin", origin}, {"Access-Control-Request-Method", method}};
        if (!headers.isEmpty())
            fields.append({"Access-Control-Request-Headers", headers});
        const Response response = request(running.port(), "OPTIONS", "/api/items", fields);
        QCOMPARE(response.status, 403);
        QCOMPARE(response.json()["type"].toString(), QStringLiteral("cors_refused"));
        QVERIFY(!response.headers.contains("access-control-allow-origin"));
        QCOMPARE(m_echo->requestsServed(), 0);
    }

    void wildcardSubdomainsAndCaseAreAllowed()
    {
        RunningGateway running(makeConfig({apiRoute({{"cors", cors()}})}));
        for (const QByteArray &origin : {QByteArray("https://a.example.com"), QByteArray("https://a.b.example.com"),
                                         QByteArray("HTTPS://A.Example.COM")}) {
            const Response response = request(running.port(), "OPTIONS", "/api/items",
                                              {{"Origin", origin}, {"Access-Control-Request-Method", "PUT"}});
            QCOMPARE(response.status, 204);
            QCOMPARE(response.headers.value("access-control-allow-origin"), origin);
        }
    }

    void preflightOnARouteWithoutCorsIsAnOrdinaryRequest()
    {
        RunningGateway running(makeConfig({apiRoute()}));
        const Response response =
            request(running.port(), "OPTIONS", "/api/items",
                    {{"Origin", "http://localhost:5173"}, {"Access-Control-Request-Method", "PUT"}});
        QCOMPARE(response.status, 405);  // the route lists no OPTIONS
        QVERIFY(!response.headers.contains("access-control-allow-origin"));
    }

    void actualResponsesCarryThePolicyNotTheBackends()
    {
        // A backend with CORS of its own: "*" and credentials, which the route's policy replaces.
        ScriptedBackend backend([](QTcpSocket *socket, const QByteArray &received, int) {
            if (received.contains("\r\n\r\n"))
                socket->write("HTTP/1.1 200 OK\r\nAccess-Control-Allow-Origin: *\r\n"
                              "Access-Control-Allow-Credentials: true\r\nVary: Accept-Encoding\r\n"
                              "Content-Length: 2\r\n\r\nok");
        });
        QJsonObject route = routeJson("/b", "/", {backendJson(backend.port())}, {"GET"});
        route.insert("cors", cors());
        RunningGateway running(makeConfig({route}));
        const Response allowed = request(running.port(), "GET", "/b", {{"Origin", "https://app.example.com"}});
        QCOMPARE(allowed.status, 200);
        QCOMPARE(valuesOf(allowed, "access-control-allow-origin"), QList<QByteArray>{"https://app.example.com"});
        QVERIFY(!allowed.headers.contains("access-control-allow-credentials"));
        QCOMPARE(allowed.headers.value("access-control-expose-headers"), QByteArray("x-request-id"));
        QCOMPARE(valuesOf(allowed, "vary"), (QList<QByteArray>{"Accept-Encoding", "Origin"}));

        const Response refused = request(running.port(), "GET", "/b", {{"Origin", "http://evil.test"}});
        QCOMPARE(refused.status, 200);  // the browser, not the gateway, keeps the page from reading it
        QVERIFY(!refused.headers.contains("access-control-allow-origin"));
        QVERIFY(!refused.headers.contains("access-control-allow-credentials"));
        QVERIFY(valuesOf(refused, "vary").contains("Origin"));

        const Response withoutOrigin = request(running.port(), "GET", "/b");
        QVERIFY(!withoutOrigin.headers.contains("access-control-allow-origin"));
    }

    void credentialsNameTheOriginAndAnyOriginIsAStar()
    {
        RunningGateway running(makeConfig(
            {apiRoute({{"cors", QJsonObject{{"allow_origins", QJsonArray{"http://localhost:5173"}},
                                            {"allow_credentials", true},
                                            {"allow_headers", QJsonArray{"*"}}}}}),
             apiRoute({{"cors", QJsonObject{{"allow_origins", QJsonArray{"*"}}, {"allow_headers", QJsonArray{"*"}}}}},
                      "/open/{*rest}")}));
        const QList<std::pair<QByteArray, QByteArray>> preflight{{"Origin", "http://localhost:5173"},
                                                                 {"Access-Control-Request-Method", "PUT"},
                                                                 {"Access-Control-Request-Headers", "x-a"}};
        const Response credentialed = request(running.port(), "OPTIONS", "/api/x", preflight);
        QCOMPARE(credentialed.headers.value("access-control-allow-origin"), QByteArray("http://localhost:5173"));
        QCOMPARE(credentialed.headers.value("access-control-allow-credentials"), QByteArray("true"));
        QCOMPARE(credentialed.headers.value("access-control-allow-headers"),
                 QByteArray("x-a"));  // "*" is literal there

        const Response open = request(running.port(), "OPTIONS", "/open/x", preflight);
        QCOMPARE(open.headers.value("access-control-allow-origin"), QByteArray("*"));
        QCOMPARE(open.headers.value("access-control-allow-headers"), QByteArray("*"));
        const Response openGet = request(running.port(), "GET", "/open/x", {{"Origin", "http://anything.test"}});
        QCOMPARE(openGet.headers.value("access-control-allow-origin"), QByteArray("*"));
        QVERIFY(!valuesOf(openGet, "vary").contains("Origin"));  // the same answer for every origin
    }

    void gatewayErrorsCarryCorsToo()
    {
        // The page must be able to read why its call failed: a 502 from a backend that is not there.
        QJsonObject route = routeJson("/down", "/", {backendJson(closedPort())}, {"GET"});
        route.insert("cors", cors());
        route.insert("retry", QJsonObject{{"max_attempts", 1}});
        RunningGateway running(makeConfig({route}));
        const Response response = request(running.port(), "GET", "/down", {{"Origin", "http://localhost:5173"}});
        QCOMPARE(response.status, 502);
        QCOMPARE(response.headers.value("access-control-allow-origin"), QByteArray("http://localhost:5173"));
    }

    void topLevelCorsAppliesUnlessTheRouteTurnsItOff()
    {
        QJsonObject off = apiRoute({{"cors", QJsonValue::Null}}, "/private/{*rest}");
        RunningGateway running(makeConfig({apiRoute(), off}, {}, {{"cors", cors()}}));
        const QList<std::pair<QByteArray, QByteArray>> origin{{"Origin", "http://localhost:5173"}};
        QCOMPARE(request(running.port(), "GET", "/api/x", origin).headers.value("access-control-allow-origin"),
                 QByteArray("http://localhost:5173"));
        QVERIFY(!request(running.port(), "GET", "/private/x", origin).headers.contains("access-control-allow-origin"));
    }

    void headerRulesFillInEveryVariable()
    {
        RunningGateway running(makeConfig(
            {apiRoute({{"request_headers",
                        QJsonObject{{"set", QJsonObject{{"x-who", "{client_ip}|{request_id}|{route}|{host}|{path}"},
                                                        {"x-replaced", "new"}}},
                                    {"add", QJsonObject{{"x-added", "{path}"}}},
                                    {"remove", QJsonArray{"x-secret"}}}},
                       {"response_headers", QJsonObject{{"set", QJsonObject{{"x-served", "{request_id} {route}"}}},
                                                        {"remove", QJsonArray{"x-backend"}}}}})}));
        const Response response = request(running.port(), "GET", "/api/a%0d%0aX-Evil:%201?q=1",
                                          {{"X-Request-Id", "rid-42"},
                                           {"X-Secret", "s"},
                                           {"X-Replaced", "old1"},
                                           {"X-Replaced", "old2"},
                                           {"X-Added", "first"}});
        QCOMPARE(response.status, 200);
        const QByteArray host = "127.0.0.1:" + QByteArray::number(running.port());
        // The path as it came, still encoded: nothing in it can start a field of its own.
        QCOMPARE(upstreamValues(response, "x-who"),
                 QList<QByteArray>{"127.0.0.1|rid-42|/api/{*rest}|" + host + "|/api/a%0d%0aX-Evil:%201"});
        QCOMPARE(upstreamValues(response, "x-replaced"), QList<QByteArray>{"new"});
        QCOMPARE(upstreamValues(response, "x-added"), (QList<QByteArray>{"first", "/api/a%0d%0aX-Evil:%201"}));
        QVERIFY(upstreamValues(response, "x-secret").isEmpty());
        QVERIFY(upstreamValues(response, "x-evil").isEmpty());
        QCOMPARE(response.headers.value("x-served"), QByteArray("rid-42 /api/{*rest}"));
        QVERIFY(!response.headers.contains("x-backend"));
        // The gateway's own fields are not the rules' to touch: X-Forwarded-For is still there.
        QCOMPARE(upstreamValues(response, "x-forwarded-for"), QList<QByteArray>{"127.0.0.1"});
    }

    void redirectsKeepPathAndQuery()
    {
        RunningGateway running(makeConfig(
            {answeringRoute("/old/{*rest}", "redirect", {{"to", "https://new.example{path}?{query}"}, {"status", 301}}),
             answeringRoute("/moved", "redirect", {{"to", "/elsewhere"}})}));
        const Response moved = request(running.port(), "GET", "/old/a/b?x=1&y=2");
        QCOMPARE(moved.status, 301);
        QCOMPARE(moved.headers.value("location"), QByteArray("https://new.example/old/a/b?x=1&y=2"));
        const Response plain = request(running.port(), "POST", "/moved", {}, "body");
        QCOMPARE(plain.status, 308);
        QCOMPARE(plain.headers.value("location"), QByteArray("/elsewhere"));
    }

    void mocksAnswerWithTheirStatusFieldsAndBody()
    {
        QTemporaryDir dir;
        QFile file(dir.filePath("users.json"));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("[{\"id\": 1}]");
        file.close();
        RunningGateway running(makeConfig(
            {answeringRoute("/users", "mock",
                            {{"status", 201}, {"headers", QJsonObject{{"x-mock", "yes"}}}, {"body", "{\"id\": 7}"}}),
             answeringRoute("/file", "mock", {{"body_file", file.fileName()}}),
             answeringRoute("/text", "mock", {{"body", "hello"}, {"status", 503}})}));
        // Two requests on one connection, the first with a body the mock does not read.
        RawClient client(running.port());
        client.send(
            "POST /users HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhelloGET /file HTTP/1.1\r\nHost: x\r\n\r\n"
            "HEAD /users HTTP/1.1\r\nHost: x\r\n\r\n");
        const QList<Response> responses = client.read(3, 5000, {false, false, true});
        QCOMPARE(responses.size(), 3);
        QCOMPARE(responses[0].status, 201);
        QCOMPARE(responses[0].headers.value("x-mock"), QByteArray("yes"));
        QCOMPARE(responses[0].headers.value("content-type"), QByteArray("application/json"));
        QCOMPARE(responses[0].body, QByteArray("{\"id\": 7}"));
        QCOMPARE(responses[1].body, QByteArray("[{\"id\": 1}]"));
        QCOMPARE(responses[2].headers.value("content-length"), QByteArray("9"));
        QVERIFY(responses[2].body.isEmpty());
        const Response text = request(running.port(), "GET", "/text");
        QCOMPARE(text.status, 503);
        QCOMPARE(text.headers.value("content-type"), QByteArray("text/plain; charset=utf-8"));
    }

    void mockDelayHoldsTheAnswer()
    {
        RunningGateway running(makeConfig({answeringRoute("/slow", "mock", {{"body", "late"}, {"delay_ms", 300}})}));
        QElapsedTimer clock;
        clock.start();
        const Response response = request(running.port(), "GET", "/slow");
        QCOMPARE(response.body, QByteArray("late"));
        QVERIFY2(clock.elapsed() >= 290, qPrintable(QString::number(clock.elapsed())));
    }

    void faultAbortNeverReachesTheBackend()
    {
        RecordingGateway running(
            makeConfig({apiRoute({{"fault", QJsonObject{{"abort", QJsonObject{{"status", 503}}}}}})}));
        const Response response = request(running.gateway.serverPort(), "GET", "/api/x");
        QCOMPARE(response.status, 503);
        QCOMPARE(response.json()["type"].toString(), QStringLiteral("fault_injected"));
        QCOMPARE(m_echo->requestsServed(), 0);
        QTRY_COMPARE(running.recorded().size(), 1);
        QCOMPARE(QByteArray(running.recorded().first().note), QByteArray("fault_abort"));
    }

    void faultFieldAsksForAFaultAndIsNotForwarded()
    {
        RunningGateway running(makeConfig({apiRoute({{"fault", QJsonObject{{"header", "x-kairos-fault"}}}})}));
        const quint16 port = running.port();
        QCOMPARE(request(port, "GET", "/api/x", {{"X-Kairos-Fault", "abort=418"}}).status, 418);
        QElapsedTimer clock;
        clock.start();
        const Response delayed = request(port, "GET", "/api/x", {{"x-kairos-fault", "delay=250"}});
        QVERIFY(clock.elapsed() >= 240);
        QCOMPARE(delayed.status, 200);
        QVERIFY(upstreamValues(delayed, "x-kairos-fault").isEmpty());
        // Out of range or unknown: no fault, and still not forwarded.
        const Response ignored = request(port, "GET", "/api/x", {{"x-kairos-fault", "abort=200, delay=-5, crash"}});
        QCOMPARE(ignored.status, 200);
        QVERIFY(upstreamValues(ignored, "x-kairos-fault").isEmpty());
        // Without the field, a fault block with only a header injects nothing.
        QCOMPARE(request(port, "GET", "/api/x").status, 200);
    }

    void faultPercentagesHoldWithinAStatisticalBound()
    {
        RunningGateway running(
            makeConfig({apiRoute({{"fault", QJsonObject{{"abort", QJsonObject{{"percent", 30}, {"status", 500}}}}}})}));
        RawClient client(running.port());
        constexpr int kRequests = 400;
        QByteArray pipeline;
        for (int i = 0; i < kRequests; ++i)
            pipeline += "GET /api/x HTTP/1.1\r\nHost: x\r\n\r\n";
        client.send(pipeline);
        const QList<Response> responses = client.read(kRequests, 20'000);
        QCOMPARE(responses.size(), kRequests);
        const auto aborted =
            std::count_if(responses.cbegin(), responses.cend(), [](const Response &r) { return r.status == 500; });
        // 120 expected; five standard deviations (9.2 each) either side.
        QVERIFY2(aborted >= 74 && aborted <= 166, qPrintable(QString::number(aborted)));
        QCOMPARE(running.gateway.snapshot()->routeMetrics[0]->faultAborts(), quint64(aborted));
    }

    // Debian's headless Chromium loads a page from one origin that calls the gateway on another,
    // and writes what each call saw into the page, which --dump-dom prints.
    void browserHonoursTheRoutesCors_data()
    {
        QTest::addColumn<QString>("pageHost");
        QTest::addColumn<QJsonObject>("expected");
        QTest::newRow("allowed origin") << QStringLiteral("localhost")
                                        << QJsonObject{{"simple", "200 id"},
                                                       {"preflighted", "200 id"},
                                                       {"unlisted_header", "blocked"},
                                                       {"credentialed", "200"},
                                                       {"credentialed_without_allow", "blocked"}};
        // The same page server under another name is another origin.
        QTest::newRow("refused origin") << QStringLiteral("127.0.0.1")
                                        << QJsonObject{{"simple", "blocked"},
                                                       {"preflighted", "blocked"},
                                                       {"unlisted_header", "blocked"},
                                                       {"credentialed", "blocked"},
                                                       {"credentialed_without_allow", "blocked"}};
    }

    void browserHonoursTheRoutesCors()
    {
        QFETCH(QString, pageHost);
        QFETCH(QJsonObject, expected);
        const QString chromium = QStringLiteral("/usr/bin/chromium-headless-shell");
        if (!QFileInfo::exists(chromium))
            QFAIL("chromium-headless-shell is missing: scripts/install-deps.sh installs it");
        const QString page = QStringLiteral(R"(<!doctype html><html><body><pre id="out">pending</pre><script>
const api = new URLSearchParams(location.search).get('api');
const results = {};
async function attempt(name, path, init) {
  try {
    const r = await fetch(api + path, init);
    results[name] = r.status + (r.headers.get('x-request-id') ? ' id' : '');
  } catch (e) { results[name] = 'blocked'; }
}
(async () => {
  await attempt('simple', '/api/x');
  await attempt('preflighted', '/api/x', {method: 'PUT', body: '{}',
                headers: {'content-type': 'application/json', 'x-custom': '1'}});
  await attempt('unlisted_header', '/api/x', {method: 'PUT', headers: {'x-other': '1'}});
  await attempt('credentialed', '/cred/x', {credentials: 'include'});
  await attempt('credentialed_without_allow', '/api/x', {credentials: 'include'});
  document.getElementById('out').textContent = JSON.stringify(results);
})();
</script></body></html>)");
        RunningGateway pages(makeConfig({answeringRoute(
            "/page", "mock", {{"headers", QJsonObject{{"content-type", "text/html; charset=utf-8"}}}, {"body", page}},
            {"GET"})}));
        const QString allowed = QStringLiteral("http://localhost:%1").arg(pages.port());
        RunningGateway api(makeConfig(
            {apiRoute({{"cors", QJsonObject{{"allow_origins", QJsonArray{allowed}},
                                            {"allow_headers", QJsonArray{"content-type", "x-custom"}},
                                            {"expose_headers", QJsonArray{"x-request-id"}}}}}),
             apiRoute({{"cors", QJsonObject{{"allow_origins", QJsonArray{allowed}}, {"allow_credentials", true}}}},
                      "/cred/{*rest}")}));
        QTemporaryDir profile;
        const QString url =
            QStringLiteral("http://%1:%2/page?api=http://127.0.0.1:%3").arg(pageHost).arg(pages.port()).arg(api.port());
        const ToolResult result = runTool(chromium,
                                          {"--no-sandbox", "--disable-gpu", "--user-data-dir=" + profile.path(),
                                           "--virtual-time-budget=10000", "--dump-dom", url},
                                          60'000);
        const QRegularExpression out(QStringLiteral(R"(<pre id="out">([^<]*)</pre>)"));
        const QRegularExpressionMatch match = out.match(QString::fromUtf8(result.out));
        QVERIFY2(match.hasMatch(), result.out.constData());
        const QJsonObject seen = QJsonDocument::fromJson(match.captured(1).toUtf8()).object();
        QVERIFY2(seen == expected, match.captured(1).toUtf8().constData());
    }

    void staticRoutesServeFilesAndNothingOutsideTheRoot()
    {
        QTemporaryDir base;
        QVERIFY(QDir(base.path()).mkpath("site/assets"));
        const QString root = base.filePath("site");
        const auto write = [](const QString &path, const QByteArray &content) {
            QFile file(path);
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write(content);
        };
        write(base.filePath("secret.txt"), "secret");
        write(root + "/index.html", "<html>app</html>");
        write(root + "/.env", "TOKEN=1");
        QByteArray big(1024 * 1024 + 17, Qt::Uninitialized);
        for (qsizetype i = 0; i < big.size(); ++i)
            big[i] = char(i * 7 + i / 251);
        write(root + "/assets/big.bin", big);
        QVERIFY(QFile::link(base.filePath("secret.txt"), root + "/leak"));
        RunningGateway running(
            makeConfig({QJsonObject{{"external_path", "/app/{*path}"},
                                    {"internal_path", "/{path}"},
                                    {"methods", QJsonArray{"GET", "HEAD"}},
                                    {"static", QJsonObject{{"root", root}, {"spa_fallback", true}}}}}));
        const quint16 port = running.port();
        const Response index = request(port, "GET", "/app/");
        QCOMPARE(index.status, 200);
        QCOMPARE(index.body, QByteArray("<html>app</html>"));
        QCOMPARE(index.headers.value("content-type"), QByteArray("text/html; charset=utf-8"));
        // Larger than what is sent in one piece: streamed from the file as the client reads.
        QCOMPARE(request(port, "GET", "/app/assets/big.bin").body, big);
        const Response range = request(port, "GET", "/app/assets/big.bin", {{"Range", "bytes=1048570-"}});
        QCOMPARE(range.status, 206);
        QCOMPARE(range.body, big.mid(1048570));
        const Response again =
            request(port, "GET", "/app/assets/big.bin", {{"If-None-Match", index.headers.value("etag")}});
        QCOMPARE(again.status, 200);  // another file's tag
        const QByteArray tag = request(port, "HEAD", "/app/assets/big.bin").headers.value("etag");
        QCOMPARE(request(port, "GET", "/app/assets/big.bin", {{"If-None-Match", tag}}).status, 304);
        for (const QByteArray &target : {QByteArray("/app/../secret.txt"), QByteArray("/app/%2e%2e/secret.txt"),
                                         QByteArray("/app/assets/%2E%2E/%2e%2e/secret.txt"), QByteArray("/app/leak"),
                                         QByteArray("/app/.env"), QByteArray("/app/..%2fsecret.txt")}) {
            const Response refused = request(port, "GET", target, {{"Accept", "text/html"}});
            QVERIFY2(refused.status == 400 || refused.status == 404, target.constData());
            QVERIFY2(!refused.body.contains("secret") && !refused.body.contains("TOKEN"), target.constData());
        }
        // A client route of the single-page app, asked for by a browser: the index.
        const Response spa = request(port, "GET", "/app/users/7", {{"Accept", "text/html,*/*;q=0.8"}});
        QCOMPARE(spa.status, 200);
        QCOMPARE(spa.body, QByteArray("<html>app</html>"));
        QCOMPARE(request(port, "GET", "/app/users/7", {{"Accept", "application/json"}}).status, 404);
        QCOMPARE(request(port, "GET", "/app/assets/missing.js", {{"Accept", "text/html"}}).status, 404);
    }

    void compressionIsDecodedByRealClients_data()
    {
        QTest::addColumn<QString>("coding");
        QTest::newRow("gzip") << QStringLiteral("gzip");
        QTest::newRow("br") << QStringLiteral("br");
        QTest::newRow("zstd") << QStringLiteral("zstd");
    }

    void compressionIsDecodedByRealClients()
    {
        QFETCH(QString, coding);
        QJsonObject mock{{"body", QString(QStringLiteral("{\"items\": [")
                                          + QStringLiteral("{\"id\": 1, \"name\": \"x\"},").repeated(5000)
                                          + QStringLiteral("{}]}"))}};
        QJsonObject noTransform = mock;
        noTransform.insert("headers", QJsonObject{{"cache-control", "no-transform"}});
        RunningGateway running(
            makeConfig({answeringRoute("/data", "mock", mock), answeringRoute("/fixed", "mock", noTransform),
                        answeringRoute("/small", "mock", {{"body", "{}"}})},
                       {{"http2", QJsonObject{{"cleartext", true}}}}, {{"compression", QJsonObject{}}}));
        const QByteArray expected = mock["body"].toString().toUtf8();
        const QString url = QStringLiteral("http://127.0.0.1:%1/data").arg(running.port());
        for (const QStringList &protocol : {QStringList{"--http1.1"}, QStringList{"--http2-prior-knowledge"}}) {
            const ToolResult decoded =
                runTool("curl", protocol + QStringList{"-s", "--compressed", "-H", "Accept-Encoding: " + coding, url});
            QCOMPARE(decoded.out, expected);
        }
        // The bytes themselves, decoded by Python's modules.
        QTemporaryDir dir;
        const QString raw = dir.filePath("body");
        const ToolResult fetched =
            runTool("curl", {"-s", "-D", dir.filePath("head"), "-o", raw, "-H", "Accept-Encoding: " + coding, url});
        QCOMPARE(fetched.exitCode, 0);
        QFile head(dir.filePath("head"));
        QVERIFY(head.open(QIODevice::ReadOnly));
        const QByteArray fields = head.readAll().toLower();
        QVERIFY2(fields.contains("content-encoding: " + coding.toLatin1() + "\r\n"), fields.constData());
        QVERIFY(fields.contains("vary: accept-encoding\r\n"));
        const QString decoder =
            coding == "gzip"
                ? "import gzip,sys; sys.stdout.buffer.write(gzip.decompress(open(sys.argv[1],'rb').read()))"
            : coding == "br"
                ? "import brotli,sys; sys.stdout.buffer.write(brotli.decompress(open(sys.argv[1],'rb').read()))"
                : "import zstandard,sys; sys.stdout.buffer.write(zstandard.ZstdDecompressor()"
                  ".decompressobj().decompress(open(sys.argv[1],'rb').read()))";
        const ToolResult python = runTool("/usr/bin/python3", {"-c", decoder, raw});
        QCOMPARE(python.out, expected);
        QVERIFY(QFileInfo(raw).size() < expected.size() / 4);

        // Left alone: no-transform, a body under min_bytes, a client that takes none, HEAD.
        const QList<std::pair<QByteArray, QByteArray>> accept{{"Accept-Encoding", coding.toLatin1()}};
        const Response fixed = request(running.port(), "GET", "/fixed", accept);
        QVERIFY(!fixed.headers.contains("content-encoding"));
        QCOMPARE(fixed.body, expected);
        QVERIFY(!request(running.port(), "GET", "/small", accept).headers.contains("content-encoding"));
        const Response identity =
            request(running.port(), "GET", "/data", {{"Accept-Encoding", coding.toLatin1() + ";q=0"}});
        QVERIFY(!identity.headers.contains("content-encoding"));
        QVERIFY(valuesOf(identity, "vary").contains("Accept-Encoding"));
    }

    void corsAndMocksOverHttp2()
    {
        RunningGateway running(makeConfig({answeringRoute("/users", "mock", {{"body", "{\"id\": 7}"}})},
                                          {{"http2", QJsonObject{{"cleartext", true}}}}, {{"cors", cors()}}));
        const QString url = QStringLiteral("http://127.0.0.1:%1/users").arg(running.port());
        const ToolResult preflight =
            runTool("curl", {"-si", "--http2-prior-knowledge", "-X", "OPTIONS", "-H", "Origin: http://localhost:5173",
                             "-H", "Access-Control-Request-Method: POST", url});
        QVERIFY2(preflight.out.startsWith("HTTP/2 204"), preflight.out.constData());
        QVERIFY(preflight.out.contains("access-control-allow-origin: http://localhost:5173\r\n"));
        const ToolResult get =
            runTool("curl", {"-si", "--http2-prior-knowledge", "-H", "Origin: http://localhost:5173", url});
        QVERIFY2(get.out.startsWith("HTTP/2 200"), get.out.constData());
        QVERIFY(get.out.contains("access-control-allow-origin: http://localhost:5173\r\n"));
        QVERIFY(get.out.endsWith("{\"id\": 7}"));
    }
};

QTEST_GUILESS_MAIN(TestRequestRules)
#include "tst_requestrules.moc"
