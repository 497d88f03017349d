// Breakpoints of the console's traffic inspector: a request that matches a rule waits before it
// goes to a backend, a response before it goes to the client, until the person at the console
// lets it continue (as it was, or edited) or answers it with an error. Made only while the
// console runs: headless the proxy holds a null pointer and checks nothing else.
#pragma once

#include "http/httpmessage.h"

#include <QHash>
#include <QList>
#include <QMutex>
#include <QObject>

#include <atomic>
#include <functional>

namespace kairos {

class Breakpoints : public QObject
{
    Q_OBJECT

public:
    struct Rule {
        bool requests = true;
        bool responses = false;
        QByteArray method;     // empty: any
        QString pathContains;  // empty: any; case-sensitive, over the request target
    };

    // What waits: a request (method, upstream target, fields, body) or a response (status,
    // fields, body), with the request it belongs to.
    struct Message {
        quint64 id = 0;
        bool response = false;
        QByteArray method;
        QByteArray target;  // a request's: what the backend will be asked for
        int status = 0;     // a response's
        http::Headers headers;
        QByteArray body;
        bool bodyComplete = true;  // false: more than the gateway holds; the body cannot be edited
        QString route;
        QByteArray requestId;
    };

    enum class Action { Continue, ContinueEdited, Answer };
    struct Decision {
        Action action = Action::Continue;
        Message edited;        // ContinueEdited: method, target, status, headers, body
        int answerStatus = 0;  // Answer: the error status the client gets
    };

    // A held body is at most this large; beyond it the message goes on unheld (a response) or
    // waits with what arrived so far, not editable (a request).
    static constexpr qint64 kMaxHeldBodyBytes = 256 * 1024;

    void setRules(const QList<Rule> &rules);
    QList<Rule> rules() const;
    // How long a message waits for a decision; then it goes on as it was.
    void setTimeoutMs(int timeoutMs) { m_timeoutMs.store(timeoutMs, std::memory_order_relaxed); }
    int timeoutMs() const { return m_timeoutMs.load(std::memory_order_relaxed); }

    // Any rule at all: one load on the request path.
    bool active() const { return m_active.load(std::memory_order_relaxed); }
    bool matches(bool response, QByteArrayView method, QByteArrayView target) const;

    // The worker's side. `resume` runs on `context`'s thread with the decision, unless `context`
    // is gone by then; hold() returns the message's id.
    quint64 hold(Message message, QObject *context, std::function<void(const Decision &)> resume);
    // The message no longer waits (its exchange ended, or its time ran out).
    void withdraw(quint64 id);

    // The console's side.
    QList<Message> waiting() const;
    // Whether an edit makes a message the gateway can send: a method token, an origin-form
    // target, field names and values that cannot end a line (an edit must not smuggle a second
    // request or response to the other side), a status 100-599. `why` says what is wrong.
    static bool isValidEdit(const Message &message, QString *why = nullptr);
    // False when the message no longer waits.
    bool decide(quint64 id, const Decision &decision);

signals:
    void held(quint64 id);
    void released(quint64 id);

private:
    struct Waiting {
        Message message;
        QObject *context = nullptr;
        std::function<void(const Decision &)> resume;
    };

    mutable QMutex m_mutex;
    QList<Rule> m_rules;
    QHash<quint64, Waiting> m_waiting;
    quint64 m_nextId = 1;
    std::atomic<bool> m_active{false};
    std::atomic<int> m_timeoutMs{60'000};
};

}  // namespace kairos
