#include "etcdregistry.h"

#include "backendaddress.h"
#include "fleet/etcdclient.h"
#include "fleet/fleetlayout.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QUrl>

namespace kairos {

Q_DECLARE_LOGGING_CATEGORY(lcDiscovery)

namespace {

constexpr int kRetryMs = 1'000;
// One read of the prefix; a service directory larger than this is cut, and says so.
constexpr int kMaxRegistrations = 10'000;

}  // namespace

QJsonObject Registration::toJson() const
{
    const QString host = address.protocol() == QAbstractSocket::IPv6Protocol
                             ? QLatin1Char('[') + address.toString() + QLatin1Char(']')
                             : address.toString();
    QJsonObject object{
        {"host", scheme.isEmpty() ? host : scheme + QLatin1String("://") + host}, {"port", port}, {"weight", weight}};
    if (!metadata.isEmpty())
        object.insert(QLatin1String("metadata"), metadata);
    return object;
}

std::optional<Registration> Registration::parse(const QByteArray &value, QString *error)
{
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(value, &parseError);
    if (!document.isObject()) {
        *error = QStringLiteral("not a JSON object");
        return std::nullopt;
    }
    const QJsonObject object = document.object();
    Registration registration;
    QString host = object.value(QLatin1String("host")).toString();
    const qsizetype schemeEnd = host.indexOf(QLatin1String("://"));
    if (schemeEnd >= 0) {
        registration.scheme = host.left(schemeEnd).toLower();
        host = host.mid(schemeEnd + 3);
        if (registration.scheme != QLatin1String("http") && registration.scheme != QLatin1String("https")) {
            *error = QStringLiteral("host: the scheme must be http or https");
            return std::nullopt;
        }
    }
    if (host.startsWith(QLatin1Char('[')) && host.endsWith(QLatin1Char(']')))
        host = host.mid(1, host.size() - 2);
    if (!registration.address.setAddress(host) || !isBackendAddress(registration.address)) {
        *error = QStringLiteral("host must be a unicast, non-link-local IP address, with or without http:// or "
                                "https:// (got \"%1\")")
                     .arg(object.value(QLatin1String("host")).toString());
        return std::nullopt;
    }
    const QJsonValue port = object.value(QLatin1String("port"));
    registration.port = port.toInt(0);
    if (!port.isDouble() || port.toDouble() != registration.port || registration.port < 1
        || registration.port > 65535) {
        *error = QStringLiteral("port must be a whole number from 1 to 65535");
        return std::nullopt;
    }
    const QJsonValue weight = object.value(QLatin1String("weight"));
    if (!weight.isUndefined() && !weight.isNull()) {
        registration.weight = weight.toInt(0);
        if (!weight.isDouble() || weight.toDouble() != registration.weight || registration.weight < 1
            || registration.weight > 1000) {
            *error = QStringLiteral("weight must be a whole number from 1 to 1000");
            return std::nullopt;
        }
    }
    registration.metadata = object.value(QLatin1String("metadata")).toObject();
    return registration;
}

EtcdRegistry::EtcdRegistry(const EtcdSettings &settings, QObject *parent)
    : QObject(parent),
      m_settings(settings),
      m_prefix(fleet::servicesPrefix(settings.prefix)),
      m_client(std::make_unique<EtcdClient>(settings, this))
{
    m_retry.setSingleShot(true);
    connect(&m_retry, &QTimer::timeout, this, &EtcdRegistry::readAll);
}

EtcdRegistry::~EtcdRegistry()
{
    m_client->cancelWatch();
}

void EtcdRegistry::start()
{
    readAll();
}

void EtcdRegistry::readAll()
{
    const QJsonObject range{{"key", EtcdClient::encode(m_prefix)},
                            {"range_end", EtcdClient::encode(EtcdClient::prefixEnd(m_prefix))},
                            {"limit", QString::number(kMaxRegistrations)}};
    m_client->call(QStringLiteral("/v3/kv/range"), range, [this](const EtcdClient::Reply &reply) {
        if (!reply.ok) {
            retryLater(reply.error);
            return;
        }
        m_services.clear();
        m_refused.clear();
        const QJsonArray kvs = reply.body.value(QLatin1String("kvs")).toArray();
        for (const QJsonValue &item : kvs) {
            const QJsonObject kv = item.toObject();
            const QByteArray value = EtcdClient::decode(kv.value(QLatin1String("value")));
            apply(EtcdClient::decode(kv.value(QLatin1String("key"))), &value);
        }
        if (reply.body.value(QLatin1String("more")).toBool())
            qCWarning(lcDiscovery).noquote() << "etcd holds more than" << kMaxRegistrations << "registrations under"
                                             << QString::fromUtf8(m_prefix) << "; the rest are not read";
        const bool wasReached = m_reached;
        m_reached = true;
        m_error.clear();
        if (!wasReached)
            qCInfo(lcDiscovery).noquote()
                << "registrations: reading" << QString::fromUtf8(m_prefix) << "from" << m_client->currentEndpoint();
        emit changed();
        watchFrom(
            EtcdClient::number(reply.body.value(QLatin1String("header")).toObject().value(QLatin1String("revision")))
            + 1);
    });
}

void EtcdRegistry::watchFrom(qint64 revision)
{
    m_client->watchPrefix(
        m_prefix, revision,
        [this](const QByteArray &key, const QJsonObject &kv, bool deleted) {
            if (deleted) {
                apply(key, nullptr);
                return;
            }
            const QByteArray value = EtcdClient::decode(kv.value(QLatin1String("value")));
            apply(key, &value);
        },
        [this] { emit changed(); }, [this](const QString &why) { retryLater(why); });
}

void EtcdRegistry::retryLater(const QString &why)
{
    if (m_error != why)
        qCWarning(lcDiscovery).noquote() << "registrations in etcd not followed:" << why
                                         << "; the last known instances stay, reading again in" << kRetryMs << "ms";
    m_reached = false;
    m_error = why;
    emit changed();
    m_retry.start(kRetryMs);
}

qsizetype EtcdRegistry::registrationCount() const
{
    qsizetype count = 0;
    for (const auto &service : m_services)
        count += qsizetype(service.second.size());
    return count;
}

void EtcdRegistry::apply(const QByteArray &key, const QByteArray *value)
{
    // <prefix>/services/<name>/<id>
    const QString rest = QString::fromUtf8(key.sliced(m_prefix.size()));
    const qsizetype slash = rest.indexOf(QLatin1Char('/'));
    if (slash <= 0 || slash == rest.size() - 1)
        return;  // not a registration (a key of another tool's)
    const QString name = rest.left(slash);
    const QString id = rest.mid(slash + 1);
    m_refused.erase(rest);
    if (!value) {
        const auto service = m_services.find(name);
        if (service != m_services.end()) {
            service->second.erase(id);
            if (service->second.empty())
                m_services.erase(service);
        }
        return;
    }
    QString error;
    std::optional<Registration> registration = Registration::parse(*value, &error);
    const auto known = m_services.find(name);
    const bool isNew = known == m_services.end() || !known->second.count(id);
    if (registration && isNew && registrationCount() >= kMaxRegistrations) {
        // As many as the first read takes: watch events cannot grow the set past it either.
        registration.reset();
        error = QStringLiteral("more than %1 registrations under the prefix; left out").arg(kMaxRegistrations);
    }
    if (!registration) {
        if (known != m_services.end()) {
            known->second.erase(id);
            if (known->second.empty())
                m_services.erase(known);
        }
        if (m_refused.size() < size_t(kMaxRegistrations))
            m_refused[rest] = error;  // logged by the source that follows the service
        return;
    }
    m_services[name][id] = std::move(*registration);
}

}  // namespace kairos
