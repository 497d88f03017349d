#include "serviceregistration.h"

#include "backendaddress.h"
#include "fleet/etcdclient.h"
#include "fleet/fleetlayout.h"

#include <QJsonDocument>
#include <QRegularExpression>
#include <QUrl>

namespace kairos {

namespace {

qint64 number(const QJsonValue &value)
{
    return value.isString() ? value.toString().toLongLong() : qint64(value.toDouble());
}

}  // namespace

std::optional<ServiceRegistration::Target> ServiceRegistration::parseTarget(const QString &text, QString *error)
{
    const qsizetype equals = text.indexOf(QLatin1Char('='));
    static const QRegularExpression serviceName(QStringLiteral("^[A-Za-z0-9._-]{1,128}$"));
    if (equals <= 0 || !serviceName.match(text.left(equals)).hasMatch() || text.left(equals) == QLatin1String(".")
        || text.left(equals) == QLatin1String("..")) {
        *error = QStringLiteral("expected NAME=URL, NAME of letters, digits, '.', '_' or '-' (got \"%1\")").arg(text);
        return std::nullopt;
    }
    QString address = text.mid(equals + 1);
    if (!address.contains(QLatin1String("://")))
        address.prepend(QLatin1String("http://"));
    const QUrl url(address, QUrl::StrictMode);
    if (!url.isValid() || (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https"))
        || url.port() < 1 || (!url.path().isEmpty() && url.path() != QLatin1String("/")) || url.hasQuery()
        || url.hasFragment() || !url.userInfo().isEmpty()) {
        *error = QStringLiteral("expected a URL like http://10.0.0.5:8080, with its port (got \"%1\")")
                     .arg(text.mid(equals + 1));
        return std::nullopt;
    }
    Target target;
    target.service = text.left(equals);
    target.registration.scheme = url.scheme();
    if (!target.registration.address.setAddress(url.host())) {
        *error = QStringLiteral("the host must be an IP address: the gateway does not look names up on the request "
                                "path (got \"%1\")")
                     .arg(url.host());
        return std::nullopt;
    }
    if (!isBackendAddress(target.registration.address)) {  // every gateway would refuse it
        *error = QStringLiteral("the host must be a unicast, non-link-local address (got \"%1\")").arg(url.host());
        return std::nullopt;
    }
    target.registration.port = url.port();
    const QString host = target.registration.address.protocol() == QAbstractSocket::IPv6Protocol
                             ? QLatin1Char('[') + url.host() + QLatin1Char(']')
                             : url.host();
    target.id = host + QLatin1Char(':') + QString::number(url.port());
    return target;
}

ServiceRegistration::ServiceRegistration(const EtcdSettings &settings, Target target, int ttlSeconds, QObject *parent)
    : QObject(parent),
      m_settings(settings),
      m_target(std::move(target)),
      m_ttlSeconds(std::max(ttlSeconds, 2)),
      m_key(fleet::servicesPrefix(settings.prefix) + m_target.service.toUtf8() + '/' + m_target.id.toUtf8()),
      m_client(std::make_unique<EtcdClient>(settings, this))
{
    connect(&m_timer, &QTimer::timeout, this, &ServiceRegistration::beat);
}

ServiceRegistration::~ServiceRegistration() = default;

void ServiceRegistration::start()
{
    m_timer.start(m_ttlSeconds * 1000 / 3);
    beat();
}

void ServiceRegistration::beat()
{
    if (m_busy || m_stopped)
        return;
    m_busy = true;
    if (!m_leaseId) {
        grant();
        return;
    }
    m_client->call(QStringLiteral("/v3/lease/keepalive"), {{"ID", QString::number(m_leaseId)}},
                   [this](const EtcdClient::Reply &reply) {
                       if (endedBy(reply))
                           return;
                       if (number(reply.body.value(QLatin1String("result")).toObject().value(QLatin1String("TTL")))
                           <= 0) {
                           // Expired while etcd was away: the key went with it.
                           m_leaseId = 0;
                           m_registered = false;
                           emit failed(QStringLiteral("the lease expired; registering again"));
                           grant();
                           return;
                       }
                       if (m_registered)
                           endExchange();
                       else
                           put();
                   });
}

void ServiceRegistration::grant()
{
    m_client->call(QStringLiteral("/v3/lease/grant"), {{"TTL", QString::number(m_ttlSeconds)}},
                   [this](const EtcdClient::Reply &reply) {
                       if (endedBy(reply))
                           return;
                       m_leaseId = number(reply.body.value(QLatin1String("ID")));
                       put();
                   });
}

void ServiceRegistration::put()
{
    const QByteArray value = QJsonDocument(m_target.registration.toJson()).toJson(QJsonDocument::Compact);
    const QJsonObject request{{"key", EtcdClient::encode(m_key)},
                              {"value", EtcdClient::encode(value)},
                              {"lease", QString::number(m_leaseId)}};
    m_client->call(QStringLiteral("/v3/kv/put"), request, [this](const EtcdClient::Reply &reply) {
        endExchange();
        if (m_stopped)
            return;
        if (!reply.ok) {
            if (!reply.unreachable)
                m_leaseId = 0;  // the lease is gone: granted again on the next beat
            emit failed(reply.error);
            return;
        }
        m_registered = true;
        emit registered();
    });
}

void ServiceRegistration::endExchange()
{
    m_busy = false;
}

bool ServiceRegistration::endedBy(const EtcdClient::Reply &reply)
{
    if (reply.ok && !m_stopped)
        return false;
    endExchange();
    if (!reply.ok)
        emit failed(reply.error);
    return true;
}

void ServiceRegistration::stop(std::function<void()> done)
{
    m_timer.stop();
    m_stopped = true;
    if (!m_leaseId) {
        done();
        return;
    }
    const qint64 lease = m_leaseId;
    m_leaseId = 0;
    m_client->call(QStringLiteral("/v3/lease/revoke"), {{"ID", QString::number(lease)}},
                   [done](const EtcdClient::Reply &) { done(); });
}

}  // namespace kairos
