// The Kairos configuration model: plain value types, parsed from and written to the JSON schema of
// the v0.2.8 release notes (docs/CONFIGURATION.md documents every key). A validated Config is
// shared read-only as a ConfigSnapshot; a change builds a new Config and swaps the pointer.
#pragma once

#include "config/requestrules.h"

#include <QHostAddress>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

#include <algorithm>
#include <cmath>
#include <memory>
#include <optional>

namespace kairos {

enum class LoadBalancingStrategy { RoundRobin, LeastConnections, Weighted, Random, IpHash, PowerOfTwo, PeakEwma };

QString strategyName(LoadBalancingStrategy strategy);
// Accepts the release notes' names (RoundRobin) and the snake_case ones (round_robin).
std::optional<LoadBalancingStrategy> strategyFromName(const QString &name);

// A route's `priority`: which of the requests waiting in a request queue leave it first, and
// which are refused first when it is full. Ordered: a higher value goes first.
enum class RoutePriority : quint8 { Low, Normal, High };
constexpr int kRoutePriorities = 3;

// "high", "normal", "low".
QString priorityName(RoutePriority priority);
std::optional<RoutePriority> priorityFromName(const QString &name);

// An optional value kept out of line and shared by copies (and, once a config is read, by all
// routes with equal values): a route holds 16 bytes for it, not the 80 of an inline optional.
template <typename T> class SharedOptional
{
public:
    SharedOptional() = default;
    SharedOptional(T value) : m_value(std::make_shared<const T>(std::move(value))) {}

    bool has_value() const { return m_value != nullptr; }
    explicit operator bool() const { return has_value(); }
    const T &operator*() const { return *m_value; }
    const T *operator->() const { return m_value.get(); }
    T value_or(T fallback) const { return m_value ? *m_value : std::move(fallback); }
    void reset() { m_value.reset(); }
    bool sharesValueWith(const SharedOptional &other) const { return m_value == other.m_value; }

private:
    std::shared_ptr<const T> m_value;
};

// A token bucket (GCRA): a steady requests_per_second with up to `burst` at once, per key.
struct RateLimitSettings {
    enum class Key { ClientIp, Route, Header, JwtClaim };
    double requestsPerSecond = 0;
    int burst = 0;  // 0: one second's worth (requests_per_second rounded up)
    Key key = Key::ClientIp;
    QString keyName;        // Header: the field's name, lower case; JwtClaim: the claim's name
    bool headers = true;    // RateLimit-* fields on every answer, not only on 429
    int maxKeys = 100'000;  // keys tracked at once; the least recently used go first
    bool off = false;       // a route's "rate_limit": null: none there, whatever the top level says
    // Fleet: the limit is the fleet's, each instance admitting its share (the limit divided by the
    // live members); Instance: each instance admits the whole limit.
    enum class Scope { Instance, Fleet };
    Scope scope = Scope::Instance;
    QJsonObject unknownKeys;

    int effectiveBurst() const { return burst > 0 ? burst : std::max(1, int(std::ceil(requestsPerSecond))); }
    QString keyText() const;  // as written: "client_ip", "route", "header:x-api-key"
    bool operator==(const RateLimitSettings &other) const;
    bool operator!=(const RateLimitSettings &other) const { return !(*this == other); }
};

// A backend entry that stands for the backends a source names (docs/DISCOVERY.md): the addresses
// of a DNS name (A/AAAA), the targets of SRV records, or the instances registered in etcd under
// <prefix>/services/<name>/. The entry's other fields (health_check_path, tls_verify, protocol,
// max_connections, rate_limit) apply to each backend found.
struct DiscoverySettings {
    enum class Kind { Dns, DnsSrv, Etcd };
    Kind kind = Kind::Dns;
    QString name;  // the DNS name, the SRV name, or the service's name in etcd
    int port = 0;  // Dns: every address's port (SRV records and registrations carry their own)
    QString scheme = QStringLiteral("http");  // Dns and DnsSrv: "http" or "https"
    int refreshMs = 5'000;                    // Dns and DnsSrv: how often to look the name up again
    bool respectTtl = false;                  // refresh sooner when the records' TTL is shorter
    QStringList nameservers;                  // "127.0.0.1:5353"; empty: the system's resolver
    int weight = 1;                           // Dns: every address's weight
    QJsonObject unknownKeys;

    static QString kindName(Kind kind);  // "dns", "dns_srv", "etcd": the key it is written under
    // The source's identity: "dns:users.internal:8080", "dns_srv:_http._tcp.users", "etcd:users",
    // "etcd:users https". Entries that look up the same thing the same way share one source
    // (discoverySources(): as often as the most frequent of them asks); each puts its own scheme
    // and weight on what the source finds.
    QString sourceKey() const;
    bool operator==(const DiscoverySettings &other) const;
    bool operator!=(const DiscoverySettings &other) const { return !(*this == other); }

    struct Nameserver {
        QHostAddress address;
        quint16 port = 53;
    };
    // "127.0.0.1:5353", "10.0.0.2" (port 53), "[::1]:5353", "::1"; nullopt for anything else.
    static std::optional<Nameserver> parseNameserver(const QString &text);
};

// Where a backend found by discovery came from: set on the backends a discover entry expands to,
// never read from or written to a config file.
struct DiscoveredFrom {
    QString source;   // DiscoverySettings::sourceKey()
    QString address;  // the IP address connections go to; the entry's host names it in Host and SNI
    QString record;   // the record as the source gave it: "A 10.0.0.5", "SRV 10 60 8080 a.users.internal"
    bool operator==(const DiscoveredFrom &other) const
    {
        return source == other.source && address == other.address && record == other.record;
    }
};

struct Backend {
    QString host;             // with scheme: "http://backend-1" or "https://api.internal"
    int port = 0;             // 1..65535
    int weight = 1;           // >= 1
    QString healthCheckPath;  // empty: no active health check
    bool tlsVerify = true;    // https backends: verify the certificate against the system store
    // "http/1.1", "h2" (https, ALPN) or "h2c" (http, prior knowledge): how requests reach it.
    QString protocol = QStringLiteral("http/1.1");
    bool usesHttp2() const { return protocol != QLatin1String("http/1.1"); }
    // Protects this backend on every route that lists it (routes must agree on it): a request it
    // refuses goes to another backend of the route.
    SharedOptional<RateLimitSettings> rateLimit;
    // Requests in flight to it from this instance at once, over all worker threads; 0: no limit.
    // Past it, requests wait in their route's queue (QueueSettings).
    int maxConnections = 0;
    QJsonObject unknownKeys;  // kept so that saving the config loses nothing
    // A discover entry: host, port and weight are unset, and the backends come from the source.
    SharedOptional<DiscoverySettings> discover;
    SharedOptional<DiscoveredFrom> discovered;  // a backend a discover entry expanded to

    // "backend-1" from "http://backend-1"; "https" or "http".
    QString hostName() const;
    // Where connections go: the discovered address, else hostName().
    QString connectHost() const { return discovered ? discovered->address : hostName(); }
    bool usesTls() const;
    // Stable identity across reloads: scheme://host:port. A discovered backend:
    // "scheme://address:port (name)", since its state (Host field, pooled connections verified for
    // the name) belongs to the pair.
    QString key() const;

    // Every field, unknownKeys included (a field added above must be added there too).
    bool operator==(const Backend &other) const;
    bool operator!=(const Backend &other) const { return !(*this == other); }
    // "backend-1:8080" as a Host field names it, without the port when it is the scheme's default.
    QByteArray authority() const;
    // http, or https with tls_verify: the backend's certificate is checked.
    bool checksCertificate() const { return !usesTls() || tlsVerify; }
    // The upstream pool's key for connections to a backend: its key(), and whether they check the
    // certificate (pooled connections opened without the check never serve an entry that requires it).
    static QString connectionKey(const QString &backendKey, bool checksCertificate);
};

size_t qHash(const Backend &backend, size_t seed = 0);

struct RetryPolicy {
    int maxAttempts = 3;  // all tries, the first one included (1 = no retry)
    int initialBackoffMs = 100;
    int maxBackoffMs = 5000;
    double backoffMultiplier = 2.0;
    QList<int> retryableStatusCodes{502, 503, 504};
    bool retryOnConnectionError = true;
    bool jitter = false;                    // full jitter: a random delay between 0 and the computed one
    qint64 retryBufferBytes = 1024 * 1024;  // request bodies up to this size are kept for replay
    QJsonObject unknownKeys;

    bool operator==(const RetryPolicy &other) const;
};

size_t qHash(const RetryPolicy &policy, size_t seed = 0);

struct CircuitBreakerSettings {
    int failureThreshold = 5;     // consecutive failures that open the circuit
    int openDurationMs = 30'000;  // how long it stays open before a probe
    int halfOpenMaxRequests = 1;  // probes at a time while half-open
    int successThreshold = 2;     // probe successes that close it again
    QJsonObject unknownKeys;
};

struct HealthCheckSettings {
    int intervalMs = 10'000;
    int timeoutMs = 2'000;
    int unhealthyThreshold = 3;   // consecutive failed checks that mark a backend down
    int healthyThreshold = 2;     // consecutive good checks that bring it back
    QList<int> expectedStatuses;  // empty: 200-399
    QJsonObject unknownKeys;
};

// Outlier detection (Envoy's model): a backend whose answers fail in a row is ejected from the
// rotation for base_ejection_ms times the number of times it was ejected (at most
// max_ejection_ms), and at most max_ejection_percent of a route's backends are ejected at once.
struct OutlierDetectionSettings {
    int consecutive5xx = 5;              // 5xx answers in a row (connection failures count too)
    int consecutiveGatewayFailures = 5;  // 502/503/504, connection failures and timeouts in a row
    int baseEjectionMs = 30'000;
    int maxEjectionMs = 300'000;
    int maxEjectionPercent = 10;  // of a route's backends; at least one, never all
    bool enabled = true;          // a route's "enabled": false turns the top level's off
    QJsonObject unknownKeys;
};

// A route's own circuit_breaker / health_check block: only the keys it sets, laid over the
// top-level block, so that changing the top level still reaches every key a route left alone.
struct SettingsOverride {
    QJsonObject keys;
};

// A SharedOptional that reads as T{} until set, for what few routes set.
template <typename T> class OutOfLine
{
public:
    OutOfLine() = default;
    OutOfLine(T value) : m_value(std::move(value)) {}

    const T &operator*() const { return m_value ? *m_value : kUnset; }
    const T *operator->() const { return &**this; }

private:
    static inline const T kUnset{};
    SharedOptional<T> m_value;
};

// What a route may set over the server's and top-level settings.
// A route's request queue (HAProxy's model): a request that finds every available backend at
// its max_connections waits for the first slot freed on any of them: by the route's priority, then
// first in first out. Routes with the same backends and equal settings share one queue.
struct QueueSettings {
    // Requests waiting at once, of every route sharing the queue; one more is refused with 503
    // queue_full, unless it takes the place of one of a lower priority.
    int maxSize = 100;
    int timeoutMs = 5'000;  // the longest wait; then 503 queue_timeout
    bool off = false;       // a route's "queue": null: none there, whatever the top level says
    QJsonObject unknownKeys;

    bool operator==(const QueueSettings &other) const;
    bool operator!=(const QueueSettings &other) const { return !(*this == other); }
};

// A route's shadow group (Envoy's request_mirror_policies, nginx's mirror): a copy of `percent`
// of the route's requests, chosen at random, goes to one of `backends` in turn; its answer is
// read and dropped, and nothing about it reaches the client.
struct MirrorSettings {
    QList<Backend> backends;  // host, port, scheme and tls_verify; no discover, limits or checks
    int percent = 100;        // 0 to 100
    QJsonObject unknownKeys;

    bool operator==(const MirrorSettings &other) const;
    bool operator!=(const MirrorSettings &other) const { return !(*this == other); }
};

// Copies of a worker thread's requests in flight to shadow backends at once; more are dropped.
constexpr int kMaxMirrorRequestsInFlight = 1'000;
// Shadow backends of one route's mirror.
constexpr int kMaxMirrorBackends = 100;

// Linkerd's defaults for its Peak EWMA balancer.
constexpr int kDefaultEwmaDecayMs = 10'000;
constexpr int kDefaultRttMs = 30;

// A traffic split (docs/CONFIGURATION.md, Canary releases): instead of one list of backends the
// route has groups, each with a share of its requests and its own strategy. Their backends are
// Route::backends one group after another, so that everything that walks a route's backends
// (health checks, limits, queues, discovery) sees them unchanged.
struct SplitGroup {
    QString name;
    int weight = 0;
    int backendCount = 0;                           // its backends: the next backendCount entries of Route::backends
    std::optional<LoadBalancingStrategy> strategy;  // the route's when unset
    QJsonObject unknownKeys;

    bool operator==(const SplitGroup &other) const;
};

// A canary's gradual shift: every interval its share grows by a step while its errors and p99
// stay within bounds; the first interval out of bounds puts its share back to 0.
struct ShiftSettings {
    QString group;  // the canary: not the first group
    int stepPercent = 10;
    double intervalS = 60;
    double maxErrorRate = 0.05;  // 5xx answers / answers over the interval
    int minRequests = 100;       // fewer answers than this: the interval is extended, not judged
    int maxP99Ms = 0;            // 0: latency is not judged
    QJsonObject unknownKeys;

    bool operator==(const ShiftSettings &other) const;
};

// How a request's group is chosen (split_key).
struct SplitKey {
    enum class Kind { Random, ClientIp, Header, Cookie };
    Kind kind = Kind::Random;
    QString name;  // the header's or the cookie's

    static std::optional<SplitKey> parse(const QString &text);
    QString toString() const;
    bool operator==(const SplitKey &other) const { return kind == other.kind && name == other.name; }
};

struct SplitSettings {
    QList<SplitGroup> groups;
    SplitKey key;
    QString canaryHeader;  // "always": the canary group (the shift's, else the last); "never": the first
    std::optional<ShiftSettings> shift;

    // The group that canary_header's "always" and a shift's promotion mean.
    int canaryGroup() const;
    int groupIndex(const QString &name) const;
    bool operator==(const SplitSettings &other) const;
};

struct RouteOverrides {
    std::optional<qint64> maxBodyBytes;            // overrides server.max_body_bytes
    std::optional<int> connectTimeoutMs;           // overrides server.connect_timeout_ms
    std::optional<int> responseTimeoutMs;          // overrides server.response_timeout_ms
    std::optional<QStringList> allowedUpgrades;    // overrides the top-level allowed_upgrades
    std::optional<int> tunnelIdleTimeoutMs;        // overrides server.tunnel_idle_timeout_ms
    std::optional<RateLimitSettings> rateLimit;    // replaces the top-level rate_limit
    std::optional<int> slowStartMs;                // overrides the top-level slow_start_ms
    std::optional<int> slowStartMinWeightPercent;  // overrides the top-level slow_start_min_weight_percent
    std::optional<QueueSettings> queue;            // replaces the top-level queue
    // PeakEwma's: the decay time of its latency estimates, and the estimate of a backend that has
    // not answered yet (kDefaultEwmaDecayMs, kDefaultRttMs when unset).
    std::optional<int> ewmaDecayMs;
    std::optional<int> defaultRttMs;
    std::optional<SplitSettings> split;    // the route's backends in groups
    std::optional<MirrorSettings> mirror;  // copies of requests to a shadow group
    SettingsOverride circuitBreaker;
    SettingsOverride healthCheck;
    SettingsOverride outlierDetection;  // laid over the top-level block (or the defaults)
    // These replace the top-level block ("off" when the route wrote null; requestrules.h).
    std::optional<CorsSettings> cors;
    std::optional<HeaderRules> requestHeaders;
    std::optional<HeaderRules> responseHeaders;
    std::optional<FaultSettings> fault;
    std::optional<CompressionSettings> compression;
    // Instead of backends: the route answers itself.
    std::optional<RedirectSettings> redirect;
    std::optional<MockSettings> mock;
    std::optional<StaticSettings> staticSite;

    bool isEmpty() const
    {
        return !maxBodyBytes && !connectTimeoutMs && !responseTimeoutMs && !allowedUpgrades && !tunnelIdleTimeoutMs
               && !rateLimit && !queue && !slowStartMs && !slowStartMinWeightPercent && !ewmaDecayMs && !defaultRttMs
               && !split && circuitBreaker.keys.isEmpty() && healthCheck.keys.isEmpty()
               && outlierDetection.keys.isEmpty() && !cors && !requestHeaders && !responseHeaders && !fault
               && !compression && !redirect && !mock && !staticSite && !mirror;
    }
};

// The flags and small numbers last, so that they share words instead of each being padded.
struct Route {
    QString externalPath;
    QString internalPath;
    QStringList methods;
    QList<Backend> backends;
    SharedOptional<RetryPolicy> retry;
    OutOfLine<RouteOverrides> overrides;
    QJsonObject unknownKeys;
    LoadBalancingStrategy strategy = LoadBalancingStrategy::RoundRobin;
    int timeoutMs = 30'000;  // all tries of one request together
    bool authRequired = false;
    bool preserveHost = false;
    bool forwardAuthorization = true;  // pass the client's Authorization header on to the backend
    bool retryNonIdempotent = false;   // also retry POST/PATCH that may have reached the backend
    RoutePriority priority = RoutePriority::Normal;

    const SplitSettings *split() const { return overrides->split ? &*overrides->split : nullptr; }
    // Where backend `index` is written in the route's JSON: "backends[2]" or "split[1].backends[0]".
    QString backendPath(int index) const;
};

// A certificate and its key (PEM; the certificate file may hold the chain after it).
struct TlsCertificate {
    QStringList serverNames;  // SNI names it serves: "api.example" or "*.example" (one label)
    QString certFile;
    QString keyFile;
    QJsonObject unknownKeys;

    bool operator==(const TlsCertificate &other) const;
};

// The TLS listener (server.tls). Machine-local like the rest of `server`.
struct TlsSettings {
    int port = 0;      // 0: no TLS listener
    QString certFile;  // the default certificate: for clients naming no server, or no name listed
    QString keyFile;
    QList<TlsCertificate> certificates;
    QString minVersion = QStringLiteral("1.2");  // "1.2" or "1.3"
    QStringList alpn{QStringLiteral("h2"), QStringLiteral("http/1.1")};
    int handshakeTimeoutMs = 10'000;
    QString clientCaFile;  // set: clients must present a certificate this CA signed (mTLS)
    QString clientSubjectHeader = QStringLiteral("X-Client-Subject");
    QJsonObject unknownKeys;

    bool enabled() const { return port != 0; }
    bool operator==(const TlsSettings &other) const;
};

// HTTP/2 from clients: over TLS when server.tls.alpn offers "h2"; in cleartext (h2c, prior
// knowledge only) on server.port when `cleartext` says so.
struct Http2Settings {
    bool cleartext = false;
    int maxConcurrentStreams = 100;  // per connection; SETTINGS_MAX_CONCURRENT_STREAMS
    QJsonObject unknownKeys;
};

struct ServerSettings {
    QString host = QStringLiteral("127.0.0.1");
    int port = 5900;
    int workers = 0;  // event-loop threads; 0 = one per CPU core
    qint64 maxHeaderBytes = 64 * 1024;
    qint64 maxBodyBytes = 10 * 1024 * 1024;
    int headerTimeoutMs = 10'000;
    int idleTimeoutMs = 60'000;
    int connectTimeoutMs = 5'000;
    int responseTimeoutMs = 30'000;
    // An upgraded connection (WebSocket) with no byte either way for this long is closed on both
    // sides: a client gone without a FIN would otherwise hold two descriptors for ever.
    int tunnelIdleTimeoutMs = 3'600'000;
    int tcpKeepaliveSeconds = 60;  // SO_KEEPALIVE idle time on client and backend sockets; 0 = off
    // Idle connections kept open to each backend, per worker thread (more are closed when they
    // come back). As many as a burst needed, so the next burst does not reconnect them all.
    int maxIdleUpstreamConnections = 256;
    QStringList trustedProxies;  // CIDRs whose X-Forwarded-* headers are believed
    std::optional<TlsSettings> tls;
    Http2Settings http2;
    QJsonObject unknownKeys;
};

// A PEM public key is a few KiB; the cap keeps a mistyped path (a log, /dev/zero) out of memory.
constexpr qint64 kMaxJwtKeyFileBytes = 64 * 1024;

// Balancers number a route's backends in 16 bits; and an ip_hash ring over this many is already
// about 16 MB.
constexpr int kMaxBackendsPerRoute = 10'000;
// A split's groups: each has a balancer and counters of its own.
constexpr int kMaxSplitGroups = 100;
// Distinct discovery sources in one config (DiscoverySettings::sourceKey()).
constexpr int kMaxDiscoverySources = 1'000;
// Backends that discover entries expand to, in all routes together: each is a config entry and a
// balancer slot in every route that lists it, so one large answer named by many routes must not
// multiply without bound.
constexpr int kMaxDiscoveredBackends = 100'000;

struct JwtSettings {
    QString secret;          // HS256/384/512
    QString publicKeyFile;   // PEM public key: RS256, ES256
    int leewaySeconds = 30;  // allowed clock difference for exp and nbf
    QString issuer;
    QString audience;
    QStringList requiredClaims;
    QJsonObject unknownKeys;
};

struct AdminSettings {
    QStringList allowedNetworks{QStringLiteral("127.0.0.0/8"), QStringLiteral("::1/128")};
    QString token;
    QString listen;  // empty: admin API on the gateway's own port
    // Request bodies of the admin API are read whole: room for PUT /api/config of a config of
    // 10,000 routes with three backends each (6.5 MB as compact JSON, 13.6 MB indented).
    qint64 maxBodyBytes = 32 * 1024 * 1024;
    QJsonObject unknownKeys;
};

// The desktop console's traffic inspector. Read only while the console captures traffic.
struct ConsoleSettings {
    qint64 captureBodyBytes = 64 * 1024;  // of each request and response body; 0: no bodies
    QJsonObject unknownKeys;
};

// Fleet mode (docs/FLEET.md): instances share routes and settings through etcd. Off while
// `endpoints` is empty. Machine-local: never stored in etcd.
struct EtcdSettings {
    QStringList endpoints;  // "http://127.0.0.1:2379"; the next one is used when one fails
    QString prefix = QStringLiteral("/kairos");
    QString username;
    QString password;
    QString caFile;    // PEM: the CA that signed the endpoints' certificates (https)
    QString certFile;  // PEM client certificate and key, for etcd's --client-cert-auth
    QString keyFile;
    int timeoutMs = 5'000;  // one call; a watch is reopened after this long without a byte
    QJsonObject unknownKeys;
};

struct ClusterSettings {
    EtcdSettings etcd;
    QString instanceName;  // empty: "<host>:<port>" of the gateway
    QString cacheFile;     // empty: beside the config file, "<name>.fleet-cache.json"
    QJsonObject unknownKeys;

    bool enabled() const { return !etcd.endpoints.isEmpty(); }
};

struct Config {
    int version = 1;
    ServerSettings server;
    CircuitBreakerSettings circuitBreaker;
    HealthCheckSettings healthCheck;
    JwtSettings jwt;
    AdminSettings admin;
    ConsoleSettings console;
    ClusterSettings cluster;
    std::optional<RateLimitSettings> rateLimit;                // every route's, unless the route has its own
    std::optional<QueueSettings> queue;                        // every route's, unless the route has its own
    std::optional<OutlierDetectionSettings> outlierDetection;  // off unless given here or on a route
    // Every route's, unless the route has its own (requestrules.h).
    std::optional<CorsSettings> cors;
    std::optional<HeaderRules> requestHeaders;
    std::optional<HeaderRules> responseHeaders;
    std::optional<FaultSettings> fault;
    std::optional<CompressionSettings> compression;
    // A backend that joins (new, back from health checks or ejection) ramps its share from
    // slow_start_min_weight_percent to all of it over slow_start_ms; 0: no ramp.
    int slowStartMs = 0;
    int slowStartMinWeightPercent = 10;
    // Upgrade protocols (RFC 9110 section 7.8) that routes tunnel; any other Upgrade is removed
    // and the request proxied as an ordinary one. "h2c" is never allowed: it would hand the
    // client an HTTP/2 connection to the backend, past routes, methods and authentication.
    QStringList allowedUpgrades{QStringLiteral("websocket")};
    QList<Route> routes;
    QJsonObject unknownKeys;

    const Route *findRoute(const QString &externalPath) const;
    int routeIndex(const QString &externalPath) const;  // -1: no such route
    // The top-level block with the route's own keys laid over it.
    CircuitBreakerSettings circuitBreakerFor(const Route &route) const;
    HealthCheckSettings healthCheckFor(const Route &route) const;
    // The route's keys over the top-level block (over the defaults when there is none); nullopt
    // when the result is not enabled.
    std::optional<OutlierDetectionSettings> outlierDetectionFor(const Route &route) const;
    int slowStartMsFor(const Route &route) const { return route.overrides->slowStartMs.value_or(slowStartMs); }
    int slowStartMinWeightPercentFor(const Route &route) const
    {
        return route.overrides->slowStartMinWeightPercent.value_or(slowStartMinWeightPercent);
    }
    const RateLimitSettings *rateLimitFor(const Route &route) const
    {
        if (route.overrides->rateLimit)  // "rate_limit": null on a route: none there
            return route.overrides->rateLimit->off ? nullptr : &*route.overrides->rateLimit;
        return rateLimit ? &*rateLimit : nullptr;
    }
    const QueueSettings *queueFor(const Route &route) const
    {
        if (route.overrides->queue)  // "queue": null on a route: none there
            return route.overrides->queue->off ? nullptr : &*route.overrides->queue;
        return queue ? &*queue : nullptr;
    }
    const CorsSettings *corsFor(const Route &route) const { return ownOrTopLevel(route.overrides->cors, cors); }
    const HeaderRules *requestHeadersFor(const Route &route) const
    {
        return ownOrTopLevel(route.overrides->requestHeaders, requestHeaders);
    }
    const HeaderRules *responseHeadersFor(const Route &route) const
    {
        return ownOrTopLevel(route.overrides->responseHeaders, responseHeaders);
    }
    // Faults are for proxied routes only: a route that answers itself has none.
    const FaultSettings *faultFor(const Route &route) const
    {
        return answersItself(route) ? nullptr : ownOrTopLevel(route.overrides->fault, fault);
    }
    const CompressionSettings *compressionFor(const Route &route) const
    {
        return ownOrTopLevel(route.overrides->compression, compression);
    }
    static bool answersItself(const Route &route)
    {
        return route.overrides->redirect || route.overrides->mock || route.overrides->staticSite;
    }
    const QStringList &allowedUpgradesFor(const Route &route) const
    {
        return route.overrides->allowedUpgrades ? *route.overrides->allowedUpgrades : allowedUpgrades;
    }
};

using ConfigSnapshot = std::shared_ptr<const Config>;

// One problem found while reading or validating a config, located by a JSON path such as
// "routers[2].retry.max_attempts".
struct ConfigProblem {
    QString path;
    QString message;

    QString toString() const;
};

}  // namespace kairos
