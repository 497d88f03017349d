#include "admission.h"

#include "compression/responsecompression.h"
#include "connectionservices.h"
#include "forwarding.h"
#include "ratelimitanswer.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcProxy)

namespace kairos {

namespace {

// The path and query of an origin-form or absolute-form target ("http://host/a?b" -> "/a?b").
QByteArray originFormTarget(const QByteArray &target)
{
    if (target.startsWith('/'))
        return target;
    const qsizetype scheme = target.indexOf("://");
    if (scheme <= 0)
        return QByteArray();
    const qsizetype pathStart = target.indexOf('/', scheme + 3);
    const qsizetype queryStart = target.indexOf('?', scheme + 3);
    if (pathStart < 0 || (queryStart >= 0 && queryStart < pathStart))
        return '/' + (queryStart < 0 ? QByteArray() : target.mid(queryStart));
    return target.mid(pathStart);
}

std::optional<Refusal> refuseConnect(Admission &admission)
{
    if (admission.head.method == "CONNECT")
        return Refusal{GatewayError::fromStatus(501, "CONNECT is not supported")};
    return std::nullopt;
}

void noteMatchedRoute(Admission &admission, QByteArrayView path)
{
    ActiveRequest &current = admission.request;
    const int index = admission.match.route->index;
    current.record.routePath = admission.match.route->route->externalPath;
    current.routeMetrics = current.snapshot->routeMetrics[size_t(index)];
    current.rules = current.snapshot->rulesFor(index);
    if (!current.rules)
        return;
    if (current.rules->cors)
        current.origin = admission.head.headers.value("origin");
    if (current.rules->compression)
        current.acceptEncoding = admission.head.headers.combinedValue("accept-encoding");
    if (current.rules->responseHeaders) {
        current.clientIp = !current.record.forwardedClient.isEmpty() ? current.record.forwardedClient
                                                                     : admission.peer.of(current.record.peer);
        current.host = admission.head.headers.value("host");
        current.path = path.toByteArray();
    }
}

// A browser's preflight asks about the method it means to use: the route that would serve that
// method answers it, when the route has CORS; otherwise the OPTIONS request goes on as any other.
std::optional<Refusal> answerPreflight(Admission &admission, QByteArrayView path)
{
    ActiveRequest &current = admission.request;
    const QByteArray method = admission.head.headers.value("access-control-request-method").trimmed();
    RouteMatch match = current.snapshot->routes.match(method, path);
    if (match.status != RouteMatch::Found)
        return std::nullopt;
    const RouteRules *rules = current.snapshot->rulesFor(match.route->index);
    if (!rules || !rules->cors)
        return std::nullopt;
    admission.match = std::move(match);
    noteMatchedRoute(admission, path);
    current.preflight = true;
    CorsPolicy::PreflightAnswer answer = rules->cors->answerPreflight(admission.head);
    if (!answer.allowed) {
        qCInfo(lcProxy).noquote() << "request" << current.record.requestId << "preflight refused:" << answer.refusal;
        GatewayError error{403, "cors_refused", answer.refusal};
        error.note = "cors_refused";
        return Refusal{std::move(error), std::move(answer.fields)};
    }
    current.record.note = "cors_preflight";
    return Refusal{{}, std::move(answer.fields), 204};
}

std::optional<Refusal> matchRoute(Admission &admission)
{
    ActiveRequest &current = admission.request;
    admission.target = originFormTarget(admission.head.target);
    const qsizetype question = admission.target.indexOf('?');
    const QByteArrayView target(admission.target);
    const QByteArrayView path = question < 0 ? target : target.first(question);
    admission.query = question < 0 ? QByteArrayView() : target.sliced(question + 1);
    if (CorsPolicy::isPreflight(admission.head)) {
        if (std::optional<Refusal> answer = answerPreflight(admission, path))
            return answer;
    }
    admission.match = current.snapshot->routes.match(admission.head.method, path);
    switch (admission.match.status) {
    case RouteMatch::BadPath: return Refusal{GatewayError::fromStatus(400, "invalid request path")};
    case RouteMatch::NotFound: return Refusal{GatewayError::fromStatus(404, "no route matches this path")};
    case RouteMatch::MethodNotAllowed: {
        Refusal refusal{GatewayError::fromStatus(405, "method not allowed on this route")};
        refusal.fields.add("Allow", admission.match.allow);
        return refusal;
    }
    case RouteMatch::Found: break;
    }
    noteMatchedRoute(admission, path);
    return std::nullopt;
}

std::optional<Refusal> authenticate(Admission &admission)
{
    if (!admission.match.route->route->authRequired)
        return std::nullopt;
    const QByteArray token = bearerToken(admission.head.headers.value("authorization"));
    QByteArray challenge = "Bearer realm=\"kairos\"";
    QByteArray reason = "a bearer token is required";
    if (!token.isEmpty()) {
        JwtVerifier::Result result = admission.request.snapshot->jwt.verify(token, QDateTime::currentSecsSinceEpoch());
        if (result.valid) {
            admission.claims = std::move(result.claims);
            return std::nullopt;
        }
        reason = "invalid token: " + result.error.toUtf8();
        challenge += ", error=\"invalid_token\", error_description=" + http::quotedString(result.error.toUtf8());
    }
    qCInfo(lcProxy).noquote() << "request" << admission.request.record.requestId << "refused:" << reason;
    Refusal refusal{GatewayError::fromStatus(401, reason)};
    refusal.fields.add("WWW-Authenticate", challenge);
    return refusal;
}

QByteArray rateLimitKey(const RateLimitSettings &settings, Admission &admission)
{
    ActiveRequest &current = admission.request;
    switch (settings.key) {
    case RateLimitSettings::Key::Route: return {};
    case RateLimitSettings::Key::ClientIp:
        if (!current.record.forwardedClient.isEmpty())
            return current.record.forwardedClient;  // behind a trusted proxy ("-": unreadable, one bucket)
        return admission.peer.of(current.record.peer);
    case RateLimitSettings::Key::Header:
        // Requests without the field share one bucket: leaving it out is no way around the limit.
        return admission.head.headers.combinedValue(settings.keyName.toLatin1());
    case RateLimitSettings::Key::JwtClaim: {
        // From a verified token only (on a route without auth_required, verified here); requests
        // without one, or whose token does not verify, share one bucket.
        if (!admission.claims) {
            const QByteArray token = bearerToken(admission.head.headers.value("authorization"));
            if (!token.isEmpty()) {
                JwtVerifier::Result result = current.snapshot->jwt.verify(token, QDateTime::currentSecsSinceEpoch());
                if (result.valid)
                    admission.claims = std::move(result.claims);
            }
        }
        const QJsonValue claim = admission.claims ? admission.claims->value(settings.keyName) : QJsonValue();
        if (claim.isString())
            return "s:" + claim.toString().toUtf8();
        if (!claim.isUndefined() && !claim.isNull())
            return "j:" + QJsonDocument(QJsonArray{claim}).toJson(QJsonDocument::Compact);
        return {};
    }
    }
    return {};
}

std::optional<Refusal> limitRate(Admission &admission)
{
    ActiveRequest &current = admission.request;
    const int routeIndex = admission.match.route->index;
    // Keys for the backends' own limits, which the exchange applies to the backend it picks.
    const std::vector<std::shared_ptr<RateLimiter>> &backendLimiters =
        current.snapshot->backendRateLimiters(routeIndex);
    current.backendRateKeys.clear();
    if (!backendLimiters.empty()) {
        current.backendRateKeys.resize(backendLimiters.size());
        for (size_t i = 0; i < backendLimiters.size(); ++i) {
            if (backendLimiters[i])
                current.backendRateKeys[i] = rateLimitKey(backendLimiters[i]->settings(), admission);
        }
    }
    current.rateLimitRemaining = INT_MAX;
    RateLimiter *limiter = current.snapshot->rateLimiter(routeIndex);
    if (!limiter)
        return std::nullopt;
    const RateLimiter::Decision decision =
        limiter->admit(rateLimitKey(limiter->settings(), admission), RateLimiter::nowNs());
    if (decision.admitted) {
        if (limiter->settings().headers) {
            current.rateLimitFields = rateLimitFields(*limiter, decision);
            current.rateLimitRemaining = decision.remaining;
        }
        return std::nullopt;
    }
    current.record.note = "rate_limited";
    return Refusal{rateLimitedError(*limiter, decision, {})};
}

std::optional<Refusal> limitBody(Admission &admission)
{
    const Route &route = *admission.match.route->route;
    admission.bodyLimit =
        route.overrides->maxBodyBytes.value_or(admission.request.snapshot->config->server.maxBodyBytes);
    if (admission.hasContentLength && qint64(admission.contentLength) > admission.bodyLimit)
        return Refusal{GatewayError::fromStatus(413, "request body larger than "
                                                         + QByteArray::number(admission.bodyLimit) + " bytes")};
    return std::nullopt;
}

std::optional<Refusal> answerExpect(Admission &admission)
{
    const http::Headers &headers = admission.head.headers;
    if (!headers.contains("expect"))
        return std::nullopt;
    if (!headers.hasToken("expect", "100-continue"))
        return Refusal{GatewayError::fromStatus(417, "unsupported Expect")};
    admission.sendContinue = admission.bodyExpected;
    return std::nullopt;
}

// request_headers, the route's fault and its own answer, for the exchange.
void applyRouteRules(Admission &admission, ExchangeRequest &request)
{
    ActiveRequest &current = admission.request;
    const RouteRules &rules = *current.rules;
    RequestRecord &rec = current.record;
    if (rules.requestHeaders) {
        const QByteArray &route = rules.route;
        const qsizetype question = admission.target.indexOf('?');
        const QByteArrayView path =
            question < 0 ? QByteArrayView(admission.target) : QByteArrayView(admission.target).first(question);
        const QByteArray clientIp = !rec.forwardedClient.isEmpty() ? rec.forwardedClient : request.peerText;
        rules.requestHeaders->apply(request.head.headers,
                                    {clientIp, rec.requestId, route, admission.head.headers.value("host"), path});
    }
    if (rules.fault) {
        const FaultDecision fault = decideFault(rules, admission.head.headers);
        if (!rules.faultHeader.isEmpty())
            request.head.headers.remove(rules.faultHeader);
        request.startDelayMs = fault.delayMs;
        if (fault.abortStatus) {
            request.injectedAbort = GatewayError{fault.abortStatus, "fault_injected", "fault injected by the route"};
            request.injectedAbort->note = "fault_abort";
        }
        if (fault.any()) {
            rec.note = fault.abortStatus ? "fault_abort" : "fault_delay";
            if (current.routeMetrics)
                current.routeMetrics->recordFault(fault.delayMs > 0, fault.abortStatus > 0);
        }
    }
    if (rules.staticSite)
        request.staticSite = &*rules.staticSite;
    if (rules.redirect || rules.mock) {
        request.answer = routeAnswer(rules, admission.target);
        request.startDelayMs = request.answer->delayMs;
        rec.note = request.answer->note;
    }
}

}  // namespace

const QByteArray &PeerText::of(const QHostAddress &peer)
{
    if (m_text.isEmpty()) {
        m_text = clientAddressText(peer);
        m_hash = clientHash(m_text);
    }
    return m_text;
}

void resolveForwardedClient(Admission &admission)
{
    ActiveRequest &current = admission.request;
    if (!current.snapshot->trustedProxies.contains(current.record.peer))
        return;
    const QHostAddress client =
        resolveClientAddress(admission.head, current.record.peer, current.snapshot->trustedProxies);
    current.record.forwardedClient = client.isNull() ? QByteArrayLiteral("-") : clientAddressText(client);
    admission.forwardedClient = client;
}

std::optional<Refusal> checkSingletonFields(Admission &admission)
{
    if (admission.singletonProblem)
        return Refusal{GatewayError::fromStatus(400, admission.singletonProblem)};
    return std::nullopt;
}

std::optional<Refusal> admitForProxying(Admission &admission)
{
    using Step = std::optional<Refusal> (*)(Admission &);
    static constexpr Step kSteps[] = {
        refuseConnect,  // 501
        matchRoute,     // 400 (path), 404, 405
        authenticate,   // 401, on auth_required routes
        limitRate,      // 429, on routes with a rate_limit
        limitBody,      // 413 by Content-Length
        answerExpect,   // 417, or 100 Continue to send
    };
    for (const Step step : kSteps) {
        if (std::optional<Refusal> refusal = step(admission))
            return refusal;
    }
    return std::nullopt;
}

ExchangeRequest exchangeRequest(Admission &admission, const TlsSessionInfo *tls, bool recordTries)
{
    ActiveRequest &current = admission.request;
    RequestRecord &rec = current.record;
    const RouteMatch &match = admission.match;
    ExchangeRequest request;
    request.head = admission.head;
    if (!match.route->route->forwardAuthorization)
        request.head.headers.remove("authorization");
    // Whatever the client sent under that name goes, on either listener: only a verified
    // certificate speaks there.
    if (const QByteArray &subjectHeader = current.snapshot->clientSubjectHeader; !subjectHeader.isEmpty()) {
        request.head.headers.remove(subjectHeader);
        if (tls && !tls->clientSubject.isEmpty())
            request.head.headers.add(subjectHeader, tls->clientSubject);
    }
    request.secure = tls != nullptr;
    request.snapshot = current.snapshot;
    request.route = match.route;
    request.upstreamTarget = current.snapshot->routes.upstreamTarget(match, admission.query);
    request.requestId = rec.requestId;
    request.peerText = admission.peer.of(rec.peer);
    request.peerIsTrustedProxy = admission.forwardedClient.has_value();
    // Behind a proxy, a client whose address cannot be read hashes as the proxy.
    request.clientHash = !request.peerIsTrustedProxy           ? admission.peer.hash(rec.peer)
                         : admission.forwardedClient->isNull() ? admission.peer.hash(rec.peer)
                                                               : clientHash(rec.forwardedClient);
    request.backendRateKeys = std::move(current.backendRateKeys);
    request.rateLimitRemaining = current.rateLimitRemaining;
    request.recordTries = recordTries;
    request.contentLength = admission.contentLength;
    current.bodyLimit = admission.bodyLimit;
    if (current.rules)
        applyRouteRules(admission, request);
    return request;
}

void decorateResponse(const ActiveRequest &request, http::Headers &fields)
{
    const RouteRules *rules = request.rules;
    if (!rules)
        return;
    if (rules->cors && !request.preflight)
        rules->cors->decorate(request.origin, fields);
    if (rules->responseHeaders)
        rules->responseHeaders->apply(
            fields, {request.clientIp, request.record.requestId, rules->route, request.host, request.path});
}

void reportFinishedRequest(ActiveRequest &request, const ProxyExchange *exchange, const ConnectionServices &services)
{
    RequestRecord &rec = request.record;
    rec.durationUs = request.clock.isValid() ? request.clock.nsecsElapsed() / 1000 : 0;
    rec.finishedAtMs = QDateTime::currentMSecsSinceEpoch();
    if (exchange) {
        rec.backend = exchange->backendKey();
        rec.attempts = exchange->attempts();
        exchange->recordSplitAnswer(rec.status, rec.durationUs);
        if (exchange->wasQueued())
            rec.queuedUs = exchange->queuedUs();
        if (services.captureHeaders)
            rec.tries = exchange->tries();
    }
    if (services.captureHeaders)
        rec.requestBytes = request.bodyReceived;
    RouteMetrics *metrics = request.routeMetrics ? request.routeMetrics : services.unmatchedMetrics;
    if (metrics)
        metrics->record(rec.method, rec.status, rec.durationUs, rec.attempts);
    if (services.onRequestFinished)
        services.onRequestFinished(rec);
    request.routeMetrics = nullptr;
}

void startResponseCompression(ActiveRequest &request, http::ResponseHead &head, bool withBody)
{
    const RouteRules *rules = request.rules;
    if (!rules || !rules->compression || request.preflight)
        return;
    const bool isHead = request.record.method == "HEAD";
    if (!withBody && !(isHead && head.headers.contains("content-length")))
        return;
    std::unique_ptr<Compressor> compressor = startCompression(*rules->compression, request.acceptEncoding, head);
    if (isHead)
        return;
    request.compressor = std::move(compressor);
    request.flushEachPiece =
        request.compressor && head.headers.value("content-type").trimmed().startsWith("text/event-stream");
}

QByteArray encodeResponsePiece(ActiveRequest &request, QByteArrayView piece)
{
    QByteArray encoded = request.compressor->compress(piece);
    if (request.flushEachPiece)
        encoded += request.compressor->flush();
    return encoded;
}

QByteArray finishResponseEncoding(ActiveRequest &request)
{
    if (!request.compressor)
        return {};
    QByteArray tail = request.compressor->finish();
    request.compressor.reset();
    return tail;
}

}  // namespace kairos
