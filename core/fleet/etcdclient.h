// etcd v3 through its JSON gateway (/v3/kv/range, /v3/kv/txn, /v3/watch, /v3/lease/*,
// /v3/auth/authenticate) over QNetworkAccessManager: no gRPC stack. Keys and values travel
// base64-encoded, 64-bit numbers as strings. A call that fails on one endpoint is tried on the
// next; with a username, the client authenticates first and again when the token expires.
// Lives on one thread (the fleet's); callbacks run there.
#pragma once

#include "config/config.h"

#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QObject>
#include <QPointer>
#include <QSslConfiguration>

#include <functional>
#include <optional>

class QNetworkReply;

namespace kairos {

class EtcdClient : public QObject
{
    Q_OBJECT

public:
    struct Reply {
        bool ok = false;
        QJsonObject body;          // etcd's answer (or its error object: "error", "code")
        QString error;             // when not ok: what went wrong, with the endpoint
        bool unreachable = false;  // no endpoint answered (as opposed to etcd refusing the call)
        // Not idempotent calls only: sent, but no answer came (a timeout, a connection lost):
        // etcd may or may not have applied it.
        bool outcomeUnknown = false;
    };
    using Callback = std::function<void(const Reply &)>;

    explicit EtcdClient(const EtcdSettings &settings, QObject *parent = nullptr);
    ~EtcdClient() override;

    // POST `path` ("/v3/kv/range") with `body`; `done` is called exactly once. A call that is not
    // idempotent (a transaction) goes to the next endpoint only when it was not sent at all.
    void call(const QString &path, const QJsonObject &body, Callback done, bool idempotent = true);

    // Streams watch responses for [key, rangeEnd) from `startRevision`: `onResponse` gets each
    // {"result": ...} object, `onEnd` the reason once the stream ends (never after cancelWatch()).
    void watch(const QByteArray &key, const QByteArray &rangeEnd, qint64 startRevision,
               std::function<void(const QJsonObject &)> onResponse, std::function<void(const QString &)> onEnd);
    void cancelWatch();
    // watch() over every key under `prefix`, event by event: `onEvent` gets each changed key with
    // its kv ({key, value, mod_revision, ...}; `deleted` for a DELETE), `onBatch` follows each
    // response that carried events, and `onLost` the reason once the watch is cancelled or ends
    // (the watch is cancelled by then; the caller reads the prefix again).
    using WatchEvent = std::function<void(const QByteArray &key, const QJsonObject &kv, bool deleted)>;
    void watchPrefix(const QByteArray &prefix, qint64 startRevision, WatchEvent onEvent, std::function<void()> onBatch,
                     std::function<void(const QString &)> onLost);
    // etcd's JSON gateway writes 64-bit numbers as strings.
    static qint64 number(const QJsonValue &value)
    {
        return value.isString() ? value.toString().toLongLong() : qint64(value.toDouble());
    }

    QString currentEndpoint() const;
    const QStringList &endpoints() const { return m_settings.endpoints; }

    static QString encode(const QByteArray &bytes) { return QString::fromLatin1(bytes.toBase64()); }
    static QByteArray decode(const QJsonValue &value) { return QByteArray::fromBase64(value.toString().toLatin1()); }
    // The end of the range of every key that starts with `prefix` (etcd's "prefix" range).
    static QByteArray prefixEnd(QByteArray prefix);

private:
    struct Call {
        QString path;
        QJsonObject body;
        Callback done;
        int attemptsLeft;
        bool idempotent = true;
        bool authRetried = false;
        QString lastError;
    };
    void send(std::shared_ptr<Call> call);
    void authenticateThen(std::function<void(const QString &error)> next);
    QNetworkRequest request(const QString &path) const;
    void nextEndpoint();
    void onWatchData();

    EtcdSettings m_settings;
    QNetworkAccessManager m_network;
    std::optional<QSslConfiguration> m_ssl;  // with an https endpoint only
    int m_endpoint = 0;
    QByteArray m_token;  // from /v3/auth/authenticate; empty without a username
    QPointer<QNetworkReply> m_watch;
    int m_watchEndpoint = 0;  // a watch stays on its endpoint: moving elsewhere ends it
    QByteArray m_watchBuffer;
    std::function<void(const QJsonObject &)> m_onWatchResponse;
    std::function<void(const QString &)> m_onWatchEnd;
};

}  // namespace kairos
