// The backends discovery found, and the config the gateway runs with them: each discover entry
// of a route replaced by its source's backends (docs/DISCOVERY.md). The config as written keeps
// its discover entries; only the running snapshot holds what they expanded to.
#pragma once

#include "config/config.h"

#include <map>

namespace kairos {

// By DiscoverySettings::sourceKey(): what the source found last, each with host, port, weight and
// `discovered` set. A source not in the map has found nothing yet.
using DiscoveredBackends = std::map<QString, QList<Backend>>;

// The config's discovery sources, one per sourceKey(): the first entry's settings, refreshed as
// often as the most frequent entry of the source asks (the least refresh_ms, respect_ttl if any).
QList<DiscoverySettings> discoverySources(const Config &config);

// `written` with each discover entry replaced by what its source found, in the source's order,
// with the entry's other fields (scheme, health check path, TLS verification, protocol, limits;
// A/AAAA: weight) on each.
// A backend that a route already lists is not listed twice; past kMaxDiscoveredBackends in all
// routes, entries expand to no more (counted in *leftOut). `written` itself when no route has a
// discover entry.
ConfigSnapshot expandDiscovered(const ConfigSnapshot &written, const DiscoveredBackends &found, int *leftOut = nullptr);

}  // namespace kairos
