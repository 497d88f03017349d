#include "exchangeexport.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QJsonArray>
#include <QUrl>
#include <QUrlQuery>

namespace kairos {

namespace {

// Fields that describe one connection, not the request: curl makes its own.
bool isConnectionField(const QByteArray &lowerName)
{
    static const QByteArray kNames[] = {"connection", "keep-alive",        "proxy-connection", "te",
                                        "trailer",    "transfer-encoding", "upgrade",          "content-length"};
    for (const QByteArray &name : kNames) {
        if (lowerName == name)
            return true;
    }
    return false;
}

bool isRedacted(const QByteArray &value)
{
    return value.endsWith("[redacted]");
}

// A shell argument cannot hold NUL, and control characters in one are hard to read or to paste.
bool fitsInShellArgument(const QByteArray &bytes)
{
    for (const char c : bytes) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 && c != '\n' && c != '\t' && c != '\r')
            return false;
    }
    return true;
}

// A printf(1) format that prints exactly `bytes`: POSIX printf reads \ooo octal escapes in its
// format, which dash's and bash's both do, unlike $'...'.
QString printfFormat(const QByteArray &bytes)
{
    QString out;
    out.reserve(bytes.size() * 2);
    for (const char c : bytes) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '\\')
            out += QLatin1String("\\\\");
        else if (c == '%')
            out += QLatin1String("%%");
        else if (u >= 0x20 && u < 0x7f && c != '\'')
            out += QLatin1Char(c);
        else
            out += QStringLiteral("\\%1").arg(u, 3, 8, QLatin1Char('0'));
    }
    return QLatin1Char('\'') + out + QLatin1Char('\'');
}

QString baseUrl(const QString &gatewayUrl)
{
    QString url = gatewayUrl;
    while (url.endsWith(QLatin1Char('/')))
        url.chop(1);
    return url;
}

QString fullUrl(const RequestRecord &record, const QString &gatewayUrl)
{
    if (record.target.startsWith("http://") || record.target.startsWith("https://"))
        return QString::fromLatin1(record.target);  // absolute form, as a proxy client sends it
    return baseUrl(gatewayUrl) + QString::fromLatin1(record.target);
}

QJsonArray headersJson(const http::Headers &headers)
{
    QJsonArray array;
    for (const http::Headers::Field &field : headers.fields())
        array.append(QJsonObject{{QStringLiteral("name"), QString::fromLatin1(field.first)},
                                 {QStringLiteral("value"), QString::fromLatin1(field.second)}});
    return array;
}

http::Headers headersFromJson(const QJsonArray &array)
{
    http::Headers headers;
    for (const QJsonValue &value : array) {
        const QJsonObject field = value.toObject();
        headers.add(field.value(QLatin1String("name")).toString().toLatin1(),
                    field.value(QLatin1String("value")).toString().toLatin1());
    }
    return headers;
}

bool isValidUtf8(const QByteArray &bytes)
{
    return QByteArrayView(bytes).isValidUtf8();
}

// HAR text: the body as text when it is, else base64 (content.encoding, or _encoding in postData
// which has no such field in HAR 1.2).
void putBody(QJsonObject &object, const QByteArray &body, const QByteArray &type, const char *encodingKey)
{
    if (isTextual(type, body) && isValidUtf8(body)) {
        object.insert(QStringLiteral("text"), QString::fromUtf8(body));
    } else {
        object.insert(QStringLiteral("text"), QString::fromLatin1(body.toBase64()));
        object.insert(QLatin1String(encodingKey), QStringLiteral("base64"));
    }
}

QByteArray bodyFrom(const QJsonObject &object, const char *encodingKey)
{
    const QString text = object.value(QLatin1String("text")).toString();
    if (object.value(QLatin1String(encodingKey)).toString() == QLatin1String("base64"))
        return QByteArray::fromBase64(text.toLatin1());
    return text.toUtf8();
}

double ms(qint64 us)
{
    return double(us) / 1000.0;
}

QString reasonPhrase(int status)
{
    switch (status) {
    case 200: return QStringLiteral("OK");
    case 201: return QStringLiteral("Created");
    case 202: return QStringLiteral("Accepted");
    case 204: return QStringLiteral("No Content");
    case 206: return QStringLiteral("Partial Content");
    case 301: return QStringLiteral("Moved Permanently");
    case 302: return QStringLiteral("Found");
    case 303: return QStringLiteral("See Other");
    case 304: return QStringLiteral("Not Modified");
    case 307: return QStringLiteral("Temporary Redirect");
    case 308: return QStringLiteral("Permanent Redirect");
    case 400: return QStringLiteral("Bad Request");
    case 401: return QStringLiteral("Unauthorized");
    case 403: return QStringLiteral("Forbidden");
    case 404: return QStringLiteral("Not Found");
    case 405: return QStringLiteral("Method Not Allowed");
    case 408: return QStringLiteral("Request Timeout");
    case 413: return QStringLiteral("Content Too Large");
    case 417: return QStringLiteral("Expectation Failed");
    case 429: return QStringLiteral("Too Many Requests");
    case 500: return QStringLiteral("Internal Server Error");
    case 501: return QStringLiteral("Not Implemented");
    case 502: return QStringLiteral("Bad Gateway");
    case 503: return QStringLiteral("Service Unavailable");
    case 504: return QStringLiteral("Gateway Timeout");
    default: return QString();
    }
}

QJsonObject entryJson(const RequestRecord &record, const QString &gatewayUrl)
{
    const QString url = fullUrl(record, gatewayUrl);
    const QByteArray requestType = mediaType(record.requestHeaders);
    const QByteArray responseType = mediaType(record.responseHeaders);

    QJsonArray queryString;
    const QUrlQuery query(QUrl(url).query(QUrl::FullyEncoded));
    for (const auto &item : query.queryItems(QUrl::FullyDecoded))
        queryString.append(QJsonObject{{QStringLiteral("name"), item.first}, {QStringLiteral("value"), item.second}});

    QJsonObject request{
        {QStringLiteral("method"), QString::fromLatin1(record.method)},
        {QStringLiteral("url"), url},
        {QStringLiteral("httpVersion"), QStringLiteral("HTTP/1.1")},
        {QStringLiteral("cookies"), QJsonArray()},
        {QStringLiteral("headers"), headersJson(record.requestHeaders)},
        {QStringLiteral("queryString"), queryString},
        {QStringLiteral("headersSize"), -1},
        {QStringLiteral("bodySize"), double(record.requestBytes)},
    };
    if (record.requestBytes > 0 || !record.requestBody.isEmpty()) {
        QJsonObject postData{
            {QStringLiteral("mimeType"), QString::fromLatin1(record.requestHeaders.value("content-type"))},
            {QStringLiteral("params"), QJsonArray()}};
        putBody(postData, record.requestBody, requestType, "_encoding");
        if (record.requestBodyTruncated)
            postData.insert(QStringLiteral("comment"),
                            QStringLiteral("truncated at %1 bytes").arg(record.requestBody.size()));
        request.insert(QStringLiteral("postData"), postData);
    }

    QJsonObject content{
        {QStringLiteral("size"), double(record.responseBytes)},
        {QStringLiteral("mimeType"), QString::fromLatin1(record.responseHeaders.value("content-type"))}};
    if (!record.responseBody.isEmpty())
        putBody(content, record.responseBody, responseType, "encoding");
    if (record.responseBodyTruncated)
        content.insert(QStringLiteral("comment"),
                       QStringLiteral("truncated at %1 bytes").arg(record.responseBody.size()));
    const QJsonObject response{
        {QStringLiteral("status"), record.status},
        {QStringLiteral("statusText"), reasonPhrase(record.status)},
        {QStringLiteral("httpVersion"), QStringLiteral("HTTP/1.1")},
        {QStringLiteral("cookies"), QJsonArray()},
        {QStringLiteral("headers"), headersJson(record.responseHeaders)},
        {QStringLiteral("content"), content},
        {QStringLiteral("redirectURL"), QString::fromLatin1(record.responseHeaders.value("location"))},
        {QStringLiteral("headersSize"), -1},
        {QStringLiteral("bodySize"), double(record.responseBytes)},
    };

    // HAR's time is the sum of the timings that apply; send, wait and receive must be there.
    const double total = ms(record.durationUs);
    const double firstByte = record.firstByteUs >= 0 ? ms(record.firstByteUs) : total;
    const double blocked = record.queuedUs >= 0 ? ms(record.queuedUs) : -1;
    const ExchangeTry *last = record.tries.isEmpty() ? nullptr : &record.tries.last();
    const double connect = last && last->connectUs >= 0 ? ms(last->connectUs) : -1;
    const double wait = std::max(0.0, firstByte - std::max(blocked, 0.0) - std::max(connect, 0.0));
    const double receive = std::max(0.0, total - firstByte);
    const QJsonObject timings{
        {QStringLiteral("blocked"), blocked}, {QStringLiteral("dns"), -1},    {QStringLiteral("connect"), connect},
        {QStringLiteral("send"), 0},          {QStringLiteral("wait"), wait}, {QStringLiteral("receive"), receive},
        {QStringLiteral("ssl"), -1},
    };
    const double time = std::max(blocked, 0.0) + std::max(connect, 0.0) + wait + receive;

    // What HAR has no field for, under a custom (underscore) key, so that an import shows it again.
    QJsonArray tries;
    for (const ExchangeTry &attempt : record.tries)
        tries.append(QJsonObject{{QStringLiteral("backend"), attempt.backend},
                                 {QStringLiteral("startUs"), double(attempt.startUs)},
                                 {QStringLiteral("connectUs"), double(attempt.connectUs)},
                                 {QStringLiteral("reusedConnection"), attempt.reusedConnection},
                                 {QStringLiteral("firstByteUs"), double(attempt.firstByteUs)},
                                 {QStringLiteral("status"), attempt.status},
                                 {QStringLiteral("error"), QString::fromUtf8(attempt.error)}});
    const QJsonObject kairos{
        {QStringLiteral("route"), record.routePath},
        {QStringLiteral("backend"), record.backend},
        {QStringLiteral("requestId"), QString::fromLatin1(record.requestId)},
        {QStringLiteral("attempts"), record.attempts},
        {QStringLiteral("gatewayResponse"), record.gatewayResponse},
        {QStringLiteral("note"), record.note ? QString::fromLatin1(record.note) : QString()},
        {QStringLiteral("durationUs"), double(record.durationUs)},
        {QStringLiteral("queuedUs"), double(record.queuedUs)},
        {QStringLiteral("firstByteUs"), double(record.firstByteUs)},
        {QStringLiteral("tries"), tries},
    };

    const qint64 startedMs = record.finishedAtMs - record.durationUs / 1000;
    return QJsonObject{
        {QStringLiteral("startedDateTime"),
         QDateTime::fromMSecsSinceEpoch(startedMs, Qt::UTC).toString(Qt::ISODateWithMs)},
        {QStringLiteral("time"), time},
        {QStringLiteral("request"), request},
        {QStringLiteral("response"), response},
        {QStringLiteral("cache"), QJsonObject()},
        {QStringLiteral("timings"), timings},
        {QStringLiteral("_kairos"), kairos},
    };
}

// Notes survive an import as one of the gateway's own words, for the note's const char *.
const char *knownNote(const QString &note)
{
    static const char *const kNotes[] = {"rate_limited",  "upgrade_ignored", "queue_full",
                                         "queue_timeout", "circuit_open",    "imported"};
    for (const char *known : kNotes) {
        if (note == QLatin1String(known))
            return known;
    }
    return "imported";
}

}  // namespace

QByteArray mediaType(const http::Headers &headers)
{
    QByteArray type = headers.value("content-type");
    const qsizetype semicolon = type.indexOf(';');
    if (semicolon >= 0)
        type.truncate(semicolon);
    return type.trimmed().toLower();
}

bool isTextual(const QByteArray &type, const QByteArray &body)
{
    if (type.startsWith("text/") || type.contains("json") || type.contains("xml") || type.contains("javascript")
        || type == "application/x-www-form-urlencoded" || type == "application/yaml" || type == "application/graphql")
        return true;
    if (!type.isEmpty())
        return false;
    return fitsInShellArgument(body) && isValidUtf8(body);
}

QString shellQuoted(const QByteArray &text)
{
    QString quoted = QString::fromUtf8(text);
    quoted.replace(QLatin1Char('\''), QLatin1String("'\\''"));
    return QLatin1Char('\'') + quoted + QLatin1Char('\'');
}

QString curlCommand(const RequestRecord &record, const QString &gatewayUrl)
{
    QStringList comments;
    QStringList args{QStringLiteral("curl")};
    // The same protocol as the client: curl offers h2 over TLS by itself.
    if (record.alpn == "h2c")
        args << QStringLiteral("--http2-prior-knowledge");
    const bool head = record.method == "HEAD";
    if (head)
        args << QStringLiteral("--head");
    else if (record.method != "GET" || !record.requestBody.isEmpty())
        args << QStringLiteral("--request") << shellQuoted(record.method);
    for (const http::Headers::Field &field : record.requestHeaders.fields()) {
        const QByteArray name = field.first.toLower();
        if (isConnectionField(name))
            continue;
        // Host is curl's from the URL, unless the client named the gateway otherwise (a backend
        // behind preserve_host sees it).
        if (name == "host" && field.second == QUrl(gatewayUrl).authority().toLatin1())
            continue;
        if (isRedacted(field.second)) {
            comments << QCoreApplication::translate("kairos::TrafficView", "# %1 was not captured; add it with -H")
                            .arg(QString::fromLatin1(field.first));
            continue;
        }
        // "Name;" sends a field with an empty value; "Name:" would remove curl's own.
        args << QStringLiteral("--header")
             << shellQuoted(field.second.isEmpty() ? field.first + ';' : field.first + ": " + field.second);
    }
    const bool viaPrintf =
        !record.requestBody.isEmpty() && (!fitsInShellArgument(record.requestBody) || !isValidUtf8(record.requestBody));
    if (!record.requestBody.isEmpty())
        args << QStringLiteral("--data-binary") << (viaPrintf ? QStringLiteral("@-") : shellQuoted(record.requestBody));
    if (record.requestBodyTruncated)
        comments << QCoreApplication::translate("kairos::TrafficView",
                                                "# The body was captured up to %1 of its %2 bytes; only those are sent")
                        .arg(record.requestBody.size())
                        .arg(record.requestBytes);
    args << shellQuoted(fullUrl(record, gatewayUrl).toUtf8());
    QString command = args.join(QLatin1Char(' '));
    if (viaPrintf)
        command = QStringLiteral("printf %1 | ").arg(printfFormat(record.requestBody)) + command;
    comments.append(command);
    return comments.join(QLatin1Char('\n'));
}

QJsonObject harDocument(const QList<RequestRecord> &records, const QString &gatewayUrl)
{
    QJsonArray entries;
    for (const RequestRecord &record : records)
        entries.append(entryJson(record, gatewayUrl));
    const QJsonObject log{
        {QStringLiteral("version"), QStringLiteral("1.2")},
        {QStringLiteral("creator"), QJsonObject{{QStringLiteral("name"), QStringLiteral("Kairos Gateway")},
                                                {QStringLiteral("version"), QStringLiteral(KAIROS_VERSION)}}},
        {QStringLiteral("entries"), entries},
    };
    return QJsonObject{{QStringLiteral("log"), log}};
}

QList<RequestRecord> recordsFromHar(const QJsonObject &document, QString *error)
{
    const QJsonObject log = document.value(QLatin1String("log")).toObject();
    const QJsonValue entries = log.value(QLatin1String("entries"));
    if (!entries.isArray()) {
        *error = QCoreApplication::translate("kairos::TrafficView", "not a HAR file: it has no log.entries");
        return {};
    }
    QList<RequestRecord> records;
    for (const QJsonValue &value : entries.toArray()) {
        const QJsonObject entry = value.toObject();
        const QJsonObject request = entry.value(QLatin1String("request")).toObject();
        const QJsonObject response = entry.value(QLatin1String("response")).toObject();
        const QJsonObject kairos = entry.value(QLatin1String("_kairos")).toObject();
        if (request.isEmpty())
            continue;
        RequestRecord record;
        record.method = request.value(QLatin1String("method")).toString().toLatin1();
        const QUrl url(request.value(QLatin1String("url")).toString());
        record.target = url.path(QUrl::FullyEncoded).toLatin1();
        if (record.target.isEmpty())
            record.target = "/";
        if (url.hasQuery())
            record.target += '?' + url.query(QUrl::FullyEncoded).toLatin1();
        record.requestHeaders = headersFromJson(request.value(QLatin1String("headers")).toArray());
        const QJsonObject postData = request.value(QLatin1String("postData")).toObject();
        record.requestBody = bodyFrom(postData, "_encoding");
        record.requestBytes =
            std::max<qint64>(request.value(QLatin1String("bodySize")).toInteger(-1), record.requestBody.size());
        record.requestBodyTruncated = record.requestBytes > record.requestBody.size();
        record.status = response.value(QLatin1String("status")).toInt();
        record.responseHeaders = headersFromJson(response.value(QLatin1String("headers")).toArray());
        const QJsonObject content = response.value(QLatin1String("content")).toObject();
        record.responseBody = bodyFrom(content, "encoding");
        record.responseBytes =
            std::max<qint64>(content.value(QLatin1String("size")).toInteger(-1), record.responseBody.size());
        record.responseBodyTruncated = record.responseBytes > record.responseBody.size();
        const qint64 startedMs =
            QDateTime::fromString(entry.value(QLatin1String("startedDateTime")).toString(), Qt::ISODateWithMs)
                .toMSecsSinceEpoch();
        record.durationUs = kairos.contains(QLatin1String("durationUs"))
                                ? kairos.value(QLatin1String("durationUs")).toInteger()
                                : qint64(entry.value(QLatin1String("time")).toDouble() * 1000.0);
        record.finishedAtMs = startedMs + record.durationUs / 1000;
        record.routePath = kairos.value(QLatin1String("route")).toString();
        record.backend = kairos.value(QLatin1String("backend")).toString();
        record.requestId = kairos.value(QLatin1String("requestId")).toString().toLatin1();
        record.attempts = kairos.value(QLatin1String("attempts")).toInt();
        record.gatewayResponse = kairos.value(QLatin1String("gatewayResponse")).toBool();
        record.queuedUs = kairos.value(QLatin1String("queuedUs")).toInteger(-1);
        record.firstByteUs = kairos.value(QLatin1String("firstByteUs")).toInteger(-1);
        record.note = knownNote(kairos.value(QLatin1String("note")).toString());
        if (record.requestId.isEmpty())
            record.requestId = record.requestHeaders.value("x-request-id");
        for (const QJsonValue &tryValue : kairos.value(QLatin1String("tries")).toArray()) {
            const QJsonObject object = tryValue.toObject();
            ExchangeTry attempt;
            attempt.backend = object.value(QLatin1String("backend")).toString();
            attempt.startUs = object.value(QLatin1String("startUs")).toInteger();
            attempt.connectUs = object.value(QLatin1String("connectUs")).toInteger(-1);
            attempt.reusedConnection = object.value(QLatin1String("reusedConnection")).toBool();
            attempt.firstByteUs = object.value(QLatin1String("firstByteUs")).toInteger(-1);
            attempt.status = object.value(QLatin1String("status")).toInt();
            attempt.error = object.value(QLatin1String("error")).toString().toUtf8();
            record.tries.append(attempt);
        }
        records.append(std::move(record));
    }
    return records;
}

}  // namespace kairos
