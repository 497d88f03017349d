// Configs for the micro-benchmarks: `routeCount` routes, half static ("/svcN/items") and half
// templates ("/svcN/items/{id}/orders/{order}"), each with its own `backendsPerRoute` backends.
#pragma once

#include "config/configloader.h"

#include <QByteArray>

namespace kairos::bench {

QByteArray routesConfigJson(int routeCount, int backendsPerRoute = 1);
ConfigSnapshot routesConfig(int routeCount, int backendsPerRoute = 1);  // aborts if invalid

}  // namespace kairos::bench
