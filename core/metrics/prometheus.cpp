#include "prometheus.h"

namespace kairos {

QByteArray escapeLabel(const QString &value)
{
    QByteArray escaped;
    for (char c : value.toUtf8()) {
        if (c == '\\' || c == '"')
            escaped += '\\';
        if (c == '\n') {
            escaped += "\\n";
            continue;
        }
        escaped += c;
    }
    return escaped;
}

namespace {

QByteArray number(double value)
{
    return QByteArray::number(value, 'g', 12);
}

class Writer
{
public:
    void family(const char *name, const char *type, const char *help)
    {
        m_out += "# HELP ";
        m_out += name;
        m_out += ' ';
        m_out += help;
        m_out += "\n# TYPE ";
        m_out += name;
        m_out += ' ';
        m_out += type;
        m_out += '\n';
    }

    void sample(const char *name, const QByteArray &labels, double value)
    {
        m_out += name;
        if (!labels.isEmpty())
            m_out += '{' + labels + '}';
        m_out += ' ';
        m_out += number(value);
        m_out += '\n';
    }

    void histogram(const char *name, const QByteArray &labels, const LatencyHistogram &histogram)
    {
        const QByteArray prefix = labels.isEmpty() ? QByteArray() : labels + ',';
        const QByteArray bucketName = QByteArray(name) + "_bucket";
        quint64 cumulative = 0;
        for (size_t i = 0; i < LatencyHistogram::kBounds.size(); ++i) {
            cumulative += histogram.bucket(i);
            sample(bucketName.constData(), prefix + "le=\"" + number(LatencyHistogram::kBounds[i]) + '"',
                   double(cumulative));
        }
        cumulative += histogram.bucket(LatencyHistogram::kBounds.size());
        sample(bucketName.constData(), prefix + "le=\"+Inf\"", double(cumulative));
        sample((QByteArray(name) + "_sum").constData(), labels, histogram.sumSeconds());
        sample((QByteArray(name) + "_count").constData(), labels, double(cumulative));
    }

    QByteArray result() const { return m_out; }

private:
    QByteArray m_out;
};

QByteArray routeLabel(const RouteMetrics &route)
{
    return "route=\"" + escapeLabel(route.route.isEmpty() ? QStringLiteral("(none)") : route.route) + '"';
}

QByteArray backendLabel(const BackendState &backend)
{
    return "backend=\"" + escapeLabel(backend.key) + '"';
}

}  // namespace

QByteArray renderPrometheus(const MetricsInput &input)
{
    QList<const RouteMetrics *> routes = input.routes;
    if (input.unmatched)
        routes.append(input.unmatched);

    Writer out;
    out.family("kairos_requests_total", "counter", "Requests answered, by route, method and status class.");
    for (const RouteMetrics *route : routes) {
        for (size_t m = 0; m < RouteMetrics::kMethods.size(); ++m) {
            for (size_t c = 0; c < 5; ++c) {
                const quint64 count = route->requests(m, c);
                if (count > 0)
                    out.sample("kairos_requests_total",
                               routeLabel(*route) + ",method=\"" + RouteMetrics::kMethods[m] + "\",status_class=\""
                                   + QByteArray::number(c + 1) + "xx\"",
                               double(count));
            }
        }
    }
    out.family("kairos_request_duration_seconds", "histogram",
               "Time from the request head to the end of the response, by route.");
    for (const RouteMetrics *route : routes)
        out.histogram("kairos_request_duration_seconds", routeLabel(*route), route->latency());
    out.family("kairos_retries_total", "counter", "Tries beyond the first, by route.");
    for (const RouteMetrics *route : routes)
        out.sample("kairos_retries_total", routeLabel(*route), double(route->retries()));
    out.family("kairos_faults_injected_total", "counter",
               "Delays and aborts that routes' fault settings injected, by route and kind.");
    for (const RouteMetrics *route : routes) {
        if (const quint64 delays = route->faultDelays())
            out.sample("kairos_faults_injected_total", routeLabel(*route) + ",kind=\"delay\"", double(delays));
        if (const quint64 aborts = route->faultAborts())
            out.sample("kairos_faults_injected_total", routeLabel(*route) + ",kind=\"abort\"", double(aborts));
    }
    out.family("kairos_mirror_requests_total", "counter",
               "Copies of requests for routes' mirrors, by route and result: sent (the shadow answered), failed, "
               "skipped (body over retry_buffer_bytes), dropped (too many in flight).");
    for (const RouteMetrics *route : routes) {
        for (size_t r = 0; r < RouteMetrics::kMirrorResults.size(); ++r) {
            if (const quint64 count = route->mirrored(RouteMetrics::MirrorResult(r)))
                out.sample("kairos_mirror_requests_total",
                           routeLabel(*route) + ",result=\"" + RouteMetrics::kMirrorResults[r] + '"', double(count));
        }
    }

    out.family("kairos_upstream_responses_total", "counter", "Responses from backends, by backend and status class.");
    for (const auto &backend : input.backends) {
        for (size_t c = 0; c < 5; ++c) {
            const quint64 count = backend->responses(c);
            if (count > 0)
                out.sample("kairos_upstream_responses_total",
                           backendLabel(*backend) + ",status_class=\"" + QByteArray::number(c + 1) + "xx\"",
                           double(count));
        }
    }
    out.family("kairos_upstream_failures_total", "counter",
               "Tries that failed at a backend: connection errors, timeouts, 5xx.");
    for (const auto &backend : input.backends)
        out.sample("kairos_upstream_failures_total", backendLabel(*backend), double(backend->failures.load()));
    out.family("kairos_upstream_duration_seconds", "histogram",
               "Time from sending a request to the backend's response head.");
    for (const auto &backend : input.backends)
        out.histogram("kairos_upstream_duration_seconds", backendLabel(*backend), backend->latency());
    out.family("kairos_backend_in_flight", "gauge", "Requests in flight to each backend.");
    for (const auto &backend : input.backends)
        out.sample("kairos_backend_in_flight", backendLabel(*backend), backend->inFlight.load());
    out.family("kairos_backend_max_connections", "gauge",
               "backends[].max_connections of each backend: requests in flight at once from this instance; 0: no "
               "limit.");
    for (const auto &backend : input.backends)
        out.sample("kairos_backend_max_connections", backendLabel(*backend), backend->maxConnections());
    if (!input.queues.isEmpty()) {
        const auto queueLabel = [](const RouteQueue &entry) { return "route=\"" + escapeLabel(entry.route) + '"'; };
        out.family("kairos_queue_depth", "gauge", "Requests waiting in each route's request queue.");
        for (const RouteQueue &entry : input.queues)
            out.sample("kairos_queue_depth", queueLabel(entry), entry.queue->depth());
        out.family("kairos_queue_wait_seconds", "histogram",
                   "Time requests that got a backend slot waited in the route's queue.");
        for (const RouteQueue &entry : input.queues)
            out.histogram("kairos_queue_wait_seconds", queueLabel(entry), entry.queue->waitTime());
        out.family("kairos_queue_rejected_total", "counter",
                   "Requests refused with 503 by a route's queue: queue_full or queue_timeout.");
        for (const RouteQueue &entry : input.queues) {
            out.sample("kairos_queue_rejected_total", queueLabel(entry) + ",reason=\"queue_full\"",
                       double(entry.queue->rejected(RequestQueue::Rejection::Full)));
            out.sample("kairos_queue_rejected_total", queueLabel(entry) + ",reason=\"queue_timeout\"",
                       double(entry.queue->rejected(RequestQueue::Rejection::Timeout)));
        }
    }
    out.family("kairos_backend_healthy", "gauge", "1 when the backend passes its active health checks (or has none).");
    for (const auto &backend : input.backends)
        out.sample("kairos_backend_healthy", backendLabel(*backend), backend->healthy.load() ? 1 : 0);
    out.family("kairos_circuit_state", "gauge", "1 for the current circuit breaker state of each backend.");
    for (const auto &backend : input.backends) {
        for (CircuitBreaker::State state :
             {CircuitBreaker::State::Closed, CircuitBreaker::State::Open, CircuitBreaker::State::HalfOpen})
            out.sample("kairos_circuit_state",
                       backendLabel(*backend) + ",state=\"" + CircuitBreaker::stateName(state) + '"',
                       backend->circuit.state() == state ? 1 : 0);
    }
    const qint64 nowMs = BackendState::nowMs();
    out.family("kairos_backend_ejected", "gauge", "1 while outlier detection keeps the backend out of rotation.");
    for (const auto &backend : input.backends)
        out.sample("kairos_backend_ejected", backendLabel(*backend), backend->isEjected(nowMs) ? 1 : 0);
    out.family("kairos_backend_ejections_total", "counter", "Times outlier detection ejected the backend.");
    for (const auto &backend : input.backends)
        out.sample("kairos_backend_ejections_total", backendLabel(*backend), double(backend->ejections()));

    out.family("kairos_active_connections", "gauge", "Open client connections.");
    out.sample("kairos_active_connections", QByteArray(), input.activeConnections);
    out.family("kairos_upstream_idle_connections", "gauge",
               "Pooled keep-alive connections to backends (sampled each second).");
    out.sample("kairos_upstream_idle_connections", QByteArray(), input.idleUpstreamConnections);
    out.family("kairos_config_version", "gauge", "Revision of the running config; grows with every applied change.");
    out.sample("kairos_config_version", QByteArray(), double(input.configRevision));
    out.family("kairos_config_reloads_total", "counter", "Config changes (file, API, GUI), by result.");
    out.sample("kairos_config_reloads_total", "result=\"success\"", double(input.configChangesApplied));
    out.sample("kairos_config_reloads_total", "result=\"failure\"", double(input.configChangesRejected));
    if (input.tlsCertificateReloads) {
        out.family("kairos_tls_certificate_reloads_total", "counter",
                   "Reloads of the TLS listener's certificates after a file or config change, by result.");
        out.sample("kairos_tls_certificate_reloads_total", "result=\"success\"",
                   double(input.tlsCertificateReloads->first));
        out.sample("kairos_tls_certificate_reloads_total", "result=\"failure\"",
                   double(input.tlsCertificateReloads->second));
    }
    out.family("kairos_uptime_seconds", "gauge", "Seconds since the gateway started.");
    out.sample("kairos_uptime_seconds", QByteArray(), input.uptimeSeconds);
    return out.result();
}

}  // namespace kairos
