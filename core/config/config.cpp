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
    for (const Route &route : routes) {
        if (route.externalPath == externalPath)
            return &route;
    }
    return nullptr;
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
