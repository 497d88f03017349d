// Request counters and latency of one route (or of requests no route matched), kept across config
// reloads by external path. Updated with atomics from every worker thread.
#pragma once

#include "firstuse.h"
#include "histogram.h"

#include <QByteArrayView>
#include <QHash>
#include <QMutex>
#include <QString>

#include <array>
#include <memory>

namespace kairos {

struct RouteMetrics {
    // Methods with their own label; everything else counts as "OTHER" (methods are an open set).
    static constexpr std::array<const char *, 8> kMethods{"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "OTHER"};

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

    const QString route;

private:
    struct Counters {
        std::array<std::array<std::atomic<quint64>, 5>, kMethods.size()> requests{};
        LatencyHistogram latency;
        std::atomic<quint64> retries{0};
    };
    // About 460 bytes, allocated by the route's first request.
    AllocatedOnFirstUse<Counters> m_counters;
};

class RouteMetricsRegistry
{
public:
    std::shared_ptr<RouteMetrics> obtain(const QString &routePath);
    QList<std::shared_ptr<RouteMetrics>> all() const;
    RouteMetrics &unmatched() { return *m_unmatched; }

private:
    mutable QMutex m_mutex;
    QHash<QString, std::shared_ptr<RouteMetrics>> m_routes;
    std::shared_ptr<RouteMetrics> m_unmatched = std::make_shared<RouteMetrics>(QString());
};

}  // namespace kairos
