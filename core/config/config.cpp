#include "config.h"

#include "configreader.h"

#include <QRegularExpression>
#include <QStringBuilder>
#include <QUrl>

namespace kairos {

namespace {
struct StrategyName {
    LoadBalancingStrategy strategy;
    const char *name;
    const char *snakeName;
};
constexpr StrategyName kStrategyNames[] = {
    {LoadBalancingStrategy::RoundRobin, "RoundRobin", "round_robin"},
    {LoadBalancingStrategy::LeastConnections, "LeastConnections", "least_connections"},
    {LoadBalancingStrategy::Weighted, "Weighted", "weighted"},
    {LoadBalancingStrategy::Random, "Random", "random"},
    {LoadBalancingStrategy::IpHash, "IpHash", "ip_hash"},
    {LoadBalancingStrategy::PowerOfTwo, "PowerOfTwo", "power_of_two"},
    {LoadBalancingStrategy::PeakEwma, "PeakEwma", "peak_ewma"},
};
}  // namespace

QString strategyName(LoadBalancingStrategy strategy)
{
    for (const auto &entry : kStrategyNames) {
        if (entry.strategy == strategy)
            return QString::fromLatin1(entry.name);
    }
    return QString();
}

std::optional<LoadBalancingStrategy> strategyFromName(const QString &name)
{
    for (const auto &entry : kStrategyNames) {
        if (name == QLatin1String(entry.name) || name == QLatin1String(entry.snakeName))
            return entry.strategy;
    }
    return std::nullopt;
}

QString priorityName(RoutePriority priority)
{
    switch (priority) {
    case RoutePriority::Low: return QStringLiteral("low");
    case RoutePriority::Normal: return QStringLiteral("normal");
    case RoutePriority::High: return QStringLiteral("high");
    }
    return QString();
}

std::optional<RoutePriority> priorityFromName(const QString &name)
{
    for (RoutePriority priority : {RoutePriority::Low, RoutePriority::Normal, RoutePriority::High}) {
        if (name == priorityName(priority))
            return priority;
    }
    return std::nullopt;
}

QString Backend::hostName() const
{
    return QUrl(host).host();
}

bool Backend::usesTls() const
{
    return host.startsWith(QLatin1String("https://"), Qt::CaseInsensitive);
}

// Built with QStringBuilder's % (one allocation of the exact size): these strings live as long as
// the backend's state, and a chain of + leaves each one with the spare capacity of its appends.
QString Backend::key() const
{
    const QLatin1String scheme = usesTls() ? QLatin1String("https://") : QLatin1String("http://");
    if (discovered)  // one address may serve several names: each its own Host, its own TLS peer
        return scheme % discovered->address % QLatin1Char(':') % QString::number(port) % QLatin1String(" (")
               % hostName() % QLatin1Char(')');
    return scheme % hostName() % QLatin1Char(':') % QString::number(port);
}

QString DiscoverySettings::kindName(Kind kind)
{
    switch (kind) {
    case Kind::Dns: return QStringLiteral("dns");
    case Kind::DnsSrv: return QStringLiteral("dns_srv");
    case Kind::Etcd: return QStringLiteral("etcd");
    }
    return {};
}

QString DiscoverySettings::sourceKey() const
{
    QString key = kindName(kind) % QLatin1Char(':') % name;
    if (kind == Kind::Dns)
        key += QLatin1Char(':') % QString::number(port);
    // A registration may name its own scheme; the source refuses those that differ from this one,
    // so entries of either scheme need sources of their own. DNS records name no scheme: the
    // entry's is put on what they found (expandDiscovered()).
    if (kind == Kind::Etcd && scheme != QLatin1String("http"))
        key += QLatin1Char(' ') % scheme;
    if (kind != Kind::Etcd && !nameservers.isEmpty())
        key += QLatin1String(" @") % nameservers.join(QLatin1Char(','));
    return key;
}

std::optional<DiscoverySettings::Nameserver> DiscoverySettings::parseNameserver(const QString &text)
{
    // [IPv6]:port, [IPv6], IPv4:port, IPv4, or a bare IPv6 address.
    static const QRegularExpression form(
        QStringLiteral("^(?:\\[([0-9A-Fa-f:.]+)\\]|([0-9.]+))(?::([0-9]{1,5}))?$|^([0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*)$"));
    const QRegularExpressionMatch match = form.match(text);
    if (!match.hasMatch())
        return std::nullopt;
    Nameserver server;
    if (!server.address.setAddress(match.captured(1) + match.captured(2) + match.captured(4)))
        return std::nullopt;
    const bool bracketed = match.capturedLength(1) > 0;
    if (bracketed != (server.address.protocol() == QAbstractSocket::IPv6Protocol) && match.capturedLength(4) == 0)
        return std::nullopt;
    if (match.capturedLength(3) > 0) {
        const int port = match.captured(3).toInt();
        if (port < 1 || port > 65535)
            return std::nullopt;
        server.port = quint16(port);
    }
    return server;
}

bool DiscoverySettings::operator==(const DiscoverySettings &other) const
{
    return kind == other.kind && name == other.name && port == other.port && scheme == other.scheme
           && refreshMs == other.refreshMs && respectTtl == other.respectTtl && nameservers == other.nameservers
           && weight == other.weight && unknownKeys == other.unknownKeys;
}

QByteArray Backend::authority() const
{
    const QByteArray name = hostName().toUtf8();
    const bool ipv6 = name.contains(':');
    const QByteArray portSuffix = port == (usesTls() ? 443 : 80) ? QByteArray() : ':' + QByteArray::number(port);
    return (ipv6 ? "[" : "") % name % (ipv6 ? "]" : "") % portSuffix;
}

QString Backend::connectionKey(const QString &backendKey, bool checksCertificate)
{
    return checksCertificate ? backendKey : backendKey % QLatin1String(" (unverified)");
}

QString RateLimitSettings::keyText() const
{
    switch (key) {
    case Key::ClientIp: return QStringLiteral("client_ip");
    case Key::Route: return QStringLiteral("route");
    case Key::Header: return QStringLiteral("header:") + keyName;
    case Key::JwtClaim: return QStringLiteral("jwt:") + keyName;
    }
    return QString();
}

bool TlsCertificate::operator==(const TlsCertificate &other) const
{
    return serverNames == other.serverNames && certFile == other.certFile && keyFile == other.keyFile
           && unknownKeys == other.unknownKeys;
}

bool TlsSettings::operator==(const TlsSettings &other) const
{
    return port == other.port && certFile == other.certFile && keyFile == other.keyFile
           && certificates == other.certificates && minVersion == other.minVersion && alpn == other.alpn
           && handshakeTimeoutMs == other.handshakeTimeoutMs && clientCaFile == other.clientCaFile
           && clientSubjectHeader == other.clientSubjectHeader && unknownKeys == other.unknownKeys;
}

bool RateLimitSettings::operator==(const RateLimitSettings &other) const
{
    return requestsPerSecond == other.requestsPerSecond && burst == other.burst && key == other.key
           && keyName == other.keyName && headers == other.headers && maxKeys == other.maxKeys && off == other.off
           && scope == other.scope && unknownKeys == other.unknownKeys;
}

bool SplitGroup::operator==(const SplitGroup &other) const
{
    return name == other.name && weight == other.weight && backendCount == other.backendCount
           && strategy == other.strategy && unknownKeys == other.unknownKeys;
}

bool ShiftSettings::operator==(const ShiftSettings &other) const
{
    return group == other.group && stepPercent == other.stepPercent && intervalS == other.intervalS
           && maxErrorRate == other.maxErrorRate && minRequests == other.minRequests && maxP99Ms == other.maxP99Ms
           && unknownKeys == other.unknownKeys;
}

std::optional<SplitKey> SplitKey::parse(const QString &text)
{
    if (text == QLatin1String("random"))
        return SplitKey{Kind::Random, {}};
    if (text == QLatin1String("client_ip"))
        return SplitKey{Kind::ClientIp, {}};
    const auto named = [&text](QLatin1String prefix, Kind kind) -> std::optional<SplitKey> {
        if (!text.startsWith(prefix) || text.size() == prefix.size())
            return std::nullopt;
        return SplitKey{kind, text.mid(prefix.size())};
    };
    if (std::optional<SplitKey> header = named(QLatin1String("header:"), Kind::Header))
        return header;
    return named(QLatin1String("cookie:"), Kind::Cookie);
}

QString SplitKey::toString() const
{
    switch (kind) {
    case Kind::Random: return QStringLiteral("random");
    case Kind::ClientIp: return QStringLiteral("client_ip");
    case Kind::Header: return QLatin1String("header:") + name;
    case Kind::Cookie: return QLatin1String("cookie:") + name;
    }
    return QString();
}

int SplitSettings::groupIndex(const QString &name) const
{
    for (int i = 0; i < groups.size(); ++i) {
        if (groups[i].name == name)
            return i;
    }
    return -1;
}

int SplitSettings::canaryGroup() const
{
    const int shifted = shift ? groupIndex(shift->group) : -1;
    return shifted >= 0 ? shifted : int(groups.size()) - 1;
}

bool SplitSettings::operator==(const SplitSettings &other) const
{
    return groups == other.groups && key == other.key && canaryHeader == other.canaryHeader && shift == other.shift;
}

QString Route::backendPath(int index) const
{
    if (const SplitSettings *groups = split()) {
        int first = 0;
        for (int g = 0; g < groups->groups.size(); ++g) {
            const int count = groups->groups[g].backendCount;
            if (index < first + count)
                return QStringLiteral("split[%1].backends[%2]").arg(g).arg(index - first);
            first += count;
        }
    }
    return QStringLiteral("backends[%1]").arg(index);
}

bool QueueSettings::operator==(const QueueSettings &other) const
{
    return maxSize == other.maxSize && timeoutMs == other.timeoutMs && off == other.off
           && unknownKeys == other.unknownKeys;
}

bool MirrorSettings::operator==(const MirrorSettings &other) const
{
    return backends == other.backends && percent == other.percent && unknownKeys == other.unknownKeys;
}

bool Backend::operator==(const Backend &other) const
{
    return host == other.host && port == other.port && weight == other.weight
           && healthCheckPath == other.healthCheckPath && tlsVerify == other.tlsVerify && protocol == other.protocol
           && bool(rateLimit) == bool(other.rateLimit) && (!rateLimit || *rateLimit == *other.rateLimit)
           && maxConnections == other.maxConnections && unknownKeys == other.unknownKeys
           && bool(discover) == bool(other.discover) && (!discover || *discover == *other.discover)
           && bool(discovered) == bool(other.discovered) && (!discovered || *discovered == *other.discovered);
}

size_t qHash(const Backend &backend, size_t seed)
{
    return qHashMulti(seed, backend.host, backend.port, backend.weight, backend.maxConnections,
                      backend.discover ? backend.discover->name : QString(),
                      backend.discovered ? backend.discovered->address : QString());  // equal backends, equal hashes
}

bool RetryPolicy::operator==(const RetryPolicy &other) const
{
    return maxAttempts == other.maxAttempts && initialBackoffMs == other.initialBackoffMs
           && maxBackoffMs == other.maxBackoffMs && backoffMultiplier == other.backoffMultiplier
           && retryableStatusCodes == other.retryableStatusCodes
           && retryOnConnectionError == other.retryOnConnectionError && jitter == other.jitter
           && retryBufferBytes == other.retryBufferBytes && unknownKeys == other.unknownKeys;
}

size_t qHash(const RetryPolicy &policy, size_t seed)
{
    return qHashMulti(seed, policy.maxAttempts, policy.initialBackoffMs, policy.maxBackoffMs,
                      policy.retryableStatusCodes,
                      policy.retryBufferBytes);  // equal policies, equal hashes
}

const Route *Config::findRoute(const QString &externalPath) const
{
    const int index = routeIndex(externalPath);
    return index < 0 ? nullptr : &routes[index];
}

int Config::routeIndex(const QString &externalPath) const
{
    for (int i = 0; i < routes.size(); ++i) {
        if (routes[i].externalPath == externalPath)
            return i;
    }
    return -1;
}

CircuitBreakerSettings Config::circuitBreakerFor(const Route &route) const
{
    QList<ConfigProblem> ignoredErrors, ignoredWarnings;  // reported when the config was read
    CircuitBreakerSettings settings = readCircuitBreaker(route.overrides->circuitBreaker.keys, QString(),
                                                         circuitBreaker, ignoredErrors, ignoredWarnings);
    settings.unknownKeys = circuitBreaker.unknownKeys;
    return settings;
}

HealthCheckSettings Config::healthCheckFor(const Route &route) const
{
    QList<ConfigProblem> ignoredErrors, ignoredWarnings;
    HealthCheckSettings settings =
        readHealthCheck(route.overrides->healthCheck.keys, QString(), healthCheck, ignoredErrors, ignoredWarnings);
    settings.unknownKeys = healthCheck.unknownKeys;
    return settings;
}

std::optional<OutlierDetectionSettings> Config::outlierDetectionFor(const Route &route) const
{
    if (route.overrides->outlierDetection.keys.isEmpty())
        return outlierDetection && outlierDetection->enabled ? outlierDetection : std::nullopt;
    QList<ConfigProblem> ignoredErrors, ignoredWarnings;
    const OutlierDetectionSettings base = outlierDetection.value_or(OutlierDetectionSettings());
    OutlierDetectionSettings settings =
        readOutlierDetection(route.overrides->outlierDetection.keys, QString(), base, ignoredErrors, ignoredWarnings);
    settings.unknownKeys = base.unknownKeys;
    if (!settings.enabled)
        return std::nullopt;
    return settings;
}

QString ConfigProblem::toString() const
{
    return path.isEmpty() ? message : path + QLatin1String(": ") + message;
}

}  // namespace kairos
