#include "gatewaysnapshot.h"

namespace kairos {

GatewaySnapshot::GatewaySnapshot(ConfigSnapshot configSnapshot, BackendRegistry &registry, RouteMetricsRegistry &metrics)
    : config(std::move(configSnapshot)),
      routes(config),
      trustedProxies(config->server.trustedProxies),
      jwt(config->jwt)
{
    balancers.reserve(size_t(config->routes.size()));
    circuits.reserve(size_t(config->routes.size()));
    routeMetrics.reserve(size_t(config->routes.size()));
    for (const Route &route : config->routes) {
        std::vector<BalancedBackend> backends;
        backends.reserve(size_t(route.backends.size()));
        for (const Backend &backend : route.backends)
            backends.push_back({registry.obtain(backend), backend.weight, backend.checksCertificate()});
        circuits.push_back(config->circuitBreakerFor(route));
        balancers.push_back(makeBalancer(route.strategy, std::move(backends)));
        routeMetrics.push_back(metrics.obtain(route.externalPath));
    }
}

}  // namespace kairos
