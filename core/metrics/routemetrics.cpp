#include "routemetrics.h"

namespace kairos {

void RouteMetrics::recordFault(bool delay, bool abort)
{
    Counters &counters = m_counters.get();
    if (delay)
        counters.faultDelays.fetch_add(1, std::memory_order_relaxed);
    if (abort)
        counters.faultAborts.fetch_add(1, std::memory_order_relaxed);
}

void RouteMetrics::record(QByteArrayView method, int status, qint64 microseconds, int attempts)
{
    size_t methodIndex = kMethods.size() - 1;
    for (size_t i = 0; i + 1 < kMethods.size(); ++i) {
        if (method == kMethods[i]) {
            methodIndex = i;
            break;
        }
    }
    const size_t statusClass = size_t(std::clamp(status / 100, 1, 5) - 1);
    Counters &counters = m_counters.get();
    counters.requests[methodIndex][statusClass].fetch_add(1, std::memory_order_relaxed);
    counters.latency.observe(microseconds);
    if (attempts > 1)
        counters.retries.fetch_add(quint64(attempts - 1), std::memory_order_relaxed);
}

quint64 RouteMetrics::totalRequests() const
{
    quint64 total = 0;
    for (const auto &byClass : m_counters.view().requests) {
        for (const auto &count : byClass)
            total += count.load(std::memory_order_relaxed);
    }
    return total;
}

quint64 RouteMetrics::errors() const
{
    quint64 total = 0;
    for (const auto &byClass : m_counters.view().requests)
        total += byClass[4].load(std::memory_order_relaxed);
    return total;
}

RouteMetrics *RouteMetricsRegistry::obtain(const QString &routePath)
{
    QMutexLocker lock(&m_mutex);
    if (RouteMetrics *existing = m_byRoute.value(routePath))
        return existing;
    RouteMetrics &added = m_metrics.emplace_back(routePath);
    m_byRoute.insert(added.route, &added);
    return &added;
}

QList<const RouteMetrics *> RouteMetricsRegistry::all() const
{
    QMutexLocker lock(&m_mutex);
    QList<const RouteMetrics *> metrics;
    metrics.reserve(qsizetype(m_metrics.size()));
    for (const RouteMetrics &route : m_metrics)
        metrics.append(&route);
    return metrics;
}

}  // namespace kairos
