// The running product, without any GUI: the config store, the data plane, and (with --demo) the
// two echo backends of the shipped example. The headless main and the desktop console both drive
// the gateway through this object.
#pragma once

#include "config/configstore.h"
#include "proxy/gateway.h"

#include <QHostAddress>
#include <QObject>

#include <memory>
#include <optional>
#include <vector>

namespace kairos {

class AccessLog;
class AdminApi;
class BackendSourceStatus;
class ClusterStatus;
class Discovery;
class ConfigWatcher;
class EchoBackend;
class FleetSync;
class RecentRequests;
class ShiftSync;
class Breakpoints;

struct ServiceOptions {
    QString configPath;
    std::optional<QString> listenHost;  // overrides server.host
    std::optional<quint16> listenPort;  // overrides server.port
    // The TLS listener's address (--listen-tls), overriding server.host and server.tls.port.
    std::optional<QString> listenTlsHost;
    std::optional<quint16> listenTlsPort;
    // --dev-tls: HTTPS with the local development certificate authority's certificate for
    // localhost (created once, kept in devTlsDirectory, by default the user's data directory),
    // on server.tls.port or 5443, in place of server.tls's certificates.
    bool devTls = false;
    QString devTlsDirectory;
    bool demo = false;            // start the example's echo backends on 9101 and 9102
    bool watchConfigFile = true;  // apply edits of the config file as they happen
    // Access log: "" = through the log (stderr when headless), "none" = off, else a file to append to.
    QString accessLog;
    // Keep the last N requests with their headers (the console's traffic view); 0 = off.
    int recentRequests = 0;
    // Fleet mode (docs/FLEET.md): override cluster.etcd.endpoints / prefix of the config file.
    std::optional<QStringList> etcdEndpoints;
    std::optional<QString> etcdPrefix;
    bool etcdSeed = false;  // write the file's routes and settings when etcd's prefix holds no routes
};

// Ports the shipped example config sends its routes to.
constexpr quint16 kDemoBackendPorts[] = {9101, 9102};

class GatewayService : public QObject
{
    Q_OBJECT

public:
    explicit GatewayService(QObject *parent = nullptr);
    ~GatewayService() override;

    // Loads the config and starts listening; on failure *error says why (config problems, one a line).
    bool start(const ServiceOptions &options, QString *error);
    void stop();

    ConfigStore &configStore() { return m_store; }
    Gateway *gateway() const { return m_gateway.get(); }
    bool isListening() const;
    QString listenUrl() const;
    // Null unless ServiceOptions::recentRequests was set.
    RecentRequests *recentRequests() const { return m_recent.get(); }
    // The traffic inspector's breakpoints; null unless ServiceOptions::recentRequests was set.
    Breakpoints *breakpoints() const { return m_breakpoints.get(); }
    FleetSync *fleet() const { return m_fleet.get(); }  // null when standalone
    // The sources the config's discover entries name; null before start().
    Discovery *discovery() const { return m_discovery.get(); }
    const ServiceOptions &options() const { return m_options; }
    // Listening again after stop(), with the same options (the console's start/stop).
    bool restart(QString *error);
    // Standalone: makes `path` the config file. Its config is validated and applied as an edit
    // of the file would be, then changes are saved to it and it is watched; the listen address
    // in it takes effect at the next start. On failure nothing changes and *error says why.
    bool openConfigFile(const QString &path, QString *error);
    // Serves HTTPS with the local development certificate from now on (the console's action; the
    // same as starting with --dev-tls), on `port` if given. Returns how to trust its authority,
    // or empty and *error.
    QString startDevTls(QString *error, std::optional<quint16> port = std::nullopt);
    // After a start with devTls or startDevTls(): how to trust the authority; else empty.
    QString devTlsInstructions() const { return m_devTlsInstructions; }
    // Opens the access log file again at its path, after log rotation renamed it. True when there is
    // no file to reopen (the access log goes to stderr or is off); false and *error when it cannot
    // be opened, and lines go on to the file open until then.
    bool reopenAccessLog(QString *error);

signals:
    void listeningChanged(bool listening);
    // A backend's active health checks marked it down or up again (`backend`: its address).
    void backendHealthChanged(const QString &backend, bool healthy, const QString &reason);

private:
    bool startDemoBackends(QString *error);
    bool listen(QString *error);         // on --listen / $KAIROS_HOST:$KAIROS_PORT, else server.host:port
    bool listenTls(QString *error);      // on --listen-tls, else server.host:server.tls.port; none without server.tls
    bool prepareDevTls(QString *error);  // the certificates, and the gateway's TLS settings for them
    bool openTlsListener(quint16 configuredPort, QString *error);  // on --listen-tls, else server.host and this port
    // Follows admin.listen: opens, moves or closes the separate admin listener.
    bool updateAdminListener(const Config &config, QString *error);
    bool startFleet(QString *error);  // when cluster.etcd.endpoints or --etcd names etcd

    ConfigStore m_store;
    std::unique_ptr<FleetSync> m_fleet;
    std::optional<EtcdSettings> m_fleetEtcd;  // fleet mode: cluster.etcd with the command line's overrides
    std::unique_ptr<ClusterStatus> m_clusterStatus;
    std::unique_ptr<Gateway> m_gateway;
    std::unique_ptr<Discovery> m_discovery;  // after the gateway: it publishes to it
    std::unique_ptr<BackendSourceStatus> m_discoveryStatus;
    std::unique_ptr<AdminApi> m_adminApi;
    std::unique_ptr<AccessLog> m_accessLog;
    std::unique_ptr<ConfigWatcher> m_watcher;
    std::unique_ptr<RecentRequests> m_recent;
    std::unique_ptr<Breakpoints> m_breakpoints;
    ServiceOptions m_options;
    QString m_adminListen;  // what the admin listener is bound to now
    std::vector<std::unique_ptr<EchoBackend>> m_demoBackends;
    std::unique_ptr<ShiftSync> m_shiftSync;  // fleet mode
    QString m_devTlsInstructions;
    quint16 m_devTlsPort = 0;
};

// Where --dev-tls serves HTTPS when the config names no TLS port.
constexpr quint16 kDevTlsPort = 5443;

}  // namespace kairos
