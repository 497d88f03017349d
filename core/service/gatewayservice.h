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
class ConfigWatcher;
class EchoBackend;
class RecentRequests;

struct ServiceOptions {
    QString configPath;
    std::optional<QString> listenHost;  // overrides server.host
    std::optional<quint16> listenPort;  // overrides server.port
    bool demo = false;                  // start the example's echo backends on 9101 and 9102
    bool watchConfigFile = true;        // apply edits of the config file as they happen
    // Access log: "" = through the log (stderr when headless), "none" = off, else a file to append to.
    QString accessLog;
    // Keep the last N requests with their headers (the console's traffic view); 0 = off.
    int recentRequests = 0;
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
    const ServiceOptions &options() const { return m_options; }
    // Listening again after stop(), with the same options (the console's start/stop).
    bool restart(QString *error);

signals:
    void listeningChanged(bool listening);

private:
    bool startDemoBackends(QString *error);
    bool listen(QString *error);  // on --listen / $KAIROS_HOST:$KAIROS_PORT, else server.host:port
    // Follows admin.listen: opens, moves or closes the separate admin listener.
    bool updateAdminListener(const Config &config, QString *error);

    ConfigStore m_store;
    std::unique_ptr<Gateway> m_gateway;
    std::unique_ptr<AdminApi> m_adminApi;
    std::unique_ptr<AccessLog> m_accessLog;
    std::unique_ptr<ConfigWatcher> m_watcher;
    std::unique_ptr<RecentRequests> m_recent;
    ServiceOptions m_options;
    QString m_adminListen;  // what the admin listener is bound to now
    std::vector<std::unique_ptr<EchoBackend>> m_demoBackends;
};

}  // namespace kairos
