// The Prometheus text exposition format 0.0.4 of everything the gateway counts. Names start with
// kairos_; docs/API.md lists them.
#pragma once

#include "backend/backendstate.h"
#include "routemetrics.h"

#include <QByteArray>
#include <QList>

#include <memory>

namespace kairos {

struct MetricsInput {
    QList<const RouteMetrics *> routes;
    const RouteMetrics *unmatched = nullptr;
    QList<std::shared_ptr<BackendState>> backends;
    int activeConnections = 0;
    int idleUpstreamConnections = 0;
    quint64 configRevision = 0;
    quint64 configChangesApplied = 0;
    quint64 configChangesRejected = 0;
    double uptimeSeconds = 0;
};

QByteArray renderPrometheus(const MetricsInput &input);
// A label value as the format quotes it: backslash, double quote and newline escaped.
QByteArray escapeLabel(const QString &value);

}  // namespace kairos
