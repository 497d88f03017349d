#include "gatewayservice.h"
#include "shiftsync.h"

#include "admin/adminapi.h"
#include "config/configwatcher.h"
#include "demo/echobackend.h"
#include "discovery/discovery.h"
#include "fleet/fleetsync.h"
#include "metrics/accesslog.h"
#include "metrics/recentrequests.h"
#include "proxy/breakpoints.h"
#include "protection/ratelimiter.h"
#include "tls/devauthority.h"

#include <QLoggingCategory>
#include <QCoreApplication>
#include <QSysInfo>

Q_LOGGING_CATEGORY(lcService, "kairos.service")

namespace kairos {

namespace {

class FleetClusterStatus : public ClusterStatus
{
public:
    explicit FleetClusterStatus(const FleetSync &fleet) : m_fleet(fleet) {}
    QJsonObject status() const override { return m_fleet.status(); }
    QByteArray metricsText() const override { return m_fleet.metricsText(); }

private:
    const FleetSync &m_fleet;
};

class DiscoverySourceStatus : public BackendSourceStatus
{
public:
    explicit DiscoverySourceStatus(const Discovery &discovery) : m_discovery(discovery) {}
    QJsonObject sourceStatus(const QString &source) const override { return m_discovery.sourceStatus(source); }
    QByteArray metricsText() const override { return m_discovery.metricsText(); }

private:
    const Discovery &m_discovery;
};

}  // namespace

GatewayService::GatewayService(QObject *parent) : QObject(parent) {}

GatewayService::~GatewayService()
{
    m_store.setApplier(nullptr);
    if (m_fleet) {
        m_fleet->stop();  // leaves the member list at once
        RateLimiter::setFleetMembers(1);
    }
    m_watcher.reset();
    stop();
    m_demoBackends.clear();
}

bool GatewayService::start(const ServiceOptions &options, QString *error)
{
    m_options = options;
    m_store.setFilePath(options.configPath);
    const ConfigStore::Change loaded = m_store.reloadFromFile();
    if (!loaded.applied()) {
        *error = QStringLiteral("invalid config %1:\n%2").arg(options.configPath, loaded.load.errorSummary());
        return false;
    }
    if (!startFleet(error))
        return false;
    if (options.demo && !startDemoBackends(error))
        return false;

    m_gateway = std::make_unique<Gateway>(m_store.current());
    Gateway *gateway = m_gateway.get();
    m_discovery = std::make_unique<Discovery>(
        [gateway](const DiscoveredBackends &found) { gateway->setDiscoveredBackends(found); });
    Discovery *discovery = m_discovery.get();
    discovery->setOwnPorts([gateway] {
        return QList<quint16>{gateway->serverPort(), gateway->tlsPort(), gateway->adminPort()};
    });
    if (m_fleetEtcd) {
        discovery->setEtcd(*m_fleetEtcd);
        m_shiftSync = std::make_unique<ShiftSync>(*m_fleetEtcd, *gateway);
        m_shiftSync->start();
    }
    m_store.setApplier([gateway, discovery](ConfigSnapshot config) {
        gateway->applyConfig(config);
        discovery->follow(std::move(config));
    });
    discovery->follow(m_store.current());
    connect(&gateway->healthChecker(), &HealthChecker::healthChanged, this, &GatewayService::backendHealthChanged);
    m_adminApi = std::make_unique<AdminApi>(m_store, *gateway);
    if (m_fleet) {
        m_clusterStatus = std::make_unique<FleetClusterStatus>(*m_fleet);
        m_adminApi->setClusterStatus(m_clusterStatus.get());
    }
    m_discoveryStatus = std::make_unique<DiscoverySourceStatus>(*discovery);
    m_adminApi->setBackendSourceStatus(m_discoveryStatus.get());
    gateway->setLocalHandler(m_adminApi.get());
    if (options.accessLog != QLatin1String("none")) {
        m_accessLog = std::make_unique<AccessLog>();
        if (!options.accessLog.isEmpty() && !m_accessLog->openFile(options.accessLog, error))
            return false;
    }
    if (options.recentRequests > 0) {
        m_recent = std::make_unique<RecentRequests>(options.recentRequests);
        gateway->setCaptureHeaders(true);
        m_breakpoints = std::make_unique<Breakpoints>();
        gateway->setBreakpoints(m_breakpoints.get());
    }
    AccessLog *log = m_accessLog.get();
    RecentRequests *recent = m_recent.get();
    if (log || recent) {
        gateway->setRequestObserver([log, recent](const RequestRecord &record) {
            if (log)
                log->write(record);
            if (recent)
                recent->append(record);
        });
    }
    if (options.watchConfigFile) {
        m_watcher = std::make_unique<ConfigWatcher>(m_store);
        m_watcher->start();
    }

    if (!listen(error))
        return false;
    if (!updateAdminListener(*m_store.current(), error))
        return false;
    connect(&m_store, &ConfigStore::configChanged, this, [this](ConfigSnapshot config) {
        QString adminError;
        if (!updateAdminListener(*config, &adminError))
            qCWarning(lcService).noquote() << adminError;
    });
    qCInfo(lcService).noquote() << "Kairos" << KAIROS_VERSION << "listening on" << listenUrl() << "with"
                                << m_gateway->workerCount() << "worker thread(s), config" << options.configPath;
    if (options.devTls)
        qCInfo(lcService).noquote() << "HTTPS with the local development certificate.\n" << m_devTlsInstructions;
    emit listeningChanged(true);
    return true;
}

bool GatewayService::openConfigFile(const QString &path, QString *error)
{
    if (m_fleet) {
        *error =
            QStringLiteral("in fleet mode the routes come from etcd; start an instance with the other file instead");
        return false;
    }
    const ConfigLoadResult load = loadConfigFile(path);
    if (!load.ok()) {
        *error = QStringLiteral("invalid config %1:\n%2").arg(path, load.errorSummary());
        return false;
    }
    const QString previous = m_store.filePath();
    m_store.setFilePath(path);
    const ConfigStore::Change change = m_store.reloadFromFile();
    if (!change.applied()) {
        m_store.setFilePath(previous);
        *error = QStringLiteral("config %1 not applied:\n%2").arg(path, change.message + change.load.errorSummary());
        return false;
    }
    m_options.configPath = path;
    if (m_watcher) {
        m_watcher = std::make_unique<ConfigWatcher>(m_store);
        m_watcher->start();
    }
    qCInfo(lcService).noquote() << "config file is now" << path << "(revision" << change.revision << ")";
    return true;
}

bool GatewayService::startFleet(QString *error)
{
    ClusterSettings cluster = m_store.current()->cluster;
    if (m_options.etcdEndpoints)
        cluster.etcd.endpoints = *m_options.etcdEndpoints;
    if (m_options.etcdPrefix)
        cluster.etcd.prefix = *m_options.etcdPrefix;
    if (!cluster.enabled())
        return true;
    // The command line's values are checked as the file's would be.
    Config withOverrides = *m_store.current();
    withOverrides.cluster = cluster;
    const ConfigLoadResult checked = freezeConfig(withOverrides);
    if (!checked.ok()) {
        *error = QStringLiteral("invalid fleet settings:\n%1").arg(checked.errorSummary());
        return false;
    }
    const ServerSettings &server = m_store.current()->server;
    const QString host = m_options.listenHost.value_or(server.host);
    const quint16 port = m_options.listenPort.value_or(quint16(server.port));
    FleetSync::Options options;
    // Listening on every address, the machine's name tells instances apart ("0.0.0.0" does not).
    const QHostAddress listenAddress(host);
    const bool wildcard =
        listenAddress == QHostAddress(QHostAddress::AnyIPv4) || listenAddress == QHostAddress(QHostAddress::AnyIPv6);
    const QString shownHost = wildcard ? QSysInfo::machineHostName() : host;
    // Port 0 (any free one) is chosen when listening, after the fleet's config is read: the
    // process id stands in for it in the name.
    const QString portText =
        port ? QString::number(port) : QStringLiteral("pid%1").arg(QCoreApplication::applicationPid());
    options.instanceName =
        cluster.instanceName.isEmpty() ? QStringLiteral("%1:%2").arg(shownHost, portText) : cluster.instanceName;
    options.address = QStringLiteral("http://%1:%2")
                          .arg(shownHost.contains(QLatin1Char(':')) ? u'[' + shownHost + u']' : shownHost)
                          .arg(port);
    options.cacheFile =
        cluster.cacheFile.isEmpty() ? FleetSync::defaultCacheFile(m_options.configPath) : cluster.cacheFile;
    options.seed = m_options.etcdSeed;
    m_fleetEtcd = cluster.etcd;  // where discovery reads registrations
    m_fleet = std::make_unique<FleetSync>(m_store, cluster, options);
    m_store.setSharedStore(m_fleet.get());
    if (!m_fleet->start(m_store.lastFileBytes(), error)) {
        m_store.setSharedStore(nullptr);
        m_fleet.reset();
        return false;
    }
    // Rate limits of scope "fleet" follow the member list: each instance admits its share.
    const auto shareLimits = [this] {
        const int members = m_fleet ? m_fleet->memberCount() : 1;
        if (members != RateLimiter::fleetMembers())
            qCInfo(lcService) << "fleet has" << members << "member(s): rate limits of scope fleet admit 1 /" << members
                              << "of their rate here";
        RateLimiter::setFleetMembers(members);
    };
    connect(m_fleet.get(), &FleetSync::statusChanged, this, shareLimits);
    shareLimits();
    qCInfo(lcService).noquote() << "fleet mode: instance" << options.instanceName << "sharing" << cluster.etcd.prefix
                                << "through etcd at" << cluster.etcd.endpoints.join(QLatin1String(", ")) << "with"
                                << m_store.current()->routes.size() << "route(s) at revision" << m_store.revision();
    return true;
}

bool GatewayService::startDemoBackends(QString *error)
{
    int number = 1;
    for (quint16 port : kDemoBackendPorts) {
        auto backend = std::make_unique<EchoBackend>(QStringLiteral("demo-%1").arg(number++));
        if (!backend->listen(QHostAddress::LocalHost, port)) {
            *error = QStringLiteral("cannot start demo backend on 127.0.0.1:%1 (port in use?)").arg(port);
            return false;
        }
        qCInfo(lcService).noquote() << "demo echo backend" << backend->name()
                                    << "on 127.0.0.1:" + QString::number(port);
        m_demoBackends.push_back(std::move(backend));
    }
    return true;
}

bool GatewayService::updateAdminListener(const Config &config, QString *error)
{
    if (config.admin.listen == m_adminListen)
        return true;
    m_adminListen = config.admin.listen;
    m_adminApi->setServedSeparately(!m_adminListen.isEmpty());
    if (m_adminListen.isEmpty()) {
        m_gateway->closeAdmin();
        qCInfo(lcService) << "admin API served on the gateway's port";
        return true;
    }
    const int colon = int(m_adminListen.lastIndexOf(QLatin1Char(':')));
    QString host = m_adminListen.left(colon);
    if (host.startsWith(QLatin1Char('[')) && host.endsWith(QLatin1Char(']')))
        host = host.mid(1, host.size() - 2);
    const QHostAddress address =
        host == QLatin1String("localhost") ? QHostAddress(QHostAddress::LocalHost) : QHostAddress(host);
    QString listenError;
    if (address.isNull()
        || !m_gateway->listenAdmin(address, quint16(m_adminListen.mid(colon + 1).toUInt()), &listenError)) {
        *error = QStringLiteral("cannot serve the admin API on %1 (%2); serving it on the gateway's port")
                     .arg(m_adminListen, address.isNull() ? QStringLiteral("not an IP address") : listenError);
        m_adminListen.clear();  // never leave the API unreachable
        m_adminApi->setServedSeparately(false);
        return false;
    }
    qCInfo(lcService).noquote() << "admin API on" << m_adminListen << "(port" << m_gateway->adminPort() << ")";
    return true;
}

void GatewayService::stop()
{
    const bool wasListening = isListening();
    if (m_gateway)
        m_gateway->close();
    if (wasListening)
        emit listeningChanged(false);
}

bool GatewayService::listen(QString *error)
{
    const ServerSettings &server = m_store.current()->server;
    const QString host = m_options.listenHost.value_or(server.host);
    const quint16 port = m_options.listenPort.value_or(quint16(server.port));
    const QHostAddress address =
        host == QLatin1String("localhost") ? QHostAddress(QHostAddress::LocalHost) : QHostAddress(host);
    if (address.isNull()) {
        *error = QStringLiteral("cannot listen on \"%1\": not an IP address").arg(host);
        return false;
    }
    QString listenError;
    if (!m_gateway->listen(address, port, &listenError)) {
        *error = QStringLiteral("cannot listen on %1:%2: %3").arg(host).arg(port).arg(listenError);
        return false;
    }
    if (!listenTls(error)) {
        m_gateway->close();
        return false;
    }
    return true;
}

bool GatewayService::prepareDevTls(QString *error)
{
    const QString directory =
        m_options.devTlsDirectory.isEmpty() ? tls::defaultDevCertificatesDirectory() : m_options.devTlsDirectory;
    const tls::DevCertificates certificates = tls::ensureDevCertificates(directory, error);
    if (!certificates.isValid())
        return false;
    // The config's TLS settings where it has some (version floor, ALPN, timeouts), with the
    // development certificate in place of its certificates.
    const ServerSettings &server = m_store.current()->server;
    TlsSettings settings = server.tls.value_or(TlsSettings());
    settings.port = server.tls && server.tls->enabled() ? server.tls->port : kDevTlsPort;
    settings.certFile = certificates.certificateFile;
    settings.keyFile = certificates.keyFile;
    settings.certificates.clear();
    m_gateway->setTlsOverride(settings);
    m_devTlsPort = quint16(settings.port);
    m_devTlsInstructions = tls::trustInstructions(certificates, m_options.listenTlsPort.value_or(m_devTlsPort));
    if (certificates.createdAuthority)
        qCInfo(lcService).noquote() << "created the local development certificate authority in" << directory;
    return true;
}

QString GatewayService::startDevTls(QString *error, std::optional<quint16> port)
{
    if (!m_gateway) {
        *error = QStringLiteral("the gateway is not running");
        return QString();
    }
    if (port)
        m_options.listenTlsPort = port;
    m_options.devTls = true;
    if (!prepareDevTls(error) || !listenTls(error)) {
        m_options.devTls = false;
        m_gateway->setTlsOverride(std::nullopt);
        return QString();
    }
    return m_devTlsInstructions;
}

bool GatewayService::listenTls(QString *error)
{
    if (m_options.devTls) {
        if (m_devTlsInstructions.isEmpty() && !prepareDevTls(error))
            return false;
        return openTlsListener(m_devTlsPort, error);
    }
    const ServerSettings &server = m_store.current()->server;
    if (!server.tls) {
        if (!m_options.listenTlsPort)
            return true;
        *error = QStringLiteral("--listen-tls needs a server.tls section with the certificates to serve");
        return false;
    }
    if (!m_options.listenTlsPort && !server.tls->enabled())
        return true;
    return openTlsListener(quint16(server.tls->port), error);
}

bool GatewayService::openTlsListener(quint16 configuredPort, QString *error)
{
    const ServerSettings &server = m_store.current()->server;
    const QString host = m_options.listenTlsHost.value_or(m_options.listenHost.value_or(server.host));
    const quint16 port = m_options.listenTlsPort.value_or(configuredPort);
    const QHostAddress address =
        host == QLatin1String("localhost") ? QHostAddress(QHostAddress::LocalHost) : QHostAddress(host);
    QString listenError;
    if (address.isNull() || !m_gateway->listenTls(address, port, &listenError)) {
        *error = QStringLiteral("cannot listen for TLS on %1:%2: %3")
                     .arg(host)
                     .arg(port)
                     .arg(address.isNull() ? QStringLiteral("not an IP address") : listenError);
        return false;
    }
    qCInfo(lcService).noquote() << QStringLiteral("TLS listener on https://%1:%2").arg(host).arg(m_gateway->tlsPort());
    return true;
}

bool GatewayService::restart(QString *error)
{
    if (!m_gateway)
        return start(m_options, error);
    if (!listen(error))
        return false;
    m_adminListen.clear();  // the gateway dropped its admin listener when it closed
    updateAdminListener(*m_store.current(), error);
    emit listeningChanged(true);
    return true;
}

bool GatewayService::reopenAccessLog(QString *error)
{
    return !m_accessLog || m_accessLog->reopen(error);
}

bool GatewayService::isListening() const
{
    return m_gateway && m_gateway->isListening();
}

QString GatewayService::listenUrl() const
{
    if (!isListening())
        return QString();
    const QHostAddress address = m_gateway->serverAddress();
    const QString host = address.protocol() == QAbstractSocket::IPv6Protocol
                             ? QLatin1Char('[') + address.toString() + QLatin1Char(']')
                             : address.toString();
    return QStringLiteral("http://%1:%2").arg(host).arg(m_gateway->serverPort());
}

}  // namespace kairos
