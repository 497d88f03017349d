// Request counters and latency of one route (or of requests no route matched), kept across config
// reloads by external path. Updated with atomics from every worker thread.
#pragma once

#include "base/firstuse.h"
#include "backend/histogram.h"

#include <QByteArrayView>
#include <QHash>
#include <QMutex>
#include <QString>

#include <array>
#include <deque>

namespace kairos {

struct RouteMetrics {
    // Methods with their own label; everything else counts as "OTHER" (methods are an open set).
    static constexpr std::array<const char *, 8> kMethods{"GET",    "HEAD",  "POST",    "PUT",
                                                          "DELETE", "PATCH", "OPTIONS", "OTHER"};

    explicit RouteMetrics(QString routePath) : route(std::move(routePath)) {}

    void record(QByteArrayView method, int status, qint64 microseconds, int attempts);
    quint64 requests(size_t method, size_t statusClass) const
    {
        return m_counters.view().requests[method][statusClass].load(std::memory_order_relaxed);
    }
    quint64 totalRequests() const;
    quint64 errors() const;  // 5xx
    const LatencyHistogram &latency() const { return m_counters.view().latency; }
    quint64 retries() const { return m_counters.view().retries.load(std::memory_order_relaxed); }
    // Faults the route's fault settings injected (a request may get both).
    void recordFault(bool delay, bool abort);
    quint64 faultDelays() const { return m_counters.view().faultDelays.load(std::memory_order_relaxed); }
    quint64 faultAborts() const { return m_counters.view().faultAborts.load(std::memory_order_relaxed); }
    // What became of each copy for the route's mirror: the shadow answered (any status); it did
    // not (refused, timed out, a broken answer); the body was over retry_buffer_bytes or never
    // came whole; the worker's copies in flight were at their cap.
    enum class MirrorResult { Sent, Failed, Skipped, Dropped };
    static constexpr std::array<const char *, 4> kMirrorResults{"sent", "failed", "skipped", "dropped"};
    void recordMirror(MirrorResult result)
    {
        m_counters.get().mirror[size_t(result)].fetch_add(1, std::memory_order_relaxed);
    }
    quint64 mirrored(MirrorResult result) const
    {
        return m_counters.view().mirror[size_t(result)].load(std::memory_order_relaxed);
    }

    const QString route;

private:
    struct Counters {
        std::array<std::array<std::atomic<quint64>, 5>, kMethods.size()> requests{};
        LatencyHistogram latency;
        std::atomic<quint64> retries{0};
        std::atomic<quint64> faultDelays{0};
        std::atomic<quint64> faultAborts{0};
        std::array<std::atomic<quint64>, kMirrorResults.size()> mirror{};
    };
    // About 490 bytes, allocated by the route's first request.
    AllocatedOnFirstUse<Counters> m_counters;
};

// A route's metrics live as long as the registry (the gateway), so that a route removed and added
// again continues its counters; snapshots and readers hold plain pointers.
class RouteMetricsRegistry
{
public:
    RouteMetrics *obtain(const QString &routePath);
    QList<const RouteMetrics *> all() const;
    RouteMetrics &unmatched() { return m_unmatched; }

private:
    mutable QMutex m_mutex;
    // A deque so that the metrics stay where they are as routes are added, without a block each:
    // a config of thousands of routes holds 32 bytes a route here, and the index 24.
    std::deque<RouteMetrics> m_metrics;
    QHash<QStringView, RouteMetrics *> m_byRoute;  // keys: the `route` of m_metrics' elements
    RouteMetrics m_unmatched{QString()};
};

}  // namespace kairos
