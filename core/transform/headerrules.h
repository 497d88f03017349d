// request_headers / response_headers compiled for the request path: each value split once into
// text and the variables it names, filled in per request.
#pragma once

#include "config/requestrules.h"
#include "http/httpmessage.h"

#include <QByteArray>
#include <QList>

namespace kairos {

// What a rule's {variables} stand for in one request.
struct RuleVariables {
    QByteArrayView clientIp;
    QByteArrayView requestId;
    QByteArrayView route;  // the route's external_path
    QByteArrayView host;   // the request's Host (or :authority)
    QByteArrayView path;   // the request's path, without the query
};

class CompiledHeaderRules
{
public:
    explicit CompiledHeaderRules(const HeaderRules &rules);

    // Removes, then sets, then adds, in the order written.
    void apply(http::Headers &headers, const RuleVariables &variables) const;

private:
    enum class Variable : quint8 { None, ClientIp, RequestId, Route, Host, Path };
    struct Piece {
        QByteArray text;
        Variable variable = Variable::None;
    };
    struct Rule {
        QByteArray name;
        QList<Piece> value;
    };
    static QList<Piece> compile(const QString &value);
    static QByteArray expand(const QList<Piece> &value, const RuleVariables &variables);

    QList<QByteArray> m_remove;
    QList<Rule> m_set;
    QList<Rule> m_add;
};

}  // namespace kairos
