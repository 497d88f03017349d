// What a route does besides proxying: CORS, rules for the request's and response's fields, fault
// injection, compression, and the answers a route gives instead of backends (a redirect, a mock,
// static files). CORS, the header rules, faults and compression may be set at the top level too,
// for every route that sets none; a route's "cors": null (and so on) turns the top level's off
// there.
#pragma once

#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>
#include <utility>

namespace kairos {

struct ConfigProblem;

using NamedValues = QList<std::pair<QString, QString>>;  // name, value; in the order written

// CORS (the Fetch standard's protocol) for pages of other origins calling the route.
struct CorsSettings {
    QStringList allowOrigins;                 // "http://localhost:5173", "https://*.example.com" (any subdomain), "*"
    std::optional<QStringList> allowMethods;  // absent: the route's methods (any method when it lists none)
    std::optional<QStringList> allowHeaders;  // absent: the fields a preflight asks for; "*": any
    QStringList exposeHeaders;
    bool allowCredentials = false;
    int maxAgeS = 600;
    bool off = false;  // a route's "cors": null
    QJsonObject unknownKeys;

    bool operator==(const CorsSettings &other) const;
};

// Changes to the fields of the requests a route forwards or of the responses it sends. Values may
// name {client_ip}, {request_id}, {route}, {host} and {path}.
struct HeaderRules {
    NamedValues set;  // replaces every field of that name (adds it when absent)
    NamedValues add;  // one more field of that name
    QStringList remove;
    bool off = false;
    QJsonObject unknownKeys;

    bool operator==(const HeaderRules &other) const;
};

// Envoy's fault filter: a share of a route's requests waits before it is proxied, or is answered
// with an error and never proxied. (Delay and abort are declared outside FaultSettings: clang
// cannot default-construct a nested struct with member initializers inside the enclosing class's
// std::optional.)
struct FaultDelay {
    double percent = 100;
    int ms = 0;
    QJsonObject unknownKeys;
};

struct FaultAbort {
    double percent = 100;
    int status = 503;
    QJsonObject unknownKeys;
};

struct FaultSettings {
    using Delay = FaultDelay;
    using Abort = FaultAbort;
    std::optional<Delay> delay;
    std::optional<Abort> abort;
    // Set: a request carrying this field ("delay=2000", "abort=503", or both, comma-separated)
    // gets that fault whatever the percentages say; the field is not forwarded.
    QString header;
    bool off = false;
    QJsonObject unknownKeys;

    bool operator==(const FaultSettings &other) const;
};

// Instead of backends: a redirect to `to`, whose {path} and {query} are the request's.
struct RedirectSettings {
    QString to;
    int status = 308;
    QJsonObject unknownKeys;
};

// Instead of backends: a fixed answer, so that a route exists before its service does.
struct MockSettings {
    int status = 200;
    NamedValues headers;
    QString body;
    QString bodyFile;  // read when the config is applied; instead of body
    int delayMs = 0;
    QJsonObject unknownKeys;
};

// Instead of backends: files under `root`. The request path, mapped by the route's
// internal_path, names the file ("/{*path}" -> "/{path}").
struct StaticSettings {
    QString root;
    QString index = QStringLiteral("index.html");
    bool spaFallback = false;  // a browser navigating to a path that is not there gets the index
    QJsonObject unknownKeys;
};

// Response compression; an absent key keeps the gateway's default (compressionpolicy.h).
struct CompressionSettings {
    std::optional<QStringList> encodings;  // preference: "zstd", "br", "gzip"
    std::optional<QStringList> types;      // media types; "text/*" allowed
    std::optional<qint64> minBytes;
    std::optional<int> gzipLevel;      // 1..9
    std::optional<int> brotliQuality;  // 0..11
    std::optional<int> zstdLevel;      // 1..19
    bool off = false;
    QJsonObject unknownKeys;
};

// A mock's body_file is read whole into memory.
constexpr qint64 kMaxMockBodyBytes = 16 * 1024 * 1024;

// Readers (type errors at their path), checks of the values, and the JSON they are written as.
CorsSettings readCors(const QJsonObject &object, const QString &path, QList<ConfigProblem> &errors,
                      QList<ConfigProblem> &warnings);
HeaderRules readHeaderRules(const QJsonObject &object, const QString &path, QList<ConfigProblem> &errors,
                            QList<ConfigProblem> &warnings);
FaultSettings readFault(const QJsonObject &object, const QString &path, QList<ConfigProblem> &errors,
                        QList<ConfigProblem> &warnings);
RedirectSettings readRedirect(const QJsonObject &object, const QString &path, QList<ConfigProblem> &errors,
                              QList<ConfigProblem> &warnings);
MockSettings readMock(const QJsonObject &object, const QString &path, QList<ConfigProblem> &errors,
                      QList<ConfigProblem> &warnings);
StaticSettings readStatic(const QJsonObject &object, const QString &path, QList<ConfigProblem> &errors,
                          QList<ConfigProblem> &warnings);
CompressionSettings readCompression(const QJsonObject &object, const QString &path, QList<ConfigProblem> &errors,
                                    QList<ConfigProblem> &warnings);

void checkCors(const CorsSettings &cors, const QString &path, QList<ConfigProblem> &errors);
// response: the rules of response_headers, which may not touch CORS and RateLimit-* fields either.
void checkHeaderRules(const HeaderRules &rules, const QString &path, bool response, QList<ConfigProblem> &errors);
void checkFault(const FaultSettings &fault, const QString &path, QList<ConfigProblem> &errors);
void checkRedirect(const RedirectSettings &redirect, const QString &path, QList<ConfigProblem> &errors);
void checkMock(const MockSettings &mock, const QString &path, QList<ConfigProblem> &errors);
void checkStatic(const StaticSettings &site, const QString &path, QList<ConfigProblem> &errors);
void checkCompression(const CompressionSettings &compression, const QString &path, QList<ConfigProblem> &errors);

QJsonObject corsToJson(const CorsSettings &cors);
QJsonObject headerRulesToJson(const HeaderRules &rules);
QJsonObject faultToJson(const FaultSettings &fault);
QJsonObject redirectToJson(const RedirectSettings &redirect);
QJsonObject mockToJson(const MockSettings &mock);
QJsonObject staticToJson(const StaticSettings &site);
QJsonObject compressionToJson(const CompressionSettings &compression);

// A route's own block (`own`, "off" when it wrote null) or else the top level's; null: none.
template <typename T> const T *ownOrTopLevel(const std::optional<T> &own, const std::optional<T> &topLevel)
{
    if (own)
        return own->off ? nullptr : &*own;
    return topLevel ? &*topLevel : nullptr;
}

}  // namespace kairos
