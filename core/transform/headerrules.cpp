#include "headerrules.h"

namespace kairos {

namespace {

// Request values end up in a field the gateway writes: whatever could end its line goes.
QByteArray fieldSafe(QByteArrayView text)
{
    QByteArray safe = text.toByteArray();
    for (char &c : safe) {
        if (c == '\r' || c == '\n' || c == '\0')
            c = ' ';
    }
    return safe;
}

}  // namespace

CompiledHeaderRules::CompiledHeaderRules(const HeaderRules &rules)
{
    for (const QString &name : rules.remove)
        m_remove.append(name.toLatin1());
    for (const auto &[name, value] : rules.set)
        m_set.append({name.toLatin1(), compile(value)});
    for (const auto &[name, value] : rules.add)
        m_add.append({name.toLatin1(), compile(value)});
}

QList<CompiledHeaderRules::Piece> CompiledHeaderRules::compile(const QString &value)
{
    static const std::pair<const char *, Variable> kNames[] = {
        {"{client_ip}", Variable::ClientIp}, {"{request_id}", Variable::RequestId},
        {"{route}", Variable::Route},        {"{host}", Variable::Host},
        {"{path}", Variable::Path},
    };
    const QByteArray text = value.toLatin1();
    QList<Piece> pieces;
    qsizetype start = 0;
    for (qsizetype i = 0; i < text.size(); ++i) {
        if (text[i] != '{')
            continue;
        for (const auto &[name, variable] : kNames) {
            if (QByteArrayView(text).sliced(i).startsWith(name)) {
                if (i > start)
                    pieces.append({text.mid(start, i - start)});
                pieces.append({{}, variable});
                start = i + qsizetype(qstrlen(name));
                i = start - 1;
                break;
            }
        }
    }
    if (start < text.size() || pieces.isEmpty())
        pieces.append({text.mid(start)});
    return pieces;
}

QByteArray CompiledHeaderRules::expand(const QList<Piece> &value, const RuleVariables &variables)
{
    if (value.size() == 1 && value.first().variable == Variable::None)
        return value.first().text;
    QByteArray out;
    for (const Piece &piece : value) {
        switch (piece.variable) {
        case Variable::None: out += piece.text; break;
        case Variable::ClientIp: out += variables.clientIp; break;
        case Variable::RequestId: out += variables.requestId; break;
        case Variable::Route: out += variables.route; break;
        case Variable::Host: out += variables.host; break;
        case Variable::Path: out += variables.path; break;
        }
    }
    return fieldSafe(out);
}

void CompiledHeaderRules::apply(http::Headers &headers, const RuleVariables &variables) const
{
    for (const QByteArray &name : m_remove)
        headers.remove(name);
    for (const Rule &rule : m_set)
        headers.set(rule.name, expand(rule.value, variables));
    for (const Rule &rule : m_add)
        headers.add(rule.name, expand(rule.value, variables));
}

}  // namespace kairos
