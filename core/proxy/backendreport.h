// Every backend of a running config, with the routes that use it and its live state: what
// GET /api/backends answers and the console's backends view shows.
#pragma once

#include "proxy/gatewaysnapshot.h"

#include <QHash>
#include <QJsonArray>
#include <QJsonObject>

#include <functional>

namespace kairos {

// A discovery source's state by its key (Discovery::sourceStatus()), laid into the "source" of
// each backend it found; none: the source is described by what the backend itself knows.
using SourceStatusLookup = std::function<QJsonObject(const QString &sourceKey)>;
QJsonArray describeBackends(const GatewaySnapshot &snapshot, const SourceStatusLookup &sourceStatus = {});

// Each backend's share of the recent traffic of its routes: the tries sent to it over the last
// RecentCount::kSeconds seconds (the current one included) over the tries sent to every backend
// of the routes that list it (each once) in that time. Absent when they got none.
QHash<const BackendState *, double> recentShares(const GatewaySnapshot &snapshot, qint64 nowMs);

// How many distinct backends the running config has, and how many of them health checks count
// as up: what a summary needs, without describing each one.
struct BackendCount {
    int total = 0;
    int healthy = 0;
};
BackendCount countBackends(const GatewaySnapshot &snapshot);

}  // namespace kairos
