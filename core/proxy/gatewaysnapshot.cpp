#include "gatewaysnapshot.h"

#include "forwarding.h"
#include "upstreamconnection.h"

namespace kairos {

GatewaySnapshot::GatewaySnapshot(ConfigSnapshot configSnapshot, BackendRegistry &registry, RouteMetricsRegistry &metrics)
    : config(std::move(configSnapshot)),
      routes(config),
      trustedProxies(config->server.trustedProxies),
      jwt(config->jwt)
{
    balancers.reserve(size_t(config->routes.size()));
    upstreams.reserve(size_t(config->routes.size()));
    for (const Route &route : config->routes) {
        std::vector<BalancedBackend> backends;
        RouteUpstreams &derived = upstreams.emplace_back();
        derived.circuit = config->circuitBreakerFor(route);
        for (const Backend &backend : route.backends) {
            backends.push_back({registry.obtain(backend.key()), backend.weight});
            derived.poolKeys.push_back(upstreamPoolKey(backend));
            derived.authorities.push_back(backendAuthority(backend));
        }
        balancers.push_back(makeBalancer(route.strategy, std::move(backends)));
        routeMetrics.push_back(metrics.obtain(route.externalPath));
    }
}

}  // namespace kairos
