#include "gatewaysnapshot.h"

#include <QDateTime>

#include <algorithm>
#include <cstdint>

namespace kairos {

namespace {
// Routes share a balancer when they list the same backends (the config model shares equal lists)
// with the same strategy and, for PeakEwma, the same settings.
struct BalancerKey {
    const Backend *list;
    LoadBalancingStrategy strategy;
    PeakEwmaSettings peakEwma;

    bool operator==(const BalancerKey &other) const
    {
        return list == other.list && strategy == other.strategy && peakEwma.decayMs == other.peakEwma.decayMs
               && peakEwma.defaultRttMs == other.peakEwma.defaultRttMs;
    }
};

size_t qHash(const BalancerKey &key, size_t seed = 0)
{
    return qHashMulti(seed, key.list, int(key.strategy), key.peakEwma.decayMs, key.peakEwma.defaultRttMs);
}
}  // namespace

GatewaySnapshot::GatewaySnapshot(ConfigSnapshot configSnapshot, BackendRegistry &registry,
                                 RouteMetricsRegistry &metrics, RateLimiterRegistry *limits,
                                 RequestQueueRegistry *queueRegistry, ConfigSnapshot writtenSnapshot,
                                 SplitStateRegistry *splitStates)
    : config(std::move(configSnapshot)),
      written(writtenSnapshot ? std::move(writtenSnapshot) : config),
      routes(config),
      rotations(size_t(config->routes.size())),
      routeRules(compileRouteRules(*config)),
      trustedProxies(config->server.trustedProxies),
      clientSubjectHeader(config->server.tls ? config->server.tls->clientSubjectHeader.toLatin1() : QByteArray()),
      jwt(config->jwt)
{
    balancers.reserve(size_t(config->routes.size()));
    circuits.reserve(size_t(config->routes.size()));
    routeMetrics.reserve(size_t(config->routes.size()));
    const auto hasOwnCircuitKeys = [](const Route &route) { return !route.overrides->circuitBreaker.keys.isEmpty(); };
    circuitOverrides.reserve(size_t(std::count_if(config->routes.cbegin(), config->routes.cend(), hasOwnCircuitKeys)));
    // The config model shares equal backend lists (configreader), so their address finds them.
    QHash<const Backend *, const std::vector<BalancedBackend> *> listFor;
    QHash<BalancerKey, const Balancer *> balancerFor;
    for (const Route &route : config->routes) {
        const std::vector<BalancedBackend> *&backends = listFor[route.backends.constData()];
        if (!backends) {
            std::vector<BalancedBackend> &list = backendLists.emplace_back();
            list.reserve(size_t(route.backends.size()));
            for (const Backend &backend : route.backends)
                list.push_back({registry.obtain(backend), backend.weight, backend.checksCertificate()});
            backends = &list;
        }
        // A split route's groups pick (makeSplits); its own balancer only lists its backends, for
        // lookups by index, health and limits, and needs no ring or estimates.
        const LoadBalancingStrategy strategy = route.split() ? LoadBalancingStrategy::RoundRobin : route.strategy;
        const PeakEwmaSettings peakEwma =
            strategy == LoadBalancingStrategy::PeakEwma ? PeakEwmaSettings::of(route) : PeakEwmaSettings();
        const Balancer *&balancer = balancerFor[{route.backends.constData(), strategy, peakEwma}];
        if (!balancer) {
            ownedBalancers.push_back(makeBalancer(strategy, *backends, peakEwma));
            balancer = ownedBalancers.back().get();
        }
        balancers.push_back(balancer);
        if (hasOwnCircuitKeys(route)) {
            circuitOverrides.push_back(config->circuitBreakerFor(route));
            circuits.push_back(&circuitOverrides.back());  // no reallocation: reserved above
        } else {
            circuits.push_back(&config->circuitBreaker);
        }
        routeMetrics.push_back(metrics.obtain(route.externalPath));
        if (std::optional<OutlierDetectionSettings> outlier = config->outlierDetectionFor(route)) {
            outlierSettings.push_back(std::move(*outlier));
            outliers.push_back(&outlierSettings.back());
        } else {
            outliers.push_back(nullptr);
        }
    }
    if (outlierSettings.empty())
        std::vector<const OutlierDetectionSettings *>().swap(outliers);
    ownedBalancers.shrink_to_fit();
    mirrors = compileMirrors(*config, routeMetrics);
    compileBackendLimiters(limits);
    applySlowStart(registry);
    makeQueues(queueRegistry);
    makeSplits(splitStates);
    const bool anyLimit = std::any_of(config->routes.cbegin(), config->routes.cend(),
                                      [this](const Route &route) { return config->rateLimitFor(route) != nullptr; });
    if (!anyLimit)
        return;
    rateLimiters.reserve(size_t(config->routes.size()));
    for (const Route &route : config->routes) {
        const RateLimitSettings *settings = config->rateLimitFor(route);
        if (!settings)
            rateLimiters.push_back(nullptr);
        else
            rateLimiters.push_back(limits ? limits->limiterFor(route.externalPath, *settings)
                                          : std::make_shared<RateLimiter>(*settings));
    }
}

void GatewaySnapshot::compileBackendLimiters(RateLimiterRegistry *limits)
{
    const auto limited = [](const Route &route) {
        return std::any_of(route.backends.cbegin(), route.backends.cend(),
                           [](const Backend &backend) { return bool(backend.rateLimit); });
    };
    if (std::none_of(config->routes.cbegin(), config->routes.cend(), limited))
        return;
    QHash<QString, std::shared_ptr<RateLimiter>> byBackend;  // one per backend without a registry too
    backendLimiters.resize(size_t(config->routes.size()));
    for (int r = 0; r < config->routes.size(); ++r) {
        const Route &route = config->routes[r];
        if (!limited(route))
            continue;
        std::vector<std::shared_ptr<RateLimiter>> &list = backendLimiters[size_t(r)];
        list.resize(size_t(route.backends.size()));
        for (int b = 0; b < route.backends.size(); ++b) {
            if (!route.backends[b].rateLimit)
                continue;
            const QString name = backendLimiterName(balancers[size_t(r)]->backend(b).state->key);
            std::shared_ptr<RateLimiter> &limiter = byBackend[name];
            if (!limiter)
                limiter = limits ? limits->limiterFor(name, *route.backends[b].rateLimit)
                                 : std::make_shared<RateLimiter>(*route.backends[b].rateLimit);
            list[size_t(b)] = limiter;
        }
    }
}

// A backend ramps as the longest slow start among the routes that list it (its state is one for
// all of them), with that route's minimum weight.
void GatewaySnapshot::applySlowStart(BackendRegistry &registry)
{
    QHash<BackendState *, std::pair<int, int>> ramps;  // window, minimum percent
    for (int r = 0; r < config->routes.size(); ++r) {
        const Route &route = config->routes[r];
        const int window = config->slowStartMsFor(route);
        for (const BalancedBackend &backend : balancers[size_t(r)]->backends()) {
            std::pair<int, int> &ramp = ramps[backend.state.get()];
            if (window > ramp.first || ramp.second == 0)
                ramp = {window, config->slowStartMinWeightPercentFor(route)};
        }
    }
    for (auto it = ramps.cbegin(); it != ramps.cend(); ++it)
        it.key()->setSlowStart(it.value().first, it.value().second);
    registry.markSeeded();
}

// Routes that list the same backends (in any order) with the same queue settings compete for the
// same slots: they wait in one SharedQueue, where their priorities order them.
void GatewaySnapshot::makeQueues(RequestQueueRegistry *registry)
{
    const bool anyQueue = std::any_of(config->routes.cbegin(), config->routes.cend(),
                                      [this](const Route &route) { return config->queueFor(route) != nullptr; });
    if (!anyQueue)
        return;
    struct Group {
        const QueueSettings *settings;
        std::vector<std::shared_ptr<BackendState>> backends;  // its first route's, in its order
        std::shared_ptr<SharedQueue> shared;
    };
    std::vector<Group> groups;
    QHash<QByteArray, std::vector<size_t>> groupsByBackends;  // the sorted addresses of their states
    std::vector<size_t> groupOf(size_t(config->routes.size()), SIZE_MAX);
    for (int i = 0; i < config->routes.size(); ++i) {
        const QueueSettings *settings = config->queueFor(config->routes[i]);
        if (!settings)
            continue;
        std::vector<std::shared_ptr<BackendState>> states;
        std::vector<const BackendState *> sorted;
        for (const BalancedBackend &backend : balancers[size_t(i)]->backends()) {
            states.push_back(backend.state);
            sorted.push_back(backend.state.get());
        }
        std::sort(sorted.begin(), sorted.end());
        std::vector<size_t> &candidates = groupsByBackends[QByteArray(
            reinterpret_cast<const char *>(sorted.data()), qsizetype(sorted.size() * sizeof(const BackendState *)))];
        const auto same = std::find_if(candidates.cbegin(), candidates.cend(),
                                       [&](size_t group) { return *groups[group].settings == *settings; });
        if (same != candidates.cend()) {
            groupOf[size_t(i)] = *same;
            continue;
        }
        candidates.push_back(groups.size());
        groupOf[size_t(i)] = groups.size();
        groups.push_back({settings, std::move(states), nullptr});
    }
    // A group keeps the shared queue that one of its routes waited in, waiters included, while its
    // settings and backends are the same.
    if (registry) {
        for (int i = 0; i < config->routes.size(); ++i) {
            if (groupOf[size_t(i)] == SIZE_MAX)
                continue;
            Group &group = groups[groupOf[size_t(i)]];
            if (!group.shared)
                group.shared =
                    registry->keptSharedQueue(config->routes[i].externalPath, *group.settings, group.backends);
        }
    }
    for (Group &group : groups) {
        if (!group.shared)
            group.shared = std::make_shared<SharedQueue>(*group.settings, std::move(group.backends));
    }
    queues.reserve(size_t(config->routes.size()));
    for (int i = 0; i < config->routes.size(); ++i) {
        if (groupOf[size_t(i)] == SIZE_MAX) {
            queues.push_back(nullptr);
            continue;
        }
        const std::shared_ptr<SharedQueue> &shared = groups[groupOf[size_t(i)]].shared;
        queues.push_back(registry ? registry->queueFor(config->routes[i].externalPath, shared)
                                  : std::make_shared<RequestQueue>(shared));
    }
}

int GatewaySnapshot::groupOf(int routeIndex, int backendIndex) const
{
    const RouteSplit *routeSplit = split(routeIndex);
    if (!routeSplit)
        return -1;
    int group = 0;
    while (group + 1 < int(routeSplit->groups.size()) && routeSplit->groups[size_t(group) + 1].first <= backendIndex)
        ++group;
    return group;
}

void GatewaySnapshot::makeSplits(SplitStateRegistry *registry)
{
    if (std::none_of(config->routes.cbegin(), config->routes.cend(), [](const Route &route) { return route.split(); }))
        return;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    splits.resize(size_t(config->routes.size()));
    for (int r = 0; r < config->routes.size(); ++r) {
        const Route &route = config->routes[r];
        const SplitSettings *settings = route.split();
        if (!settings)
            continue;
        std::shared_ptr<SplitState> state =
            registry ? registry->stateFor(route.externalPath, *settings) : std::make_shared<SplitState>(*settings);
        const BalancedBackendRange all = balancers[size_t(r)]->backends();
        auto split = std::make_unique<RouteSplit>(*settings, state);
        QStringList canaryBackends;
        int first = 0;
        for (int g = 0; g < settings->groups.size(); ++g) {
            const SplitGroup &group = settings->groups[g];
            std::vector<BalancedBackend> &list = backendLists.emplace_back();
            for (int i = first; i < first + group.backendCount && size_t(i) < all.size(); ++i)
                list.push_back(all[size_t(i)]);
            if (g == settings->canaryGroup()) {
                for (const BalancedBackend &backend : list)
                    canaryBackends.append(backend.state->key);
            }
            const LoadBalancingStrategy strategy = group.strategy.value_or(route.strategy);
            ownedBalancers.push_back(makeBalancer(
                strategy, list,
                strategy == LoadBalancingStrategy::PeakEwma ? PeakEwmaSettings::of(route) : PeakEwmaSettings()));
            split->groups.push_back({first, ownedBalancers.back().get()});
            first += group.backendCount;
        }
        state->configure(*settings, canaryBackends, now);
        splits[size_t(r)] = std::move(split);
    }
}

}  // namespace kairos
