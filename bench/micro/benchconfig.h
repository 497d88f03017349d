// Configs for the micro-benchmarks: `routeCount` routes, half static ("/svcN/items") and half
// templates ("/svcN/items/{id}/orders/{order}"), each with `backendsPerRoute` backends: its own
// ones, or with `sharedBackends` the same ones for every route; `strategy` for every route
// (the default, round robin, when empty).
#pragma once

#include "config/configloader.h"

#include <QByteArray>

namespace kairos::bench {

QByteArray routesConfigJson(int routeCount, int backendsPerRoute = 1, bool sharedBackends = false,
                            const QString &strategy = QString());
ConfigSnapshot routesConfig(int routeCount, int backendsPerRoute = 1);  // aborts if invalid

}  // namespace kairos::bench
