#include "requestrules.h"

#include "config/configvalidator.h"
#include "config/objectreader.h"

#include <QFileInfo>
#include <QRegularExpression>

namespace kairos {

namespace {

NamedValues readFieldObject(ObjectReader &reader, const QString &key)
{
    NamedValues fields;
    const std::optional<QJsonObject> object = reader.object(key);
    if (!object)
        return fields;
    for (auto it = object->begin(); it != object->end(); ++it) {
        if (!it.value().isString())
            reader.error(key + QLatin1Char('.') + it.key(), QStringLiteral("must be a string"));
        else
            fields.append({it.key(), it.value().toString()});
    }
    return fields;
}

QJsonObject fieldObject(const NamedValues &fields)
{
    QJsonObject object;
    for (const auto &[name, value] : fields)
        object.insert(name, value);
    return object;
}

void add(QList<ConfigProblem> &errors, const QString &path, const QString &message)
{
    errors.append({path, message});
}

void checkPercent(QList<ConfigProblem> &errors, const QString &path, double percent)
{
    if (!(percent >= 0 && percent <= 100))
        add(errors, path, QStringLiteral("must be between 0 and 100 (got %1)").arg(percent));
}

// A field value the gateway sends must not end its line or hold NUL (RFC 9110 section 5.5).
bool isFieldValue(const QString &value)
{
    return std::none_of(value.begin(), value.end(), [](QChar c) { return c == u'\r' || c == u'\n' || c == u'\0'; })
           && std::all_of(value.begin(), value.end(), [](QChar c) { return c.unicode() < 0x100; });
}

// "scheme://host[:port]" as an Origin field names it, the host possibly "*.example.com".
bool isOriginPattern(const QString &origin)
{
    static const QRegularExpression pattern(
        QStringLiteral(R"(^https?://(\*\.)?([A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?$)"));
    return pattern.match(origin).hasMatch();
}

// Fields the gateway manages itself: rules may not set, add or remove them. Hop-by-hop fields
// belong to one connection, framing fields to the gateway's own framing, and the rest say who the
// client is or which request this is (X-Forwarded-*, X-Request-Id), or are managed by other
// settings (cors, rate_limit).
bool isProtectedField(const QString &name, bool response)
{
    static const QStringList both{QStringLiteral("connection"),       QStringLiteral("keep-alive"),
                                  QStringLiteral("proxy-connection"), QStringLiteral("te"),
                                  QStringLiteral("trailer"),          QStringLiteral("transfer-encoding"),
                                  QStringLiteral("upgrade"),          QStringLiteral("content-length"),
                                  QStringLiteral("x-request-id"),     QStringLiteral("host"),
                                  QStringLiteral("forwarded"),        QStringLiteral("x-forwarded-for"),
                                  QStringLiteral("x-forwarded-host"), QStringLiteral("x-forwarded-proto"),
                                  QStringLiteral("x-real-ip"),        QStringLiteral("content-encoding")};
    const QString lower = name.toLower();
    if (both.contains(lower))
        return true;
    return response
           && (lower.startsWith(QLatin1String("access-control-")) || lower.startsWith(QLatin1String("ratelimit")));
}

const QStringList kVariables{QStringLiteral("client_ip"), QStringLiteral("request_id"), QStringLiteral("route"),
                             QStringLiteral("host"), QStringLiteral("path")};

void checkTemplate(QList<ConfigProblem> &errors, const QString &path, const QString &value,
                   const QStringList &variables)
{
    static const QRegularExpression placeholder(QStringLiteral(R"(\{([^{}]*)\})"));
    for (auto it = placeholder.globalMatch(value); it.hasNext();) {
        const QString name = it.next().captured(1);
        if (!variables.contains(name))
            add(errors, path,
                QStringLiteral("names {%1}, which is not one of {%2}")
                    .arg(name, variables.join(QLatin1String("}, {"))));
    }
}

void checkTokens(QList<ConfigProblem> &errors, const QString &path, const QStringList &names, bool starAllowed)
{
    for (int i = 0; i < names.size(); ++i) {
        if (names[i] == QLatin1String("*")) {
            // The Fetch standard reads "*" as a name, not a wildcard, on credentialed requests.
            if (!starAllowed)
                add(errors, path + QStringLiteral("[%1]").arg(i),
                    QStringLiteral("\"*\" means any field only without allow_credentials; list the fields"));
            continue;
        }
        if (!isHttpMethodToken(names[i]))  // a field name is a token too
            add(errors, path + QStringLiteral("[%1]").arg(i),
                QStringLiteral("\"%1\" is not a valid field name").arg(names[i]));
    }
}

}  // namespace

bool CorsSettings::operator==(const CorsSettings &other) const
{
    return allowOrigins == other.allowOrigins && allowMethods == other.allowMethods
           && allowHeaders == other.allowHeaders && exposeHeaders == other.exposeHeaders
           && allowCredentials == other.allowCredentials && maxAgeS == other.maxAgeS && off == other.off
           && unknownKeys == other.unknownKeys;
}

bool HeaderRules::operator==(const HeaderRules &other) const
{
    return set == other.set && add == other.add && remove == other.remove && off == other.off
           && unknownKeys == other.unknownKeys;
}

bool FaultSettings::operator==(const FaultSettings &other) const
{
    const auto sameDelay = [](const Delay &a, const Delay &b) {
        return a.percent == b.percent && a.ms == b.ms && a.unknownKeys == b.unknownKeys;
    };
    const auto sameAbort = [](const Abort &a, const Abort &b) {
        return a.percent == b.percent && a.status == b.status && a.unknownKeys == b.unknownKeys;
    };
    return bool(delay) == bool(other.delay) && (!delay || sameDelay(*delay, *other.delay))
           && bool(abort) == bool(other.abort) && (!abort || sameAbort(*abort, *other.abort)) && header == other.header
           && off == other.off && unknownKeys == other.unknownKeys;
}

CorsSettings readCors(const QJsonObject &object, const QString &path, QList<ConfigProblem> &errors,
                      QList<ConfigProblem> &warnings)
{
    ObjectReader reader(object, path, errors, warnings);
    CorsSettings cors;
    cors.allowOrigins = reader.stringList(QStringLiteral("allow_origins"));
    if (reader.has(QStringLiteral("allow_methods")))
        cors.allowMethods = reader.stringList(QStringLiteral("allow_methods"));
    if (reader.has(QStringLiteral("allow_headers")))
        cors.allowHeaders = reader.stringList(QStringLiteral("allow_headers"));
    cors.exposeHeaders = reader.stringList(QStringLiteral("expose_headers"));
    cors.allowCredentials = reader.boolean(QStringLiteral("allow_credentials"), false);
    cors.maxAgeS = reader.integer(QStringLiteral("max_age_s"), cors.maxAgeS);
    cors.unknownKeys = reader.unknownKeys();
    return cors;
}

HeaderRules readHeaderRules(const QJsonObject &object, const QString &path, QList<ConfigProblem> &errors,
                            QList<ConfigProblem> &warnings)
{
    ObjectReader reader(object, path, errors, warnings);
    HeaderRules rules;
    rules.set = readFieldObject(reader, QStringLiteral("set"));
    rules.add = readFieldObject(reader, QStringLiteral("add"));
    rules.remove = reader.stringList(QStringLiteral("remove"));
    rules.unknownKeys = reader.unknownKeys();
    return rules;
}

FaultSettings readFault(const QJsonObject &object, const QString &path, QList<ConfigProblem> &errors,
                        QList<ConfigProblem> &warnings)
{
    ObjectReader reader(object, path, errors, warnings);
    FaultSettings fault;
    if (std::optional<QJsonObject> delay = reader.object(QStringLiteral("delay"))) {
        ObjectReader delayReader(*delay, reader.childPath(QStringLiteral("delay")), errors, warnings);
        FaultSettings::Delay &settings = fault.delay.emplace();
        settings.percent = delayReader.number(QStringLiteral("percent"), settings.percent);
        settings.ms = delayReader.integer(QStringLiteral("ms"), settings.ms);
        settings.unknownKeys = delayReader.unknownKeys();
    }
    if (std::optional<QJsonObject> abort = reader.object(QStringLiteral("abort"))) {
        ObjectReader abortReader(*abort, reader.childPath(QStringLiteral("abort")), errors, warnings);
        FaultSettings::Abort &settings = fault.abort.emplace();
        settings.percent = abortReader.number(QStringLiteral("percent"), settings.percent);
        settings.status = abortReader.integer(QStringLiteral("status"), settings.status);
        settings.unknownKeys = abortReader.unknownKeys();
    }
    fault.header = reader.string(QStringLiteral("header"));
    fault.unknownKeys = reader.unknownKeys();
    return fault;
}

RedirectSettings readRedirect(const QJsonObject &object, const QString &path, QList<ConfigProblem> &errors,
                              QList<ConfigProblem> &warnings)
{
    ObjectReader reader(object, path, errors, warnings);
    RedirectSettings redirect;
    redirect.to = reader.string(QStringLiteral("to"));
    redirect.status = reader.integer(QStringLiteral("status"), redirect.status);
    redirect.unknownKeys = reader.unknownKeys();
    return redirect;
}

MockSettings readMock(const QJsonObject &object, const QString &path, QList<ConfigProblem> &errors,
                      QList<ConfigProblem> &warnings)
{
    ObjectReader reader(object, path, errors, warnings);
    MockSettings mock;
    mock.status = reader.integer(QStringLiteral("status"), mock.status);
    mock.headers = readFieldObject(reader, QStringLiteral("headers"));
    mock.body = reader.string(QStringLiteral("body"));
    mock.bodyFile = reader.string(QStringLiteral("body_file"));
    mock.delayMs = reader.integer(QStringLiteral("delay_ms"), 0);
    mock.unknownKeys = reader.unknownKeys();
    return mock;
}

StaticSettings readStatic(const QJsonObject &object, const QString &path, QList<ConfigProblem> &errors,
                          QList<ConfigProblem> &warnings)
{
    ObjectReader reader(object, path, errors, warnings);
    StaticSettings site;
    site.root = reader.string(QStringLiteral("root"));
    site.index = reader.string(QStringLiteral("index"), site.index);
    site.spaFallback = reader.boolean(QStringLiteral("spa_fallback"), false);
    site.unknownKeys = reader.unknownKeys();
    return site;
}

CompressionSettings readCompression(const QJsonObject &object, const QString &path, QList<ConfigProblem> &errors,
                                    QList<ConfigProblem> &warnings)
{
    ObjectReader reader(object, path, errors, warnings);
    CompressionSettings compression;
    if (reader.has(QStringLiteral("encodings")))
        compression.encodings = reader.stringList(QStringLiteral("encodings"));
    if (reader.has(QStringLiteral("types")))
        compression.types = reader.stringList(QStringLiteral("types"));
    if (reader.has(QStringLiteral("min_bytes")))
        compression.minBytes = reader.integer64(QStringLiteral("min_bytes"), 0);
    if (reader.has(QStringLiteral("gzip_level")))
        compression.gzipLevel = reader.integer(QStringLiteral("gzip_level"), 0);
    if (reader.has(QStringLiteral("brotli_quality")))
        compression.brotliQuality = reader.integer(QStringLiteral("brotli_quality"), 0);
    if (reader.has(QStringLiteral("zstd_level")))
        compression.zstdLevel = reader.integer(QStringLiteral("zstd_level"), 0);
    compression.unknownKeys = reader.unknownKeys();
    return compression;
}

void checkCors(const CorsSettings &cors, const QString &path, QList<ConfigProblem> &errors)
{
    const QString origins = path + QLatin1String(".allow_origins");
    if (cors.allowOrigins.isEmpty())
        add(errors, origins, QStringLiteral("must list at least one origin; \"cors\": null turns CORS off"));
    for (int i = 0; i < cors.allowOrigins.size(); ++i) {
        const QString &origin = cors.allowOrigins[i];
        const QString itemPath = origins + QStringLiteral("[%1]").arg(i);
        if (origin == QLatin1String("*")) {
            // The Fetch standard refuses "Access-Control-Allow-Origin: *" on a credentialed request.
            if (cors.allowCredentials)
                add(errors, itemPath,
                    QStringLiteral("\"*\" cannot go with allow_credentials: browsers refuse a wildcard origin on "
                                   "credentialed requests; list the origins"));
        } else if (origin == QLatin1String("null")) {
            add(errors, itemPath,
                QStringLiteral("\"null\" is the origin of sandboxed frames and file: pages, which any page can "
                               "take on; list real origins"));
        } else if (!isOriginPattern(origin)) {
            add(errors, itemPath,
                QStringLiteral("\"%1\" is not an origin: scheme://host[:port], no path, such as "
                               "http://localhost:5173 or https://*.example.com")
                    .arg(origin));
        }
    }
    if (cors.allowMethods) {
        for (int i = 0; i < cors.allowMethods->size(); ++i) {
            if (!isHttpMethodToken(cors.allowMethods->at(i)))
                add(errors, path + QStringLiteral(".allow_methods[%1]").arg(i),
                    QStringLiteral("\"%1\" is not a valid HTTP method").arg(cors.allowMethods->at(i)));
        }
    }
    if (cors.allowHeaders)
        checkTokens(errors, path + QLatin1String(".allow_headers"), *cors.allowHeaders, true);
    checkTokens(errors, path + QLatin1String(".expose_headers"), cors.exposeHeaders, !cors.allowCredentials);
    if (cors.maxAgeS < 0 || cors.maxAgeS > 86'400)
        add(errors, path + QLatin1String(".max_age_s"),
            QStringLiteral("must be between 0 and 86400 (got %1)").arg(cors.maxAgeS));
}

void checkHeaderRules(const HeaderRules &rules, const QString &path, bool response, QList<ConfigProblem> &errors)
{
    const auto checkName = [&](const QString &itemPath, const QString &name) {
        if (!isHttpMethodToken(name))
            add(errors, itemPath, QStringLiteral("\"%1\" is not a valid field name").arg(name));
        else if (isProtectedField(name, response))
            add(errors, itemPath,
                QStringLiteral("%1 is managed by the gateway and cannot be changed by a rule").arg(name));
    };
    for (const auto &[key, fields] : {std::pair{"set", &rules.set}, std::pair{"add", &rules.add}}) {
        for (const auto &[name, value] : *fields) {
            const QString itemPath = path + QLatin1Char('.') + QLatin1String(key) + QLatin1Char('.') + name;
            checkName(itemPath, name);
            if (!isFieldValue(value))
                add(errors, itemPath, QStringLiteral("must be Latin-1 text without CR, LF or NUL"));
            checkTemplate(errors, itemPath, value, kVariables);
        }
    }
    for (int i = 0; i < rules.remove.size(); ++i)
        checkName(path + QStringLiteral(".remove[%1]").arg(i), rules.remove[i]);
}

void checkFault(const FaultSettings &fault, const QString &path, QList<ConfigProblem> &errors)
{
    if (fault.delay) {
        checkPercent(errors, path + QLatin1String(".delay.percent"), fault.delay->percent);
        if (fault.delay->ms < 1 || fault.delay->ms > 600'000)
            add(errors, path + QLatin1String(".delay.ms"),
                QStringLiteral("must be between 1 and 600000 (got %1)").arg(fault.delay->ms));
    }
    if (fault.abort) {
        checkPercent(errors, path + QLatin1String(".abort.percent"), fault.abort->percent);
        if (fault.abort->status < 400 || fault.abort->status > 599)
            add(errors, path + QLatin1String(".abort.status"),
                QStringLiteral("must be between 400 and 599 (got %1)").arg(fault.abort->status));
    }
    if (!fault.delay && !fault.abort && fault.header.isEmpty())
        add(errors, path, QStringLiteral("sets neither delay, abort nor header; \"fault\": null turns faults off"));
    if (!fault.header.isEmpty() && (!isHttpMethodToken(fault.header) || isProtectedField(fault.header, false)))
        add(errors, path + QLatin1String(".header"),
            QStringLiteral("\"%1\" cannot name the fault field").arg(fault.header));
}

void checkRedirect(const RedirectSettings &redirect, const QString &path, QList<ConfigProblem> &errors)
{
    static const QList<int> statuses{301, 302, 303, 307, 308};
    if (!statuses.contains(redirect.status))
        add(errors, path + QLatin1String(".status"),
            QStringLiteral("must be 301, 302, 303, 307 or 308 (got %1)").arg(redirect.status));
    if (redirect.to.isEmpty())
        add(errors, path + QLatin1String(".to"), QStringLiteral("must name where to redirect"));
    else if (!isFieldValue(redirect.to) || redirect.to.contains(QLatin1Char(' ')))
        add(errors, path + QLatin1String(".to"), QStringLiteral("must be a URL without spaces, CR, LF or NUL"));
    checkTemplate(errors, path + QLatin1String(".to"), redirect.to, {QStringLiteral("path"), QStringLiteral("query")});
}

void checkMock(const MockSettings &mock, const QString &path, QList<ConfigProblem> &errors)
{
    if (mock.status < 200 || mock.status > 599)
        add(errors, path + QLatin1String(".status"),
            QStringLiteral("must be between 200 and 599 (got %1)").arg(mock.status));
    for (const auto &[name, value] : mock.headers) {
        const QString itemPath = path + QLatin1String(".headers.") + name;
        if (!isHttpMethodToken(name))
            add(errors, itemPath, QStringLiteral("\"%1\" is not a valid field name").arg(name));
        else if (isProtectedField(name, false))
            add(errors, itemPath, QStringLiteral("%1 is managed by the gateway").arg(name));
        if (!isFieldValue(value))
            add(errors, itemPath, QStringLiteral("must be Latin-1 text without CR, LF or NUL"));
    }
    if (!mock.body.isEmpty() && !mock.bodyFile.isEmpty())
        add(errors, path + QLatin1String(".body_file"), QStringLiteral("body and body_file cannot go together"));
    if (!mock.bodyFile.isEmpty()) {
        const QFileInfo file(mock.bodyFile);
        if (!file.isFile() || !file.isReadable())
            add(errors, path + QLatin1String(".body_file"), QStringLiteral("cannot read \"%1\"").arg(mock.bodyFile));
        else if (file.size() > kMaxMockBodyBytes)
            add(errors, path + QLatin1String(".body_file"),
                QStringLiteral("is larger than %1 bytes (got %2)").arg(kMaxMockBodyBytes).arg(file.size()));
    }
    if (mock.delayMs < 0 || mock.delayMs > 600'000)
        add(errors, path + QLatin1String(".delay_ms"),
            QStringLiteral("must be between 0 and 600000 (got %1)").arg(mock.delayMs));
}

void checkStatic(const StaticSettings &site, const QString &path, QList<ConfigProblem> &errors)
{
    const QFileInfo root(site.root);
    if (site.root.isEmpty())
        add(errors, path + QLatin1String(".root"), QStringLiteral("must name the directory to serve"));
    else if (!root.isDir() || !root.isReadable())
        add(errors, path + QLatin1String(".root"), QStringLiteral("\"%1\" is not a readable directory").arg(site.root));
    if (site.index.isEmpty() || site.index.contains(QLatin1Char('/')) || site.index.startsWith(QLatin1Char('.')))
        add(errors, path + QLatin1String(".index"),
            QStringLiteral("must be a file name in the directory, such as index.html (got \"%1\")").arg(site.index));
}

void checkCompression(const CompressionSettings &compression, const QString &path, QList<ConfigProblem> &errors)
{
    static const QStringList codings{QStringLiteral("zstd"), QStringLiteral("br"), QStringLiteral("gzip")};
    if (compression.encodings) {
        if (compression.encodings->isEmpty())
            add(errors, path + QLatin1String(".encodings"),
                QStringLiteral("must list at least one of zstd, br, gzip; \"compression\": null turns it off"));
        for (int i = 0; i < compression.encodings->size(); ++i) {
            if (!codings.contains(compression.encodings->at(i)))
                add(errors, path + QStringLiteral(".encodings[%1]").arg(i),
                    QStringLiteral("\"%1\" is not zstd, br or gzip").arg(compression.encodings->at(i)));
        }
    }
    if (compression.types) {
        static const QRegularExpression mediaType(QStringLiteral(R"(^[a-z0-9!#$&^_.+-]+/([a-z0-9!#$&^_.+-]+|\*)$)"));
        for (int i = 0; i < compression.types->size(); ++i) {
            if (!mediaType.match(compression.types->at(i)).hasMatch())
                add(errors, path + QStringLiteral(".types[%1]").arg(i),
                    QStringLiteral("\"%1\" is not a lower-case media type such as application/json or text/*")
                        .arg(compression.types->at(i)));
        }
    }
    const auto range = [&](const char *key, std::optional<qint64> value, qint64 min, qint64 max) {
        if (value && (*value < min || *value > max))
            add(errors, path + QLatin1Char('.') + QLatin1String(key),
                QStringLiteral("must be between %1 and %2 (got %3)").arg(min).arg(max).arg(*value));
    };
    range("min_bytes", compression.minBytes, 0, Q_INT64_C(1) << 40);
    range("gzip_level", compression.gzipLevel, 1, 9);
    range("brotli_quality", compression.brotliQuality, 0, 11);
    range("zstd_level", compression.zstdLevel, 1, 19);
}

QJsonObject corsToJson(const CorsSettings &cors)
{
    QJsonObject object = cors.unknownKeys;
    object.insert(QLatin1String("allow_origins"), QJsonArray::fromStringList(cors.allowOrigins));
    if (cors.allowMethods)
        object.insert(QLatin1String("allow_methods"), QJsonArray::fromStringList(*cors.allowMethods));
    if (cors.allowHeaders)
        object.insert(QLatin1String("allow_headers"), QJsonArray::fromStringList(*cors.allowHeaders));
    if (!cors.exposeHeaders.isEmpty())
        object.insert(QLatin1String("expose_headers"), QJsonArray::fromStringList(cors.exposeHeaders));
    if (cors.allowCredentials)
        object.insert(QLatin1String("allow_credentials"), true);
    object.insert(QLatin1String("max_age_s"), cors.maxAgeS);
    return object;
}

QJsonObject headerRulesToJson(const HeaderRules &rules)
{
    QJsonObject object = rules.unknownKeys;
    if (!rules.set.isEmpty())
        object.insert(QLatin1String("set"), fieldObject(rules.set));
    if (!rules.add.isEmpty())
        object.insert(QLatin1String("add"), fieldObject(rules.add));
    if (!rules.remove.isEmpty())
        object.insert(QLatin1String("remove"), QJsonArray::fromStringList(rules.remove));
    return object;
}

QJsonObject faultToJson(const FaultSettings &fault)
{
    QJsonObject object = fault.unknownKeys;
    if (fault.delay) {
        QJsonObject delay = fault.delay->unknownKeys;
        delay.insert(QLatin1String("percent"), fault.delay->percent);
        delay.insert(QLatin1String("ms"), fault.delay->ms);
        object.insert(QLatin1String("delay"), delay);
    }
    if (fault.abort) {
        QJsonObject abort = fault.abort->unknownKeys;
        abort.insert(QLatin1String("percent"), fault.abort->percent);
        abort.insert(QLatin1String("status"), fault.abort->status);
        object.insert(QLatin1String("abort"), abort);
    }
    if (!fault.header.isEmpty())
        object.insert(QLatin1String("header"), fault.header);
    return object;
}

QJsonObject redirectToJson(const RedirectSettings &redirect)
{
    QJsonObject object = redirect.unknownKeys;
    object.insert(QLatin1String("to"), redirect.to);
    object.insert(QLatin1String("status"), redirect.status);
    return object;
}

QJsonObject mockToJson(const MockSettings &mock)
{
    QJsonObject object = mock.unknownKeys;
    object.insert(QLatin1String("status"), mock.status);
    if (!mock.headers.isEmpty())
        object.insert(QLatin1String("headers"), fieldObject(mock.headers));
    if (!mock.bodyFile.isEmpty())
        object.insert(QLatin1String("body_file"), mock.bodyFile);
    else
        object.insert(QLatin1String("body"), mock.body);
    if (mock.delayMs)
        object.insert(QLatin1String("delay_ms"), mock.delayMs);
    return object;
}

QJsonObject staticToJson(const StaticSettings &site)
{
    QJsonObject object = site.unknownKeys;
    object.insert(QLatin1String("root"), site.root);
    if (site.index != StaticSettings().index)
        object.insert(QLatin1String("index"), site.index);
    if (site.spaFallback)
        object.insert(QLatin1String("spa_fallback"), true);
    return object;
}

QJsonObject compressionToJson(const CompressionSettings &compression)
{
    QJsonObject object = compression.unknownKeys;
    if (compression.encodings)
        object.insert(QLatin1String("encodings"), QJsonArray::fromStringList(*compression.encodings));
    if (compression.types)
        object.insert(QLatin1String("types"), QJsonArray::fromStringList(*compression.types));
    if (compression.minBytes)
        object.insert(QLatin1String("min_bytes"), double(*compression.minBytes));
    if (compression.gzipLevel)
        object.insert(QLatin1String("gzip_level"), *compression.gzipLevel);
    if (compression.brotliQuality)
        object.insert(QLatin1String("brotli_quality"), *compression.brotliQuality);
    if (compression.zstdLevel)
        object.insert(QLatin1String("zstd_level"), *compression.zstdLevel);
    return object;
}

}  // namespace kairos
