// Service discovery (docs/DISCOVERY.md): follows the sources the config's discover entries name
// (DNS names, SRV names, registrations in etcd) and hands what they find to the gateway, which
// swaps it in as it swaps a config change. Resolution never runs on the request path: sources
// refresh on this object's thread. A source that fails keeps what it found last and says so;
// one that answers "none" empties its group.
#pragma once

#include "config/discoveredbackends.h"
#include "sourcestatus.h"

#include <QJsonArray>
#include <QMutex>
#include <QObject>

#include <functional>
#include <map>
#include <memory>
#include <optional>

namespace kairos {

class DnsSource;
class EtcdRegistry;

class Discovery : public QObject
{
    Q_OBJECT

public:
    // Called on this object's thread with everything found, each time that changes.
    using Publish = std::function<void(const DiscoveredBackends &)>;

    explicit Discovery(Publish publish, QObject *parent = nullptr);
    ~Discovery() override;

    // Fleet mode: the etcd that registrations are read from; before the first follow().
    void setEtcd(const EtcdSettings &settings) { m_etcdSettings = settings; }
    // The ports the gateway listens on (0: none), asked each time a source answers: what a source
    // finds on them at a local address is left out (leaveOutOwnListeners()).
    using OwnPorts = std::function<QList<quint16>()>;
    void setOwnPorts(OwnPorts ports) { m_ownPorts = std::move(ports); }
    // Starts the sources `config` names and stops those it no longer names. From any thread.
    void follow(ConfigSnapshot config);

    // From any thread: one source's state, by DiscoverySettings::sourceKey() (empty when unknown),
    // and every source's, for GET /api/backends and the console.
    QJsonObject sourceStatus(const QString &key) const;
    std::map<QString, SourceStatus> statuses() const;
    // kairos_discovery_backends{source}, kairos_discovery_lookups_total{source,result}.
    QByteArray metricsText() const;

signals:
    void changed();  // what a source found, or its state (on this object's thread)

private:
    struct Source;
    void reconcile(const ConfigSnapshot &config);
    void update(const QString &key, std::optional<QList<Backend>> found,
                const std::function<void(SourceStatus &)> &note);
    void updateEtcdSources();
    void publish();
    // Takes the gateway's own listeners out of `found`, noting each in `refused`.
    void leaveOutOwnListeners(QList<Backend> &found, QStringList &refused) const;

    Publish m_publish;
    std::optional<EtcdSettings> m_etcdSettings;
    std::map<QString, std::unique_ptr<Source>> m_sources;  // by source key
    std::unique_ptr<EtcdRegistry> m_registry;              // while an etcd source exists
    DiscoveredBackends m_found;
    OwnPorts m_ownPorts;
    mutable QMutex m_statusMutex;
    std::map<QString, SourceStatus> m_status;
};

}  // namespace kairos
