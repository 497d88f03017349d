#include "routerules.h"

#include "balancing/balancer.h"

#include <QFile>
#include <QHash>
#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcProxy)

namespace kairos {

namespace {

// Draws true `percent` times in a hundred.
bool drawn(double percent)
{
    if (percent >= 100)
        return true;
    if (percent <= 0)
        return false;
    return double(threadRandom() % 1'000'000) < percent * 10'000;
}

// "delay=2000", "abort=503", or both, comma-separated; unknown parts and bad numbers are ignored,
// and the values stay in the ranges the config allows.
FaultDecision faultAskedFor(QByteArrayView value)
{
    FaultDecision decision;
    for (const QByteArray &part : value.toByteArray().split(',')) {
        const QByteArray trimmed = part.trimmed();
        bool ok = false;
        if (trimmed.startsWith("delay=")) {
            const int ms = trimmed.mid(6).toInt(&ok);
            if (ok && ms >= 1 && ms <= 600'000)
                decision.delayMs = ms;
        } else if (trimmed.startsWith("abort=")) {
            const int status = trimmed.mid(6).toInt(&ok);
            if (ok && status >= 400 && status <= 599)
                decision.abortStatus = status;
        }
    }
    return decision;
}

CompressionPolicy compressionPolicy(const CompressionSettings &settings)
{
    CompressionPolicy policy;
    if (settings.encodings) {
        policy.encodings.clear();
        for (const QString &name : *settings.encodings)
            policy.encodings.append(name == QLatin1String("zstd") ? ContentCoding::Zstd
                                    : name == QLatin1String("br") ? ContentCoding::Brotli
                                                                  : ContentCoding::Gzip);
    }
    if (settings.types)
        policy.types = *settings.types;
    policy.minBytes = settings.minBytes.value_or(policy.minBytes);
    policy.gzipLevel = settings.gzipLevel.value_or(policy.gzipLevel);
    policy.brotliQuality = settings.brotliQuality.value_or(policy.brotliQuality);
    policy.zstdLevel = settings.zstdLevel.value_or(policy.zstdLevel);
    return policy;
}

QByteArray readMockBody(const MockSettings &mock)
{
    if (mock.bodyFile.isEmpty())
        return mock.body.toUtf8();
    QFile file(mock.bodyFile);
    if (!file.open(QIODevice::ReadOnly)) {
        qCWarning(lcProxy).noquote() << "mock body_file" << mock.bodyFile << "cannot be read:" << file.errorString();
        return {};
    }
    return file.read(kMaxMockBodyBytes);
}

}  // namespace

std::vector<std::shared_ptr<const RouteRules>> compileRouteRules(const Config &config)
{
    std::vector<std::shared_ptr<const RouteRules>> compiled;
    compiled.reserve(size_t(config.routes.size()));
    // Routes that share a top-level block (and, for CORS, a method list) share its compiled form.
    QHash<std::pair<const void *, const void *>, std::shared_ptr<const CorsPolicy>> corsFor;
    QHash<const void *, std::shared_ptr<const CompiledHeaderRules>> rulesFor;
    QHash<const void *, std::shared_ptr<const CompressionPolicy>> policyFor;
    const auto headerRules = [&rulesFor](const HeaderRules *rules) -> std::shared_ptr<const CompiledHeaderRules> {
        if (!rules)
            return nullptr;
        std::shared_ptr<const CompiledHeaderRules> &shared = rulesFor[rules];
        if (!shared)
            shared = std::make_shared<const CompiledHeaderRules>(*rules);
        return shared;
    };
    for (const Route &route : config.routes) {
        const CorsSettings *cors = config.corsFor(route);
        const HeaderRules *requestHeaders = config.requestHeadersFor(route);
        const HeaderRules *responseHeaders = config.responseHeadersFor(route);
        const FaultSettings *fault = config.faultFor(route);
        const CompressionSettings *compression = config.compressionFor(route);
        const RouteOverrides &overrides = *route.overrides;
        if (!cors && !requestHeaders && !responseHeaders && !fault && !compression && !Config::answersItself(route)) {
            compiled.push_back(nullptr);
            continue;
        }
        auto rules = std::make_shared<RouteRules>();
        rules->route = route.externalPath.toUtf8();
        if (cors) {
            std::shared_ptr<const CorsPolicy> &shared = corsFor[{cors, route.methods.constData()}];
            if (!shared)
                shared = std::make_shared<const CorsPolicy>(*cors, route.methods);
            rules->cors = shared;
        }
        rules->requestHeaders = headerRules(requestHeaders);
        rules->responseHeaders = headerRules(responseHeaders);
        rules->fault = fault;
        if (fault)
            rules->faultHeader = fault->header.toLatin1();
        rules->redirect = overrides.redirect ? &*overrides.redirect : nullptr;
        rules->mock = overrides.mock ? &*overrides.mock : nullptr;
        if (rules->mock)
            rules->mockBody = readMockBody(*rules->mock);
        if (overrides.staticSite)
            rules->staticSite =
                StaticSite{overrides.staticSite->root, overrides.staticSite->index, overrides.staticSite->spaFallback};
        if (compression) {
            std::shared_ptr<const CompressionPolicy> &shared = policyFor[compression];
            if (!shared)
                shared = std::make_shared<const CompressionPolicy>(compressionPolicy(*compression));
            rules->compression = shared;
        }
        compiled.push_back(std::move(rules));
    }
    if (std::all_of(compiled.cbegin(), compiled.cend(), [](const auto &rules) { return !rules; }))
        return {};
    return compiled;
}

FaultDecision decideFault(const RouteRules &rules, const http::Headers &requestHeaders)
{
    if (!rules.fault)
        return {};
    if (!rules.faultHeader.isEmpty()) {
        const QByteArray asked = requestHeaders.value(rules.faultHeader);
        if (!asked.isNull())
            return faultAskedFor(asked);
    }
    FaultDecision decision;
    if (rules.fault->delay && drawn(rules.fault->delay->percent))
        decision.delayMs = rules.fault->delay->ms;
    if (rules.fault->abort && drawn(rules.fault->abort->percent))
        decision.abortStatus = rules.fault->abort->status;
    return decision;
}

RouteAnswer routeAnswer(const RouteRules &rules, QByteArrayView target)
{
    RouteAnswer answer;
    if (rules.redirect) {
        const qsizetype question = target.indexOf('?');
        const QByteArrayView path = question < 0 ? target : target.first(question);
        const QByteArrayView query = question < 0 ? QByteArrayView() : target.sliced(question + 1);
        // One pass over the template: a request path holding "{query}" stays as it came.
        const QByteArray to = rules.redirect->to.toUtf8();
        QByteArray location;
        for (qsizetype i = 0; i < to.size(); ++i) {
            const QByteArrayView rest = QByteArrayView(to).sliced(i);
            if (rest.startsWith("{path}")) {
                location += path;
                i += 5;
            } else if (rest.startsWith("{query}")) {
                location += query;
                i += 6;
            } else {
                location += to[i];
            }
        }
        answer.status = rules.redirect->status;
        answer.fields.add(QByteArrayLiteral("Location"), location);
        answer.note = "redirect";
        return answer;
    }
    const MockSettings &mock = *rules.mock;
    answer.status = mock.status;
    for (const auto &[name, value] : mock.headers)
        answer.fields.add(name.toLatin1(), value.toLatin1());
    answer.body = rules.mockBody;
    if (!answer.fields.contains("content-type") && !answer.body.isEmpty()) {
        const char first = answer.body.trimmed().isEmpty() ? ' ' : answer.body.trimmed().front();
        answer.fields.add(QByteArrayLiteral("Content-Type"), first == '{' || first == '['
                                                                 ? QByteArrayLiteral("application/json")
                                                                 : QByteArrayLiteral("text/plain; charset=utf-8"));
    }
    answer.delayMs = mock.delayMs;
    answer.note = "mock";
    return answer;
}

}  // namespace kairos
