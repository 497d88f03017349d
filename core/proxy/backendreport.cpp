#include "backendreport.h"

#include "balancing/peakewma.h"
#include "runtime/deadlines.h"

#include <QHash>
#include <QJsonObject>

#include <unordered_set>
#include <vector>

namespace kairos {

namespace {

QJsonObject describeLimit(const RateLimiter &limiter)
{
    const RateLimitSettings &settings = limiter.settings();
    return {{"policy", QString::fromLatin1(limiter.policy())},
            {"key", settings.keyText()},
            {"scope", settings.scope == RateLimitSettings::Scope::Fleet ? "fleet" : "instance"},
            {"refused", double(limiter.refused())},
            {"tracked_keys", double(limiter.trackedKeys())}};
}

// Null for a backend the config lists; for a discovered one, where it came from.
QJsonValue describeSource(const Backend &backend, const SourceStatusLookup &sourceStatus)
{
    if (!backend.discovered)
        return QJsonValue();
    const QString &key = backend.discovered->source;
    QJsonObject source = sourceStatus ? sourceStatus(key) : QJsonObject();
    source.insert(QLatin1String("key"), key);
    source.insert(QLatin1String("kind"), key.section(QLatin1Char(':'), 0, 0));
    source.insert(QLatin1String("record"), backend.discovered->record);
    return source;
}

}  // namespace

QJsonArray describeBackends(const GatewaySnapshot &snapshot, const SourceStatusLookup &sourceStatus)
{
    // Each backend once, in the order routes first name it; the routes naming it are gathered
    // apart and put in at the end: rewriting an entry's list for every route that shares the
    // backend copied the entry and its list each time (5,000 routes on two backends: most of the
    // console's refresh).
    std::vector<QJsonObject> entries;
    std::vector<QJsonArray> routesOf;
    std::vector<const BackendState *> stateOf;
    // What the first PeakEwma route listing the backend would count for it now; null without one.
    std::vector<QJsonValue> estimateOf;
    const qint64 nowNs = steadyNowNs();
    const auto estimateFor = [nowNs, &snapshot](int route, int b) {
        const Balancer &balancer = snapshot.balancer(route, snapshot.groupOf(route, b));
        if (balancer.strategy() != LoadBalancingStrategy::PeakEwma)
            return QJsonValue();
        const auto &peakEwma = static_cast<const PeakEwmaBalancer &>(balancer);
        return QJsonValue(peakEwma.estimateNs(*snapshot.balancers[size_t(route)]->backend(b).state, nowNs) / 1e6);
    };
    QHash<QString, size_t> indexByKey;
    // key() parses the host as a URL; routes mostly repeat the same few host and port pairs.
    QHash<std::pair<QString, int>, QString> keyOf;
    const auto keyFor = [&keyOf](const Backend &backend) {
        auto cached = keyOf.find({backend.host, backend.port});
        if (cached == keyOf.end())
            cached = keyOf.insert({backend.host, backend.port}, backend.key());
        return *cached;
    };
    const Config &config = *snapshot.config;
    const qint64 nowMs = BackendState::nowMs();
    for (int r = 0; r < config.routes.size(); ++r) {
        const Route &route = config.routes[r];
        for (int b = 0; b < route.backends.size(); ++b) {
            const Backend &backend = route.backends[b];
            // A discovered backend's key is its address, which its host does not tell.
            const QString key = backend.discovered ? backend.key() : keyFor(backend);
            const auto found = indexByKey.constFind(key);
            const Balancer &balancer = *snapshot.balancers[size_t(r)];
            if (found != indexByKey.cend()) {
                routesOf[*found].append(route.externalPath);
                if (estimateOf[*found].isNull())
                    estimateOf[*found] = estimateFor(r, b);
                continue;
            }
            const BackendState &state = *balancer.backends()[size_t(b)].state;
            stateOf.push_back(&state);
            estimateOf.push_back(estimateFor(r, b));
            QJsonObject responses;
            for (size_t c = 0; c < 5; ++c)
                responses.insert(QStringLiteral("%1xx").arg(c + 1), double(state.responses(c)));
            const bool ejected = state.isEjected(nowMs);
            indexByKey.insert(key, entries.size());
            routesOf.push_back(QJsonArray{route.externalPath});
            const std::vector<std::shared_ptr<RateLimiter>> &limiters = snapshot.backendRateLimiters(r);
            const RateLimiter *limiter = limiters.empty() ? nullptr : limiters[size_t(b)].get();
            entries.push_back(
                QJsonObject{{"backend", key},
                            {"host", backend.host},
                            {"port", backend.port},
                            {"weight", backend.weight},
                            {"health_check_path", backend.healthCheckPath},
                            {"healthy", state.healthy.load()},
                            {"circuit", QLatin1String(CircuitBreaker::stateName(state.circuit.state()))},
                            {"ejected", ejected},
                            {"ejected_until_ms", ejected ? double(state.ejectedUntilMs()) : 0.0},
                            {"ejection_remaining_ms", ejected ? double(state.ejectedUntilMs() - nowMs) : 0.0},
                            {"ejections", double(state.ejections())},
                            {"slow_start_percent", state.slowStartPercent(nowMs)},
                            {"in_flight", state.inFlight.load()},
                            {"max_connections", state.maxConnections()},
                            {"queued", state.queued()},
                            {"requests", double(state.requests.load())},
                            {"failures", double(state.failures.load())},
                            {"responses", responses},
                            {"latency_ms", QJsonObject{{"p50", state.latency().quantileMs(0.5)},
                                                       {"p99", state.latency().quantileMs(0.99)}}},
                            {"rate_limit", limiter ? describeLimit(*limiter) : QJsonValue()},
                            {"address", backend.connectHost()},
                            {"source", describeSource(backend, sourceStatus)}});
        }
    }
    const QHash<const BackendState *, double> shares = recentShares(snapshot, Deadlines::nowMs());
    QJsonArray list;
    for (size_t i = 0; i < entries.size(); ++i) {
        entries[i].insert(QLatin1String("routes"), routesOf[i]);
        entries[i].insert(QLatin1String("latency_estimate_ms"), estimateOf[i]);
        const auto share = shares.constFind(stateOf[i]);
        entries[i].insert(QLatin1String("share"), share != shares.cend() ? QJsonValue(*share) : QJsonValue());
        list.append(entries[i]);
    }
    return list;
}

QHash<const BackendState *, double> recentShares(const GatewaySnapshot &snapshot, qint64 nowMs)
{
    // Each backend's tries, and each distinct list's (routes with equal lists share one).
    QHash<const BackendState *, quint64> tries;
    QHash<const BackendState *, std::vector<size_t>> listsOf;
    std::vector<quint64> listTotals;
    for (size_t l = 0; l < snapshot.backendLists.size(); ++l) {
        quint64 total = 0;
        for (const BalancedBackend &backend : snapshot.backendLists[l]) {
            auto counted = tries.find(backend.state.get());
            if (counted == tries.end())
                counted = tries.insert(backend.state.get(), backend.state->recentTries.total(nowMs));
            total += *counted;
            listsOf[backend.state.get()].push_back(l);
        }
        listTotals.push_back(total);
    }
    QHash<const BackendState *, double> shares;
    for (auto it = listsOf.cbegin(); it != listsOf.cend(); ++it) {
        quint64 total = 0;
        if (it->size() == 1) {
            total = listTotals[it->front()];
        } else {
            // In several lists: each backend of their union once.
            std::unordered_set<const BackendState *> seen;
            for (size_t l : *it)
                for (const BalancedBackend &backend : snapshot.backendLists[l])
                    if (seen.insert(backend.state.get()).second)
                        total += tries.value(backend.state.get());
        }
        if (total > 0)
            shares.insert(it.key(), double(tries.value(it.key())) / double(total));
    }
    return shares;
}

BackendCount countBackends(const GatewaySnapshot &snapshot)
{
    // Routes naming the same backend share its one live state.
    std::unordered_set<const BackendState *> seen;
    BackendCount count;
    for (const auto &balancer : snapshot.balancers) {
        for (const BalancedBackend &backend : balancer->backends()) {
            if (!seen.insert(backend.state.get()).second)
                continue;
            ++count.total;
            count.healthy += backend.state->healthy.load() ? 1 : 0;
        }
    }
    return count;
}

}  // namespace kairos
