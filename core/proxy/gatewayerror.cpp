#include "gatewayerror.h"

#include <QJsonDocument>
#include <QJsonObject>

namespace kairos {

GatewayError GatewayError::fromStatus(int status, QByteArray message)
{
    QByteArray type;
    switch (status) {
    case 400: type = "bad_request"; break;
    case 401: type = "unauthorized"; break;
    case 403: type = "forbidden"; break;
    case 404: type = "not_found"; break;
    case 405: type = "method_not_allowed"; break;
    case 408: type = "request_timeout"; break;
    case 413: type = "payload_too_large"; break;
    case 429: type = "rate_limited"; break;
    case 431: type = "headers_too_large"; break;
    case 501: type = "not_implemented"; break;
    case 502: type = "bad_gateway"; break;
    case 503: type = "service_unavailable"; break;
    case 504: type = "gateway_timeout"; break;
    case 505: type = "http_version_not_supported"; break;
    default: type = status >= 500 ? "internal_error" : "client_error"; break;
    }
    return {status, type, std::move(message), 0, false, {}};
}

QByteArray errorBody(const GatewayError &error, const QByteArray &requestId)
{
    const QJsonObject object{{QLatin1String("error"), QString::fromUtf8(error.message)},
                             {QLatin1String("type"), QString::fromLatin1(error.type)},
                             {QLatin1String("request_id"), QString::fromLatin1(requestId)}};
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

http::ResponseHead errorHead(const GatewayError &error, const QByteArray &requestId, qsizetype bodyLength)
{
    http::ResponseHead head;
    head.status = error.status;
    head.headers.add("Content-Type", "application/json");
    head.headers.add("Content-Length", QByteArray::number(bodyLength));
    head.headers.add("X-Request-Id", requestId);
    if (error.attempts > 0)
        head.headers.add("X-Kairos-Attempts", QByteArray::number(error.attempts));
    for (const http::Headers::Field &field : error.fields.fields())
        head.headers.add(field.first, field.second);
    if (error.retryAfterSeconds > 0)
        head.headers.add("Retry-After", QByteArray::number(error.retryAfterSeconds));
    return head;
}

http::ResponseHead localResponseHead(int status, http::Headers fields, qsizetype bodyLength,
                                     const QByteArray &requestId)
{
    http::ResponseHead head;
    head.status = status;
    head.headers = std::move(fields);
    if (!head.headers.contains("content-type") && bodyLength > 0)
        head.headers.add("Content-Type", "application/json");
    if (status != 204 && status != 304)
        head.headers.set("Content-Length", QByteArray::number(bodyLength));
    head.headers.set("X-Request-Id", requestId);
    return head;
}

}  // namespace kairos
