// Route and backend counters: allocated by the first request, zeros until then, and exact when
// several worker threads make that first request at once.
#include "backend/backendstate.h"
#include "metrics/prometheus.h"
#include "metrics/routemetrics.h"

#include "support/testsupport.h"

#include <QtTest>

#include <thread>
#include <vector>

using namespace kairos;

class TestMetrics : public QObject
{
    Q_OBJECT

private slots:
    void untouchedRouteReadsZeroAndIsExported()
    {
        RouteMetricsRegistry registry;
        const RouteMetrics *route = registry.obtain(QStringLiteral("/quiet"));
        QCOMPARE(route->totalRequests(), quint64(0));
        QCOMPARE(route->errors(), quint64(0));
        QCOMPARE(route->retries(), quint64(0));
        QCOMPARE(route->latency().count(), quint64(0));

        MetricsInput input;
        input.routes = registry.all();
        const QByteArray text = renderPrometheus(input);
        QVERIFY(text.contains("kairos_request_duration_seconds_count{route=\"/quiet\"} 0\n"));
        QVERIFY(text.contains("kairos_retries_total{route=\"/quiet\"} 0\n"));
    }

    void tlsCertificateReloadsOnlyWithATlsListener()
    {
        MetricsInput input;
        QVERIFY(!renderPrometheus(input).contains("kairos_tls_certificate_reloads_total"));
        input.tlsCertificateReloads = {{3, 1}};
        const QByteArray text = renderPrometheus(input);
        QVERIFY(text.contains("# TYPE kairos_tls_certificate_reloads_total counter\n"));
        QVERIFY(text.contains("kairos_tls_certificate_reloads_total{result=\"success\"} 3\n"));
        QVERIFY(text.contains("kairos_tls_certificate_reloads_total{result=\"failure\"} 1\n"));
    }

    // Snapshots keep plain pointers to their routes' metrics: they must not move as routes are added.
    void registryKeepsMetricsInPlaceAndByPath()
    {
        RouteMetricsRegistry registry;
        RouteMetrics *first = registry.obtain(QStringLiteral("/first"));
        first->record("GET", 200, 1000, 1);
        for (int i = 0; i < 5000; ++i)
            registry.obtain(QStringLiteral("/route/%1").arg(i));
        QCOMPARE(registry.obtain(QStringLiteral("/first")), first);
        QCOMPARE(first->route, QStringLiteral("/first"));
        QCOMPARE(first->totalRequests(), quint64(1));
        QCOMPARE(registry.obtain(QStringLiteral("/route/4999"))->route, QStringLiteral("/route/4999"));
        QCOMPARE(registry.all().size(), 5001);
        QCOMPARE(registry.all().first(), first);
    }

    void firstRequestsFromManyThreadsAreAllCounted()
    {
        RouteMetrics route(QStringLiteral("/busy"));
        BackendState backend(test::backendAt("http://b", 80));
        constexpr int kThreads = 4;
        constexpr int kEach = 20'000;
        std::vector<std::thread> threads;
        for (int t = 0; t < kThreads; ++t) {
            threads.emplace_back([&] {
                for (int i = 0; i < kEach; ++i) {
                    route.record("GET", i % 10 == 0 ? 503 : 200, 1500, i % 10 == 0 ? 2 : 1);
                    backend.recordResponse(i % 10 == 0 ? 503 : 200, 1500);
                }
            });
        }
        for (std::thread &thread : threads)
            thread.join();
        QCOMPARE(route.totalRequests(), quint64(kThreads * kEach));
        QCOMPARE(route.errors(), quint64(kThreads * kEach / 10));
        QCOMPARE(route.retries(), quint64(kThreads * kEach / 10));
        QCOMPARE(route.latency().count(), quint64(kThreads * kEach));
        QCOMPARE(backend.responses(1), quint64(kThreads * kEach / 10 * 9));
        QCOMPARE(backend.responses(4), quint64(kThreads * kEach / 10));
        QCOMPARE(backend.latency().count(), quint64(kThreads * kEach));
    }
};

QTEST_GUILESS_MAIN(TestMetrics)
#include "tst_metrics.moc"
