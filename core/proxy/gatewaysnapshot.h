// Everything a request needs from the configuration, compiled once per config change and shared
// read-only: the config, its route table, the balancers and the trusted-proxy list. A
// request holds the snapshot it started with until it ends, whatever reloads happen meanwhile.
#pragma once

#include "auth/jwtverifier.h"
#include "backend/requestqueue.h"
#include "balancing/balancer.h"
#include "config/config.h"
#include "metrics/routemetrics.h"
#include "mirror.h"
#include "networklist.h"
#include "protection/ratelimiter.h"
#include "routerules.h"
#include "routing/routetable.h"
#include "shaping/splitchoice.h"
#include "shaping/splitstate.h"

#include <deque>
#include <memory>
#include <vector>

namespace kairos {

// A split route's groups (docs/CONFIGURATION.md, Canary releases): a balancer each over its run of
// the route's backends, which Selection numbers from 0 (the route's index is first + that).
struct RouteSplit {
    struct Group {
        int first = 0;
        const Balancer *balancer = nullptr;
    };

    RouteSplit(const SplitSettings &settings, std::shared_ptr<SplitState> live)
        : rotations(new Rotation[size_t(settings.groups.size())]()), choice(settings), state(std::move(live))
    {}

    std::vector<Group> groups;
    std::unique_ptr<Rotation[]> rotations;
    SplitChoice choice;
    std::shared_ptr<SplitState> state;  // the registry's: kept across config changes
};

struct GatewaySnapshot {
    // `limits` and `queueRegistry` keep rate limiters and request queues across config changes;
    // null: a fresh one per route.
    GatewaySnapshot(ConfigSnapshot config, BackendRegistry &registry, RouteMetricsRegistry &metrics,
                    RateLimiterRegistry *limits = nullptr, RequestQueueRegistry *queueRegistry = nullptr,
                    ConfigSnapshot written = nullptr, SplitStateRegistry *splitStates = nullptr);

    RateLimiter *rateLimiter(int routeIndex) const
    {
        return rateLimiters.empty() ? nullptr : rateLimiters[size_t(routeIndex)].get();
    }

    // The route's backends' own limits, by backend index; empty when none of them has one.
    const std::vector<std::shared_ptr<RateLimiter>> &backendRateLimiters(int routeIndex) const
    {
        static const std::vector<std::shared_ptr<RateLimiter>> none;
        return backendLimiters.empty() ? none : backendLimiters[size_t(routeIndex)];
    }
    // The name a backend's limiter has in the RateLimiterRegistry (routes' limiters go by path).
    static QString backendLimiterName(const QString &backendKey) { return QLatin1String("backend ") + backendKey; }
    // CORS, header rules, faults and the answer of a route without backends; null: none of them.
    const RouteRules *rulesFor(int routeIndex) const
    {
        return routeRules.empty() ? nullptr : routeRules[size_t(routeIndex)].get();
    }
    // The route's outlier detection (Config::outlierDetectionFor()); null when it has none.
    const OutlierDetectionSettings *outlierDetection(int routeIndex) const
    {
        return outliers.empty() ? nullptr : outliers[size_t(routeIndex)];
    }
    // The route's request queue; null when it has none.
    RequestQueue *queue(int routeIndex) const { return queues.empty() ? nullptr : queues[size_t(routeIndex)].get(); }

    Selection select(int routeIndex, quint64 clientHash) const
    {
        return Selection(*balancers[size_t(routeIndex)], rotations[size_t(routeIndex)], clientHash);
    }
    // The route's split; null when it has none.
    const RouteSplit *split(int routeIndex) const
    {
        return splits.empty() ? nullptr : splits[size_t(routeIndex)].get();
    }
    // Over the backends of the split's group `group`; select(routeIndex) when group is -1.
    Selection select(int routeIndex, int group, quint64 clientHash) const
    {
        if (group < 0)
            return select(routeIndex, clientHash);
        const RouteSplit &routeSplit = *splits[size_t(routeIndex)];
        return Selection(*routeSplit.groups[size_t(group)].balancer, routeSplit.rotations[size_t(group)], clientHash);
    }
    // The balancer that picks for requests of `group` (-1: the route's own), whose strategy and
    // PeakEwma settings a try's outcome is measured by.
    const Balancer &balancer(int routeIndex, int group) const
    {
        return group < 0 ? *balancers[size_t(routeIndex)] : *splits[size_t(routeIndex)]->groups[size_t(group)].balancer;
    }
    // The group of a split route that lists backend `backendIndex`; -1 without a split.
    int groupOf(int routeIndex, int backendIndex) const;

    // What requests run on: `written` with each discover entry replaced by what discovery found
    // (config/discoveredbackends.h); the same snapshot when the config discovers nothing.
    ConfigSnapshot config;
    ConfigSnapshot written;  // the config as the store holds it, discover entries and all
    RouteTable routes;
    // One per distinct list of backends in the config; a deque, so that balancers keep pointing
    // at them as lists are added.
    std::deque<std::vector<BalancedBackend>> backendLists;
    // By route index. Routes with the same backends and strategy share a balancer (an ip_hash
    // ring is kilobytes) and each has a rotation of its own.
    std::vector<const Balancer *> balancers;
    mutable std::vector<Rotation> rotations;
    std::vector<BalancerPtr> ownedBalancers;
    std::vector<RouteMetrics *> routeMetrics;  // by route index; the registry's
    // By route index: the top level's settings, or the route's own keys over them (in circuitOverrides).
    std::vector<const CircuitBreakerSettings *> circuits;
    std::vector<CircuitBreakerSettings> circuitOverrides;
    // By route index; empty when no route has outlier detection.
    std::vector<const OutlierDetectionSettings *> outliers;
    std::deque<OutlierDetectionSettings> outlierSettings;
    // By route index; empty when no route has a rate limit.
    std::vector<std::shared_ptr<RateLimiter>> rateLimiters;
    // By route index, then backend index; empty when no backend has a rate limit. A backend's
    // limiter is one for every route listing it (the validator makes them agree).
    std::vector<std::vector<std::shared_ptr<RateLimiter>>> backendLimiters;
    // By route index; empty when no route has a queue.
    std::vector<std::shared_ptr<RequestQueue>> queues;
    std::vector<std::shared_ptr<const RouteRules>> routeRules;  // by route index; empty when no route has rules
    std::vector<std::unique_ptr<RouteSplit>> splits;            // by route index; empty when no route splits
    std::vector<MirrorPolicyPtr> mirrors;                       // by route index; empty when no route has a mirror
    NetworkList trustedProxies;
    // server.tls.client_subject_header as a field name; empty without server.tls.
    QByteArray clientSubjectHeader;
    JwtVerifier jwt;  // key material loaded once per config

private:
    void compileBackendLimiters(RateLimiterRegistry *limits);
    void applySlowStart(BackendRegistry &registry);
    void makeQueues(RequestQueueRegistry *registry);
    void makeSplits(SplitStateRegistry *registry);
};

using GatewaySnapshotPtr = std::shared_ptr<const GatewaySnapshot>;

}  // namespace kairos
