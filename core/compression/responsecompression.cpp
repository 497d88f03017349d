#include "compression/responsecompression.h"

#include "compression/acceptencoding.h"

namespace kairos {

namespace {

using http::equalsIgnoreCase;

bool statusHasOwnBody(int status)
{
    // 206 is a part of the representation: compressing it would not give a part of the
    // compressed one, which is what a client assembling ranges with Content-Encoding expects.
    return status >= 200 && status != 204 && status != 206 && status != 304;
}

// "text/html; charset=utf-8" -> "text/html".
QByteArrayView mediaType(const QByteArray &contentType)
{
    const qsizetype semicolon = contentType.indexOf(';');
    return (semicolon < 0 ? QByteArrayView(contentType) : QByteArrayView(contentType).first(semicolon)).trimmed();
}

bool typeListed(const QStringList &types, QByteArrayView type)
{
    const qsizetype slash = type.indexOf('/');
    if (slash <= 0)
        return false;
    const QLatin1String whole(type.data(), type.size());
    const QLatin1String topLevel(type.data(), slash);
    for (const QString &listed : types) {
        if (listed.compare(whole, Qt::CaseInsensitive) == 0 || listed == QLatin1String("*/*"))
            return true;
        // "text/*" matches every text type.
        if (listed.size() == slash + 2 && listed.endsWith(QLatin1String("/*"))
            && QStringView(listed).first(slash).compare(topLevel, Qt::CaseInsensitive) == 0)
            return true;
    }
    return false;
}

constexpr qint64 kNoLength = -1;
constexpr qint64 kMalformedLength = -2;

qint64 contentLength(const http::Headers &headers)
{
    const QByteArray field = headers.value("Content-Length");
    if (field.isNull())
        return kNoLength;
    bool ok = false;
    const qint64 length = field.trimmed().toLongLong(&ok);
    return ok && length >= 0 ? length : kMalformedLength;
}

// Without a length the body is streamed and its size unknown: it may well be large.
bool largeEnough(const http::Headers &headers, qint64 minBytes)
{
    const qint64 length = contentLength(headers);
    return length == kNoLength || length >= minBytes;
}

// "abc" -> W/"abc"; weak ones and malformed ones stay as they are.
QByteArray weakened(const QByteArray &etag)
{
    const QByteArray trimmed = etag.trimmed();
    if (!trimmed.startsWith('"'))
        return etag;
    return "W/" + trimmed;
}

}  // namespace

bool mayCompress(const CompressionPolicy &policy, const http::ResponseHead &response)
{
    const http::Headers &headers = response.headers;
    return !policy.encodings.isEmpty() && statusHasOwnBody(response.status) && !headers.contains("Content-Encoding")
           && !headers.contains("Content-Range") && !headers.hasToken("Cache-Control", "no-transform")
           && typeListed(policy.types, mediaType(headers.value("Content-Type")))
           && largeEnough(headers, policy.minBytes);
}

void addVaryAcceptEncoding(http::ResponseHead &response)
{
    http::Headers &headers = response.headers;
    if (headers.hasToken("Vary", "Accept-Encoding") || headers.hasToken("Vary", "*"))
        return;
    for (http::Headers::Field &field : headers.fields()) {
        if (!equalsIgnoreCase(field.first, "Vary"))
            continue;
        if (field.second.trimmed().isEmpty())
            field.second = "Accept-Encoding";
        else
            field.second += ", Accept-Encoding";
        return;
    }
    headers.add("Vary", "Accept-Encoding");
}

void markCompressed(http::ResponseHead &response, ContentCoding coding)
{
    http::Headers &headers = response.headers;
    headers.set("Content-Encoding", codingName(coding));
    headers.remove("Content-Length");
    for (http::Headers::Field &field : headers.fields()) {
        if (equalsIgnoreCase(field.first, "ETag"))
            field.second = weakened(field.second);
    }
    addVaryAcceptEncoding(response);
}

std::unique_ptr<Compressor> startCompression(const CompressionPolicy &policy, QByteArrayView acceptEncoding,
                                             http::ResponseHead &response)
{
    if (!mayCompress(policy, response))
        return nullptr;
    std::unique_ptr<Compressor> compressor =
        Compressor::create(chooseCoding(policy, acceptEncoding), policy, contentLength(response.headers));
    if (compressor)
        markCompressed(response, compressor->coding());
    else
        addVaryAcceptEncoding(response);
    return compressor;
}

}  // namespace kairos
