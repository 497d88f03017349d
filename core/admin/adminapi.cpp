#include "adminapi.h"

#include "config/configreader.h"
#include "config/jsonkeys.h"
#include "config/configwriter.h"
#include "proxy/backendreport.h"
#include "metrics/prometheus.h"
#include "proxy/gateway.h"
#include "proxy/gatewayerror.h"
#include "proxy/networklist.h"

#include <QCryptographicHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QMessageAuthenticationCode>
#include <QUrl>

#include <set>
#include <variant>

Q_DECLARE_LOGGING_CATEGORY(lcConfig)

namespace kairos {

const char kRedacted[] = "********";

namespace {

using Response = LocalHandler::Response;

// The admin API's paths (docs/API.md).
constexpr QByteArrayView kRoutesPath = "/api/routes";
constexpr QByteArrayView kRoutePrefix = "/api/routes/";  // + the route's external path, without its "/"
constexpr QByteArrayView kShiftSuffix = "/shift";        // POST /api/routes/{path}/shift
constexpr QByteArrayView kConfigPath = "/api/config";
constexpr QByteArrayView kConfigPrefix = "/api/config/";
constexpr QByteArrayView kConfigReloadPath = "/api/config/reload";
constexpr QByteArrayView kConfigStatusPath = "/api/config/status";
constexpr QByteArrayView kBackendsPath = "/api/backends";
constexpr QByteArrayView kClusterPath = "/api/cluster";
constexpr QByteArrayView kMetricsPath = "/metrics";
constexpr QByteArrayView kProbePaths[] = {"/health", "/ready", "/live"};

bool isProbe(QByteArrayView path)
{
    return std::find(std::begin(kProbePaths), std::end(kProbePaths), path) != std::end(kProbePaths);
}

// A split route's JSON gets its live weights and shift ("live"; readRoute() drops it again).
QJsonObject withLiveSplit(QJsonObject route, const GatewaySnapshot &snapshot)
{
    const int index = snapshot.config->routeIndex(route.value("external_path").toString());
    if (const RouteSplit *split = index < 0 ? nullptr : snapshot.split(index))
        route.insert("live", split->state->liveJson());
    return route;
}

bool isRead(const QByteArray &method)
{
    return method == "GET" || method == "HEAD";
}

// "/api/routes/api/users" -> "/api/users": templates come percent-encoded ("%7Bid%7D").
QString externalPathOf(QByteArrayView routePath)
{
    return QLatin1Char('/')
           + QString::fromUtf8(QByteArray::fromPercentEncoding(routePath.sliced(kRoutePrefix.size()).toByteArray()));
}

Response json(int status, const QJsonValue &value)
{
    Response response;
    response.status = status;
    response.headers.add("Content-Type", "application/json");
    response.body = value.isArray() ? QJsonDocument(value.toArray()).toJson(QJsonDocument::Compact)
                                    : QJsonDocument(value.toObject()).toJson(QJsonDocument::Compact);
    return response;
}

Response error(int status, const QByteArray &requestId, const QString &message, const char *type = nullptr,
               const QJsonObject &extra = {})
{
    GatewayError gatewayError = GatewayError::fromStatus(status, message.toUtf8());
    QJsonObject body = extra;
    body.insert("error", message);
    body.insert("type", QLatin1String(type ? type : gatewayError.type.constData()));
    body.insert("request_id", QString::fromLatin1(requestId));
    return json(status, body);
}

Response methodNotAllowed(const QByteArray &requestId, const QByteArray &allow)
{
    Response response = error(405, requestId, QStringLiteral("method not allowed here"));
    response.headers.add("Allow", allow);
    return response;
}

QJsonArray problemsJson(const QList<ConfigProblem> &problems)
{
    QJsonArray array;
    for (const ConfigProblem &problem : problems)
        array.append(QJsonObject{{"path", problem.path}, {"message", problem.message}});
    return array;
}

// A Warning field (RFC 9111 5.5: code 299, "persistent", as the Kubernetes API server sends for
// unknown fields) per warning, so that whoever made the change sees a mistyped key at once. A
// config with thousands of unknown keys gets the first ones and a count; the log has all.
void addWarningFields(Response &response, const QList<ConfigProblem> &warnings)
{
    constexpr qsizetype kMostFields = 20;
    for (qsizetype i = 0; i < warnings.size() && i < kMostFields; ++i)
        response.headers.add("Warning", "299 kairos " + http::quotedString(warnings[i].toString().toUtf8()));
    if (warnings.size() > kMostFields)
        response.headers.add("Warning", "299 kairos \"" + QByteArray::number(warnings.size() - kMostFields)
                                            + " more warnings in the gateway's log\"");
}

Response validationError(const QByteArray &requestId, const QString &what, const QList<ConfigProblem> &errors,
                         const QList<ConfigProblem> &warnings)
{
    QJsonObject details{{"problems", problemsJson(errors)}};
    if (!warnings.isEmpty())
        details.insert("warnings", problemsJson(warnings));
    return error(400, requestId, what + QStringLiteral(" does not validate; nothing was changed"), "validation_error",
                 details);
}

bool isJson(const http::RequestHead &head)
{
    const QByteArray type = head.headers.value("content-type").split(';').first().trimmed().toLower();
    return type == "application/json";
}

// The body as a JSON object, or an error response. `what` names the object in problems ("route";
// empty for a whole config).
std::variant<QJsonObject, Response> jsonBody(const LocalHandler::Request &request, const QString &what)
{
    if (!isJson(request.head))
        return error(415, request.requestId, QStringLiteral("send the body as Content-Type: application/json"),
                     "unsupported_media_type");
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(request.body, &parseError);
    if (parseError.error != QJsonParseError::NoError)
        return error(
            400, request.requestId,
            QStringLiteral("invalid JSON at offset %1: %2").arg(parseError.offset).arg(parseError.errorString()),
            "invalid_json");
    if (!document.isObject())
        return error(400, request.requestId, QStringLiteral("the body must be a JSON object"), "invalid_json");
    // QJsonDocument keeps the last of a repeated key in silence; which one was meant is unknown.
    const QList<ConfigProblem> repeated = repeatedKeys(request.body, what);
    if (!repeated.isEmpty())
        return validationError(request.requestId,
                               what.isEmpty() ? QStringLiteral("the config") : QStringLiteral("the route"), repeated,
                               {});
    return document.object();
}

std::optional<QString> ifMatch(const http::RequestHead &head)
{
    const QByteArray value = head.headers.value("if-match");
    if (value.isNull())
        return std::nullopt;
    return QString::fromLatin1(value.trimmed());
}

bool constantTimeEquals(const QByteArray &a, const QByteArray &b)
{
    // Compare digests, so neither the length nor the first differing byte leaks through timing.
    const QByteArray key = "kairos-admin-token";
    const QByteArray x = QMessageAuthenticationCode::hash(a, key, QCryptographicHash::Sha256);
    const QByteArray y = QMessageAuthenticationCode::hash(b, key, QCryptographicHash::Sha256);
    unsigned char difference = 0;
    for (int i = 0; i < x.size(); ++i)
        difference |= static_cast<unsigned char>(x[i] ^ y[i]);
    return difference == 0;
}

// Host: "127.0.0.1:5900", "[::1]:5900", "localhost" (or none at all, from an HTTP/1.0 client).
bool isAddressOrLocalhost(QByteArray host)
{
    host = host.trimmed();
    if (host.startsWith('['))
        return host.indexOf(']') > 0 && !QHostAddress(QString::fromLatin1(host.mid(1, host.indexOf(']') - 1))).isNull();
    const qsizetype colon = host.indexOf(':');
    if (colon >= 0)
        host.truncate(colon);
    return host.isEmpty() || host.compare("localhost", Qt::CaseInsensitive) == 0
           || !QHostAddress(QString::fromLatin1(host)).isNull();
}

QString adminToken(const Config &config)
{
    const QString fromEnvironment = qEnvironmentVariable("KAIROS_ADMIN_TOKEN");
    return fromEnvironment.isEmpty() ? config.admin.token : fromEnvironment;
}

}  // namespace

namespace {

// kairos_rate_limited_total per route and per backend that has a limit of its own (a limiter
// lives as long as its settings do: a changed limit starts from 0 again, as a counter may). A
// route's line has backend="", a backend's route="" (its bucket serves every route listing it).
QByteArray rateLimitMetrics(const GatewaySnapshot &snapshot)
{
    QByteArray text;
    const auto line = [&text](const QString &route, const QString &backend, const RateLimiter &limiter) {
        if (text.isEmpty())
            text = "# HELP kairos_rate_limited_total Requests refused with 429 by a rate limit.\n"
                   "# TYPE kairos_rate_limited_total counter\n";
        text += "kairos_rate_limited_total{route=\"" + escapeLabel(route) + "\",backend=\"" + escapeLabel(backend)
                + "\",key_type=\"" + limiter.settings().keyText().section(QLatin1Char(':'), 0, 0).toUtf8() + "\"} "
                + QByteArray::number(limiter.refused()) + "\n";
    };
    std::set<const RateLimiter *> seen;
    for (int i = 0; i < snapshot.config->routes.size(); ++i) {
        if (const RateLimiter *limiter = snapshot.rateLimiter(i))
            line(snapshot.config->routes[i].externalPath, QString(), *limiter);
        const std::vector<std::shared_ptr<RateLimiter>> &backendLimiters = snapshot.backendRateLimiters(i);
        for (size_t b = 0; b < backendLimiters.size(); ++b) {
            if (backendLimiters[b] && seen.insert(backendLimiters[b].get()).second)
                line(QString(), snapshot.balancers[size_t(i)]->backend(int(b)).state->key, *backendLimiters[b]);
        }
    }
    return text;
}

}  // namespace

QJsonObject redactedConfig(const Config &config)
{
    QJsonObject object = configToJson(config);
    for (const char *section : {"jwt", "admin"}) {
        QJsonObject inner = object.value(QLatin1String(section)).toObject();
        for (const char *key : {"secret", "token"}) {
            if (inner.contains(QLatin1String(key)))
                inner.insert(QLatin1String(key), QLatin1String(kRedacted));
        }
        if (!inner.isEmpty())
            object.insert(QLatin1String(section), inner);
    }
    QJsonObject cluster = object.value(QLatin1String("cluster")).toObject();
    QJsonObject etcd = cluster.value(QLatin1String("etcd")).toObject();
    if (etcd.contains(QLatin1String("password"))) {
        etcd.insert(QLatin1String("password"), QLatin1String(kRedacted));
        cluster.insert(QLatin1String("etcd"), etcd);
        object.insert(QLatin1String("cluster"), cluster);
    }
    return object;
}

AdminApi::AdminApi(ConfigStore &store, Gateway &gateway) : m_store(store), m_gateway(gateway)
{
    m_uptime.start();
}

bool AdminApi::wantsRequest(const http::RequestHead &head) const
{
    const QByteArrayView path = head.path();
    if (isProbe(path))
        return true;
    if (m_servedSeparately.load(std::memory_order_relaxed))
        return false;
    return path == kMetricsPath || path == kRoutesPath || path == kConfigPath || path == kBackendsPath
           || path == kClusterPath || path.startsWith(kRoutePrefix) || path.startsWith(kConfigPrefix);
}

std::optional<LocalHandler::Response> AdminApi::refuseBeforeBody(const Request &request) const
{
    if (isProbe(request.head.path()))
        return std::nullopt;
    if (std::optional<Response> denied = denyAccess(request))
        return denied;
    return denyFromBrowser(request);
}

qint64 AdminApi::maxBodyBytes() const
{
    return m_store.current()->admin.maxBodyBytes;
}

LocalHandler::Response AdminApi::handle(const Request &request)
{
    const QByteArrayView path = request.head.path();
    const QByteArray &method = request.head.method;
    if (isProbe(path))
        return isRead(method) ? probe(path) : methodNotAllowed(request.requestId, "GET, HEAD");
    if (std::optional<Response> denied = denyAccess(request))
        return *denied;
    if (std::optional<Response> denied = denyFromBrowser(request))
        return *denied;
    if (path == kMetricsPath)
        return isRead(method) ? metrics() : methodNotAllowed(request.requestId, "GET, HEAD");
    if (path == kBackendsPath)
        return isRead(method) ? backends() : methodNotAllowed(request.requestId, "GET, HEAD");
    if (path == kClusterPath)
        return isRead(method) ? cluster() : methodNotAllowed(request.requestId, "GET, HEAD");
    if (path == kRoutesPath) {
        if (isRead(method))
            return listRoutes();
        return method == "POST" ? createRoute(request) : methodNotAllowed(request.requestId, "GET, HEAD, POST");
    }
    if (path.startsWith(kRoutePrefix) && path.endsWith(kShiftSuffix) && method == "POST")
        return shiftAction(request, externalPathOf(path.chopped(kShiftSuffix.size())));
    if (path.startsWith(kRoutePrefix)) {
        const QString externalPath = externalPathOf(path);
        if (isRead(method))
            return getRoute(request, externalPath);
        if (method == "PUT")
            return replaceRoute(request, externalPath);
        if (method == "DELETE")
            return deleteRoute(request, externalPath);
        return methodNotAllowed(request.requestId, "GET, HEAD, PUT, DELETE");
    }
    if (path == kConfigPath) {
        if (isRead(method))
            return withEtag(json(200, redactedConfig(*m_store.current())));
        return method == "PUT" ? replaceConfig(request) : methodNotAllowed(request.requestId, "GET, HEAD, PUT");
    }
    if (path == kConfigReloadPath)
        return method == "POST" ? reloadConfig(request) : methodNotAllowed(request.requestId, "POST");
    if (path == kConfigStatusPath)
        return isRead(method) ? configStatus() : methodNotAllowed(request.requestId, "GET, HEAD");
    return error(404, request.requestId, QStringLiteral("no such admin endpoint"));
}

LocalHandler::Response AdminApi::withEtag(Response response) const
{
    response.headers.add("ETag", m_store.etag().toLatin1());
    return response;
}

std::optional<LocalHandler::Response> AdminApi::denyAccess(const Request &request) const
{
    const ConfigSnapshot config = m_store.current();
    const QString token = adminToken(*config);
    const QByteArray authorization = request.head.headers.value("authorization");
    const bool hasToken = !token.isEmpty() && authorization.startsWith("Bearer ")
                          && constantTimeEquals(authorization.mid(7).trimmed(), token.toUtf8());
    // Judged by the client a trusted proxy forwards for, not by the proxy: with a load balancer on
    // the same host, every request comes from 127.0.0.1.
    if (!request.client.isNull() && NetworkList(config->admin.allowedNetworks).contains(request.client)) {
        // A web page whose name was re-pointed at 127.0.0.1 (DNS rebinding) reaches the API from
        // an allowed address, but its requests carry that name in Host.
        if (hasToken || isAddressOrLocalhost(request.head.headers.value("host")))
            return std::nullopt;
        return error(403, request.requestId,
                     QStringLiteral("the admin API answers requests addressed to an IP address or localhost, or "
                                    "that carry the admin token (Host was \"%1\")")
                         .arg(QString::fromLatin1(request.head.headers.value("host"))),
                     "forbidden");
    }
    if (token.isEmpty())
        return error(403, request.requestId,
                     QStringLiteral("the admin API is not open to %1 (see admin.allowed_networks)")
                         .arg(request.client.isNull()
                                  ? QStringLiteral("a client whose X-Forwarded-For names no address")
                                  : request.client.toString()),
                     "forbidden");
    if (hasToken)
        return std::nullopt;
    Response denied =
        error(401, request.requestId, QStringLiteral("a valid admin bearer token is required"), "unauthorized");
    denied.headers.add("WWW-Authenticate", "Bearer realm=\"kairos-admin\"");
    return denied;
}

// A web page the user has open can make the browser send requests to 127.0.0.1 without a CORS
// preflight ("simple" requests: GET, HEAD, or POST with a form or text/plain body), and a page
// proxied on the gateway's own port is even same-origin. Browsers mark every such request with
// Origin (on anything but GET and HEAD) or Sec-Fetch-Site, and a body of a simple request has a
// type other than JSON: so a change needs none of those, and no preflight is ever answered.
std::optional<LocalHandler::Response> AdminApi::denyFromBrowser(const Request &request) const
{
    const http::RequestHead &head = request.head;
    const QByteArray fetchSite = head.headers.value("sec-fetch-site");
    const bool fromPage = !fetchSite.isNull() && !http::equalsIgnoreCase(fetchSite.trimmed(), "none");
    const bool isChange = head.method != "GET" && head.method != "HEAD";
    if (fromPage || (isChange && head.headers.contains("origin")))
        return error(403, request.requestId,
                     QStringLiteral("the admin API does not answer web pages (the request carries %1); use curl, a "
                                    "script or the console")
                         .arg(fromPage ? QStringLiteral("Sec-Fetch-Site") : QStringLiteral("Origin")),
                     "forbidden");
    if (isChange && head.headers.contains("content-type") && !isJson(head))
        return error(415, request.requestId, QStringLiteral("send the body as Content-Type: application/json"),
                     "unsupported_media_type");
    return std::nullopt;
}

LocalHandler::Response AdminApi::probe(QByteArrayView path) const
{
    if (path == "/live")
        return json(200, QJsonObject{{"status", "alive"}});
    if (path == "/ready") {
        const bool ready = m_gateway.isListening() && m_store.current();
        return json(ready ? 200 : 503, QJsonObject{{"status", ready ? "ready" : "not_ready"}});
    }
    return json(200, QJsonObject{{"status", "healthy"},
                                 {"version", QStringLiteral(KAIROS_VERSION)},
                                 {"uptime_seconds", double(m_uptime.elapsed() / 1000)}});
}

LocalHandler::Response AdminApi::answerChange(const Request &request, const ConfigStore::Change &change,
                                              int successStatus, const QJsonValue &body, const QString &location,
                                              const QList<ConfigProblem> &bodyWarnings)
{
    // The store logs a file's warnings as it reads it; those of a request body are read here.
    const QList<ConfigProblem> warnings = change.load.warnings + bodyWarnings;
    Response response;
    switch (change.outcome) {
    case ConfigStore::Change::Applied:
        for (const ConfigProblem &warning : bodyWarnings)
            qCWarning(lcConfig).noquote() << "config warning (api):" << warning.toString();
        response = successStatus == 204 ? Response{204, {}, {}} : json(successStatus, body);
        addWarningFields(response, warnings);
        break;
    case ConfigStore::Change::Invalid:
        response = validationError(request.requestId, QStringLiteral("the change"), change.load.errors, warnings);
        break;
    case ConfigStore::Change::Refused: response = error(change.refusalCode, request.requestId, change.message); break;
    case ConfigStore::Change::Stale:
        response = error(412, request.requestId, change.message, "precondition_failed");
        break;
    case ConfigStore::Change::SaveFailed:
        response =
            error(500, request.requestId, change.message + QStringLiteral("; nothing was changed"), "save_failed");
        break;
    case ConfigStore::Change::Unavailable:
        response = error(503, request.requestId, change.message, "config_store_unavailable");
        response.headers.set("Retry-After", "1");
        break;
    }
    response.headers.set("ETag", QStringLiteral("\"%1\"").arg(change.revision).toLatin1());
    if (change.applied() && !location.isEmpty())
        response.headers.add("Location", location.toUtf8());
    return response;
}

LocalHandler::Response AdminApi::listRoutes() const
{
    const ConfigSnapshot config = m_store.current();
    const GatewaySnapshotPtr snapshot = m_gateway.snapshot();
    QJsonArray list;
    for (const Route &route : config->routes)
        list.append(withLiveSplit(routeToJson(route), *snapshot));
    return withEtag(json(200, list));
}

LocalHandler::Response AdminApi::createRoute(const Request &request)
{
    auto body = jsonBody(request, QStringLiteral("route"));
    if (auto *failure = std::get_if<Response>(&body))
        return *failure;
    QList<ConfigProblem> errors, warnings;
    const Route route = readRoute(std::get<QJsonObject>(body), QStringLiteral("route"), errors, warnings);
    if (!errors.isEmpty())
        return validationError(request.requestId, QStringLiteral("the route"), errors, warnings);
    const ConfigStore::Change change = m_store.modify(
        [&route](Config &config) -> std::optional<ConfigStore::Refusal> {
            if (config.findRoute(route.externalPath))
                return ConfigStore::Refusal{
                    409, QStringLiteral("a route with external_path \"%1\" exists; use PUT to change it")
                             .arg(route.externalPath)};
            config.routes.append(route);
            return std::nullopt;
        },
        ConfigStore::Source::Api, ifMatch(request.head));
    const QString location = QString::fromLatin1(kRoutesPath.toByteArray())
                             + QString::fromUtf8(QUrl::toPercentEncoding(route.externalPath, "/"));
    return answerChange(request, change, 201, routeToJson(route), location, warnings);
}

LocalHandler::Response AdminApi::getRoute(const Request &request, const QString &externalPath) const
{
    const ConfigSnapshot config = m_store.current();
    const Route *route = config->findRoute(externalPath);
    if (!route)
        return error(404, request.requestId, QStringLiteral("no route with external_path \"%1\"").arg(externalPath));
    return withEtag(json(200, withLiveSplit(routeToJson(*route), *m_gateway.snapshot())));
}

LocalHandler::Response AdminApi::shiftAction(const Request &request, const QString &externalPath)
{
    auto body = jsonBody(request, QStringLiteral("shift"));
    if (auto *failure = std::get_if<Response>(&body))
        return *failure;
    const QString name = std::get<QJsonObject>(body).value("action").toString();
    const std::optional<SplitState::Action> action = SplitState::actionFromName(name);
    if (!action)
        return error(400, request.requestId,
                     QStringLiteral("\"action\" must be pause, resume, rollback or promote (got \"%1\")").arg(name),
                     "invalid_action");
    const GatewaySnapshotPtr snapshot = m_gateway.snapshot();
    const int index = snapshot->config->routeIndex(externalPath);
    if (index < 0)
        return error(404, request.requestId, QStringLiteral("no route with external_path \"%1\"").arg(externalPath));
    const RouteSplit *split = snapshot->split(index);
    QString why = QStringLiteral("the route has no split");
    if (!split || !m_gateway.shiftController().act(externalPath, *split->state, *action, &why))
        return error(409, request.requestId, why, "shift_conflict");
    return json(200, QJsonObject{{"external_path", externalPath}, {"live", split->state->liveJson()}});
}

LocalHandler::Response AdminApi::replaceRoute(const Request &request, const QString &externalPath)
{
    auto body = jsonBody(request, QStringLiteral("route"));
    if (auto *failure = std::get_if<Response>(&body))
        return *failure;
    QJsonObject object = std::get<QJsonObject>(body);
    if (!object.contains("external_path"))
        object.insert("external_path", externalPath);
    QList<ConfigProblem> errors, warnings;
    const Route route = readRoute(object, QStringLiteral("route"), errors, warnings);
    if (!errors.isEmpty())
        return validationError(request.requestId, QStringLiteral("the route"), errors, warnings);
    const ConfigStore::Change change = m_store.modify(
        [&](Config &config) -> std::optional<ConfigStore::Refusal> {
            auto existing = std::find_if(config.routes.begin(), config.routes.end(), [&](const Route &candidate) {
                return candidate.externalPath == externalPath;
            });
            if (existing == config.routes.end())
                return ConfigStore::Refusal{
                    404, QStringLiteral("no route with external_path \"%1\"; use POST to create it").arg(externalPath)};
            if (route.externalPath != externalPath && config.findRoute(route.externalPath))
                return ConfigStore::Refusal{
                    409, QStringLiteral("a route with external_path \"%1\" exists").arg(route.externalPath)};
            *existing = route;
            return std::nullopt;
        },
        ConfigStore::Source::Api, ifMatch(request.head));
    return answerChange(request, change, 200, routeToJson(route), QString(), warnings);
}

LocalHandler::Response AdminApi::deleteRoute(const Request &request, const QString &externalPath)
{
    const ConfigStore::Change change = m_store.modify(
        [&externalPath](Config &config) -> std::optional<ConfigStore::Refusal> {
            const qsizetype removed =
                config.routes.removeIf([&](const Route &route) { return route.externalPath == externalPath; });
            if (removed == 0)
                return ConfigStore::Refusal{404,
                                            QStringLiteral("no route with external_path \"%1\"").arg(externalPath)};
            return std::nullopt;
        },
        ConfigStore::Source::Api, ifMatch(request.head));
    return answerChange(request, change, 204, QJsonValue());
}

LocalHandler::Response AdminApi::replaceConfig(const Request &request)
{
    auto body = jsonBody(request, QString());
    if (auto *failure = std::get_if<Response>(&body))
        return *failure;
    const QJsonObject &object = std::get<QJsonObject>(body);
    ConfigReadResult read = readConfig(QJsonDocument(object).toJson());
    // A file may leave routers out (no routes); a replacement that does so is more likely a
    // misspelt key than a wish to drop every route, so it has to say that with [].
    if (!object.contains(QLatin1String("routers")))
        read.errors.prepend(
            {QStringLiteral("routers"),
             QStringLiteral("missing: a replacement lists every route (\"routers\": [] removes them all)")});
    if (!read.errors.isEmpty())
        return validationError(request.requestId, QStringLiteral("the config"), read.errors, read.warnings);
    Config candidate = std::move(*read.config);
    const ConfigStore::Change change = m_store.modify(
        [&candidate](Config &config) -> std::optional<ConfigStore::Refusal> {
            // A redacted value sent back means "keep the current one": GET-edit-PUT is safe.
            if (candidate.jwt.secret == QLatin1String(kRedacted))
                candidate.jwt.secret = config.jwt.secret;
            if (candidate.admin.token == QLatin1String(kRedacted))
                candidate.admin.token = config.admin.token;
            if (candidate.cluster.etcd.password == QLatin1String(kRedacted))
                candidate.cluster.etcd.password = config.cluster.etcd.password;
            config = std::move(candidate);
            return std::nullopt;
        },
        ConfigStore::Source::Api, ifMatch(request.head));
    return answerChange(request, change, 200, change.applied() ? redactedConfig(*m_store.current()) : QJsonObject(),
                        QString(), read.warnings);
}

LocalHandler::Response AdminApi::reloadConfig(const Request &request)
{
    const ConfigStore::Change change = m_store.reloadFromFile();
    return answerChange(
        request, change, 200,
        QJsonObject{{"status", "reloaded"}, {"version", double(change.revision)}, {"file", m_store.filePath()}});
}

LocalHandler::Response AdminApi::configStatus() const
{
    const ConfigStore::Status status = m_store.status();
    QJsonObject body{{"version", double(status.revision)},
                     {"file", status.filePath},
                     {"last_change_at", status.lastChangeAt.toString(Qt::ISODateWithMs)},
                     {"last_change_source", status.lastChangeSource},
                     {"last_change_ok", status.lastChangeOk},
                     {"changes_applied", double(status.applied)},
                     {"changes_rejected", double(status.rejected)}};
    if (!status.lastErrors.isEmpty())
        body.insert("last_errors", problemsJson(status.lastErrors));
    return withEtag(json(200, body));
}

LocalHandler::Response AdminApi::backends() const
{
    SourceStatusLookup sourceStatus;
    if (const BackendSourceStatus *sources = m_sources)
        sourceStatus = [sources](const QString &key) { return sources->sourceStatus(key); };
    return json(200, describeBackends(*m_gateway.snapshot(), sourceStatus));
}

LocalHandler::Response AdminApi::metrics() const
{
    MetricsInput input;
    input.routes = m_gateway.routeMetrics().all();
    input.unmatched = &m_gateway.routeMetrics().unmatched();
    input.backends = m_gateway.backendRegistry().all();
    const GatewaySnapshotPtr snapshot = m_gateway.snapshot();
    for (int i = 0; i < snapshot->config->routes.size(); ++i) {
        if (snapshot->queue(i))
            input.queues.append({snapshot->config->routes[i].externalPath, snapshot->queues[size_t(i)]});
    }
    input.activeConnections = m_gateway.activeConnections();
    if (const std::optional<Gateway::TlsReloads> reloads = m_gateway.tlsReloads())
        input.tlsCertificateReloads = {reloads->succeeded, reloads->failed};
    input.idleUpstreamConnections = m_gateway.idleUpstreamConnections();
    const ConfigStore::Status status = m_store.status();
    input.configRevision = status.revision;
    input.configChangesApplied = status.applied;
    input.configChangesRejected = status.rejected;
    input.uptimeSeconds = double(m_uptime.elapsed()) / 1000.0;
    Response response;
    response.headers.add("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    response.body = renderPrometheus(input);
    response.body += rateLimitMetrics(*snapshot);
    std::vector<std::pair<QString, std::shared_ptr<SplitState>>> splits;
    for (int i = 0; i < snapshot->config->routes.size(); ++i) {
        if (const RouteSplit *split = snapshot->split(i))
            splits.emplace_back(snapshot->config->routes[i].externalPath, split->state);
    }
    response.body += splitMetrics(splits);
    if (m_cluster)
        response.body += m_cluster->metricsText();
    if (m_sources)
        response.body += m_sources->metricsText();
    return response;
}

LocalHandler::Response AdminApi::cluster() const
{
    if (m_cluster)
        return withEtag(json(200, m_cluster->status()));
    return withEtag(json(200, QJsonObject{{"mode", "standalone"}, {"config_file", m_store.filePath()}}));
}

}  // namespace kairos
