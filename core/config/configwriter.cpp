#include "configwriter.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace kairos {

namespace {

// Unknown keys first, so that a known key of the same name (impossible from the reader, but
// possible from code) is what ends up in the output.
QJsonObject startWith(const QJsonObject &unknownKeys)
{
    return unknownKeys;
}

QJsonArray toArray(const QStringList &list)
{
    return QJsonArray::fromStringList(list);
}

QJsonArray toArray(const QList<int> &list)
{
    QJsonArray array;
    for (int value : list)
        array.append(value);
    return array;
}

template <typename T> void putIfChanged(QJsonObject &object, const char *key, const T &value, const T &defaultValue)
{
    if (!(value == defaultValue))
        object.insert(QLatin1String(key), QJsonValue::fromVariant(QVariant::fromValue(value)));
}

void putListIfChanged(QJsonObject &object, const char *key, const QStringList &value, const QStringList &defaultValue)
{
    if (value != defaultValue)
        object.insert(QLatin1String(key), toArray(value));
}

QJsonObject rateLimitToJson(const RateLimitSettings &limit)
{
    const RateLimitSettings defaults;
    QJsonObject object = startWith(limit.unknownKeys);
    object.insert(QLatin1String("requests_per_second"), limit.requestsPerSecond);
    putIfChanged(object, "burst", limit.burst, defaults.burst);
    object.insert(QLatin1String("key"), limit.keyText());
    putIfChanged(object, "headers", limit.headers, defaults.headers);
    putIfChanged(object, "max_keys", limit.maxKeys, defaults.maxKeys);
    if (limit.scope == RateLimitSettings::Scope::Fleet)
        object.insert(QLatin1String("scope"), QLatin1String("fleet"));
    return object;
}

QJsonObject discoveryToJson(const DiscoverySettings &discovery)
{
    const DiscoverySettings defaults;
    QJsonObject object = startWith(discovery.unknownKeys);
    object.insert(DiscoverySettings::kindName(discovery.kind), discovery.name);
    putIfChanged(object, "port", discovery.port, defaults.port);
    if (discovery.scheme != defaults.scheme)
        object.insert(QLatin1String("scheme"), discovery.scheme);
    putIfChanged(object, "refresh_ms", discovery.refreshMs, defaults.refreshMs);
    if (discovery.respectTtl)
        object.insert(QLatin1String("respect_ttl"), true);
    if (!discovery.nameservers.isEmpty())
        object.insert(QLatin1String("nameservers"), QJsonArray::fromStringList(discovery.nameservers));
    putIfChanged(object, "weight", discovery.weight, defaults.weight);
    return object;
}

QJsonObject backendToJson(const Backend &backend)
{
    QJsonObject object = startWith(backend.unknownKeys);
    if (backend.discover) {
        object.insert(QLatin1String("discover"), discoveryToJson(*backend.discover));
    } else {
        object.insert(QLatin1String("host"), backend.host);
        object.insert(QLatin1String("port"), backend.port);
        object.insert(QLatin1String("weight"), backend.weight);
    }
    if (!backend.healthCheckPath.isEmpty())
        object.insert(QLatin1String("health_check_path"), backend.healthCheckPath);
    if (!backend.tlsVerify)
        object.insert(QLatin1String("tls_verify"), false);
    if (backend.usesHttp2())
        object.insert(QLatin1String("protocol"), backend.protocol);
    if (backend.rateLimit)
        object.insert(QLatin1String("rate_limit"), rateLimitToJson(*backend.rateLimit));
    if (backend.maxConnections != 0)
        object.insert(QLatin1String("max_connections"), backend.maxConnections);
    return object;
}

QJsonObject retryToJson(const RetryPolicy &retry)
{
    QJsonObject object = startWith(retry.unknownKeys);
    object.insert(QLatin1String("max_attempts"), retry.maxAttempts);
    object.insert(QLatin1String("initial_backoff_ms"), retry.initialBackoffMs);
    object.insert(QLatin1String("max_backoff_ms"), retry.maxBackoffMs);
    object.insert(QLatin1String("backoff_multiplier"), retry.backoffMultiplier);
    object.insert(QLatin1String("retryable_status_codes"), toArray(retry.retryableStatusCodes));
    if (!retry.retryOnConnectionError)
        object.insert(QLatin1String("retry_on_connection_error"), false);
    if (retry.jitter)
        object.insert(QLatin1String("jitter"), true);
    putIfChanged(object, "retry_buffer_bytes", retry.retryBufferBytes, RetryPolicy().retryBufferBytes);
    return object;
}

QJsonObject circuitBreakerToJson(const CircuitBreakerSettings &settings)
{
    const CircuitBreakerSettings defaults;
    QJsonObject object = startWith(settings.unknownKeys);
    putIfChanged(object, "failure_threshold", settings.failureThreshold, defaults.failureThreshold);
    putIfChanged(object, "open_duration_ms", settings.openDurationMs, defaults.openDurationMs);
    putIfChanged(object, "half_open_max_requests", settings.halfOpenMaxRequests, defaults.halfOpenMaxRequests);
    putIfChanged(object, "success_threshold", settings.successThreshold, defaults.successThreshold);
    return object;
}

QJsonObject healthCheckToJson(const HealthCheckSettings &settings)
{
    const HealthCheckSettings defaults;
    QJsonObject object = startWith(settings.unknownKeys);
    putIfChanged(object, "interval_ms", settings.intervalMs, defaults.intervalMs);
    putIfChanged(object, "timeout_ms", settings.timeoutMs, defaults.timeoutMs);
    putIfChanged(object, "unhealthy_threshold", settings.unhealthyThreshold, defaults.unhealthyThreshold);
    putIfChanged(object, "healthy_threshold", settings.healthyThreshold, defaults.healthyThreshold);
    if (!settings.expectedStatuses.isEmpty())
        object.insert(QLatin1String("expected_statuses"), toArray(settings.expectedStatuses));
    return object;
}

QJsonObject outlierDetectionToJson(const OutlierDetectionSettings &settings)
{
    const OutlierDetectionSettings defaults;
    QJsonObject object = startWith(settings.unknownKeys);
    putIfChanged(object, "consecutive_5xx", settings.consecutive5xx, defaults.consecutive5xx);
    putIfChanged(object, "consecutive_gateway_failures", settings.consecutiveGatewayFailures,
                 defaults.consecutiveGatewayFailures);
    putIfChanged(object, "base_ejection_ms", settings.baseEjectionMs, defaults.baseEjectionMs);
    putIfChanged(object, "max_ejection_ms", settings.maxEjectionMs, defaults.maxEjectionMs);
    putIfChanged(object, "max_ejection_percent", settings.maxEjectionPercent, defaults.maxEjectionPercent);
    putIfChanged(object, "enabled", settings.enabled, defaults.enabled);
    return object;
}

QJsonObject tlsToJson(const TlsSettings &tls)
{
    const TlsSettings defaults;
    QJsonObject object = startWith(tls.unknownKeys);
    object.insert(QLatin1String("port"), tls.port);
    putIfChanged(object, "cert_file", tls.certFile, defaults.certFile);
    putIfChanged(object, "key_file", tls.keyFile, defaults.keyFile);
    if (!tls.certificates.isEmpty()) {
        QJsonArray certificates;
        for (const TlsCertificate &certificate : tls.certificates) {
            QJsonObject entry = startWith(certificate.unknownKeys);
            entry.insert(QLatin1String("server_names"), toArray(certificate.serverNames));
            entry.insert(QLatin1String("cert_file"), certificate.certFile);
            entry.insert(QLatin1String("key_file"), certificate.keyFile);
            certificates.append(entry);
        }
        object.insert(QLatin1String("certificates"), certificates);
    }
    putIfChanged(object, "min_version", tls.minVersion, defaults.minVersion);
    putListIfChanged(object, "alpn", tls.alpn, defaults.alpn);
    putIfChanged(object, "handshake_timeout_ms", tls.handshakeTimeoutMs, defaults.handshakeTimeoutMs);
    putIfChanged(object, "client_ca_file", tls.clientCaFile, defaults.clientCaFile);
    putIfChanged(object, "client_subject_header", tls.clientSubjectHeader, defaults.clientSubjectHeader);
    return object;
}

QJsonObject serverToJson(const ServerSettings &server)
{
    const ServerSettings defaults;
    QJsonObject object = startWith(server.unknownKeys);
    putIfChanged(object, "host", server.host, defaults.host);
    putIfChanged(object, "port", server.port, defaults.port);
    putIfChanged(object, "workers", server.workers, defaults.workers);
    putIfChanged(object, "max_header_bytes", server.maxHeaderBytes, defaults.maxHeaderBytes);
    putIfChanged(object, "max_body_bytes", server.maxBodyBytes, defaults.maxBodyBytes);
    putIfChanged(object, "header_timeout_ms", server.headerTimeoutMs, defaults.headerTimeoutMs);
    putIfChanged(object, "idle_timeout_ms", server.idleTimeoutMs, defaults.idleTimeoutMs);
    putIfChanged(object, "connect_timeout_ms", server.connectTimeoutMs, defaults.connectTimeoutMs);
    putIfChanged(object, "response_timeout_ms", server.responseTimeoutMs, defaults.responseTimeoutMs);
    putIfChanged(object, "tunnel_idle_timeout_ms", server.tunnelIdleTimeoutMs, defaults.tunnelIdleTimeoutMs);
    putIfChanged(object, "tcp_keepalive_s", server.tcpKeepaliveSeconds, defaults.tcpKeepaliveSeconds);
    putIfChanged(object, "max_idle_upstream_connections", server.maxIdleUpstreamConnections,
                 defaults.maxIdleUpstreamConnections);
    putListIfChanged(object, "trusted_proxies", server.trustedProxies, defaults.trustedProxies);
    if (server.tls)
        object.insert(QLatin1String("tls"), tlsToJson(*server.tls));
    const Http2Settings http2Defaults;
    QJsonObject http2 = startWith(server.http2.unknownKeys);
    putIfChanged(http2, "cleartext", server.http2.cleartext, http2Defaults.cleartext);
    putIfChanged(http2, "max_concurrent_streams", server.http2.maxConcurrentStreams,
                 http2Defaults.maxConcurrentStreams);
    if (!http2.isEmpty())
        object.insert(QLatin1String("http2"), http2);
    return object;
}

QJsonObject jwtToJson(const JwtSettings &jwt)
{
    const JwtSettings defaults;
    QJsonObject object = startWith(jwt.unknownKeys);
    putIfChanged(object, "secret", jwt.secret, defaults.secret);
    putIfChanged(object, "public_key_file", jwt.publicKeyFile, defaults.publicKeyFile);
    putIfChanged(object, "leeway_seconds", jwt.leewaySeconds, defaults.leewaySeconds);
    putIfChanged(object, "issuer", jwt.issuer, defaults.issuer);
    putIfChanged(object, "audience", jwt.audience, defaults.audience);
    putListIfChanged(object, "required_claims", jwt.requiredClaims, defaults.requiredClaims);
    return object;
}

QJsonObject consoleToJson(const ConsoleSettings &console)
{
    QJsonObject object = startWith(console.unknownKeys);
    putIfChanged(object, "capture_body_bytes", console.captureBodyBytes, ConsoleSettings().captureBodyBytes);
    return object;
}

QJsonObject adminToJson(const AdminSettings &admin)
{
    const AdminSettings defaults;
    QJsonObject object = startWith(admin.unknownKeys);
    putListIfChanged(object, "allowed_networks", admin.allowedNetworks, defaults.allowedNetworks);
    putIfChanged(object, "token", admin.token, defaults.token);
    putIfChanged(object, "listen", admin.listen, defaults.listen);
    putIfChanged(object, "max_body_bytes", admin.maxBodyBytes, defaults.maxBodyBytes);
    return object;
}

void putSectionIfNotEmpty(QJsonObject &object, const char *key, const QJsonObject &section)
{
    if (!section.isEmpty())
        object.insert(QLatin1String(key), section);
}

// Both keys always: a queue's limits are worth reading in the file, defaults or not.
QJsonObject queueToJson(const QueueSettings &queue)
{
    QJsonObject object = startWith(queue.unknownKeys);
    object.insert(QLatin1String("max_size"), queue.maxSize);
    object.insert(QLatin1String("timeout_ms"), queue.timeoutMs);
    return object;
}

// Both keys always: which requests are copied where is worth reading in the file.
QJsonObject mirrorToJson(const MirrorSettings &mirror)
{
    QJsonObject object = startWith(mirror.unknownKeys);
    QJsonArray backends;
    for (const Backend &backend : mirror.backends)
        backends.append(backendToJson(backend));
    object.insert(QLatin1String("backends"), backends);
    object.insert(QLatin1String("percent"), mirror.percent);
    return object;
}

// The blocks of requestrules.h that the top level and routes share; null where a route turned
// the top level's off.
template <typename Source> void putRequestRules(QJsonObject &object, const Source &source)
{
    const auto put = [&object](const char *key, const auto &block, auto toJson) {
        if (block)
            object.insert(QLatin1String(key), block->off ? QJsonValue(QJsonValue::Null) : QJsonValue(toJson(*block)));
    };
    put("cors", source.cors, corsToJson);
    put("request_headers", source.requestHeaders, headerRulesToJson);
    put("response_headers", source.responseHeaders, headerRulesToJson);
    put("fault", source.fault, faultToJson);
    put("compression", source.compression, compressionToJson);
}

QJsonObject shiftToJson(const ShiftSettings &shift)
{
    const ShiftSettings defaults;
    QJsonObject object = startWith(shift.unknownKeys);
    object.insert(QLatin1String("group"), shift.group);
    putIfChanged(object, "step_percent", shift.stepPercent, defaults.stepPercent);
    putIfChanged(object, "interval_s", shift.intervalS, defaults.intervalS);
    putIfChanged(object, "max_error_rate", shift.maxErrorRate, defaults.maxErrorRate);
    putIfChanged(object, "min_requests", shift.minRequests, defaults.minRequests);
    putIfChanged(object, "max_p99_ms", shift.maxP99Ms, defaults.maxP99Ms);
    return object;
}

// Each group with its slice of the route's backends.
void putSplit(QJsonObject &object, const SplitSettings &split, const QList<Backend> &backends)
{
    QJsonArray groups;
    int first = 0;
    for (const SplitGroup &group : split.groups) {
        QJsonObject entry = startWith(group.unknownKeys);
        entry.insert(QLatin1String("name"), group.name);
        entry.insert(QLatin1String("weight"), group.weight);
        if (group.strategy)
            entry.insert(QLatin1String("strategy"), strategyName(*group.strategy));
        QJsonArray list;
        for (int i = first; i < first + group.backendCount && i < backends.size(); ++i)
            list.append(backendToJson(backends[i]));
        first += group.backendCount;
        entry.insert(QLatin1String("backends"), list);
        groups.append(entry);
    }
    object.insert(QLatin1String("split"), groups);
    if (split.key.kind != SplitKey::Kind::Random)
        object.insert(QLatin1String("split_key"), split.key.toString());
    if (!split.canaryHeader.isEmpty())
        object.insert(QLatin1String("canary_header"), split.canaryHeader);
    if (split.shift)
        object.insert(QLatin1String("shift"), shiftToJson(*split.shift));
}

}  // namespace

QJsonObject routeToJson(const Route &route)
{
    QJsonObject object = startWith(route.unknownKeys);
    object.insert(QLatin1String("external_path"), route.externalPath);
    object.insert(QLatin1String("internal_path"), route.internalPath);
    object.insert(QLatin1String("methods"), toArray(route.methods));
    object.insert(QLatin1String("auth_required"), route.authRequired);
    if (const SplitSettings *split = route.split()) {
        putSplit(object, *split, route.backends);
    } else {
        QJsonArray backends;
        for (const Backend &backend : route.backends)
            backends.append(backendToJson(backend));
        if (!backends.isEmpty() || !Config::answersItself(route))
            object.insert(QLatin1String("backends"), backends);
    }
    object.insert(QLatin1String("load_balancing_strategy"), strategyName(route.strategy));
    if (route.retry)
        object.insert(QLatin1String("retry"), retryToJson(*route.retry));
    if (route.preserveHost)
        object.insert(QLatin1String("preserve_host"), true);
    if (!route.forwardAuthorization)
        object.insert(QLatin1String("forward_authorization"), false);
    if (route.overrides->maxBodyBytes)
        object.insert(QLatin1String("max_body_bytes"), double(*route.overrides->maxBodyBytes));
    if (route.overrides->connectTimeoutMs)
        object.insert(QLatin1String("connect_timeout_ms"), *route.overrides->connectTimeoutMs);
    if (route.overrides->responseTimeoutMs)
        object.insert(QLatin1String("response_timeout_ms"), *route.overrides->responseTimeoutMs);
    if (route.overrides->rateLimit)
        object.insert(QLatin1String("rate_limit"), !route.overrides->rateLimit->off
                                                       ? QJsonValue(rateLimitToJson(*route.overrides->rateLimit))
                                                       : QJsonValue(QJsonValue::Null));
    if (route.overrides->queue)
        object.insert(QLatin1String("queue"), !route.overrides->queue->off
                                                  ? QJsonValue(queueToJson(*route.overrides->queue))
                                                  : QJsonValue(QJsonValue::Null));
    if (route.overrides->tunnelIdleTimeoutMs)
        object.insert(QLatin1String("tunnel_idle_timeout_ms"), *route.overrides->tunnelIdleTimeoutMs);
    if (route.overrides->allowedUpgrades)
        object.insert(QLatin1String("allowed_upgrades"), toArray(*route.overrides->allowedUpgrades));
    if (route.timeoutMs != Route().timeoutMs)
        object.insert(QLatin1String("timeout_ms"), route.timeoutMs);
    if (route.retryNonIdempotent)
        object.insert(QLatin1String("retry_non_idempotent"), true);
    if (route.priority != RoutePriority::Normal)
        object.insert(QLatin1String("priority"), priorityName(route.priority));
    if (!route.overrides->circuitBreaker.keys.isEmpty())
        object.insert(QLatin1String("circuit_breaker"), route.overrides->circuitBreaker.keys);
    if (!route.overrides->healthCheck.keys.isEmpty())
        object.insert(QLatin1String("health_check"), route.overrides->healthCheck.keys);
    if (!route.overrides->outlierDetection.keys.isEmpty())
        object.insert(QLatin1String("outlier_detection"), route.overrides->outlierDetection.keys);
    if (route.overrides->slowStartMs)
        object.insert(QLatin1String("slow_start_ms"), *route.overrides->slowStartMs);
    if (route.overrides->slowStartMinWeightPercent)
        object.insert(QLatin1String("slow_start_min_weight_percent"), *route.overrides->slowStartMinWeightPercent);
    if (route.overrides->ewmaDecayMs)
        object.insert(QLatin1String("ewma_decay_ms"), *route.overrides->ewmaDecayMs);
    if (route.overrides->defaultRttMs)
        object.insert(QLatin1String("default_rtt_ms"), *route.overrides->defaultRttMs);
    if (route.overrides->mirror)
        object.insert(QLatin1String("mirror"), mirrorToJson(*route.overrides->mirror));
    putRequestRules(object, *route.overrides);
    if (route.overrides->redirect)
        object.insert(QLatin1String("redirect"), redirectToJson(*route.overrides->redirect));
    if (route.overrides->mock)
        object.insert(QLatin1String("mock"), mockToJson(*route.overrides->mock));
    if (route.overrides->staticSite)
        object.insert(QLatin1String("static"), staticToJson(*route.overrides->staticSite));
    return object;
}

QJsonObject clusterToJson(const ClusterSettings &cluster)
{
    const EtcdSettings defaults;
    QJsonObject etcd = startWith(cluster.etcd.unknownKeys);
    putListIfChanged(etcd, "endpoints", cluster.etcd.endpoints, defaults.endpoints);
    putIfChanged(etcd, "prefix", cluster.etcd.prefix, defaults.prefix);
    putIfChanged(etcd, "username", cluster.etcd.username, defaults.username);
    putIfChanged(etcd, "password", cluster.etcd.password, defaults.password);
    putIfChanged(etcd, "ca_file", cluster.etcd.caFile, defaults.caFile);
    putIfChanged(etcd, "cert_file", cluster.etcd.certFile, defaults.certFile);
    putIfChanged(etcd, "key_file", cluster.etcd.keyFile, defaults.keyFile);
    putIfChanged(etcd, "timeout_ms", cluster.etcd.timeoutMs, defaults.timeoutMs);
    QJsonObject object = startWith(cluster.unknownKeys);
    putSectionIfNotEmpty(object, "etcd", etcd);
    putIfChanged(object, "instance_name", cluster.instanceName, QString());
    putIfChanged(object, "cache_file", cluster.cacheFile, QString());
    return object;
}

QJsonObject configToJson(const Config &config)
{
    QJsonObject object = startWith(config.unknownKeys);
    object.insert(QLatin1String("version"), config.version);
    putSectionIfNotEmpty(object, "server", serverToJson(config.server));
    putSectionIfNotEmpty(object, "jwt", jwtToJson(config.jwt));
    putSectionIfNotEmpty(object, "admin", adminToJson(config.admin));
    putSectionIfNotEmpty(object, "console", consoleToJson(config.console));
    putSectionIfNotEmpty(object, "cluster", clusterToJson(config.cluster));
    if (config.rateLimit)
        object.insert(QLatin1String("rate_limit"), rateLimitToJson(*config.rateLimit));
    if (config.queue)
        object.insert(QLatin1String("queue"), queueToJson(*config.queue));
    putSectionIfNotEmpty(object, "circuit_breaker", circuitBreakerToJson(config.circuitBreaker));
    putSectionIfNotEmpty(object, "health_check", healthCheckToJson(config.healthCheck));
    // Present, even empty, means on: its keys at their defaults.
    if (config.outlierDetection)
        object.insert(QLatin1String("outlier_detection"), outlierDetectionToJson(*config.outlierDetection));
    putRequestRules(object, config);
    putIfChanged(object, "slow_start_ms", config.slowStartMs, Config().slowStartMs);
    putIfChanged(object, "slow_start_min_weight_percent", config.slowStartMinWeightPercent,
                 Config().slowStartMinWeightPercent);
    putListIfChanged(object, "allowed_upgrades", config.allowedUpgrades, Config().allowedUpgrades);
    QJsonArray routers;
    for (const Route &route : config.routes)
        routers.append(routeToJson(route));
    object.insert(QLatin1String("routers"), routers);
    return object;
}

QByteArray configToBytes(const Config &config)
{
    return QJsonDocument(configToJson(config)).toJson(QJsonDocument::Indented);
}

}  // namespace kairos
