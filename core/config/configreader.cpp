#include "configreader.h"

#include "base/sharedvalue.h"
#include "config/jsonkeys.h"
#include "config/objectreader.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QSet>

#include <cmath>
#include <functional>
#include <limits>

namespace kairos {

namespace {

RateLimitSettings readRateLimit(const QJsonObject &object, const QString &path, QList<ConfigProblem> &errors,
                                QList<ConfigProblem> &warnings);

DiscoverySettings readDiscovery(const QJsonObject &object, const QString &path, QList<ConfigProblem> &errors,
                                QList<ConfigProblem> &warnings)
{
    ObjectReader reader(object, path, errors, warnings);
    DiscoverySettings discovery;
    const DiscoverySettings::Kind kinds[] = {DiscoverySettings::Kind::Dns, DiscoverySettings::Kind::DnsSrv,
                                             DiscoverySettings::Kind::Etcd};
    QStringList given;
    for (DiscoverySettings::Kind kind : kinds) {
        const QString key = DiscoverySettings::kindName(kind);
        if (!reader.has(key))
            continue;
        given.append(key);
        discovery.kind = kind;
        discovery.name = reader.string(key);
    }
    if (given.size() != 1)
        errors.append({path, given.isEmpty() ? QStringLiteral("must name one source: \"dns\", \"dns_srv\" or \"etcd\"")
                                             : QStringLiteral("must name one source, not %1").arg(given.join(", "))});
    discovery.port = reader.integer(QStringLiteral("port"), 0);
    discovery.scheme = reader.string(QStringLiteral("scheme"), discovery.scheme);
    discovery.refreshMs = reader.integer(QStringLiteral("refresh_ms"), discovery.refreshMs);
    discovery.respectTtl = reader.boolean(QStringLiteral("respect_ttl"), false);
    discovery.nameservers = reader.stringList(QStringLiteral("nameservers"));
    discovery.weight = reader.integer(QStringLiteral("weight"), 1);
    discovery.unknownKeys = reader.unknownKeys();
    return discovery;
}

Backend readBackend(const QJsonObject &object, const QString &path, QList<ConfigProblem> &errors,
                    QList<ConfigProblem> &warnings)
{
    ObjectReader reader(object, path, errors, warnings);
    Backend backend;
    if (std::optional<QJsonObject> discover = reader.object(QStringLiteral("discover"))) {
        backend.discover = readDiscovery(*discover, path + QLatin1String(".discover"), errors, warnings);
        // The source gives each backend its host, port and weight.
        for (const char *key : {"host", "port", "weight"}) {
            if (reader.has(QLatin1String(key))) {
                reader.take(QLatin1String(key));
                reader.error(
                    QLatin1String(key),
                    QStringLiteral("not with \"discover\": the source gives each backend its own (a weight for "
                                   "DNS addresses goes inside \"discover\")"));
            }
        }
    } else {
        backend.host = reader.string(QStringLiteral("host"));
        backend.port = reader.integer(QStringLiteral("port"), 0);
        backend.weight = reader.integer(QStringLiteral("weight"), 1);
    }
    backend.healthCheckPath = reader.string(QStringLiteral("health_check_path"));
    backend.tlsVerify = reader.boolean(QStringLiteral("tls_verify"), true);
    backend.protocol = reader.string(QStringLiteral("protocol"), backend.protocol);
    if (std::optional<QJsonObject> limit = reader.object(QStringLiteral("rate_limit")))
        backend.rateLimit = readRateLimit(*limit, path + QLatin1String(".rate_limit"), errors, warnings);
    backend.maxConnections = reader.integer(QStringLiteral("max_connections"), 0);
    backend.unknownKeys = reader.unknownKeys();
    return backend;
}

RetryPolicy readRetry(const QJsonObject &object, const QString &path, QList<ConfigProblem> &errors,
                      QList<ConfigProblem> &warnings)
{
    ObjectReader reader(object, path, errors, warnings);
    RetryPolicy retry;
    if (reader.has(QStringLiteral("max_attempts"))) {
        retry.maxAttempts = reader.integer(QStringLiteral("max_attempts"), retry.maxAttempts);
        if (reader.has(QStringLiteral("max_retries"))) {
            reader.take(QStringLiteral("max_retries"));
            reader.warning(QStringLiteral("max_retries"), QStringLiteral("ignored because max_attempts is set"));
        }
    } else if (reader.has(QStringLiteral("max_retries"))) {
        // Older Kairos configs count retries after the first try.
        const int retries = reader.integer(QStringLiteral("max_retries"), retry.maxAttempts - 1);
        retry.maxAttempts = retries < std::numeric_limits<int>::max() ? retries + 1 : retries;
    }
    retry.initialBackoffMs = reader.integer(QStringLiteral("initial_backoff_ms"), retry.initialBackoffMs);
    retry.maxBackoffMs = reader.integer(QStringLiteral("max_backoff_ms"), retry.maxBackoffMs);
    retry.backoffMultiplier = reader.number(QStringLiteral("backoff_multiplier"), retry.backoffMultiplier);
    const QString codesKey = reader.has(QStringLiteral("retryable_status_codes"))
                                 ? QStringLiteral("retryable_status_codes")
                                 : QStringLiteral("retry_on_status_codes");
    retry.retryableStatusCodes = reader.integerList(codesKey, retry.retryableStatusCodes);
    if (codesKey == QLatin1String("retryable_status_codes") && reader.has(QStringLiteral("retry_on_status_codes"))) {
        reader.take(QStringLiteral("retry_on_status_codes"));
        reader.warning(QStringLiteral("retry_on_status_codes"),
                       QStringLiteral("ignored because retryable_status_codes is set"));
    }
    retry.retryOnConnectionError =
        reader.boolean(QStringLiteral("retry_on_connection_error"), retry.retryOnConnectionError);
    retry.jitter = reader.boolean(QStringLiteral("jitter"), retry.jitter);
    retry.retryBufferBytes = reader.integer64(QStringLiteral("retry_buffer_bytes"), retry.retryBufferBytes);
    retry.unknownKeys = reader.unknownKeys();
    return retry;
}

TlsSettings readTls(const QJsonObject &object, QList<ConfigProblem> &errors, QList<ConfigProblem> &warnings)
{
    ObjectReader reader(object, QStringLiteral("server.tls"), errors, warnings);
    TlsSettings tls;
    tls.port = reader.integer(QStringLiteral("port"), tls.port);
    tls.certFile = reader.string(QStringLiteral("cert_file"));
    tls.keyFile = reader.string(QStringLiteral("key_file"));
    if (std::optional<QJsonArray> certificates = reader.array(QStringLiteral("certificates"))) {
        for (int i = 0; i < certificates->size(); ++i) {
            const QString path = reader.childPath(QStringLiteral("certificates[%1]").arg(i));
            if (!certificates->at(i).isObject()) {
                errors.append({path, QStringLiteral("must be an object")});
                continue;
            }
            ObjectReader entryReader(certificates->at(i).toObject(), path, errors, warnings);
            TlsCertificate certificate;
            certificate.serverNames = entryReader.stringList(QStringLiteral("server_names"));
            certificate.certFile = entryReader.string(QStringLiteral("cert_file"));
            certificate.keyFile = entryReader.string(QStringLiteral("key_file"));
            certificate.unknownKeys = entryReader.unknownKeys();
            tls.certificates.append(certificate);
        }
    }
    tls.minVersion = reader.string(QStringLiteral("min_version"), tls.minVersion);
    tls.alpn = reader.stringList(QStringLiteral("alpn"), tls.alpn);
    tls.handshakeTimeoutMs = reader.integer(QStringLiteral("handshake_timeout_ms"), tls.handshakeTimeoutMs);
    tls.clientCaFile = reader.string(QStringLiteral("client_ca_file"));
    tls.clientSubjectHeader = reader.string(QStringLiteral("client_subject_header"), tls.clientSubjectHeader);
    tls.unknownKeys = reader.unknownKeys();
    return tls;
}

Http2Settings readHttp2(const QJsonObject &object, QList<ConfigProblem> &errors, QList<ConfigProblem> &warnings)
{
    ObjectReader reader(object, QStringLiteral("server.http2"), errors, warnings);
    Http2Settings http2;
    http2.cleartext = reader.boolean(QStringLiteral("cleartext"), http2.cleartext);
    http2.maxConcurrentStreams = reader.integer(QStringLiteral("max_concurrent_streams"), http2.maxConcurrentStreams);
    http2.unknownKeys = reader.unknownKeys();
    return http2;
}

ServerSettings readServer(const QJsonObject &object, QList<ConfigProblem> &errors, QList<ConfigProblem> &warnings)
{
    ObjectReader reader(object, QStringLiteral("server"), errors, warnings);
    ServerSettings server;
    server.host = reader.string(QStringLiteral("host"), server.host);
    server.port = reader.integer(QStringLiteral("port"), server.port);
    server.workers = reader.integer(QStringLiteral("workers"), server.workers);
    server.maxHeaderBytes = reader.integer64(QStringLiteral("max_header_bytes"), server.maxHeaderBytes);
    server.maxBodyBytes = reader.integer64(QStringLiteral("max_body_bytes"), server.maxBodyBytes);
    server.headerTimeoutMs = reader.integer(QStringLiteral("header_timeout_ms"), server.headerTimeoutMs);
    server.idleTimeoutMs = reader.integer(QStringLiteral("idle_timeout_ms"), server.idleTimeoutMs);
    server.connectTimeoutMs = reader.integer(QStringLiteral("connect_timeout_ms"), server.connectTimeoutMs);
    server.responseTimeoutMs = reader.integer(QStringLiteral("response_timeout_ms"), server.responseTimeoutMs);
    server.tunnelIdleTimeoutMs = reader.integer(QStringLiteral("tunnel_idle_timeout_ms"), server.tunnelIdleTimeoutMs);
    server.tcpKeepaliveSeconds = reader.integer(QStringLiteral("tcp_keepalive_s"), server.tcpKeepaliveSeconds);
    server.maxIdleUpstreamConnections =
        reader.integer(QStringLiteral("max_idle_upstream_connections"), server.maxIdleUpstreamConnections);
    server.trustedProxies = reader.stringList(QStringLiteral("trusted_proxies"));
    if (std::optional<QJsonObject> tls = reader.object(QStringLiteral("tls")))
        server.tls = readTls(*tls, errors, warnings);
    if (std::optional<QJsonObject> http2 = reader.object(QStringLiteral("http2")))
        server.http2 = readHttp2(*http2, errors, warnings);
    server.unknownKeys = reader.unknownKeys();
    return server;
}

JwtSettings readJwt(const QJsonObject &object, QList<ConfigProblem> &errors, QList<ConfigProblem> &warnings)
{
    ObjectReader reader(object, QStringLiteral("jwt"), errors, warnings);
    JwtSettings jwt;
    jwt.secret = reader.string(QStringLiteral("secret"));
    jwt.publicKeyFile = reader.string(QStringLiteral("public_key_file"));
    jwt.leewaySeconds = reader.integer(QStringLiteral("leeway_seconds"), jwt.leewaySeconds);
    jwt.issuer = reader.string(QStringLiteral("issuer"));
    jwt.audience = reader.string(QStringLiteral("audience"));
    jwt.requiredClaims = reader.stringList(QStringLiteral("required_claims"));
    jwt.unknownKeys = reader.unknownKeys();
    return jwt;
}

ConsoleSettings readConsole(const QJsonObject &object, QList<ConfigProblem> &errors, QList<ConfigProblem> &warnings)
{
    ObjectReader reader(object, QStringLiteral("console"), errors, warnings);
    ConsoleSettings console;
    console.captureBodyBytes = reader.integer64(QStringLiteral("capture_body_bytes"), console.captureBodyBytes);
    console.unknownKeys = reader.unknownKeys();
    return console;
}

AdminSettings readAdmin(const QJsonObject &object, QList<ConfigProblem> &errors, QList<ConfigProblem> &warnings)
{
    ObjectReader reader(object, QStringLiteral("admin"), errors, warnings);
    AdminSettings admin;
    admin.allowedNetworks = reader.stringList(QStringLiteral("allowed_networks"), admin.allowedNetworks);
    admin.token = reader.string(QStringLiteral("token"));
    admin.listen = reader.string(QStringLiteral("listen"));
    admin.maxBodyBytes = reader.integer64(QStringLiteral("max_body_bytes"), admin.maxBodyBytes);
    admin.unknownKeys = reader.unknownKeys();
    return admin;
}

RateLimitSettings readRateLimit(const QJsonObject &object, const QString &path, QList<ConfigProblem> &errors,
                                QList<ConfigProblem> &warnings)
{
    ObjectReader reader(object, path, errors, warnings);
    RateLimitSettings limit;
    limit.requestsPerSecond = reader.number(QStringLiteral("requests_per_second"), 0);
    limit.burst = reader.integer(QStringLiteral("burst"), 0);
    const QString key = reader.string(QStringLiteral("key"), QStringLiteral("client_ip"));
    if (key == QLatin1String("client_ip")) {
        limit.key = RateLimitSettings::Key::ClientIp;
    } else if (key == QLatin1String("route")) {
        limit.key = RateLimitSettings::Key::Route;
    } else if (key.startsWith(QLatin1String("header:"))) {
        limit.key = RateLimitSettings::Key::Header;
        limit.keyName = key.mid(7).trimmed().toLower();
    } else if (key.startsWith(QLatin1String("jwt:"))) {
        limit.key = RateLimitSettings::Key::JwtClaim;
        limit.keyName = key.mid(4).trimmed();
    } else {
        reader.error(QStringLiteral("key"),
                     QStringLiteral("must be client_ip, route, header:NAME or jwt:CLAIM (got \"%1\")").arg(key));
    }
    limit.headers = reader.boolean(QStringLiteral("headers"), true);
    limit.maxKeys = reader.integer(QStringLiteral("max_keys"), limit.maxKeys);
    const QString scope = reader.string(QStringLiteral("scope"), QStringLiteral("instance"));
    if (scope == QLatin1String("fleet"))
        limit.scope = RateLimitSettings::Scope::Fleet;
    else if (scope != QLatin1String("instance"))
        reader.error(QStringLiteral("scope"), QStringLiteral("must be instance or fleet (got \"%1\")").arg(scope));
    limit.unknownKeys = reader.unknownKeys();
    return limit;
}

QueueSettings readQueue(const QJsonObject &object, const QString &path, QList<ConfigProblem> &errors,
                        QList<ConfigProblem> &warnings)
{
    ObjectReader reader(object, path, errors, warnings);
    QueueSettings queue;
    queue.maxSize = reader.integer(QStringLiteral("max_size"), queue.maxSize);
    queue.timeoutMs = reader.integer(QStringLiteral("timeout_ms"), queue.timeoutMs);
    queue.unknownKeys = reader.unknownKeys();
    return queue;
}

MirrorSettings readMirror(const QJsonObject &object, const QString &path, QList<ConfigProblem> &errors,
                          QList<ConfigProblem> &warnings)
{
    ObjectReader reader(object, path, errors, warnings);
    MirrorSettings mirror;
    if (std::optional<QJsonArray> backends = reader.array(QStringLiteral("backends"))) {
        mirror.backends.reserve(backends->size());
        for (int i = 0; i < backends->size(); ++i) {
            const QString backendPath = reader.childPath(QStringLiteral("backends[%1]").arg(i));
            if (!backends->at(i).isObject())
                errors.append({backendPath, QStringLiteral("must be an object")});
            else
                mirror.backends.append(readBackend(backends->at(i).toObject(), backendPath, errors, warnings));
        }
    }
    mirror.percent = reader.integer(QStringLiteral("percent"), mirror.percent);
    mirror.unknownKeys = reader.unknownKeys();
    return mirror;
}

ClusterSettings readCluster(const QJsonObject &object, QList<ConfigProblem> &errors, QList<ConfigProblem> &warnings)
{
    ObjectReader reader(object, QStringLiteral("cluster"), errors, warnings);
    ClusterSettings cluster;
    if (std::optional<QJsonObject> etcd = reader.object(QStringLiteral("etcd"))) {
        ObjectReader etcdReader(*etcd, QStringLiteral("cluster.etcd"), errors, warnings);
        EtcdSettings &settings = cluster.etcd;
        settings.endpoints = etcdReader.stringList(QStringLiteral("endpoints"));
        settings.prefix = etcdReader.string(QStringLiteral("prefix"), settings.prefix);
        settings.username = etcdReader.string(QStringLiteral("username"));
        settings.password = etcdReader.string(QStringLiteral("password"));
        settings.caFile = etcdReader.string(QStringLiteral("ca_file"));
        settings.certFile = etcdReader.string(QStringLiteral("cert_file"));
        settings.keyFile = etcdReader.string(QStringLiteral("key_file"));
        settings.timeoutMs = etcdReader.integer(QStringLiteral("timeout_ms"), settings.timeoutMs);
        settings.unknownKeys = etcdReader.unknownKeys();
    }
    cluster.instanceName = reader.string(QStringLiteral("instance_name"));
    cluster.cacheFile = reader.string(QStringLiteral("cache_file"));
    cluster.unknownKeys = reader.unknownKeys();
    return cluster;
}

// A route's override block: checked like the top-level one (errors carry the route's path), kept
// as written.
SettingsOverride readOverride(ObjectReader &routeReader, const QString &key,
                              const std::function<void(const QJsonObject &, const QString &)> &check)
{
    SettingsOverride result;
    if (std::optional<QJsonObject> object = routeReader.object(key)) {
        check(*object, routeReader.childPath(key));
        result.keys = *object;
    }
    return result;
}

// A block a route may turn off with null: nullopt when absent, "off" when null.
template <typename T, typename Read>
std::optional<T> readSwitchable(ObjectReader &reader, const QString &key, Read read)
{
    if (!reader.has(key))
        return std::nullopt;
    if (reader.isNull(key)) {
        reader.take(key);
        T off;
        off.off = true;
        return off;
    }
    if (std::optional<QJsonObject> object = reader.object(key))
        return read(*object, reader.childPath(key), reader.errors(), reader.warnings());
    return std::nullopt;
}

// The blocks of requestrules.h that the top level and routes share.
template <typename Target> void readRequestRules(ObjectReader &reader, Target &target)
{
    target.cors = readSwitchable<CorsSettings>(reader, QStringLiteral("cors"), readCors);
    target.requestHeaders = readSwitchable<HeaderRules>(reader, QStringLiteral("request_headers"), readHeaderRules);
    target.responseHeaders = readSwitchable<HeaderRules>(reader, QStringLiteral("response_headers"), readHeaderRules);
    target.fault = readSwitchable<FaultSettings>(reader, QStringLiteral("fault"), readFault);
    target.compression = readSwitchable<CompressionSettings>(reader, QStringLiteral("compression"), readCompression);
}

// QJsonParseError gives a byte offset; people want a line and a column.
QString describeJsonError(const QByteArray &json, const QJsonParseError &error)
{
    int line = 1;
    int column = 1;
    const int end = std::min<int>(error.offset, json.size());
    for (int i = 0; i < end; ++i) {
        if (json[i] == '\n') {
            ++line;
            column = 1;
        } else {
            ++column;
        }
    }
    return QStringLiteral("invalid JSON at line %1, column %2: %3").arg(line).arg(column).arg(error.errorString());
}

// Routes repeat the same backends, method lists, internal paths and retry policies: one copy of
// each, and one of each whole backend list (many routes of a service share its backends).
void shareRepeatedValues(QList<Route> &routes)
{
    QSet<QString> strings;
    QSet<QStringList> methodLists;
    QSet<QList<Backend>> backendLists;
    QHash<RetryPolicy, SharedOptional<RetryPolicy>> retryPolicies;
    for (Route &route : routes) {
        route.internalPath = sharedValue(strings, route.internalPath);
        route.methods = sharedValue(methodLists, route.methods);
        if (route.retry) {
            const auto seen = retryPolicies.constFind(*route.retry);
            if (seen != retryPolicies.cend())
                route.retry = *seen;
            else
                retryPolicies.insert(*route.retry, route.retry);
        }
        for (Backend &backend : route.backends) {
            backend.host = sharedValue(strings, backend.host);
            backend.healthCheckPath = sharedValue(strings, backend.healthCheckPath);
        }
        route.backends = sharedValue(backendLists, route.backends);
    }
}

}  // namespace

namespace {

ShiftSettings readShift(const QJsonObject &object, const QString &path, QList<ConfigProblem> &errors,
                        QList<ConfigProblem> &warnings)
{
    ObjectReader reader(object, path, errors, warnings);
    ShiftSettings shift;
    shift.group = reader.string(QStringLiteral("group"));
    if (!reader.has(QStringLiteral("group")))
        reader.error(QStringLiteral("group"), QStringLiteral("is required: the group whose share grows"));
    shift.stepPercent = reader.integer(QStringLiteral("step_percent"), shift.stepPercent);
    shift.intervalS = reader.number(QStringLiteral("interval_s"), shift.intervalS);
    shift.maxErrorRate = reader.number(QStringLiteral("max_error_rate"), shift.maxErrorRate);
    shift.minRequests = reader.integer(QStringLiteral("min_requests"), shift.minRequests);
    shift.maxP99Ms = reader.integer(QStringLiteral("max_p99_ms"), shift.maxP99Ms);
    shift.unknownKeys = reader.unknownKeys();
    return shift;
}

// The groups' backends go to route.backends one group after another.
SplitSettings readSplit(ObjectReader &reader, Route &route, QList<ConfigProblem> &errors,
                        QList<ConfigProblem> &warnings)
{
    SplitSettings split;
    if (reader.has(QStringLiteral("backends")))
        reader.error(QStringLiteral("split"), QStringLiteral("replaces backends: give one or the other"));
    const std::optional<QJsonArray> groups = reader.array(QStringLiteral("split"));
    for (int g = 0; groups && g < groups->size(); ++g) {
        const QString groupPath = reader.childPath(QStringLiteral("split[%1]").arg(g));
        if (!groups->at(g).isObject()) {
            errors.append({groupPath, QStringLiteral("must be an object")});
            continue;
        }
        ObjectReader groupReader(groups->at(g).toObject(), groupPath, errors, warnings);
        SplitGroup group;
        group.name = groupReader.string(QStringLiteral("name"));
        group.weight = groupReader.integer(QStringLiteral("weight"), 0);
        if (!groupReader.has(QStringLiteral("weight")))
            groupReader.error(QStringLiteral("weight"), QStringLiteral("is required"));
        const QString strategy = groupReader.string(QStringLiteral("strategy"));
        if (!strategy.isEmpty()) {
            group.strategy = strategyFromName(strategy);
            if (!group.strategy)
                groupReader.error(QStringLiteral("strategy"), QStringLiteral("unknown strategy \"%1\"").arg(strategy));
        }
        if (const std::optional<QJsonArray> backends = groupReader.array(QStringLiteral("backends"))) {
            for (int i = 0; i < backends->size(); ++i) {
                const QString backendPath = groupReader.childPath(QStringLiteral("backends[%1]").arg(i));
                if (!backends->at(i).isObject()) {
                    errors.append({backendPath, QStringLiteral("must be an object")});
                    continue;
                }
                route.backends.append(readBackend(backends->at(i).toObject(), backendPath, errors, warnings));
                ++group.backendCount;
            }
        }
        group.unknownKeys = groupReader.unknownKeys();
        split.groups.append(std::move(group));
    }
    if (reader.has(QStringLiteral("split_key"))) {
        const QString key = reader.string(QStringLiteral("split_key"));
        if (std::optional<SplitKey> parsed = SplitKey::parse(key))
            split.key = *parsed;
        else
            reader.error(QStringLiteral("split_key"),
                         QStringLiteral("must be random, client_ip, header:NAME or cookie:NAME (got \"%1\")").arg(key));
    }
    split.canaryHeader = reader.string(QStringLiteral("canary_header"));
    if (std::optional<QJsonObject> shift = reader.object(QStringLiteral("shift")))
        split.shift = readShift(*shift, reader.childPath(QStringLiteral("shift")), errors, warnings);
    return split;
}

}  // namespace

Route readRoute(const QJsonObject &object, const QString &path, QList<ConfigProblem> &errors,
                QList<ConfigProblem> &warnings)
{
    ObjectReader reader(object, path, errors, warnings);
    Route route;
    route.externalPath = reader.string(QStringLiteral("external_path"));
    route.internalPath = reader.string(QStringLiteral("internal_path"));
    route.methods = reader.stringList(QStringLiteral("methods"));
    route.authRequired = reader.boolean(QStringLiteral("auth_required"), false);
    route.preserveHost = reader.boolean(QStringLiteral("preserve_host"), false);
    route.forwardAuthorization = reader.boolean(QStringLiteral("forward_authorization"), true);
    RouteOverrides overrides;
    if (reader.has(QStringLiteral("max_body_bytes")))
        overrides.maxBodyBytes = reader.integer64(QStringLiteral("max_body_bytes"), 0);
    if (reader.has(QStringLiteral("connect_timeout_ms")))
        overrides.connectTimeoutMs = reader.integer(QStringLiteral("connect_timeout_ms"), 0);
    if (reader.has(QStringLiteral("response_timeout_ms")))
        overrides.responseTimeoutMs = reader.integer(QStringLiteral("response_timeout_ms"), 0);
    if (reader.has(QStringLiteral("rate_limit"))) {
        if (reader.isNull(QStringLiteral("rate_limit"))) {
            reader.take(QStringLiteral("rate_limit"));
            overrides.rateLimit = RateLimitSettings();
            overrides.rateLimit->off = true;
        } else if (std::optional<QJsonObject> limit = reader.object(QStringLiteral("rate_limit")))
            overrides.rateLimit =
                readRateLimit(*limit, reader.childPath(QStringLiteral("rate_limit")), errors, warnings);
    }
    if (reader.has(QStringLiteral("queue"))) {
        if (reader.isNull(QStringLiteral("queue"))) {
            reader.take(QStringLiteral("queue"));
            overrides.queue = QueueSettings();
            overrides.queue->off = true;
        } else if (std::optional<QJsonObject> queue = reader.object(QStringLiteral("queue"))) {
            overrides.queue = readQueue(*queue, reader.childPath(QStringLiteral("queue")), errors, warnings);
        }
    }
    if (reader.has(QStringLiteral("tunnel_idle_timeout_ms")))
        overrides.tunnelIdleTimeoutMs = reader.integer(QStringLiteral("tunnel_idle_timeout_ms"), 0);
    if (reader.has(QStringLiteral("allowed_upgrades")))
        overrides.allowedUpgrades = reader.stringList(QStringLiteral("allowed_upgrades"));

    if (std::optional<QJsonArray> backends = reader.array(QStringLiteral("backends"))) {
        route.backends.reserve(backends->size());
        for (int i = 0; i < backends->size(); ++i) {
            const QString backendPath = reader.childPath(QStringLiteral("backends[%1]").arg(i));
            if (!backends->at(i).isObject())
                errors.append({backendPath, QStringLiteral("must be an object")});
            else
                route.backends.append(readBackend(backends->at(i).toObject(), backendPath, errors, warnings));
        }
    }
    if (reader.has(QStringLiteral("split")))
        overrides.split = readSplit(reader, route, errors, warnings);
    else if (reader.has(QStringLiteral("split_key")) || reader.has(QStringLiteral("canary_header"))
             || reader.has(QStringLiteral("shift")))
        reader.error(reader.has(QStringLiteral("shift")) ? QStringLiteral("shift") : QStringLiteral("split_key"),
                     QStringLiteral("applies to a route with split only"));
    // v0.2.7 routes name one backend with host/port on the route itself.
    const bool hasLegacy = reader.has(QStringLiteral("host")) || reader.has(QStringLiteral("port"));
    if (hasLegacy) {
        Backend legacy;
        legacy.host = reader.string(QStringLiteral("host"));
        legacy.port = reader.integer(QStringLiteral("port"), 0);
        if (!reader.has(QStringLiteral("backends")))
            route.backends.append(legacy);
        else
            reader.warning(QStringLiteral("host"), QStringLiteral("legacy host/port ignored because backends is set"));
    }

    const QString strategy = reader.string(QStringLiteral("load_balancing_strategy"));
    if (!strategy.isEmpty()) {
        if (std::optional<LoadBalancingStrategy> parsed = strategyFromName(strategy))
            route.strategy = *parsed;
        else
            reader.error(QStringLiteral("load_balancing_strategy"),
                         QStringLiteral("unknown strategy \"%1\" (expected RoundRobin, "
                                        "LeastConnections, Weighted, Random, IpHash, PowerOfTwo or PeakEwma)")
                             .arg(strategy));
    }
    if (std::optional<QJsonObject> retry = reader.object(QStringLiteral("retry")))
        route.retry = readRetry(*retry, reader.childPath(QStringLiteral("retry")), errors, warnings);
    route.timeoutMs = reader.integer(QStringLiteral("timeout_ms"), route.timeoutMs);
    route.retryNonIdempotent = reader.boolean(QStringLiteral("retry_non_idempotent"), false);
    const QString priority = reader.string(QStringLiteral("priority"), priorityName(route.priority));
    if (std::optional<RoutePriority> parsed = priorityFromName(priority))
        route.priority = *parsed;
    else
        reader.error(QStringLiteral("priority"),
                     QStringLiteral("must be high, normal or low (got \"%1\")").arg(priority));
    overrides.circuitBreaker =
        readOverride(reader, QStringLiteral("circuit_breaker"), [&](const QJsonObject &object, const QString &path) {
            readCircuitBreaker(object, path, {}, errors, warnings);
        });
    overrides.healthCheck =
        readOverride(reader, QStringLiteral("health_check"), [&](const QJsonObject &object, const QString &path) {
            readHealthCheck(object, path, {}, errors, warnings);
        });
    overrides.outlierDetection =
        readOverride(reader, QStringLiteral("outlier_detection"), [&](const QJsonObject &object, const QString &path) {
            readOutlierDetection(object, path, {}, errors, warnings);
        });
    if (reader.has(QStringLiteral("slow_start_ms")))
        overrides.slowStartMs = reader.integer(QStringLiteral("slow_start_ms"), 0);
    if (reader.has(QStringLiteral("slow_start_min_weight_percent")))
        overrides.slowStartMinWeightPercent = reader.integer(QStringLiteral("slow_start_min_weight_percent"), 0);
    if (reader.has(QStringLiteral("ewma_decay_ms")))
        overrides.ewmaDecayMs = reader.integer(QStringLiteral("ewma_decay_ms"), 0);
    if (reader.has(QStringLiteral("default_rtt_ms")))
        overrides.defaultRttMs = reader.integer(QStringLiteral("default_rtt_ms"), 0);
    if (std::optional<QJsonObject> mirror = reader.object(QStringLiteral("mirror")))
        overrides.mirror = readMirror(*mirror, reader.childPath(QStringLiteral("mirror")), errors, warnings);
    readRequestRules(reader, overrides);
    if (std::optional<QJsonObject> redirect = reader.object(QStringLiteral("redirect")))
        overrides.redirect = readRedirect(*redirect, reader.childPath(QStringLiteral("redirect")), errors, warnings);
    if (std::optional<QJsonObject> mock = reader.object(QStringLiteral("mock")))
        overrides.mock = readMock(*mock, reader.childPath(QStringLiteral("mock")), errors, warnings);
    if (std::optional<QJsonObject> site = reader.object(QStringLiteral("static")))
        overrides.staticSite = readStatic(*site, reader.childPath(QStringLiteral("static")), errors, warnings);
    if (!overrides.isEmpty())
        route.overrides = std::move(overrides);
    // GET /api/routes adds a split's live state; sent back in a PUT it is not config.
    reader.take(QStringLiteral("live"));
    route.unknownKeys = reader.unknownKeys();
    return route;
}

CircuitBreakerSettings readCircuitBreaker(const QJsonObject &object, const QString &path,
                                          const CircuitBreakerSettings &base, QList<ConfigProblem> &errors,
                                          QList<ConfigProblem> &warnings)
{
    ObjectReader reader(object, path, errors, warnings);
    CircuitBreakerSettings settings = base;
    settings.failureThreshold = reader.integer(QStringLiteral("failure_threshold"), base.failureThreshold);
    settings.openDurationMs = reader.integer(QStringLiteral("open_duration_ms"), base.openDurationMs);
    settings.halfOpenMaxRequests = reader.integer(QStringLiteral("half_open_max_requests"), base.halfOpenMaxRequests);
    settings.successThreshold = reader.integer(QStringLiteral("success_threshold"), base.successThreshold);
    settings.unknownKeys = reader.unknownKeys();
    return settings;
}

HealthCheckSettings readHealthCheck(const QJsonObject &object, const QString &path, const HealthCheckSettings &base,
                                    QList<ConfigProblem> &errors, QList<ConfigProblem> &warnings)
{
    ObjectReader reader(object, path, errors, warnings);
    HealthCheckSettings settings = base;
    settings.intervalMs = reader.integer(QStringLiteral("interval_ms"), base.intervalMs);
    settings.timeoutMs = reader.integer(QStringLiteral("timeout_ms"), base.timeoutMs);
    settings.unhealthyThreshold = reader.integer(QStringLiteral("unhealthy_threshold"), base.unhealthyThreshold);
    settings.healthyThreshold = reader.integer(QStringLiteral("healthy_threshold"), base.healthyThreshold);
    settings.expectedStatuses = reader.integerList(QStringLiteral("expected_statuses"), base.expectedStatuses);
    settings.unknownKeys = reader.unknownKeys();
    return settings;
}

OutlierDetectionSettings readOutlierDetection(const QJsonObject &object, const QString &path,
                                              const OutlierDetectionSettings &base, QList<ConfigProblem> &errors,
                                              QList<ConfigProblem> &warnings)
{
    ObjectReader reader(object, path, errors, warnings);
    OutlierDetectionSettings settings = base;
    settings.consecutive5xx = reader.integer(QStringLiteral("consecutive_5xx"), base.consecutive5xx);
    settings.consecutiveGatewayFailures =
        reader.integer(QStringLiteral("consecutive_gateway_failures"), base.consecutiveGatewayFailures);
    settings.baseEjectionMs = reader.integer(QStringLiteral("base_ejection_ms"), base.baseEjectionMs);
    settings.maxEjectionMs = reader.integer(QStringLiteral("max_ejection_ms"), base.maxEjectionMs);
    settings.maxEjectionPercent = reader.integer(QStringLiteral("max_ejection_percent"), base.maxEjectionPercent);
    settings.enabled = reader.boolean(QStringLiteral("enabled"), base.enabled);
    settings.unknownKeys = reader.unknownKeys();
    return settings;
}

ConfigReadResult readConfig(const QByteArray &json)
{
    ConfigReadResult result;
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(json, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        result.errors.append({QString(), describeJsonError(json, parseError)});
        return result;
    }
    if (!document.isObject()) {
        result.errors.append({QString(), QStringLiteral("the config must be a JSON object")});
        return result;
    }
    // Which of a repeated key's values was meant cannot be known: the file is refused.
    result.errors = repeatedKeys(json);

    ObjectReader reader(document.object(), QString(), result.errors, result.warnings);
    Config config;
    config.version = reader.integer(QStringLiteral("version"), config.version);
    config.allowedUpgrades = reader.stringList(QStringLiteral("allowed_upgrades"), config.allowedUpgrades);
    if (std::optional<QJsonObject> server = reader.object(QStringLiteral("server")))
        config.server = readServer(*server, result.errors, result.warnings);
    if (std::optional<QJsonObject> jwt = reader.object(QStringLiteral("jwt")))
        config.jwt = readJwt(*jwt, result.errors, result.warnings);
    if (std::optional<QJsonObject> admin = reader.object(QStringLiteral("admin")))
        config.admin = readAdmin(*admin, result.errors, result.warnings);
    if (std::optional<QJsonObject> console = reader.object(QStringLiteral("console")))
        config.console = readConsole(*console, result.errors, result.warnings);
    if (std::optional<QJsonObject> limit = reader.object(QStringLiteral("rate_limit")))
        config.rateLimit = readRateLimit(*limit, QStringLiteral("rate_limit"), result.errors, result.warnings);
    if (std::optional<QJsonObject> queue = reader.object(QStringLiteral("queue")))
        config.queue = readQueue(*queue, QStringLiteral("queue"), result.errors, result.warnings);
    if (std::optional<QJsonObject> cluster = reader.object(QStringLiteral("cluster")))
        config.cluster = readCluster(*cluster, result.errors, result.warnings);
    if (std::optional<QJsonObject> breaker = reader.object(QStringLiteral("circuit_breaker")))
        config.circuitBreaker =
            readCircuitBreaker(*breaker, QStringLiteral("circuit_breaker"), {}, result.errors, result.warnings);
    if (std::optional<QJsonObject> health = reader.object(QStringLiteral("health_check")))
        config.healthCheck =
            readHealthCheck(*health, QStringLiteral("health_check"), {}, result.errors, result.warnings);
    if (std::optional<QJsonObject> outlier = reader.object(QStringLiteral("outlier_detection")))
        config.outlierDetection =
            readOutlierDetection(*outlier, QStringLiteral("outlier_detection"), {}, result.errors, result.warnings);
    readRequestRules(reader, config);
    config.slowStartMs = reader.integer(QStringLiteral("slow_start_ms"), config.slowStartMs);
    config.slowStartMinWeightPercent =
        reader.integer(QStringLiteral("slow_start_min_weight_percent"), config.slowStartMinWeightPercent);
    if (std::optional<QJsonArray> routers = reader.array(QStringLiteral("routers"))) {
        config.routes.reserve(routers->size());  // exactly: growing would leave up to half unused
        for (int i = 0; i < routers->size(); ++i) {
            const QString path = QStringLiteral("routers[%1]").arg(i);
            if (!routers->at(i).isObject())
                result.errors.append({path, QStringLiteral("must be an object")});
            else
                config.routes.append(readRoute(routers->at(i).toObject(), path, result.errors, result.warnings));
        }
    }
    shareRepeatedValues(config.routes);
    config.unknownKeys = reader.unknownKeys();
    result.config = std::move(config);
    return result;
}

}  // namespace kairos
