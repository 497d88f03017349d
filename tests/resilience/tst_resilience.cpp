// Retries, circuit breakers, active health checks and draining, against backends that fail on cue.
#include "demo/echobackend.h"
#include "proxy/gateway.h"
#include "backend/circuitbreaker.h"
#include "resilience/retrypolicy.h"
#include "support/testsupport.h"

#include <QElapsedTimer>
#include <QtTest>

using namespace kairos;
using namespace kairos::test;

namespace {

// Answers every request head with the next status of `statuses` (the last one repeats); `requests`
// counts the requests it saw. GET-only: a request ends at its blank line.
struct StatusBackend {
    explicit StatusBackend(QList<int> sequence)
        : statuses(std::move(sequence)), server([this](QTcpSocket *socket, const QByteArray &received, int connection) {
              int &answered = answeredOn[connection];
              const int complete = int(received.count("\r\n\r\n"));
              while (answered < complete) {
                  ++answered;
                  const int status = statuses.value(requests, statuses.last());
                  ++requests;
                  const QByteArray body = status >= 500 ? "busy" : "fine";
                  socket->write("HTTP/1.1 " + QByteArray::number(status) + " X\r\nContent-Length: 4\r\n\r\n" + body);
              }
          })
    {}
    quint16 port() const { return server.port(); }

    QList<int> statuses;
    int requests = 0;
    QHash<int, int> answeredOn;  // per connection index
    ScriptedBackend server;
};

QJsonObject withRetry(QJsonObject route, int attempts, int initialMs = 20, int maxMs = 1000)
{
    route.insert("retry", QJsonObject{{"max_attempts", attempts},
                                      {"initial_backoff_ms", initialMs},
                                      {"max_backoff_ms", maxMs},
                                      {"backoff_multiplier", 2.0},
                                      {"retryable_status_codes", QJsonArray{502, 503, 504}}});
    return route;
}

int attemptsOf(const Response &response)
{
    return response.headers.value("x-kairos-attempts").toInt();
}

}  // namespace

class TestResilience : public QObject
{
    Q_OBJECT

private slots:
    void backoffFollowsTheFormula()
    {
        RetryPolicy policy;  // 100 ms, x2, at most 5000 ms
        QCOMPARE(backoffDelayMs(policy, 2), 100);
        QCOMPARE(backoffDelayMs(policy, 3), 200);
        QCOMPARE(backoffDelayMs(policy, 4), 400);
        QCOMPARE(backoffDelayMs(policy, 7), 3200);
        QCOMPARE(backoffDelayMs(policy, 8), 5000);
        QCOMPARE(backoffDelayMs(policy, 10), 5000);
        policy.backoffMultiplier = 3.0;
        QCOMPARE(backoffDelayMs(policy, 4), 900);
    }

    void jitterStaysWithinTheDelay()
    {
        RetryPolicy policy;
        policy.jitter = true;
        QSet<int> seen;
        for (quint64 random = 0; random < 1000; random += 7) {
            const int delay = backoffDelayMs(policy, 3, random * 2654435761ULL);
            QVERIFY(delay >= 0 && delay <= 200);
            seen.insert(delay);
        }
        QVERIFY(seen.size() > 50);
    }

    void fourHundredsAreNeverRetried()
    {
        RetryPolicy policy;
        policy.retryableStatusCodes = {404, 429, 503};
        QVERIFY(!isRetryableStatus(policy, 404));
        QVERIFY(!isRetryableStatus(policy, 429));
        QVERIFY(isRetryableStatus(policy, 503));
        QVERIFY(!isRetryableStatus(policy, 500));
    }

    void circuitBreakerCycle()
    {
        CircuitBreakerSettings settings;
        settings.failureThreshold = 3;
        settings.openDurationMs = 100;
        settings.halfOpenMaxRequests = 1;
        settings.successThreshold = 2;
        CircuitBreaker circuit("test");
        circuit.onFailure(settings, false);
        circuit.onSuccess(settings, false);  // a success resets the count
        circuit.onFailure(settings, false);
        circuit.onFailure(settings, false);
        QCOMPARE(circuit.state(), CircuitBreaker::State::Closed);
        circuit.onFailure(settings, false);
        QCOMPARE(circuit.state(), CircuitBreaker::State::Open);
        QVERIFY(!circuit.looksAvailable());
        QVERIFY(!circuit.tryAcquire(settings).admitted);

        QTRY_VERIFY_WITH_TIMEOUT(circuit.looksAvailable(), 2000);
        const CircuitBreaker::Admission probe = circuit.tryAcquire(settings);
        QVERIFY(probe.admitted && probe.probe);
        QCOMPARE(circuit.state(), CircuitBreaker::State::HalfOpen);
        QVERIFY(!circuit.tryAcquire(settings).admitted);  // one probe at a time
        circuit.onSuccess(settings, true);
        QCOMPARE(circuit.state(), CircuitBreaker::State::HalfOpen);  // 1 of 2 successes
        QVERIFY(circuit.tryAcquire(settings).admitted);
        circuit.onSuccess(settings, true);
        QCOMPARE(circuit.state(), CircuitBreaker::State::Closed);

        for (int i = 0; i < 3; ++i)
            circuit.onFailure(settings, false);
        QTRY_VERIFY_WITH_TIMEOUT(circuit.looksAvailable(), 2000);
        QVERIFY(circuit.tryAcquire(settings).probe);
        circuit.onFailure(settings, true);  // one probe failure opens it again
        QCOMPARE(circuit.state(), CircuitBreaker::State::Open);
    }

    void retriesUntilSuccessWithBackoff()
    {
        StatusBackend backend({503, 503, 200});
        RunningGateway running(makeConfig({withRetry(routeJson("/r", "/", {backendJson(backend.port())}), 3, 100)}));
        QElapsedTimer clock;
        clock.start();
        const Response response = request(running.port(), "GET", "/r");
        const qint64 elapsed = clock.elapsed();
        QCOMPARE(response.status, 200);
        QCOMPARE(attemptsOf(response), 3);
        QCOMPARE(backend.requests, 3);
        QVERIFY2(elapsed >= 290, qPrintable(QString::number(elapsed)));  // waited 100 + 200 ms
        QVERIFY2(elapsed < 3000, qPrintable(QString::number(elapsed)));
    }

    void retryGoesToAnotherBackend()
    {
        StatusBackend failing({503});
        StatusBackend working({200});
        RunningGateway running(makeConfig(
            {withRetry(routeJson("/r", "/", {backendJson(failing.port()), backendJson(working.port())}), 3)}));
        const Response response = request(running.port(), "GET", "/r");
        QCOMPARE(response.status, 200);
        QCOMPARE(attemptsOf(response), 2);
        QCOMPARE(failing.requests, 1);
        QCOMPARE(working.requests, 1);
    }

    void exhaustedRetriesGiveTheLastResponse()
    {
        StatusBackend backend({503});
        RunningGateway running(makeConfig({withRetry(routeJson("/r", "/", {backendJson(backend.port())}), 3)}));
        const Response response = request(running.port(), "GET", "/r");
        QCOMPARE(response.status, 503);
        QCOMPARE(response.body, QByteArray("busy"));
        QCOMPARE(attemptsOf(response), 3);
        QCOMPARE(backend.requests, 3);
    }

    void noRetryWithoutPolicyOrOnClientErrors()
    {
        StatusBackend backend({404, 503});
        QJsonObject route = withRetry(routeJson("/r", "/", {backendJson(backend.port())}), 3);
        route["retry"] = QJsonObject{{"max_attempts", 3}, {"retryable_status_codes", QJsonArray{404, 503}}};
        RunningGateway running(makeConfig({route, routeJson("/plain", "/", {backendJson(backend.port())})}));
        const Response notFound = request(running.port(), "GET", "/r");
        QCOMPARE(notFound.status, 404);
        QCOMPARE(attemptsOf(notFound), 1);
        const Response plain = request(running.port(), "GET", "/plain");
        QCOMPARE(plain.status, 503);  // no retry block: one try
        QCOMPARE(attemptsOf(plain), 1);
        QCOMPARE(backend.requests, 2);
    }

    void connectionFailuresAreRetriedForEveryMethod()
    {
        EchoBackend echo("echo");
        QVERIFY(echo.listen());
        RunningGateway running(
            makeConfig({withRetry(routeJson("/r", "/", {backendJson(closedPort()), backendJson(echo.port())}), 3)}));
        const Response post = request(running.port(), "POST", "/r", {}, "payload");
        QCOMPARE(post.status, 200);  // refused: provably never reached the first backend
        QCOMPARE(attemptsOf(post), 2);
        QCOMPARE(post.json()["body"].toString(), QStringLiteral("payload"));
    }

    void postIsNotRetriedOnceSent()
    {
        EchoBackend echo("echo");
        QVERIFY(echo.listen());
        ScriptedBackend resetting([](QTcpSocket *socket, const QByteArray &received, int) {
            if (received.endsWith("payload"))
                socket->abort();  // it got the request, then died
        });
        const QJsonArray backends{backendJson(resetting.port()), backendJson(echo.port())};
        QJsonObject replayable = withRetry(routeJson("/yes", "/", backends), 3);
        replayable.insert("retry_non_idempotent", true);
        RunningGateway running(makeConfig({withRetry(routeJson("/no", "/", backends), 3), replayable}));
        const Response post = request(running.port(), "POST", "/no", {}, "payload");
        QCOMPARE(post.status, 502);
        QCOMPARE(attemptsOf(post), 1);
        const Response put = request(running.port(), "PUT", "/no", {}, "payload");
        QCOMPARE(put.status, 200);  // idempotent: retried on the other backend
        QCOMPARE(put.json()["body"].toString(), QStringLiteral("payload"));
        QCOMPARE(request(running.port(), "POST", "/yes", {}, "payload").status, 200);
    }

    void bodiesBeyondTheReplayBufferAreNotRetried()
    {
        EchoBackend echo("echo");
        QVERIFY(echo.listen());
        ScriptedBackend resetting([](QTcpSocket *socket, const QByteArray &received, int) {
            if (received.endsWith(QByteArray(100, 'x')))
                socket->abort();
        });
        QJsonObject route =
            withRetry(routeJson("/r", "/", {backendJson(resetting.port()), backendJson(echo.port())}), 3);
        QJsonObject retry = route["retry"].toObject();
        retry.insert("retry_buffer_bytes", 10);
        route.insert("retry", retry);
        RunningGateway running(makeConfig({route}));
        const Response response = request(running.port(), "PUT", "/r", {}, QByteArray(100, 'x'));
        QCOMPARE(response.status, 502);
        QCOMPARE(attemptsOf(response), 1);
    }

    void routeTimeoutBoundsAllTries()
    {
        ScriptedBackend stalled([](QTcpSocket *, const QByteArray &, int) {});
        QJsonObject route = withRetry(routeJson("/r", "/", {backendJson(stalled.port())}), 3);
        route.insert("timeout_ms", 300);
        RunningGateway running(makeConfig({route}));
        const Response response = request(running.port(), "GET", "/r");
        QCOMPARE(response.status, 504);
        QVERIFY(response.json()["error"].toString().contains("timeout_ms"));
    }

    void circuitOpensAndClosesThroughTheGateway()
    {
        StatusBackend backend({500, 500, 200});
        QJsonObject route = routeJson("/c", "/", {backendJson(backend.port())});
        route.insert("circuit_breaker",
                     QJsonObject{{"failure_threshold", 2}, {"open_duration_ms", 300}, {"success_threshold", 2}});
        RunningGateway running(makeConfig({route}));
        QCOMPARE(request(running.port(), "GET", "/c").status, 500);
        QCOMPARE(request(running.port(), "GET", "/c").status, 500);
        QCOMPARE(running.backend(0, 0).circuit.state(), CircuitBreaker::State::Open);

        const Response rejected = request(running.port(), "GET", "/c");
        QCOMPARE(rejected.status, 503);
        QCOMPARE(rejected.json()["error"].toString(), QStringLiteral("circuit_open"));
        QCOMPARE(backend.requests, 2);  // answered without touching the network

        QTRY_VERIFY_WITH_TIMEOUT(running.backend(0, 0).circuit.looksAvailable(), 3000);
        QCOMPARE(request(running.port(), "GET", "/c").status, 200);  // the probe
        QCOMPARE(running.backend(0, 0).circuit.state(), CircuitBreaker::State::HalfOpen);
        QCOMPARE(request(running.port(), "GET", "/c").status, 200);
        QCOMPARE(running.backend(0, 0).circuit.state(), CircuitBreaker::State::Closed);
    }

    void openCircuitIsSkippedByTheBalancer()
    {
        StatusBackend failing({500});
        StatusBackend working({200});
        QJsonObject route = routeJson("/c", "/", {backendJson(failing.port()), backendJson(working.port())});
        route.insert("circuit_breaker", QJsonObject{{"failure_threshold", 1}, {"open_duration_ms", 60000}});
        RunningGateway running(makeConfig({route}));
        QCOMPARE(request(running.port(), "GET", "/c").status, 500);  // round robin: the failing one first
        for (int i = 0; i < 6; ++i)
            QCOMPARE(request(running.port(), "GET", "/c").status, 200);
        QCOMPARE(failing.requests, 1);
    }

    void activeHealthChecksTakeABackendDownAndBack()
    {
        std::atomic<int> healthStatus{200};
        ScriptedBackend checked(healthCheckedScript(healthStatus));
        EchoBackend other("other");
        QVERIFY(other.listen());
        QJsonObject checkedBackend = backendJson(checked.port());
        checkedBackend.insert("health_check_path", "/health");
        QJsonObject route = routeJson("/h", "/", {checkedBackend, backendJson(other.port())});
        RunningGateway running(
            makeConfig({route}, {},
                       {{"health_check",
                         QJsonObject{{"interval_ms", 100}, {"unhealthy_threshold", 2}, {"healthy_threshold", 2}}}}));
        QCOMPARE(running.gateway.healthChecker().loopCount(), 1);
        QVERIFY(running.backend(0, 0).healthy);

        healthStatus = 500;
        QTRY_VERIFY_WITH_TIMEOUT(!running.backend(0, 0).healthy, 5000);
        for (int i = 0; i < 6; ++i)
            QCOMPARE(request(running.port(), "GET", "/h").headers.value("x-backend"), QByteArray("other"));

        healthStatus = 204;
        QTRY_VERIFY_WITH_TIMEOUT(running.backend(0, 0).healthy.load(), 5000);
        QSet<QByteArray> bodies;
        for (int i = 0; i < 4; ++i)
            bodies.insert(request(running.port(), "GET", "/h").body.left(7));
        QVERIFY(bodies.contains("checked"));
    }

    void allBackendsDownGives503()
    {
        ScriptedBackend sick([](QTcpSocket *socket, const QByteArray &received, int) {
            if (received.endsWith("\r\n\r\n"))
                socket->write("HTTP/1.1 500 X\r\nContent-Length: 0\r\n\r\n");
        });
        QJsonObject backend = backendJson(sick.port());
        backend.insert("health_check_path", "/health");
        RunningGateway running(
            makeConfig({routeJson("/d", "/", {backend})}, {},
                       {{"health_check", QJsonObject{{"interval_ms", 100}, {"unhealthy_threshold", 1}}}}));
        QTRY_VERIFY_WITH_TIMEOUT(!running.backend(0, 0).healthy, 5000);
        const Response response = request(running.port(), "GET", "/d");
        QCOMPARE(response.status, 503);
        QCOMPARE(response.json()["type"].toString(), QStringLiteral("service_unavailable"));
    }

    void removedBackendDrains()
    {
        EchoBackend kept("kept");
        EchoBackend removed("removed");
        QVERIFY(kept.listen());
        QVERIFY(removed.listen());
        auto config = [&](bool withRemoved) {
            QJsonArray backends{backendJson(removed.port()), backendJson(kept.port())};
            if (!withRemoved)
                backends = QJsonArray{backendJson(kept.port())};
            return makeConfig({routeJson("/d/{*rest}", "/{rest}", backends)});
        };
        RunningGateway running(config(true));
        RawClient slow(running.port());
        slow.send("GET /d/slow?delay_ms=500 HTTP/1.1\r\nHost: h\r\n\r\n");  // round robin: "removed" first
        QTRY_COMPARE(running.backend(0, 0).inFlight.load(), 1);
        running.gateway.applyConfig(config(false));
        for (int i = 0; i < 4; ++i)
            QCOMPARE(request(running.port(), "GET", "/d/x").headers.value("x-backend"), QByteArray("kept"));
        const Response drained = slow.readOne();
        QCOMPARE(drained.status, 200);  // the request in flight finished where it started
        QCOMPARE(drained.headers.value("x-backend"), QByteArray("removed"));
        QTRY_COMPARE(removed.openConnections(), 0);  // and its pooled connection was closed
    }
};

QTEST_GUILESS_MAIN(TestResilience)
#include "tst_resilience.moc"
