// Configs for the micro-benchmarks: `routeCount` routes, half static ("/svcN/items") and half
// templates ("/svcN/items/{id}/orders/{order}"), each with `backendsPerRoute` backends, the same
// ones for `routesPerBackendList` routes in a row (0: for all routes); `strategy` for every
// route (the default, round robin, when empty).
#pragma once

#include "config/configloader.h"

#include <QByteArray>

namespace kairos::bench {

QByteArray routesConfigJson(int routeCount, int backendsPerRoute = 1, int routesPerBackendList = 2,
                            const QString &strategy = QString());
ConfigSnapshot routesConfig(int routeCount, int backendsPerRoute = 1);  // aborts if invalid

}  // namespace kairos::bench
