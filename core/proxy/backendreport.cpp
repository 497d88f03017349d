#include "backendreport.h"

#include <QHash>
#include <QJsonObject>

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

}  // namespace

QJsonArray describeBackends(const GatewaySnapshot &snapshot)
{
    QJsonArray list;
    QHash<QString, int> indexByKey;
    const Config &config = *snapshot.config;
    for (int r = 0; r < config.routes.size(); ++r) {
        const Route &route = config.routes[r];
        for (int b = 0; b < route.backends.size(); ++b) {
            const Backend &backend = route.backends[b];
            const auto found = indexByKey.constFind(backend.key());
            if (found != indexByKey.cend()) {
                QJsonObject entry = list[*found].toObject();
                QJsonArray routes = entry["routes"].toArray();
                routes.append(route.externalPath);
                entry["routes"] = routes;
                list[*found] = entry;
                continue;
            }
            const BackendState &state = *snapshot.balancers[size_t(r)]->backends()[size_t(b)].state;
            QJsonObject responses;
            for (size_t c = 0; c < 5; ++c)
                responses.insert(QStringLiteral("%1xx").arg(c + 1), double(state.responses(c)));
            const qint64 nowMs = BackendState::nowMs();
            const bool ejected = state.isEjected(nowMs);
            indexByKey.insert(backend.key(), int(list.size()));
            const std::vector<std::shared_ptr<RateLimiter>> &limiters = snapshot.backendRateLimiters(r);
            const RateLimiter *limiter = limiters.empty() ? nullptr : limiters[size_t(b)].get();
            list.append(QJsonObject{{"backend", backend.key()},
                                    {"host", backend.host},
                                    {"port", backend.port},
                                    {"routes", QJsonArray{route.externalPath}},
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
                                    {"rate_limit", limiter ? describeLimit(*limiter) : QJsonValue()}});
        }
    }
    return list;
}

}  // namespace kairos
