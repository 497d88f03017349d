// A route's CORS settings compiled for the request path: preflights answered by the gateway, and
// the Access-Control-* fields of actual responses, following the Fetch standard's CORS protocol.
#pragma once

#include "config/requestrules.h"
#include "http/httpmessage.h"

#include <QByteArray>
#include <QList>

namespace kairos {

class CorsPolicy
{
public:
    // routeMethods: allow_methods' default.
    CorsPolicy(const CorsSettings &settings, const QStringList &routeMethods);

    // OPTIONS with Origin and Access-Control-Request-Method: a browser asking before the request.
    static bool isPreflight(const http::RequestHead &head);

    struct PreflightAnswer {
        bool allowed = false;
        QByteArray refusal;  // why not, for the 403 and the log
        http::Headers fields;
    };
    PreflightAnswer answerPreflight(const http::RequestHead &head) const;

    // The fields of an actual response to a request from `origin` (null: a request without
    // Origin): the backend's own Access-Control-* go, the policy's come for an allowed origin,
    // and Vary names Origin.
    void decorate(const QByteArray &origin, http::Headers &response) const;

    bool allowsOrigin(QByteArrayView origin) const;

private:
    // Sets Access-Control-Allow-Origin and -Credentials for an allowed origin.
    void allowOrigin(const QByteArray &origin, http::Headers &fields) const;

    QList<QByteArray> m_origins;         // exact, lower case
    QList<QByteArray> m_originSuffixes;  // "*.example.com" as ".example.com" with its scheme before: "https://"
    QList<QByteArray> m_suffixSchemes;
    bool m_anyOrigin = false;
    bool m_credentials = false;
    QList<QByteArray> m_methods;   // upper case as written
    QByteArray m_methodsText;      // joined for Access-Control-Allow-Methods
    bool m_reflectHeaders = true;  // allow_headers absent: the fields asked for
    bool m_anyHeader = false;      // "*"
    QList<QByteArray> m_headers;   // lower case
    QByteArray m_headersText;
    QByteArray m_exposeText;
    QByteArray m_maxAge;
};

// Adds `token` to the response's Vary unless it names it (or "*") already.
void addVary(http::Headers &response, QByteArrayView token);

}  // namespace kairos
