#include "breakpoints.h"

#include <QMutexLocker>

namespace kairos {

void Breakpoints::setRules(const QList<Rule> &rules)
{
    QMutexLocker lock(&m_mutex);
    m_rules = rules;
    m_active.store(!rules.isEmpty(), std::memory_order_relaxed);
}

QList<Breakpoints::Rule> Breakpoints::rules() const
{
    QMutexLocker lock(&m_mutex);
    return m_rules;
}

bool Breakpoints::matches(bool response, QByteArrayView method, QByteArrayView target) const
{
    if (!active())
        return false;
    QMutexLocker lock(&m_mutex);
    for (const Rule &rule : m_rules) {
        if (!(response ? rule.responses : rule.requests))
            continue;
        if (!rule.method.isEmpty() && rule.method != method)
            continue;
        if (!rule.pathContains.isEmpty() && !QString::fromUtf8(target).contains(rule.pathContains))
            continue;
        return true;
    }
    return false;
}

quint64 Breakpoints::hold(Message message, QObject *context, std::function<void(const Decision &)> resume)
{
    quint64 id = 0;
    {
        QMutexLocker lock(&m_mutex);
        id = m_nextId++;
        message.id = id;
        m_waiting.insert(id, {std::move(message), context, std::move(resume)});
    }
    emit held(id);
    return id;
}

void Breakpoints::withdraw(quint64 id)
{
    bool removed = false;
    {
        QMutexLocker lock(&m_mutex);
        removed = m_waiting.remove(id) > 0;
    }
    if (removed)
        emit released(id);
}

QList<Breakpoints::Message> Breakpoints::waiting() const
{
    QMutexLocker lock(&m_mutex);
    QList<Message> messages;
    for (const Waiting &waiting : m_waiting)
        messages.append(waiting.message);
    std::sort(messages.begin(), messages.end(), [](const Message &a, const Message &b) { return a.id < b.id; });
    return messages;
}

namespace {

bool isToken(QByteArrayView text)
{
    static const QByteArray extra = QByteArrayLiteral("!#$%&'*+-.^_`|~");
    return !text.isEmpty() && std::all_of(text.begin(), text.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || extra.contains(c);
    });
}

bool isFieldValue(QByteArrayView text)
{
    return std::none_of(text.begin(), text.end(), [](char c) { return c == '\r' || c == '\n' || c == '\0'; });
}

}  // namespace

bool Breakpoints::isValidEdit(const Message &message, QString *why)
{
    const auto fail = [why](const QString &reason) {
        if (why)
            *why = reason;
        return false;
    };
    if (message.response) {
        if (message.status < 100 || message.status > 599)
            return fail(QStringLiteral("the status must be between 100 and 599"));
    } else {
        if (!isToken(message.method))
            return fail(QStringLiteral("the method must be a token such as GET"));
        const bool controls = std::any_of(message.target.begin(), message.target.end(),
                                          [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f; });
        if (!message.target.startsWith('/') || controls)
            return fail(QStringLiteral("the target must start with / and hold no spaces or control characters"));
    }
    for (const http::Headers::Field &field : message.headers.fields()) {
        if (!isToken(field.first))
            return fail(QStringLiteral("\"%1\" is not a field name").arg(QString::fromLatin1(field.first)));
        if (!isFieldValue(field.second))
            return fail(QStringLiteral("the value of %1 holds CR, LF or NUL").arg(QString::fromLatin1(field.first)));
    }
    return true;
}

bool Breakpoints::decide(quint64 id, const Decision &decision)
{
    {
        QMutexLocker lock(&m_mutex);
        const auto found = m_waiting.find(id);
        if (found == m_waiting.end())
            return false;
        // Posted while the lock is held: an exchange going away withdraws its message under the
        // same lock first, so the context is alive here, and its destruction drops the call.
        QMetaObject::invokeMethod(
            found->context, [resume = std::move(found->resume), decision] { resume(decision); }, Qt::QueuedConnection);
        m_waiting.erase(found);
    }
    emit released(id);
    return true;
}

}  // namespace kairos
