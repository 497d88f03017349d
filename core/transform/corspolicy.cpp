#include "corspolicy.h"

namespace kairos {

namespace {

bool isHostCharacter(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

QList<QByteArray> lowerList(const QStringList &names)
{
    QList<QByteArray> lower;
    for (const QString &name : names)
        lower.append(name.toLatin1().toLower());
    return lower;
}

// The Fetch standard's CORS-safelisted methods: a preflight never needs to allow them.
bool isSafelistedMethod(QByteArrayView method)
{
    return method == "GET" || method == "HEAD" || method == "POST";
}

}  // namespace

void addVary(http::Headers &response, QByteArrayView token)
{
    for (const http::Headers::Field &field : response.fields()) {
        if (!http::equalsIgnoreCase(field.first, "vary"))
            continue;
        // Comma-separated names, compared in place: this runs on every response of the route.
        const QByteArrayView value(field.second);
        qsizetype start = 0;
        while (start <= value.size()) {
            qsizetype end = value.indexOf(',', start);
            if (end < 0)
                end = value.size();
            const QByteArrayView named = value.sliced(start, end - start).trimmed();
            if (named == "*" || http::equalsIgnoreCase(named, token))
                return;
            start = end + 1;
        }
    }
    response.add(QByteArrayLiteral("Vary"), token.toByteArray());
}

CorsPolicy::CorsPolicy(const CorsSettings &settings, const QStringList &routeMethods)
    : m_credentials(settings.allowCredentials),
      m_reflectHeaders(!settings.allowHeaders),
      m_exposeText(settings.exposeHeaders.join(QLatin1String(", ")).toLatin1()),
      m_maxAge(QByteArray::number(settings.maxAgeS))
{
    for (const QString &origin : settings.allowOrigins) {
        const QByteArray lower = origin.toLatin1().toLower();
        const qsizetype star = lower.indexOf("://*.");
        if (lower == "*") {
            m_anyOrigin = true;
        } else if (star > 0) {
            m_suffixSchemes.append(lower.left(star + 3));
            m_originSuffixes.append(lower.mid(star + 4));
        } else {
            m_origins.append(lower);
        }
    }
    const QStringList methods = settings.allowMethods.value_or(routeMethods);
    for (const QString &method : methods)
        m_methods.append(method.toLatin1());
    m_methodsText = methods.join(QLatin1String(", ")).toLatin1();
    if (settings.allowHeaders) {
        m_anyHeader = settings.allowHeaders->contains(QLatin1String("*"));
        m_headers = lowerList(*settings.allowHeaders);
        m_headersText = settings.allowHeaders->join(QLatin1String(", ")).toLatin1();
    }
}

bool CorsPolicy::isPreflight(const http::RequestHead &head)
{
    return head.method == "OPTIONS" && head.headers.contains("origin")
           && head.headers.contains("access-control-request-method");
}

bool CorsPolicy::allowsOrigin(QByteArrayView origin) const
{
    if (origin.isEmpty())
        return false;
    if (m_anyOrigin)
        return true;
    for (const QByteArray &allowed : m_origins) {
        if (http::equalsIgnoreCase(allowed, origin))
            return true;
    }
    for (qsizetype i = 0; i < m_originSuffixes.size(); ++i) {
        const QByteArray &scheme = m_suffixSchemes[i];
        const QByteArray &suffix = m_originSuffixes[i];  // ".example.com", with the port if one was written
        if (origin.size() <= scheme.size() + suffix.size()
            || !http::equalsIgnoreCase(origin.first(scheme.size()), scheme)
            || !http::equalsIgnoreCase(origin.last(suffix.size()), suffix))
            continue;
        // What the star stands for: one or more labels, nothing that would end the host.
        const QByteArrayView labels = origin.sliced(scheme.size(), origin.size() - scheme.size() - suffix.size());
        const auto isHost = [](char c) { return isHostCharacter(char(c >= 'A' && c <= 'Z' ? c + 32 : c)); };
        if (std::all_of(labels.begin(), labels.end(), isHost) && !labels.startsWith('.'))
            return true;
    }
    return false;
}

void CorsPolicy::allowOrigin(const QByteArray &origin, http::Headers &fields) const
{
    // "*" only where it means the same to every origin: a credentialed answer names its origin.
    fields.set(QByteArrayLiteral("Access-Control-Allow-Origin"),
               m_anyOrigin && !m_credentials ? QByteArrayLiteral("*") : origin);
    if (m_credentials)
        fields.set(QByteArrayLiteral("Access-Control-Allow-Credentials"), QByteArrayLiteral("true"));
}

CorsPolicy::PreflightAnswer CorsPolicy::answerPreflight(const http::RequestHead &head) const
{
    PreflightAnswer answer;
    const QByteArray origin = head.headers.value("origin");
    const QByteArray method = head.headers.value("access-control-request-method").trimmed();
    addVary(answer.fields, "Origin");
    addVary(answer.fields, "Access-Control-Request-Method");
    addVary(answer.fields, "Access-Control-Request-Headers");
    if (!allowsOrigin(origin)) {
        answer.refusal = "origin " + http::quotedString(origin) + " is not allowed by the route's cors";
        return answer;
    }
    const bool methodAllowed =
        isSafelistedMethod(method) || std::any_of(m_methods.cbegin(), m_methods.cend(), [&](const QByteArray &allowed) {
            return http::equalsIgnoreCase(allowed, method);
        });
    if (!methodAllowed) {
        answer.refusal = "method " + http::quotedString(method) + " is not allowed by the route's cors";
        return answer;
    }
    const QByteArray requested = head.headers.combinedValue("access-control-request-headers").trimmed();
    if (!m_reflectHeaders && !m_anyHeader) {
        for (const QByteArray &name : requested.split(',')) {
            const QByteArray lower = name.trimmed().toLower();
            if (!lower.isEmpty() && !m_headers.contains(lower)) {
                answer.refusal = "header " + http::quotedString(lower) + " is not allowed by the route's cors";
                return answer;
            }
        }
    }
    answer.allowed = true;
    allowOrigin(origin, answer.fields);
    answer.fields.add(QByteArrayLiteral("Access-Control-Allow-Methods"), m_methodsText);
    // Listed names, or the ones asked for: "*" is a wildcard only on uncredentialed requests.
    const QByteArray allowHeaders = m_anyHeader && !m_credentials     ? QByteArrayLiteral("*")
                                    : m_reflectHeaders || m_anyHeader ? requested
                                                                      : m_headersText;
    if (!allowHeaders.isEmpty())
        answer.fields.add(QByteArrayLiteral("Access-Control-Allow-Headers"), allowHeaders);
    answer.fields.add(QByteArrayLiteral("Access-Control-Max-Age"), m_maxAge);
    return answer;
}

void CorsPolicy::decorate(const QByteArray &origin, http::Headers &response) const
{
    // The gateway's policy is the one the browser reads: a backend's own fields beside it would
    // make two Access-Control-Allow-Origin, which browsers refuse.
    response.fields().removeIf([](const http::Headers::Field &field) {
        return field.first.size() > 15 && http::equalsIgnoreCase(field.first.first(15), "access-control-");
    });
    if (!(m_anyOrigin && !m_credentials))
        addVary(response, "Origin");
    if (!allowsOrigin(origin))
        return;
    allowOrigin(origin, response);
    if (!m_exposeText.isEmpty())
        response.add(QByteArrayLiteral("Access-Control-Expose-Headers"), m_exposeText);
}

}  // namespace kairos
