#include "gatewaysnapshot.h"

#include "forwarding.h"
#include "upstreamconnection.h"

#include <QHash>

namespace kairos {

GatewaySnapshot::GatewaySnapshot(ConfigSnapshot configSnapshot, BackendRegistry &registry, RouteMetricsRegistry &metrics)
    : config(std::move(configSnapshot)),
      routes(config),
      trustedProxies(config->server.trustedProxies),
      jwt(config->jwt)
{
    balancers.reserve(size_t(config->routes.size()));
    upstreams.reserve(size_t(config->routes.size()));
    QHash<QString, QByteArray> authorities;  // one copy per backend, however many routes use it
    for (const Route &route : config->routes) {
        std::vector<BalancedBackend> backends;
        backends.reserve(size_t(route.backends.size()));
        RouteUpstreams &derived = upstreams.emplace_back();
        derived.circuit = config->circuitBreakerFor(route);
        derived.targets.reserve(size_t(route.backends.size()));
        for (const Backend &backend : route.backends) {
            std::shared_ptr<BackendState> state = registry.obtain(backend.key());
            const QString poolKey = upstreamPoolKey(backend);
            QByteArray &authority = authorities[state->key];
            if (authority.isNull())
                authority = backendAuthority(backend);
            derived.targets.push_back({poolKey == state->key ? state->key : poolKey, authority});
            backends.push_back({std::move(state), backend.weight});
        }
        balancers.push_back(makeBalancer(route.strategy, std::move(backends)));
        routeMetrics.push_back(metrics.obtain(route.externalPath));
    }
}

}  // namespace kairos
