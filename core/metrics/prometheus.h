// The Prometheus text exposition format 0.0.4 of everything the gateway counts. Names start with
// kairos_; docs/API.md lists them.
#pragma once

#include "backend/backendstate.h"
#include "backend/requestqueue.h"
#include "routemetrics.h"

#include <QByteArray>
#include <QList>

#include <memory>
#include <optional>
#include <utility>

namespace kairos {

struct RouteQueue {
    QString route;  // external_path
    std::shared_ptr<const RequestQueue> queue;
};

struct MetricsInput {
    QList<const RouteMetrics *> routes;
    const RouteMetrics *unmatched = nullptr;
    QList<std::shared_ptr<BackendState>> backends;
    QList<RouteQueue> queues;  // of the routes that have one
    int activeConnections = 0;
    int idleUpstreamConnections = 0;
    quint64 configRevision = 0;
    quint64 configChangesApplied = 0;
    quint64 configChangesRejected = 0;
    // Reloads of the TLS listener's certificates: succeeded, failed; none without a TLS listener.
    std::optional<std::pair<quint64, quint64>> tlsCertificateReloads;
    double uptimeSeconds = 0;
};

QByteArray renderPrometheus(const MetricsInput &input);
// A label value as the format quotes it: backslash, double quote and newline escaped.
QByteArray escapeLabel(const QString &value);

}  // namespace kairos
