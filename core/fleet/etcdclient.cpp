#include "etcdclient.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QNetworkReply>
#include <QSslKey>

#include <algorithm>

Q_LOGGING_CATEGORY(lcEtcd, "kairos.fleet")

namespace kairos {

namespace {

// etcd's gRPC status codes that the JSON gateway passes on in "code".
constexpr int kUnauthenticated = 16;

QString describe(const QJsonObject &body)
{
    const QString message = body.value(QLatin1String("message")).toString();
    return message.isEmpty() ? body.value(QLatin1String("error")).toString() : message;
}

}  // namespace

EtcdClient::EtcdClient(const EtcdSettings &settings, QObject *parent)
    : QObject(parent), m_settings(settings), m_network(this)
{
    // TLS only for https endpoints: any QSslConfiguration, even an empty one, initializes
    // OpenSSL, which plain http does not need, and LeakSanitizer reports some of OpenSSL's
    // state as leaked when the process exits.
    const bool tls = std::any_of(settings.endpoints.begin(), settings.endpoints.end(), [](const QString &endpoint) {
        return endpoint.startsWith(QLatin1String("https:"), Qt::CaseInsensitive);
    });
    if (!tls)
        return;
    m_ssl = QSslConfiguration::defaultConfiguration();
    if (!settings.caFile.isEmpty())
        m_ssl->setCaCertificates(m_ssl->caCertificates() + QSslCertificate::fromPath(settings.caFile));
    if (!settings.certFile.isEmpty()) {
        const QList<QSslCertificate> certificates = QSslCertificate::fromPath(settings.certFile);
        if (!certificates.isEmpty())
            m_ssl->setLocalCertificate(certificates.first());
        QFile keyFile(settings.keyFile);
        if (keyFile.open(QIODevice::ReadOnly)) {
            const QByteArray pem = keyFile.readAll();
            QSslKey key(pem, QSsl::Rsa);
            if (key.isNull())
                key = QSslKey(pem, QSsl::Ec);
            if (key.isNull())
                qCWarning(lcEtcd).noquote() << "cannot read the private key in" << settings.keyFile;
            m_ssl->setPrivateKey(key);
        }
    }
}

EtcdClient::~EtcdClient()
{
    cancelWatch();
}

QByteArray EtcdClient::prefixEnd(QByteArray prefix)
{
    // The smallest key greater than every key that starts with the prefix: its last byte plus one.
    while (!prefix.isEmpty()) {
        if (quint8(prefix.back()) < 0xff) {
            prefix.back() = char(quint8(prefix.back()) + 1);
            return prefix;
        }
        prefix.chop(1);
    }
    return QByteArray(1, '\0');  // every key
}

QString EtcdClient::currentEndpoint() const
{
    return m_settings.endpoints.value(m_endpoint);
}

void EtcdClient::nextEndpoint()
{
    if (!m_settings.endpoints.isEmpty())
        m_endpoint = (m_endpoint + 1) % int(m_settings.endpoints.size());
    // Calls failing on the watch's endpoint while others answer: that member may be cut off from
    // the rest and its watch silent for ever. The watch ends, to be opened again where calls work.
    if (m_watch && m_watchEndpoint != m_endpoint) {
        const auto onEnd = std::move(m_onWatchEnd);
        const QString left = m_settings.endpoints.value(m_watchEndpoint);
        cancelWatch();
        if (onEnd)
            QMetaObject::invokeMethod(
                this, [onEnd, left] { onEnd(left + QLatin1String(": calls there failed; watching elsewhere")); },
                Qt::QueuedConnection);
    }
}

QNetworkRequest EtcdClient::request(const QString &path) const
{
    QString base = currentEndpoint();
    while (base.endsWith(QLatin1Char('/')))
        base.chop(1);
    QNetworkRequest request(QUrl(base + path));
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    // HTTP/1.1: the watch is one long response read as it comes.
    request.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    if (m_ssl && request.url().scheme() == QLatin1String("https"))
        request.setSslConfiguration(*m_ssl);
    if (!m_token.isEmpty())
        request.setRawHeader("Authorization", m_token);
    return request;
}

void EtcdClient::call(const QString &path, const QJsonObject &body, Callback done, bool idempotent)
{
    auto pending = std::make_shared<Call>();
    pending->path = path;
    pending->body = body;
    pending->done = std::move(done);
    pending->idempotent = idempotent;
    pending->attemptsLeft = std::max<int>(1, int(m_settings.endpoints.size()));
    if (!m_settings.username.isEmpty() && m_token.isEmpty()) {
        authenticateThen([this, pending](const QString &error) {
            if (!error.isEmpty()) {
                Reply reply;
                reply.error = error;
                reply.unreachable = m_token.isEmpty() && error.contains(QLatin1String("unreachable"));
                pending->done(reply);
                return;
            }
            send(pending);
        });
        return;
    }
    send(pending);
}

void EtcdClient::send(std::shared_ptr<Call> pending)
{
    QNetworkRequest request = this->request(pending->path);
    request.setTransferTimeout(m_settings.timeoutMs);
    QNetworkReply *reply = m_network.post(request, QJsonDocument(pending->body).toJson(QJsonDocument::Compact));
    connect(reply, &QNetworkReply::finished, this, [this, reply, pending] {
        reply->deleteLater();
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        const QJsonObject body = QJsonDocument::fromJson(reply->readAll()).object();
        const QString endpoint = currentEndpoint();
        if (status >= 200 && status < 300) {
            pending->done(Reply{true, body, QString(), false});
            return;
        }
        if (status == 401 || body.value(QLatin1String("code")).toInt() == kUnauthenticated) {
            if (!m_settings.username.isEmpty() && !pending->authRetried) {
                pending->authRetried = true;  // the token expired: once more with a new one
                m_token.clear();
                authenticateThen([this, pending](const QString &error) {
                    if (error.isEmpty())
                        send(pending);
                    else
                        pending->done(Reply{false, {}, error, false});
                });
                return;
            }
            pending->done(Reply{false, body, QStringLiteral("%1: %2").arg(endpoint, describe(body)), false});
            return;
        }
        // No answer, or etcd could not serve it there (no leader, shutting down): the next endpoint;
        // but a transaction that may have reached etcd is not sent twice.
        const QNetworkReply::NetworkError network = reply->error();
        const bool neverSent =
            status == 0
            && (network == QNetworkReply::ConnectionRefusedError || network == QNetworkReply::HostNotFoundError);
        const bool unknown = !pending->idempotent && !neverSent && (status == 0 || status >= 500);
        const bool tryElsewhere = !unknown && (status == 0 || status >= 500);
        pending->lastError = status == 0
                                 ? QStringLiteral("%1: %2").arg(endpoint, reply->errorString())
                                 : QStringLiteral("%1: HTTP %2 %3").arg(endpoint).arg(status).arg(describe(body));
        if (tryElsewhere) {
            nextEndpoint();
            if (--pending->attemptsLeft > 0) {
                send(pending);
                return;
            }
            pending->done(Reply{false, body, pending->lastError, true});
            return;
        }
        if (unknown)
            nextEndpoint();
        pending->done(Reply{false, body, pending->lastError, false, unknown});
    });
}

void EtcdClient::authenticateThen(std::function<void(const QString &error)> next)
{
    auto pending = std::make_shared<Call>();
    pending->path = QStringLiteral("/v3/auth/authenticate");
    pending->body = QJsonObject{{"name", m_settings.username}, {"password", m_settings.password}};
    pending->attemptsLeft = std::max<int>(1, int(m_settings.endpoints.size()));
    pending->authRetried = true;
    pending->done = [this, next = std::move(next)](const Reply &reply) {
        if (!reply.ok) {
            next(QStringLiteral("authentication as \"%1\" failed: %2%3")
                     .arg(m_settings.username, reply.error,
                          reply.unreachable ? QStringLiteral(" (unreachable)") : QString()));
            return;
        }
        m_token = reply.body.value(QLatin1String("token")).toString().toUtf8();
        next(QString());
    };
    m_token.clear();  // the old one must not go with the authentication itself
    send(pending);
}

void EtcdClient::watch(const QByteArray &key, const QByteArray &rangeEnd, qint64 startRevision,
                       std::function<void(const QJsonObject &)> onResponse, std::function<void(const QString &)> onEnd)
{
    cancelWatch();
    m_onWatchResponse = std::move(onResponse);
    m_onWatchEnd = std::move(onEnd);
    const QJsonObject create{
        {"key", encode(key)}, {"range_end", encode(rangeEnd)}, {"start_revision", QString::number(startRevision)}};
    QNetworkRequest watchRequest = request(QStringLiteral("/v3/watch"));
    // A member cut off from its leader cancels such a watch instead of going quiet.
    watchRequest.setRawHeader("Grpc-Metadata-Hasleader", "true");
    QNetworkReply *reply = m_network.post(
        watchRequest, QJsonDocument(QJsonObject{{"create_request", create}}).toJson(QJsonDocument::Compact));
    m_watch = reply;
    m_watchEndpoint = m_endpoint;
    m_watchBuffer.clear();
    connect(reply, &QNetworkReply::readyRead, this, &EtcdClient::onWatchData);
    connect(reply, &QNetworkReply::finished, this, [this, reply] {
        reply->deleteLater();
        if (m_watch != reply)
            return;  // cancelled
        onWatchData();
        m_watch = nullptr;
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        QString reason = reply->error() != QNetworkReply::NoError
                             ? reply->errorString()
                             : QStringLiteral("the stream ended (HTTP %1)").arg(status);
        if (status == 401)
            m_token.clear();
        if (reply->error() != QNetworkReply::NoError && status == 0)
            nextEndpoint();
        const auto onEnd = std::move(m_onWatchEnd);
        m_onWatchResponse = nullptr;
        if (onEnd)
            onEnd(currentEndpoint() + QLatin1String(": ") + reason);
    });
}

void EtcdClient::onWatchData()
{
    if (!m_watch)
        return;
    m_watchBuffer += m_watch->readAll();
    // The gateway writes one JSON object per line.
    qsizetype end;
    while ((end = m_watchBuffer.indexOf('\n')) >= 0) {
        const QByteArray line = m_watchBuffer.left(end).trimmed();
        m_watchBuffer.remove(0, end + 1);
        if (line.isEmpty())
            continue;
        const QJsonObject object = QJsonDocument::fromJson(line).object();
        if (m_onWatchResponse)
            m_onWatchResponse(object);
        if (!m_watch)
            return;  // the callback cancelled it
    }
}

void EtcdClient::cancelWatch()
{
    if (QNetworkReply *reply = m_watch) {
        m_watch = nullptr;
        m_onWatchResponse = nullptr;
        m_onWatchEnd = nullptr;
        reply->abort();
    }
}

void EtcdClient::watchPrefix(const QByteArray &prefix, qint64 startRevision, WatchEvent onEvent,
                             std::function<void()> onBatch, std::function<void(const QString &)> onLost)
{
    watch(
        prefix, prefixEnd(prefix), startRevision,
        [this, onEvent, onBatch, onLost](const QJsonObject &response) {
            const QJsonObject result = response.value(QLatin1String("result")).toObject();
            if (result.isEmpty() || result.value(QLatin1String("canceled")).toBool()) {
                cancelWatch();
                onLost(result.value(QLatin1String("cancel_reason")).toString(QStringLiteral("the watch ended")));
                return;
            }
            const QJsonArray events = result.value(QLatin1String("events")).toArray();
            for (const QJsonValue &item : events) {
                const QJsonObject event = item.toObject();
                const QJsonObject kv = event.value(QLatin1String("kv")).toObject();
                onEvent(decode(kv.value(QLatin1String("key"))), kv,
                        event.value(QLatin1String("type")).toString() == QLatin1String("DELETE"));
            }
            if (!events.isEmpty() && onBatch)
                onBatch();
        },
        onLost);
}

}  // namespace kairos
