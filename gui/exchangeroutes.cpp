#include "exchangeroutes.h"

#include "config/configvalidator.h"

#include <QCoreApplication>
#include <QStringDecoder>
#include <QUrl>

namespace kairos {

namespace {

void appendMissing(QStringList &list, const QString &value)
{
    if (!value.isEmpty() && !list.contains(value, Qt::CaseInsensitive))
        list.append(value);
}

}  // namespace

ExchangeRoute mockRouteFor(const RequestRecord &record, const Config &config)
{
    ExchangeRoute made;
    const QByteArray target = record.target;
    const qsizetype question = target.indexOf('?');
    const QString path = QUrl::fromPercentEncoding(question < 0 ? target : target.first(question));
    Route &route = made.route;
    route.externalPath = path;
    route.internalPath = path;
    route.methods = {QString::fromLatin1(record.method)};
    MockSettings mock;
    mock.status = record.status;
    for (const http::Headers::Field &field : record.responseHeaders.fields()) {
        if (field.first.compare("date", Qt::CaseInsensitive) == 0)
            continue;  // the time of that answer; the gateway dates its own
        MockSettings one;
        one.headers = {{QString::fromLatin1(field.first), QString::fromLatin1(field.second)}};
        QList<ConfigProblem> refused;
        checkMock(one, QString(), refused);  // the validator's word on which fields a mock may set
        if (refused.isEmpty())
            mock.headers.append(one.headers.first());
    }
    QStringDecoder utf8(QStringDecoder::Utf8);
    mock.body = utf8(record.responseBody);
    if (utf8.hasError())
        made.warnings.append(QCoreApplication::translate(
            "ExchangeRoutes", "The captured body is not UTF-8 text; the mock's body is not the same bytes."));
    if (record.responseBodyTruncated)
        made.warnings.append(
            QCoreApplication::translate(
                "ExchangeRoutes", "Only the first %1 bytes of the body were captured; the mock answers with those.")
                .arg(record.responseBody.size()));
    RouteOverrides overrides;
    overrides.mock = mock;
    route.overrides = overrides;
    if (config.findRoute(path))
        made.warnings.append(
            QCoreApplication::translate(
                "ExchangeRoutes", "A route for exactly %1 exists; give the mock another path or change that route.")
                .arg(path));
    return made;
}

bool wantsCors(const RequestRecord &record)
{
    if (record.routePath.isEmpty())
        return false;
    if (record.note && qstrcmp(record.note, "cors_refused") == 0)
        return true;
    return record.requestHeaders.contains("origin") && !record.responseHeaders.contains("access-control-allow-origin");
}

std::optional<ExchangeRoute> corsRouteFor(const RequestRecord &record, const Config &config)
{
    const QString origin = QString::fromLatin1(record.requestHeaders.value("origin").trimmed());
    const Route *served = config.findRoute(record.routePath);
    if (!served || origin.isEmpty())
        return std::nullopt;
    ExchangeRoute made;
    made.original = served->externalPath;
    made.route = *served;
    made.seen = *served;
    RouteOverrides overrides = *served->overrides;
    // The route's own policy, else the top level's it inherited (so that it keeps what that allowed).
    CorsSettings cors = overrides.cors && !overrides.cors->off ? *overrides.cors
                        : config.cors && !overrides.cors       ? *config.cors
                                                               : CorsSettings();
    cors.off = false;
    appendMissing(cors.allowOrigins, origin);
    const QString method = QString::fromLatin1(record.requestHeaders.value("access-control-request-method").trimmed());
    if (cors.allowMethods)
        appendMissing(*cors.allowMethods, method);
    const QByteArray asked = record.requestHeaders.value("access-control-request-headers");
    if (cors.allowHeaders && !cors.allowHeaders->contains(QStringLiteral("*"))) {
        for (const QByteArray &name : asked.split(','))
            appendMissing(*cors.allowHeaders, QString::fromLatin1(name.trimmed()));
    }
    overrides.cors = cors;
    made.route.overrides = overrides;
    return made;
}

}  // namespace kairos
