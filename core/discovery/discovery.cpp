#include "discovery.h"

#include "backendaddress.h"
#include "dnssource.h"
#include "etcdregistry.h"

#include <QJsonDocument>
#include <QLoggingCategory>
#include <QMetaObject>
#include <QNetworkInterface>
#include <QSet>
#include <QThread>

namespace kairos {

Q_LOGGING_CATEGORY(lcDiscovery, "kairos.discovery")

struct Discovery::Source {
    DiscoverySettings settings;
    std::unique_ptr<DnsSource> dns;  // Dns and DnsSrv
};

namespace {

constexpr qsizetype kMaxMetadataChars = 200;  // of a registration's metadata in its record

QString describe(const QList<Backend> &backends)
{
    QStringList addresses;
    for (const Backend &backend : backends)
        addresses.append(backend.key());
    return addresses.isEmpty() ? QStringLiteral("none") : addresses.join(QLatin1String(", "));
}

}  // namespace

Discovery::Discovery(Publish publish, QObject *parent) : QObject(parent), m_publish(std::move(publish)) {}

Discovery::~Discovery() = default;

void Discovery::follow(ConfigSnapshot config)
{
    if (QThread::currentThread() == thread())
        reconcile(config);
    else
        QMetaObject::invokeMethod(
            this, [this, config] { reconcile(config); }, Qt::QueuedConnection);
}

void Discovery::reconcile(const ConfigSnapshot &config)
{
    std::map<QString, DiscoverySettings> wanted;
    for (const DiscoverySettings &settings : discoverySources(*config))
        wanted.emplace(settings.sourceKey(), settings);
    bool dropped = false;
    for (auto it = m_sources.begin(); it != m_sources.end();) {
        const auto kept = wanted.find(it->first);
        if (kept != wanted.end() && kept->second == it->second->settings) {
            ++it;
            continue;
        }
        if (kept == wanted.end()) {
            qCInfo(lcDiscovery).noquote() << "source" << it->first << "no longer in the config";
            dropped = m_found.erase(it->first) > 0 || dropped;
            QMutexLocker lock(&m_statusMutex);
            m_status.erase(it->first);
        }
        // Changed settings (refresh_ms, scheme, ...): started again below; what it found stays
        // until the new one answers.
        it = m_sources.erase(it);
    }
    bool anyEtcd = false;
    for (const auto &[key, settings] : wanted) {
        anyEtcd = anyEtcd || settings.kind == DiscoverySettings::Kind::Etcd;
        if (m_sources.count(key))
            continue;
        auto source = std::make_unique<Source>();
        source->settings = settings;
        {
            QMutexLocker lock(&m_statusMutex);
            m_status.try_emplace(key);
        }
        if (settings.kind != DiscoverySettings::Kind::Etcd) {
            const QString sourceKey = key;
            source->dns = std::make_unique<DnsSource>(settings, [this, sourceKey](const DnsSource::Outcome &outcome) {
                std::optional<QList<Backend>> found;
                if (outcome.status != DnsAnswer::Status::Failed)
                    found = outcome.backends;
                update(sourceKey, found, [&outcome](SourceStatus &status) {
                    status.ttlSeconds = outcome.ttlSeconds;
                    status.nextRefreshMs = outcome.nextRefreshMs;
                    // Failed: why; NoRecords: which "none" it was (NXDOMAIN, no records); Records:
                    // what was left out. Only the first is a failure.
                    status.error = outcome.error;
                });
            });
        }
        qCInfo(lcDiscovery).noquote() << "source" << key << "started";
        DnsSource *dns = source->dns.get();
        m_sources.emplace(key, std::move(source));
        if (dns)
            dns->start();
    }
    if (anyEtcd && !m_registry && m_etcdSettings) {
        m_registry = std::make_unique<EtcdRegistry>(*m_etcdSettings, this);
        connect(m_registry.get(), &EtcdRegistry::changed, this, &Discovery::updateEtcdSources);
        m_registry->start();
    } else if (!anyEtcd && m_registry) {
        m_registry.reset();
    }
    if (anyEtcd)
        updateEtcdSources();
    if (dropped)
        publish();
    emit changed();
}

void Discovery::updateEtcdSources()
{
    for (const auto &[key, source] : m_sources) {
        const DiscoverySettings &settings = source->settings;
        if (settings.kind != DiscoverySettings::Kind::Etcd)
            continue;
        if (!m_registry) {
            update(key, std::nullopt, [](SourceStatus &status) {
                status.error =
                    QStringLiteral("not in fleet mode: registrations are read from cluster.etcd (or --etcd)");
            });
            continue;
        }
        if (!m_registry->reached()) {
            if (!m_registry->error().isEmpty())
                update(key, std::nullopt, [this](SourceStatus &status) { status.error = m_registry->error(); });
            continue;
        }
        QList<Backend> backends;
        QStringList refused;
        const auto service = m_registry->services().find(settings.name);
        if (service != m_registry->services().end()) {
            for (const auto &[id, registration] : service->second) {
                // The entry decides how its backends are reached: a registration cannot turn an
                // https entry's connections into cleartext (nor the other way round).
                if (!registration.scheme.isEmpty() && registration.scheme != settings.scheme) {
                    refused.append(QStringLiteral("%1: host names %2://, the discover entry's scheme is %3")
                                       .arg(id, registration.scheme, settings.scheme));
                    continue;
                }
                Backend backend;
                const QString address = registration.address.toString();
                const bool v6 = registration.address.protocol() == QAbstractSocket::IPv6Protocol;
                backend.host = settings.scheme + QLatin1String("://")
                               + (v6 ? QLatin1Char('[') + address + QLatin1Char(']') : address);
                backend.port = registration.port;
                backend.weight = registration.weight;
                QString record = QStringLiteral("instance ") + id;
                if (!registration.metadata.isEmpty()) {
                    // Its beginning: the record is repeated beside each backend in GET /api/backends.
                    const QString metadata =
                        QString::fromUtf8(QJsonDocument(registration.metadata).toJson(QJsonDocument::Compact));
                    record += QLatin1Char(' ')
                              + (metadata.size() > kMaxMetadataChars ? metadata.left(kMaxMetadataChars) + QChar(0x2026)
                                                                     : metadata);
                }
                backend.discovered = DiscoveredFrom{key, address, record};
                backends.append(std::move(backend));
            }
        }
        const QString prefix = settings.name + QLatin1Char('/');
        for (const auto &[registration, why] : m_registry->refused()) {
            if (registration.startsWith(prefix))
                refused.append(registration.mid(prefix.size()) + QLatin1String(": ") + why);
        }
        update(key, backends, [&refused](SourceStatus &status) { status.refused = refused; });
    }
}

// Never the gateway itself: a record or registration naming one of its own listeners would give
// whoever answers DNS or writes registrations the admin API from a loopback peer, or send requests
// round until descriptors run out.
void Discovery::leaveOutOwnListeners(QList<Backend> &found, QStringList &refused) const
{
    if (!m_ownPorts)
        return;
    const QList<quint16> ports = m_ownPorts();
    QList<QHostAddress> local;
    for (qsizetype i = 0; i < found.size();) {
        const Backend &backend = found[i];
        if (backend.port == 0 || !ports.contains(quint16(backend.port))) {
            ++i;
            continue;
        }
        if (local.isEmpty())
            local = QNetworkInterface::allAddresses();
        const QHostAddress address = unmapped(QHostAddress(backend.discovered->address));
        if (!address.isLoopback() && !local.contains(address)) {
            ++i;
            continue;
        }
        refused.append(QStringLiteral("%1: %2 port %3 is this gateway's own listener")
                           .arg(backend.discovered->record, backend.discovered->address)
                           .arg(backend.port));
        found.removeAt(i);
    }
}

void Discovery::update(const QString &key, std::optional<QList<Backend>> found,
                       const std::function<void(SourceStatus &)> &note)
{
    QStringList ownListeners;
    if (found)
        leaveOutOwnListeners(*found, ownListeners);
    const auto source = m_sources.find(key);
    if (source == m_sources.end())
        return;
    const QDateTime now = QDateTime::currentDateTimeUtc();
    bool changedSet = false;
    {
        QMutexLocker lock(&m_statusMutex);
        SourceStatus &status = m_status[key];
        const QString previousState = status.state;
        const QString previousError = status.error;
        const QSet<QString> previousRefused(status.refused.cbegin(), status.refused.cend());
        status.lastRefresh = now;
        ++status.lookups;
        status.error.clear();
        if (found)
            status.refused.clear();
        note(status);
        status.refused += ownListeners;
        for (const QString &refusal : std::as_const(status.refused)) {
            if (!previousRefused.contains(refusal))
                qCWarning(lcDiscovery).noquote() << "source" << key << "left out" << refusal;
        }
        if (!found) {
            ++status.failures;
            status.state = QStringLiteral("failed");
            if (status.error != previousError || previousState != status.state)
                qCWarning(lcDiscovery).noquote() << "source" << key << "failed:" << status.error << "; keeping its"
                                                 << status.backends << "backend(s)";
        } else {
            status.state = found->isEmpty() ? QStringLiteral("empty") : QStringLiteral("ok");
            status.backends = int(found->size());
            const auto previous = m_found.find(key);
            changedSet = previous == m_found.end() || previous->second != *found;
            if (changedSet) {
                status.lastChange = now;
                if (found->isEmpty())
                    qCWarning(lcDiscovery).noquote()
                        << QStringLiteral("source %1 found no backends%2; its routes answer 503 no_backends until it "
                                          "finds some")
                               .arg(key,
                                    status.error.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(status.error));
                else
                    qCInfo(lcDiscovery).noquote()
                        << "source" << key << "found" << found->size() << "backend(s):" << describe(*found);
            } else if (previousState == QLatin1String("failed")) {
                qCInfo(lcDiscovery).noquote() << "source" << key << "answers again";
            }
        }
    }
    if (changedSet) {
        m_found[key] = std::move(*found);
        publish();
    }
    emit changed();
}

void Discovery::publish()
{
    if (m_publish)
        m_publish(m_found);
}

QJsonObject Discovery::sourceStatus(const QString &key) const
{
    QMutexLocker lock(&m_statusMutex);
    const auto found = m_status.find(key);
    return found == m_status.end() ? QJsonObject() : found->second.toJson();
}

std::map<QString, SourceStatus> Discovery::statuses() const
{
    QMutexLocker lock(&m_statusMutex);
    return m_status;
}

QByteArray Discovery::metricsText() const
{
    const std::map<QString, SourceStatus> all = statuses();
    if (all.empty())
        return {};
    const auto label = [](const QString &key) {
        QByteArray text = key.toUtf8();
        text.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n");
        return text;
    };
    QByteArray text = "# HELP kairos_discovery_backends Backends a discovery source found last.\n"
                      "# TYPE kairos_discovery_backends gauge\n";
    for (const auto &[key, status] : all)
        text +=
            "kairos_discovery_backends{source=\"" + label(key) + "\"} " + QByteArray::number(status.backends) + '\n';
    text += "# HELP kairos_discovery_lookups_total Lookups of a discovery source (etcd: updates), by outcome.\n"
            "# TYPE kairos_discovery_lookups_total counter\n";
    for (const auto &[key, status] : all) {
        text += "kairos_discovery_lookups_total{source=\"" + label(key) + "\",result=\"ok\"} "
                + QByteArray::number(status.lookups - status.failures) + '\n';
        text += "kairos_discovery_lookups_total{source=\"" + label(key) + "\",result=\"failed\"} "
                + QByteArray::number(status.failures) + '\n';
    }
    text += "# HELP kairos_discovery_source_up Whether a discovery source's last lookup succeeded.\n"
            "# TYPE kairos_discovery_source_up gauge\n";
    for (const auto &[key, status] : all)
        text += "kairos_discovery_source_up{source=\"" + label(key) + "\"} "
                + (status.state == QLatin1String("failed") ? "0" : "1") + '\n';
    return text;
}

}  // namespace kairos
