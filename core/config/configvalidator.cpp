#include "configvalidator.h"

#include "config/certificatefiles.h"
#include "config/discoveredbackends.h"
#include "config/routepattern.h"

#include <QHash>
#include <QFileInfo>
#include <QHostAddress>
#include <QRegularExpression>
#include <QUrl>

#include <algorithm>

namespace kairos {

namespace {

constexpr int kMinJwtSecretBytes = 32;

class Validator
{
public:
    explicit Validator(QList<ConfigProblem> &problems) : m_problems(problems) {}

    void add(const QString &path, const QString &message) { m_problems.append({path, message}); }

    void checkRange(const QString &path, qint64 value, qint64 min, qint64 max)
    {
        if (value < min || value > max)
            add(path, QStringLiteral("must be between %1 and %2 (got %3)").arg(min).arg(max).arg(value));
    }

    void checkServer(const ServerSettings &server)
    {
        if (server.host.isEmpty())
            add(QStringLiteral("server.host"), QStringLiteral("must not be empty"));
        checkRange(QStringLiteral("server.port"), server.port, 1, 65535);
        checkRange(QStringLiteral("server.workers"), server.workers, 0, 256);
        checkRange(QStringLiteral("server.max_header_bytes"), server.maxHeaderBytes, 1024, 16 * 1024 * 1024);
        checkRange(QStringLiteral("server.max_body_bytes"), server.maxBodyBytes, 0, Q_INT64_C(1) << 50);
        checkRange(QStringLiteral("server.header_timeout_ms"), server.headerTimeoutMs, 1, 3'600'000);
        checkRange(QStringLiteral("server.idle_timeout_ms"), server.idleTimeoutMs, 1, 86'400'000);
        checkRange(QStringLiteral("server.connect_timeout_ms"), server.connectTimeoutMs, 1, 3'600'000);
        checkRange(QStringLiteral("server.response_timeout_ms"), server.responseTimeoutMs, 1, 86'400'000);
        checkRange(QStringLiteral("server.tunnel_idle_timeout_ms"), server.tunnelIdleTimeoutMs, 1000, 604'800'000);
        checkRange(QStringLiteral("server.tcp_keepalive_s"), server.tcpKeepaliveSeconds, 0, 7200);
        checkRange(QStringLiteral("server.max_idle_upstream_connections"), server.maxIdleUpstreamConnections, 0,
                   100'000);
        checkNetworks(QStringLiteral("server.trusted_proxies"), server.trustedProxies);
        if (server.tls)
            checkTls(*server.tls);
        checkRange(QStringLiteral("server.http2.max_concurrent_streams"), server.http2.maxConcurrentStreams, 1, 10'000);
    }

    void checkCertificatePair(const QString &path, const QString &certFile, const QString &keyFile)
    {
        if (certFile.isEmpty() || keyFile.isEmpty()) {
            add(path + (certFile.isEmpty() ? QStringLiteral(".cert_file") : QStringLiteral(".key_file")),
                QStringLiteral("cert_file and key_file are both required"));
            return;
        }
        const QString problem = certificateKeyProblem(certFile, keyFile);
        if (!problem.isEmpty())
            add(path + QStringLiteral(".cert_file"), problem);
    }

    // A DNS name, or "*." and one: what SNI can name (no IP addresses, no trailing dot).
    static bool isServerName(const QString &name)
    {
        const QString host = name.startsWith(QLatin1String("*.")) ? name.mid(2) : name;
        if (host.isEmpty() || host.size() > 253)
            return false;
        for (const QString &label : host.split(QLatin1Char('.'))) {
            if (label.isEmpty() || label.size() > 63 || label.startsWith(QLatin1Char('-')))
                return false;
            for (const QChar c : label) {
                if (!(c.isLetterOrNumber() && c.unicode() < 0x80) && c != QLatin1Char('-') && c != QLatin1Char('_'))
                    return false;
            }
        }
        return true;
    }

    void checkTls(const TlsSettings &tls)
    {
        const QString path = QStringLiteral("server.tls");
        checkRange(path + QStringLiteral(".port"), tls.port, 0, 65535);
        checkCertificatePair(path, tls.certFile, tls.keyFile);
        QHash<QString, QString> servedBy;  // lowercase server name -> its entry's path
        for (int i = 0; i < tls.certificates.size(); ++i) {
            const TlsCertificate &certificate = tls.certificates[i];
            const QString entryPath = path + QStringLiteral(".certificates[%1]").arg(i);
            if (certificate.serverNames.isEmpty())
                add(entryPath + QStringLiteral(".server_names"), QStringLiteral("must name at least one server"));
            for (int n = 0; n < certificate.serverNames.size(); ++n) {
                const QString name = certificate.serverNames[n].toLower();
                const QString namePath = entryPath + QStringLiteral(".server_names[%1]").arg(n);
                if (!isServerName(name))
                    add(namePath, QStringLiteral("\"%1\" is not a server name such as \"api.example.com\" or "
                                                 "\"*.example.com\"")
                                      .arg(certificate.serverNames[n]));
                else if (servedBy.contains(name))
                    add(namePath, QStringLiteral("\"%1\" is already served by %2").arg(name, servedBy[name]));
                else
                    servedBy.insert(name, entryPath);
            }
            checkCertificatePair(entryPath, certificate.certFile, certificate.keyFile);
        }
        if (tls.minVersion != QLatin1String("1.2") && tls.minVersion != QLatin1String("1.3"))
            add(path + QStringLiteral(".min_version"),
                QStringLiteral("must be \"1.2\" or \"1.3\" (got \"%1\")").arg(tls.minVersion));
        if (tls.alpn.isEmpty())
            add(path + QStringLiteral(".alpn"),
                QStringLiteral("must name at least one protocol: \"h2\", \"http/1.1\""));
        for (int i = 0; i < tls.alpn.size(); ++i) {
            if (tls.alpn[i] != QLatin1String("h2") && tls.alpn[i] != QLatin1String("http/1.1"))
                add(path + QStringLiteral(".alpn[%1]").arg(i),
                    QStringLiteral("\"%1\" is not a protocol Kairos serves: \"h2\" or \"http/1.1\"").arg(tls.alpn[i]));
        }
        checkRange(path + QStringLiteral(".handshake_timeout_ms"), tls.handshakeTimeoutMs, 100, 600'000);
        if (!tls.clientCaFile.isEmpty()) {
            const QString problem = caFileProblem(tls.clientCaFile);
            if (!problem.isEmpty())
                add(path + QStringLiteral(".client_ca_file"), problem);
        }
        if (!isHttpMethodToken(tls.clientSubjectHeader))
            add(path + QStringLiteral(".client_subject_header"),
                QStringLiteral("\"%1\" is not a header field name").arg(tls.clientSubjectHeader));
    }

    // RFC 9110 section 7.8: protocol-name ["/" protocol-version], both tokens.
    void checkUpgrades(const QString &path, const QStringList &protocols)
    {
        for (int i = 0; i < protocols.size(); ++i) {
            const QString &protocol = protocols[i];
            const QString itemPath = path + QStringLiteral("[%1]").arg(i);
            const QString name = protocol.section(QLatin1Char('/'), 0, 0);
            if (!isHttpMethodToken(name)
                || (protocol.contains(QLatin1Char('/')) && !isHttpMethodToken(protocol.section(QLatin1Char('/'), 1))))
                add(itemPath,
                    QStringLiteral("\"%1\" is not an upgrade protocol token such as \"websocket\"").arg(protocol));
            else if (name.compare(QLatin1String("h2c"), Qt::CaseInsensitive) == 0
                     || name.compare(QLatin1String("h2"), Qt::CaseInsensitive) == 0)
                add(itemPath,
                    QStringLiteral("\"%1\" cannot be allowed: an HTTP/2 connection to the backend would carry "
                                   "requests for any path, past routes, methods and authentication")
                        .arg(protocol));
        }
    }

    void checkNetworks(const QString &path, const QStringList &networks)
    {
        for (int i = 0; i < networks.size(); ++i) {
            const auto subnet = QHostAddress::parseSubnet(networks[i]);
            if (subnet.first.isNull())
                add(path + QStringLiteral("[%1]").arg(i),
                    QStringLiteral("must be an address or CIDR such as 10.0.0.0/8 (got \"%1\")").arg(networks[i]));
        }
    }

    void checkJwt(const JwtSettings &jwt)
    {
        const qsizetype secretBytes = jwt.secret.toUtf8().size();
        if (!jwt.secret.isEmpty() && secretBytes < kMinJwtSecretBytes)
            add(QStringLiteral("jwt.secret"),
                QStringLiteral("must be at least %1 bytes long (got %2)").arg(kMinJwtSecretBytes).arg(secretBytes));
        if (!jwt.publicKeyFile.isEmpty()) {
            const QFileInfo keyFile(jwt.publicKeyFile);
            if (!keyFile.isReadable())
                add(QStringLiteral("jwt.public_key_file"), QStringLiteral("cannot read \"%1\"").arg(jwt.publicKeyFile));
            else if (!keyFile.isFile() || keyFile.size() > kMaxJwtKeyFileBytes)
                add(QStringLiteral("jwt.public_key_file"),
                    QStringLiteral("must be a PEM file of at most %1 bytes").arg(kMaxJwtKeyFileBytes));
        }
        checkRange(QStringLiteral("jwt.leeway_seconds"), jwt.leewaySeconds, 0, 86'400);
    }

    void checkAdmin(const AdminSettings &admin)
    {
        checkNetworks(QStringLiteral("admin.allowed_networks"), admin.allowedNetworks);
        if (!admin.listen.isEmpty() && !isHostPort(admin.listen))
            add(QStringLiteral("admin.listen"),
                QStringLiteral("must be HOST:PORT such as 127.0.0.1:5901 (got \"%1\")").arg(admin.listen));
        checkRange(QStringLiteral("admin.max_body_bytes"), admin.maxBodyBytes, 1024, Q_INT64_C(1) << 30);
    }

    void checkRateLimit(const RateLimitSettings &limit, const QString &path)
    {
        if (!(limit.requestsPerSecond > 0 && limit.requestsPerSecond <= 1e9))
            add(path + QLatin1String(".requests_per_second"),
                QStringLiteral("must be greater than 0 and at most 1e9 (got %1)").arg(limit.requestsPerSecond));
        checkRange(path + QLatin1String(".burst"), limit.burst, 0, 1'000'000'000);
        checkRange(path + QLatin1String(".max_keys"), limit.maxKeys, 1, 10'000'000);
        if (limit.key == RateLimitSettings::Key::JwtClaim && limit.keyName.isEmpty())
            add(path + QLatin1String(".key"), QStringLiteral("jwt:CLAIM needs a claim's name such as jwt:sub"));
        if (limit.key == RateLimitSettings::Key::Header && !isHttpMethodToken(limit.keyName))
            add(path + QLatin1String(".key"),
                QStringLiteral("header:NAME needs a field name such as header:x-api-key (got \"%1\")")
                    .arg(limit.keyText()));
    }

    void checkQueue(const QueueSettings &queue, const QString &path)
    {
        // A queue of 0 would refuse every request that finds the backends full: that is no queue
        // ("queue": null says so).
        if (queue.maxSize < 1)
            add(path + QLatin1String(".max_size"),
                QStringLiteral("must be at least 1; \"queue\": null turns the queue off (got %1)").arg(queue.maxSize));
        else
            checkRange(path + QLatin1String(".max_size"), queue.maxSize, 1, 1'000'000);
        checkRange(path + QLatin1String(".timeout_ms"), queue.timeoutMs, 1, 3'600'000);
    }

    // One BackendState counts a backend's requests for every route that lists it, so one limit.
    void checkCluster(const ClusterSettings &cluster)
    {
        const EtcdSettings &etcd = cluster.etcd;
        for (int i = 0; i < etcd.endpoints.size(); ++i) {
            const QUrl url(etcd.endpoints[i], QUrl::StrictMode);
            const bool ok = url.isValid()
                            && (url.scheme() == QLatin1String("http") || url.scheme() == QLatin1String("https"))
                            && !url.host().isEmpty() && (url.path().isEmpty() || url.path() == QLatin1String("/"))
                            && !url.hasQuery() && url.userInfo().isEmpty();
            if (!ok)
                add(QStringLiteral("cluster.etcd.endpoints[%1]").arg(i),
                    QStringLiteral("must be an http:// or https:// URL of host and port such as "
                                   "http://127.0.0.1:2379 (got \"%1\")")
                        .arg(etcd.endpoints[i]));
        }
        if (!etcd.prefix.startsWith(QLatin1Char('/')) || etcd.prefix.size() < 2
            || etcd.prefix.endsWith(QLatin1Char('/')))
            add(QStringLiteral("cluster.etcd.prefix"),
                QStringLiteral("must start with \"/\" and not end with one, such as /kairos (got \"%1\")")
                    .arg(etcd.prefix));
        if (etcd.username.isEmpty() != etcd.password.isEmpty())
            add(QStringLiteral("cluster.etcd.password"), QStringLiteral("username and password go together"));
        if (etcd.certFile.isEmpty() != etcd.keyFile.isEmpty())
            add(QStringLiteral("cluster.etcd.key_file"), QStringLiteral("cert_file and key_file go together"));
        for (const auto &[key, file] : {std::pair{"ca_file", &etcd.caFile}, std::pair{"cert_file", &etcd.certFile},
                                        std::pair{"key_file", &etcd.keyFile}}) {
            if (!file->isEmpty() && !QFileInfo(*file).isReadable())
                add(QStringLiteral("cluster.etcd.") + QLatin1String(key),
                    QStringLiteral("cannot read \"%1\"").arg(*file));
        }
        checkRange(QStringLiteral("cluster.etcd.timeout_ms"), etcd.timeoutMs, 100, 600'000);
        const bool hasControl = std::any_of(cluster.instanceName.begin(), cluster.instanceName.end(),
                                            [](QChar c) { return c.unicode() < 0x20 || c.unicode() == 0x7f; });
        if (cluster.instanceName.contains(QLatin1Char('/')) || hasControl)
            add(QStringLiteral("cluster.instance_name"),
                QStringLiteral("must not hold \"/\" or control characters (got \"%1\")").arg(cluster.instanceName));
    }

    void checkCircuitBreaker(const CircuitBreakerSettings &settings, const QString &path)
    {
        checkRange(path + QLatin1String(".failure_threshold"), settings.failureThreshold, 1, 1000);
        checkRange(path + QLatin1String(".open_duration_ms"), settings.openDurationMs, 1, 86'400'000);
        checkRange(path + QLatin1String(".half_open_max_requests"), settings.halfOpenMaxRequests, 1, 1000);
        checkRange(path + QLatin1String(".success_threshold"), settings.successThreshold, 1, 1000);
    }

    void checkOutlierDetection(const OutlierDetectionSettings &settings, const QString &path)
    {
        checkRange(path + QLatin1String(".consecutive_5xx"), settings.consecutive5xx, 1, 1000);
        checkRange(path + QLatin1String(".consecutive_gateway_failures"), settings.consecutiveGatewayFailures, 1, 1000);
        checkRange(path + QLatin1String(".base_ejection_ms"), settings.baseEjectionMs, 1, 86'400'000);
        checkRange(path + QLatin1String(".max_ejection_ms"), settings.maxEjectionMs, 1, 86'400'000);
        if (settings.maxEjectionMs < settings.baseEjectionMs)
            add(path + QLatin1String(".max_ejection_ms"),
                QStringLiteral("must be at least base_ejection_ms (%1, got %2)")
                    .arg(settings.baseEjectionMs)
                    .arg(settings.maxEjectionMs));
        checkRange(path + QLatin1String(".max_ejection_percent"), settings.maxEjectionPercent, 0, 100);
    }

    void checkSlowStart(int slowStartMs, int minWeightPercent, const QString &path)
    {
        checkRange(path + QLatin1String("slow_start_ms"), slowStartMs, 0, 86'400'000);
        checkRange(path + QLatin1String("slow_start_min_weight_percent"), minWeightPercent, 1, 100);
    }

    void checkHealthCheck(const HealthCheckSettings &settings, const QString &path)
    {
        checkRange(path + QLatin1String(".interval_ms"), settings.intervalMs, 100, 86'400'000);
        checkRange(path + QLatin1String(".timeout_ms"), settings.timeoutMs, 1, 3'600'000);
        checkRange(path + QLatin1String(".unhealthy_threshold"), settings.unhealthyThreshold, 1, 1000);
        checkRange(path + QLatin1String(".healthy_threshold"), settings.healthyThreshold, 1, 1000);
        for (int i = 0; i < settings.expectedStatuses.size(); ++i)
            checkRange(path + QStringLiteral(".expected_statuses[%1]").arg(i), settings.expectedStatuses[i], 100, 599);
    }

    // The blocks of requestrules.h that the top level and routes share (path: "" or "routers[i].").
    template <typename Source> void checkRequestRules(const Source &source, const QString &path)
    {
        if (source.cors && !source.cors->off)
            checkCors(*source.cors, path + QLatin1String("cors"), m_problems);
        if (source.requestHeaders && !source.requestHeaders->off)
            checkHeaderRules(*source.requestHeaders, path + QLatin1String("request_headers"), false, m_problems);
        if (source.responseHeaders && !source.responseHeaders->off)
            checkHeaderRules(*source.responseHeaders, path + QLatin1String("response_headers"), true, m_problems);
        if (source.fault && !source.fault->off)
            checkFault(*source.fault, path + QLatin1String("fault"), m_problems);
        if (source.compression && !source.compression->off)
            checkCompression(*source.compression, path + QLatin1String("compression"), m_problems);
    }

    // A route proxies to backends or answers itself (redirect, mock), one of them.
    void checkRouteTarget(const Route &route, const QString &path)
    {
        const RouteOverrides &overrides = *route.overrides;
        if (int(bool(overrides.redirect)) + int(bool(overrides.mock)) + int(bool(overrides.staticSite)) > 1)
            add(path, QStringLiteral("a route answers with one of redirect, mock and static"));
        if (overrides.staticSite)
            checkStatic(*overrides.staticSite, path + QLatin1String(".static"), m_problems);
        if (overrides.redirect)
            checkRedirect(*overrides.redirect, path + QLatin1String(".redirect"), m_problems);
        if (overrides.mock)
            checkMock(*overrides.mock, path + QLatin1String(".mock"), m_problems);
        if (Config::answersItself(route)) {
            if (!route.backends.isEmpty())
                add(path + QLatin1String(".backends"),
                    QStringLiteral("a route with %1 answers itself and lists no backends")
                        .arg(overrides.redirect ? QStringLiteral("redirect")
                             : overrides.mock   ? QStringLiteral("mock")
                                                : QStringLiteral("static")));
            if (overrides.fault && !overrides.fault->off)
                add(path + QLatin1String(".fault"), QStringLiteral("faults are for routes with backends"));
        } else if (route.backends.isEmpty()) {
            add(path + QLatin1String(".backends"),
                QStringLiteral("must list at least one backend (or give the legacy host and port), or the route "
                               "must answer itself with redirect, mock or static"));
        }
    }

    // Group names go into metric labels and the shift's API: short and plain.
    static bool isGroupName(const QString &name)
    {
        static const QRegularExpression plain(QStringLiteral("^[A-Za-z0-9_.-]{1,64}$"));
        return plain.match(name).hasMatch();
    }

    void checkSplit(const SplitSettings &split, const QString &path)
    {
        const QString splitPath = path + QLatin1String(".split");
        if (split.groups.isEmpty())
            add(splitPath, QStringLiteral("must list at least one group"));
        if (split.groups.size() > kMaxSplitGroups)
            add(splitPath,
                QStringLiteral("must list at most %1 groups (got %2)").arg(kMaxSplitGroups).arg(split.groups.size()));
        QSet<QString> names;
        qint64 total = 0;
        for (int g = 0; g < split.groups.size(); ++g) {
            const SplitGroup &group = split.groups[g];
            const QString groupPath = splitPath + QStringLiteral("[%1]").arg(g);
            if (!isGroupName(group.name))
                add(groupPath + QLatin1String(".name"),
                    QStringLiteral("must be 1 to 64 letters, digits, '_', '.' or '-' (got \"%1\")").arg(group.name));
            else if (names.contains(group.name))
                add(groupPath + QLatin1String(".name"),
                    QStringLiteral("\"%1\" names another group too").arg(group.name));
            names.insert(group.name);
            checkRange(groupPath + QLatin1String(".weight"), group.weight, 0, 1'000'000);
            total += group.weight;
            if (group.backendCount == 0)
                add(groupPath + QLatin1String(".backends"), QStringLiteral("must list at least one backend"));
        }
        if (!split.groups.isEmpty() && total == 0)
            add(splitPath, QStringLiteral("the groups' weights add up to 0: no group would get a request"));
        if (split.key.kind == SplitKey::Kind::Header && !isHttpMethodToken(split.key.name))
            add(path + QLatin1String(".split_key"),
                QStringLiteral("\"%1\" is not a header field name").arg(split.key.name));
        if (split.key.kind == SplitKey::Kind::Cookie && !isHttpMethodToken(split.key.name))
            add(path + QLatin1String(".split_key"), QStringLiteral("\"%1\" is not a cookie name").arg(split.key.name));
        if (!split.canaryHeader.isEmpty() && !isHttpMethodToken(split.canaryHeader))
            add(path + QLatin1String(".canary_header"),
                QStringLiteral("\"%1\" is not a header field name").arg(split.canaryHeader));
        if (!split.shift)
            return;
        const ShiftSettings &shift = *split.shift;
        const QString shiftPath = path + QLatin1String(".shift");
        const int shifted = split.groupIndex(shift.group);
        if (shifted < 0)
            add(shiftPath + QLatin1String(".group"),
                QStringLiteral("names no group of split (got \"%1\")").arg(shift.group));
        else if (shifted == 0)
            add(shiftPath + QLatin1String(".group"),
                QStringLiteral("is the first group, which a rollback returns the traffic to; shift another one"));
        checkRange(shiftPath + QLatin1String(".step_percent"), shift.stepPercent, 1, 100);
        if (!(shift.intervalS >= 0.1 && shift.intervalS <= 86'400))
            add(shiftPath + QLatin1String(".interval_s"),
                QStringLiteral("must be between 0.1 and 86400 (got %1)").arg(shift.intervalS));
        if (!(shift.maxErrorRate >= 0 && shift.maxErrorRate <= 1))
            add(shiftPath + QLatin1String(".max_error_rate"),
                QStringLiteral("must be between 0 and 1 (got %1)").arg(shift.maxErrorRate));
        checkRange(shiftPath + QLatin1String(".min_requests"), shift.minRequests, 0, 1'000'000'000);
        checkRange(shiftPath + QLatin1String(".max_p99_ms"), shift.maxP99Ms, 0, 3'600'000);
    }

    void checkRoute(const Route &route, const QString &path, const Config &config)
    {
        QString error;
        const std::optional<RoutePattern> pattern = RoutePattern::parse(route.externalPath, &error);
        if (!pattern)
            add(path + QLatin1String(".external_path"), error);
        else
            checkNotReserved(route.externalPath, path + QLatin1String(".external_path"));

        checkInternalPath(route.internalPath, path + QLatin1String(".internal_path"));
        if (pattern) {
            const QStringList captured = pattern->placeholderNames();
            for (const QString &name : internalPathPlaceholders(route.internalPath)) {
                if (!captured.contains(name))
                    add(path + QLatin1String(".internal_path"),
                        QStringLiteral("uses placeholder \"{%1}\" that external_path \"%2\" does not define")
                            .arg(name, route.externalPath));
            }
        }

        checkMethods(route.methods, path + QLatin1String(".methods"));

        checkRouteTarget(route, path);
        checkRequestRules(*route.overrides, path + QLatin1Char('.'));
        if (route.backends.size() > kMaxBackendsPerRoute)
            add(path + QLatin1String(".backends"), QStringLiteral("must list at most %1 backends (got %2)")
                                                       .arg(kMaxBackendsPerRoute)
                                                       .arg(route.backends.size()));
        for (int i = 0; i < route.backends.size(); ++i)
            checkBackend(route.backends[i], path + QLatin1Char('.') + route.backendPath(i));
        if (const SplitSettings *split = route.split()) {
            checkSplit(*split, path);
            // A queue hands a freed slot of any of the route's backends to its first waiter, which
            // may belong to another group: a split route's requests would leave their group.
            if (config.queueFor(route))
                add(path + QLatin1String(".queue"),
                    QStringLiteral("a route with split has no request queue (give \"queue\": null to "
                                   "keep a top-level queue off it)"));
        }

        if (route.retry)
            checkRetry(*route.retry, path + QLatin1String(".retry"));
        if (route.overrides->maxBodyBytes)
            checkRange(path + QLatin1String(".max_body_bytes"), *route.overrides->maxBodyBytes, 0, Q_INT64_C(1) << 50);
        if (route.overrides->connectTimeoutMs)
            checkRange(path + QLatin1String(".connect_timeout_ms"), *route.overrides->connectTimeoutMs, 1, 3'600'000);
        if (route.overrides->rateLimit && !route.overrides->rateLimit->off)
            checkRateLimit(*route.overrides->rateLimit, path + QLatin1String(".rate_limit"));
        if (route.overrides->queue && !route.overrides->queue->off)
            checkQueue(*route.overrides->queue, path + QLatin1String(".queue"));
        if (route.overrides->mirror)
            checkMirror(route, path + QLatin1String(".mirror"));
        if (route.overrides->tunnelIdleTimeoutMs)
            checkRange(path + QLatin1String(".tunnel_idle_timeout_ms"), *route.overrides->tunnelIdleTimeoutMs, 1000,
                       604'800'000);
        if (route.overrides->responseTimeoutMs)
            checkRange(path + QLatin1String(".response_timeout_ms"), *route.overrides->responseTimeoutMs, 1,
                       86'400'000);
        if (route.overrides->allowedUpgrades)
            checkUpgrades(path + QLatin1String(".allowed_upgrades"), *route.overrides->allowedUpgrades);
        checkRange(path + QLatin1String(".timeout_ms"), route.timeoutMs, 1, 86'400'000);
        if (!route.overrides->circuitBreaker.keys.isEmpty())
            checkCircuitBreaker(config.circuitBreakerFor(route), path + QLatin1String(".circuit_breaker"));
        if (!route.overrides->healthCheck.keys.isEmpty())
            checkHealthCheck(config.healthCheckFor(route), path + QLatin1String(".health_check"));
        if (!route.overrides->outlierDetection.keys.isEmpty()) {
            if (const std::optional<OutlierDetectionSettings> outlier = config.outlierDetectionFor(route))
                checkOutlierDetection(*outlier, path + QLatin1String(".outlier_detection"));
        }
        if (route.overrides->slowStartMs || route.overrides->slowStartMinWeightPercent)
            checkSlowStart(route.overrides->slowStartMs.value_or(0),
                           route.overrides->slowStartMinWeightPercent.value_or(10), path + QLatin1Char('.'));
        // Decays shorter than a tenth of a second would forget a backend's latency between two of
        // its answers; an hour keeps a slowdown in mind for days (the estimate falls by e per decay).
        if (route.overrides->ewmaDecayMs)
            checkRange(path + QLatin1String(".ewma_decay_ms"), *route.overrides->ewmaDecayMs, 100, 3'600'000);
        if (route.overrides->defaultRttMs)
            checkRange(path + QLatin1String(".default_rtt_ms"), *route.overrides->defaultRttMs, 1, 600'000);
        if (route.authRequired && config.jwt.secret.isEmpty() && config.jwt.publicKeyFile.isEmpty())
            add(path + QLatin1String(".auth_required"),
                QStringLiteral(
                    "needs jwt.secret or jwt.public_key_file, since tokens cannot be checked without a key"));
    }

    void checkDuplicates(const QList<Route> &routes)
    {
        QHash<QString, int> firstByShape;
        for (int i = 0; i < routes.size(); ++i) {
            const std::optional<RoutePattern> pattern = RoutePattern::parse(routes[i].externalPath, nullptr);
            if (!pattern)
                continue;
            const QString shape = pattern->shape();
            const auto found = firstByShape.constFind(shape);
            if (found == firstByShape.cend()) {
                firstByShape.insert(shape, i);
                continue;
            }
            add(QStringLiteral("routers[%1].external_path").arg(i),
                QStringLiteral("\"%1\" duplicates routers[%2] (\"%3\")")
                    .arg(routes[i].externalPath)
                    .arg(*found)
                    .arg(routes[*found].externalPath));
        }
    }

    // What protects a backend is the backend's, whichever route sends it requests: one slot count
    // (max_connections) and one set of buckets (rate_limit) per backend, so every route that
    // lists the same backend must give it the same values. So must its protocol: the worker's
    // connections to a backend are pooled by its address, whichever route opened them.
    // Each source is a resolver with its sockets and a timer, refreshing on its own.
    void checkDiscoverySourceCount(const Config &config)
    {
        const qsizetype sources = discoverySources(config).size();
        if (sources > kMaxDiscoverySources)
            add(QStringLiteral("routers"),
                QStringLiteral("discover entries name %1 sources; at most %2 are followed at once")
                    .arg(sources)
                    .arg(kMaxDiscoverySources));
    }

    void checkSharedBackendLimits(const QList<Route> &routes)
    {
        const auto limited = [](const Route &route) {
            return std::any_of(route.backends.begin(), route.backends.end(), [](const Backend &backend) {
                return backend.maxConnections != 0 || bool(backend.rateLimit) || backend.usesHttp2();
            });
        };
        if (std::none_of(routes.begin(), routes.end(), limited))
            return;  // Backend::key() parses a URL: not for every backend of a large config
        QHash<QString, QPair<QString, const Backend *>> first;  // by Backend::key(): path, entry
        for (int r = 0; r < routes.size(); ++r) {
            for (int b = 0; b < routes[r].backends.size(); ++b) {
                const Backend &backend = routes[r].backends[b];
                const QString path = QStringLiteral("routers[%1].").arg(r) + routes[r].backendPath(b);
                // Entries of one source and scheme list the same backends, whatever they find.
                const QString key = backend.discover ? QStringLiteral("%1://… found by %2")
                                                           .arg(backend.discover->scheme, backend.discover->sourceKey())
                                                     : backend.key();
                const auto it = first.constFind(key);
                if (it == first.constEnd()) {
                    first.insert(key, qMakePair(path, &backend));
                    continue;
                }
                const Backend &earlier = *it->second;
                if (earlier.maxConnections != backend.maxConnections)
                    add(path + QLatin1String(".max_connections"),
                        QStringLiteral("must be the same for every route that lists backend %1: %2 gives %3 (got %4)")
                            .arg(key, it->first)
                            .arg(earlier.maxConnections)
                            .arg(backend.maxConnections));
                if (earlier.protocol != backend.protocol)
                    add(path + QLatin1String(".protocol"),
                        QStringLiteral(
                            "must be the same for every route that lists backend %1: %2 gives \"%3\" (got \"%4\")")
                            .arg(key, it->first, earlier.protocol, backend.protocol));
                const bool sameLimit = bool(earlier.rateLimit) == bool(backend.rateLimit)
                                       && (!backend.rateLimit || *earlier.rateLimit == *backend.rateLimit);
                if (!sameLimit)
                    add(path + QLatin1String(".rate_limit"),
                        QStringLiteral("differs from the rate_limit of the same backend at %1: a backend's limit "
                                       "is shared by every route that lists it")
                            .arg(it->first));
            }
        }
    }

private:
    static bool isHostPort(const QString &value)
    {
        const int colon = value.lastIndexOf(QLatin1Char(':'));
        bool ok = false;
        const int port = value.mid(colon + 1).toInt(&ok);
        return colon > 0 && ok && port >= 0 && port <= 65535;  // 0: any free port
    }

    void checkNotReserved(const QString &externalPath, const QString &path)
    {
        for (const QString &reserved : reservedPathPrefixes()) {
            if (externalPath == reserved || externalPath.startsWith(reserved + QLatin1Char('/')))
                add(path,
                    QStringLiteral("\"%1\" is reserved for the gateway's own %2 endpoint").arg(externalPath, reserved));
        }
    }

    void checkInternalPath(const QString &internalPath, const QString &path)
    {
        // First and alone, so that no other message quotes the character.
        if (const QString characterError = pathCharacterError(internalPath); !characterError.isEmpty()) {
            add(path, characterError);
            return;
        }
        if (!internalPath.startsWith(QLatin1Char('/'))) {
            add(path, QStringLiteral("must start with \"/\" (got \"%1\")").arg(internalPath));
            return;
        }
        if (internalPath.contains(QLatin1Char('#')))
            add(path, QStringLiteral("must not contain \"#\""));
        const QString pathPart = internalPath.section(QLatin1Char('?'), 0, 0);
        for (const QString &segment : pathPart.split(QLatin1Char('/'))) {
            const QString beforeParameters = segment.section(QLatin1Char(';'), 0, 0);
            if (beforeParameters == QLatin1String("..") || beforeParameters == QLatin1String(".")) {
                add(path, QStringLiteral("must not contain \".\" or \"..\" segments (got \"%1\")").arg(internalPath));
                break;
            }
        }
        // Sent as it is in the backend's request line, where a space would end the target.
        if (const qsizetype space = internalPath.indexOf(QLatin1Char(' ')); space >= 0)
            add(path, QStringLiteral("must not contain spaces (at position %1); write them as %2")
                          .arg(QString::number(characterPosition(internalPath, space)), QStringLiteral("%20")));
        for (const QString &name : internalPathPlaceholders(internalPath)) {
            if (!isValidPlaceholderName(name))
                add(path, QStringLiteral("invalid placeholder \"{%1}\"").arg(name));
        }
    }

    void checkMethods(const QStringList &methods, const QString &path)
    {
        static const QStringList standard{
            QStringLiteral("GET"),     QStringLiteral("HEAD"),   QStringLiteral("POST"),
            QStringLiteral("PUT"),     QStringLiteral("DELETE"), QStringLiteral("CONNECT"),
            QStringLiteral("OPTIONS"), QStringLiteral("TRACE"),  QStringLiteral("PATCH")};
        if (methods.isEmpty())
            add(path, QStringLiteral("must list at least one HTTP method"));
        for (int i = 0; i < methods.size(); ++i) {
            const QString &method = methods[i];
            const QString itemPath = path + QStringLiteral("[%1]").arg(i);
            if (!isHttpMethodToken(method))
                add(itemPath, QStringLiteral("\"%1\" is not a valid HTTP method").arg(method));
            else if (!standard.contains(method) && standard.contains(method.toUpper()))
                add(itemPath, QStringLiteral("\"%1\" must be written \"%2\": methods are case-sensitive")
                                  .arg(method, method.toUpper()));
            else if (method == QLatin1String("CONNECT"))
                add(itemPath, QStringLiteral("CONNECT cannot be proxied by a route"));
            else if (methods.indexOf(method) != i)
                add(itemPath, QStringLiteral("\"%1\" is listed twice").arg(method));
        }
    }

    void checkDiscovery(const DiscoverySettings &discovery, const QString &path)
    {
        using Kind = DiscoverySettings::Kind;
        const QString kind = DiscoverySettings::kindName(discovery.kind);
        const QString name = discovery.name;
        if (name.isEmpty()) {
            add(path + QLatin1Char('.') + kind, QStringLiteral("must not be empty"));
        } else if (discovery.kind == Kind::Etcd) {
            // One path segment of <prefix>/services/<name>/<id>.
            static const QRegularExpression serviceName(QStringLiteral("^[A-Za-z0-9._-]{1,128}$"));
            if (!serviceName.match(name).hasMatch() || name == QLatin1String(".") || name == QLatin1String(".."))
                add(path + QLatin1String(".etcd"),
                    QStringLiteral("must be letters, digits, '.', '_' or '-', not \".\" or \"..\" (got \"%1\")")
                        .arg(name));
        } else {
            static const QRegularExpression dnsName(
                QStringLiteral("^(?=.{1,253}\\.?$)([A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)(\\.[A-Za-z0-9_]([A-"
                               "Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\\.?$"));
            if (!dnsName.match(name).hasMatch())
                add(path + QLatin1Char('.') + kind, QStringLiteral("is not a DNS name (got \"%1\")").arg(name));
        }
        // SRV records and registrations carry each backend's port and weight.
        const QString carrier =
            discovery.kind == Kind::DnsSrv ? QStringLiteral("each SRV record") : QStringLiteral("each registration");
        const auto dnsOnly = [&](const char *key, int value, int unset, int max, const char *what) {
            if (discovery.kind == Kind::Dns)
                checkRange(path + QLatin1Char('.') + QLatin1String(key), value, 1, max);
            else if (value != unset)
                add(path + QLatin1Char('.') + QLatin1String(key),
                    QStringLiteral("only with \"dns\": %1 gives each backend its %2")
                        .arg(carrier, QLatin1String(what)));
        };
        dnsOnly("port", discovery.port, 0, 65535, "port");
        dnsOnly("weight", discovery.weight, 1, 1000, "weight");
        if (discovery.scheme != QLatin1String("http") && discovery.scheme != QLatin1String("https"))
            add(path + QLatin1String(".scheme"),
                QStringLiteral("must be \"http\" or \"https\" (got \"%1\")").arg(discovery.scheme));
        if (discovery.kind == Kind::Etcd) {
            if (!discovery.nameservers.isEmpty() || discovery.respectTtl
                || discovery.refreshMs != DiscoverySettings().refreshMs)
                add(path,
                    QStringLiteral("refresh_ms, respect_ttl and nameservers are for DNS: etcd tells of each change "
                                   "as it happens"));
            return;
        }
        checkRange(path + QLatin1String(".refresh_ms"), discovery.refreshMs, 100, 86'400'000);
        for (int i = 0; i < discovery.nameservers.size(); ++i) {
            if (!DiscoverySettings::parseNameserver(discovery.nameservers[i]))
                add(path + QStringLiteral(".nameservers[%1]").arg(i),
                    QStringLiteral("must be an IP address with an optional port: \"127.0.0.1:5353\", \"[::1]:53\", "
                                   "\"10.0.0.2\" (got \"%1\")")
                        .arg(discovery.nameservers[i]));
        }
    }

    void checkBackend(const Backend &backend, const QString &path)
    {
        if (backend.discover) {
            checkDiscovery(*backend.discover, path + QLatin1String(".discover"));
            checkBackendUse(backend, backend.discover->scheme, path);
            return;
        }
        const QUrl url(backend.host, QUrl::StrictMode);
        const QString scheme = url.scheme().toLower();
        if (backend.host.isEmpty()) {
            add(path + QLatin1String(".host"), QStringLiteral("must not be empty"));
        } else if (!url.isValid() || (scheme != QLatin1String("http") && scheme != QLatin1String("https"))) {
            add(path + QLatin1String(".host"),
                QStringLiteral("must start with http:// or https:// (got \"%1\")").arg(backend.host));
        } else if (url.host().isEmpty()) {
            add(path + QLatin1String(".host"), QStringLiteral("has no host name (got \"%1\")").arg(backend.host));
        } else if (url.port() != -1) {
            add(path + QLatin1String(".host"),
                QStringLiteral("must not contain a port; use \"port\" (got \"%1\")").arg(backend.host));
        } else if ((!url.path().isEmpty() && url.path() != QLatin1String("/")) || url.hasQuery()
                   || !url.userInfo().isEmpty()) {
            add(path + QLatin1String(".host"),
                QStringLiteral("must be only a scheme and a host name; paths belong in internal_path (got \"%1\")")
                    .arg(backend.host));
        }
        checkRange(path + QLatin1String(".port"), backend.port, 1, 65535);
        if (backend.weight < 1)
            add(path + QLatin1String(".weight"), QStringLiteral("must be at least 1 (got %1)").arg(backend.weight));
        else
            checkRange(path + QLatin1String(".weight"), backend.weight, 1, 1000);
        checkBackendUse(backend, scheme, path);
    }

    // What a fixed backend and a discover entry both have: how requests reach it, and its protection.
    void checkBackendUse(const Backend &backend, const QString &scheme, const QString &path)
    {
        if (backend.protocol == QLatin1String("h2") && scheme == QLatin1String("http"))
            add(path + QLatin1String(".protocol"),
                QStringLiteral(
                    "\"h2\" is HTTP/2 over TLS: the host must start with https:// (\"h2c\" is HTTP/2 in cleartext)"));
        else if (backend.protocol == QLatin1String("h2c") && scheme == QLatin1String("https"))
            add(path + QLatin1String(".protocol"),
                QStringLiteral(
                    "\"h2c\" is HTTP/2 in cleartext: the host must start with http:// (\"h2\" is HTTP/2 over TLS)"));
        else if (backend.protocol != QLatin1String("http/1.1") && backend.protocol != QLatin1String("h2")
                 && backend.protocol != QLatin1String("h2c"))
            add(path + QLatin1String(".protocol"),
                QStringLiteral("must be \"http/1.1\", \"h2\" or \"h2c\" (got \"%1\")").arg(backend.protocol));
        checkRange(path + QLatin1String(".max_connections"), backend.maxConnections, 0, 1'000'000);
        if (!backend.healthCheckPath.isEmpty() && !backend.healthCheckPath.startsWith(QLatin1Char('/')))
            add(path + QLatin1String(".health_check_path"),
                QStringLiteral("must start with \"/\" (got \"%1\")").arg(backend.healthCheckPath));
        if (backend.rateLimit)
            checkRateLimit(*backend.rateLimit, path + QLatin1String(".rate_limit"));
    }

    // A shadow backend is reached as a route's backend is; what balances, limits or checks
    // backends does not apply to it, so the keys for that would only mislead.
    void checkMirror(const Route &route, const QString &path)
    {
        const MirrorSettings &mirror = *route.overrides->mirror;
        if (Config::answersItself(route))
            add(path, QStringLiteral("is for routes with backends: a route that answers itself sends nothing to copy"));
        if (mirror.backends.isEmpty())
            add(path + QLatin1String(".backends"), QStringLiteral("must list at least one backend"));
        else if (mirror.backends.size() > kMaxMirrorBackends)
            add(path + QLatin1String(".backends"), QStringLiteral("must list at most %1 backends (got %2)")
                                                       .arg(kMaxMirrorBackends)
                                                       .arg(mirror.backends.size()));
        for (int i = 0; i < mirror.backends.size(); ++i) {
            const Backend &backend = mirror.backends[i];
            const QString backendPath = path + QStringLiteral(".backends[%1]").arg(i);
            if (backend.discover) {
                add(backendPath + QLatin1String(".discover"),
                    QStringLiteral("is not supported for mirror backends: list them with host and port"));
                continue;
            }
            checkBackend(backend, backendPath);
            if (backend.protocol != QLatin1String("http/1.1"))
                add(backendPath + QLatin1String(".protocol"),
                    QStringLiteral("must be \"http/1.1\" for mirror backends (got \"%1\")").arg(backend.protocol));
            const auto unused = [&](bool set, const char *key, const QString &why) {
                if (set)
                    add(backendPath + QLatin1Char('.') + QLatin1String(key),
                        QStringLiteral("has no effect on a mirror backend: %1").arg(why));
            };
            unused(backend.weight != 1, "weight", QStringLiteral("copies go to the mirror's backends in turn"));
            unused(!backend.healthCheckPath.isEmpty(), "health_check_path",
                   QStringLiteral("mirror backends are not health checked; a copy that fails is counted and dropped"));
            unused(bool(backend.rateLimit), "rate_limit", QStringLiteral("copies are limited by the mirror's percent"));
            unused(
                backend.maxConnections != 0, "max_connections",
                QStringLiteral("copies in flight are limited to %1 per worker thread").arg(kMaxMirrorRequestsInFlight));
        }
        checkRange(path + QLatin1String(".percent"), mirror.percent, 0, 100);
    }

    void checkRetry(const RetryPolicy &retry, const QString &path)
    {
        checkRange(path + QLatin1String(".max_attempts"), retry.maxAttempts, 1, 10);
        if (retry.initialBackoffMs <= 0)
            add(path + QLatin1String(".initial_backoff_ms"),
                QStringLiteral("must be greater than 0 (got %1)").arg(retry.initialBackoffMs));
        if (retry.maxBackoffMs <= retry.initialBackoffMs)
            add(path + QLatin1String(".max_backoff_ms"),
                QStringLiteral("must be greater than initial_backoff_ms (%1) (got %2)")
                    .arg(retry.initialBackoffMs)
                    .arg(retry.maxBackoffMs));
        if (!(retry.backoffMultiplier > 1.0))
            add(path + QLatin1String(".backoff_multiplier"),
                QStringLiteral("must be greater than 1.0 (got %1)").arg(retry.backoffMultiplier));
        for (int i = 0; i < retry.retryableStatusCodes.size(); ++i)
            checkRange(path + QStringLiteral(".retryable_status_codes[%1]").arg(i), retry.retryableStatusCodes[i], 100,
                       599);
        checkRange(path + QLatin1String(".retry_buffer_bytes"), retry.retryBufferBytes, 0, Q_INT64_C(1) << 34);
    }

    QList<ConfigProblem> &m_problems;
};

}  // namespace

bool isHttpMethodToken(const QString &method)
{
    static const QString extra = QStringLiteral("!#$%&'*+-.^_`|~");
    if (method.isEmpty())
        return false;
    for (QChar c : method) {
        const ushort u = c.unicode();
        const bool alnum = (u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') || (u >= '0' && u <= '9');
        if (!alnum && !extra.contains(c))
            return false;
    }
    return true;
}

const QStringList &reservedPathPrefixes()
{
    static const QStringList reserved{QStringLiteral("/api/routes"),   QStringLiteral("/api/config"),
                                      QStringLiteral("/api/backends"), QStringLiteral("/metrics"),
                                      QStringLiteral("/health"),       QStringLiteral("/ready"),
                                      QStringLiteral("/live")};
    return reserved;
}

QList<ConfigProblem> validateConfig(const Config &config)
{
    QList<ConfigProblem> problems;
    Validator validator(problems);
    if (config.version < 1)
        validator.add(QStringLiteral("version"), QStringLiteral("must be at least 1 (got %1)").arg(config.version));
    validator.checkServer(config.server);
    validator.checkJwt(config.jwt);
    validator.checkAdmin(config.admin);
    validator.checkRange(QStringLiteral("console.capture_body_bytes"), config.console.captureBodyBytes, 0,
                         Q_INT64_C(16) << 20);
    validator.checkCluster(config.cluster);
    if (config.rateLimit)
        validator.checkRateLimit(*config.rateLimit, QStringLiteral("rate_limit"));
    if (config.queue)
        validator.checkQueue(*config.queue, QStringLiteral("queue"));
    validator.checkUpgrades(QStringLiteral("allowed_upgrades"), config.allowedUpgrades);
    validator.checkCircuitBreaker(config.circuitBreaker, QStringLiteral("circuit_breaker"));
    validator.checkHealthCheck(config.healthCheck, QStringLiteral("health_check"));
    if (config.outlierDetection)
        validator.checkOutlierDetection(*config.outlierDetection, QStringLiteral("outlier_detection"));
    validator.checkSlowStart(config.slowStartMs, config.slowStartMinWeightPercent, QString());
    validator.checkRequestRules(config, QString());
    for (int i = 0; i < config.routes.size(); ++i)
        validator.checkRoute(config.routes[i], QStringLiteral("routers[%1]").arg(i), config);
    validator.checkDuplicates(config.routes);
    validator.checkSharedBackendLimits(config.routes);
    validator.checkDiscoverySourceCount(config);
    return problems;
}

}  // namespace kairos
