#include "gateway.h"

#include "runtime/acceptor.h"
#include "runtime/epolldispatcher.h"
#include "runtime/sockettransport.h"
#include "tls/tlscontextwatcher.h"
#include "worker.h"

#include <QLoggingCategory>
#include <QSet>
#include <QThread>

#include <cerrno>
#include <cstring>

Q_DECLARE_LOGGING_CATEGORY(lcProxy)

namespace kairos {

struct Gateway::WorkerThread {
    QThread thread;
    Worker *worker = nullptr;
};

Gateway::Gateway(ConfigSnapshot config, QObject *parent) : QObject(parent)
{
    applyConfig(std::move(config));
}

Gateway::~Gateway()
{
    close();
}

namespace {

QSet<QString> backendKeys(const GatewaySnapshotPtr &snapshot)
{
    QSet<QString> keys;
    if (snapshot) {
        for (const Route &route : snapshot->config->routes) {
            for (const Backend &backend : route.backends)
                keys.insert(backend.key());
        }
    }
    return keys;
}

QList<HealthChecker::Target> healthTargets(const GatewaySnapshot &snapshot)
{
    QList<HealthChecker::Target> targets;
    const Config &config = *snapshot.config;
    for (int r = 0; r < config.routes.size(); ++r) {
        const Route &route = config.routes[r];
        for (int b = 0; b < route.backends.size(); ++b) {
            if (!route.backends[b].healthCheckPath.isEmpty())
                targets.append({snapshot.balancers[size_t(r)]->backends()[size_t(b)].state, route.backends[b],
                                config.healthCheckFor(route)});
        }
    }
    return targets;
}

}  // namespace

void Gateway::applyConfig(ConfigSnapshot config)
{
    QMutexLocker locker(&m_applying);
    SocketTransport::setTcpKeepAlive(config->server.tcpKeepaliveSeconds);
    m_written = std::move(config);
    swapLocked();
}

void Gateway::setDiscoveredBackends(DiscoveredBackends found)
{
    QMutexLocker locker(&m_applying);
    if (found == m_discovered)
        return;
    m_discovered = std::move(found);
    swapLocked();
}

void Gateway::swapLocked()
{
    int leftOut = 0;
    ConfigSnapshot expanded = expandDiscovered(m_written, m_discovered, &leftOut);
    if (leftOut > 0)
        qCWarning(lcProxy).noquote()
            << QStringLiteral("discovery found more backends than all routes may list together (%1): %2 left out")
                   .arg(kMaxDiscoveredBackends)
                   .arg(leftOut);
    GatewaySnapshotPtr compiled = std::make_shared<const GatewaySnapshot>(
        std::move(expanded), m_registry, m_routeMetrics, &m_rateLimiters, &m_queues, m_written, &m_splitStates);
    GatewaySnapshotPtr previous = std::atomic_exchange(&m_snapshot, compiled);
    if (QThread::currentThread() == thread())
        afterSwap(previous, compiled);
    else
        QMetaObject::invokeMethod(
            this, [this, previous, compiled] { afterSwap(previous, compiled); }, Qt::QueuedConnection);
}

void Gateway::afterSwap(const GatewaySnapshotPtr &previous, const GatewaySnapshotPtr &current)
{
    applyTlsSettings(current->config);
    m_healthChecker.setTargets(healthTargets(*current));
    // Removed backends drain: requests in flight finish on their old snapshot, new ones cannot
    // pick them, and their idle pooled connections are closed.
    for (const QString &key : backendKeys(previous) - backendKeys(current)) {
        const std::shared_ptr<BackendState> state = m_registry.find(key);
        const int inFlight = state ? state->inFlight.load() : 0;
        qCInfo(lcProxy).noquote() << "backend" << key
                                  << "left the running config (a config change or discovery); draining" << inFlight
                                  << "request(s) in flight";
    }
    publishUpstreamSettings();
    m_registry.prune();
    QStringList limitedRoutes;  // and backends (backendLimiterName)
    for (int i = 0; i < current->config->routes.size(); ++i) {
        if (current->rateLimiter(i))
            limitedRoutes.append(current->config->routes[i].externalPath);
        const std::vector<std::shared_ptr<RateLimiter>> &backendLimiters = current->backendRateLimiters(i);
        for (size_t b = 0; b < backendLimiters.size(); ++b) {
            if (backendLimiters[b])
                limitedRoutes.append(
                    GatewaySnapshot::backendLimiterName(current->balancers[size_t(i)]->backend(int(b)).state->key));
        }
    }
    m_rateLimiters.retainOnly(limitedRoutes);
    QStringList queuedRoutes;
    for (int i = 0; i < current->config->routes.size(); ++i) {
        if (current->queue(i))
            queuedRoutes.append(current->config->routes[i].externalPath);
    }
    m_queues.retainOnly(queuedRoutes);
    ShiftController::Routes splitRoutes;
    QStringList splitPaths;
    for (int i = 0; i < current->config->routes.size(); ++i) {
        if (const RouteSplit *split = current->split(i)) {
            splitRoutes.emplace_back(current->config->routes[i].externalPath, split->state);
            splitPaths.append(current->config->routes[i].externalPath);
        }
    }
    m_splitStates.retainOnly(splitPaths);
    m_shifts.track(std::move(splitRoutes));
    // Requests waiting in a kept queue take the slots a raised max_connections made.
    for (const std::shared_ptr<RequestQueue> &queue : current->queues) {
        if (queue)
            queue->claimFreeSlots();
    }
}

void Gateway::publishUpstreamSettings()
{
    const GatewaySnapshotPtr current = snapshot();
    const QSet<QString> live = backendKeys(current);
    const int maxIdle = current->config->server.maxIdleUpstreamConnections;
    const int idleTimeoutMs = current->config->server.idleTimeoutMs;
    for (const auto &thread : m_workers) {
        Worker *worker = thread->worker;
        QMetaObject::invokeMethod(
            worker,
            [worker, live, maxIdle, idleTimeoutMs] { worker->applyUpstreamSettings(live, maxIdle, idleTimeoutMs); },
            Qt::QueuedConnection);
    }
}

GatewaySnapshotPtr Gateway::snapshot() const
{
    return std::atomic_load(&m_snapshot);
}

std::unique_ptr<Acceptor> Gateway::openAcceptor(bool admin, const QHostAddress &address, quint16 port, QString *error)
{
    auto acceptor = std::make_unique<Acceptor>([this, admin](qintptr descriptor) { dispatch(descriptor, admin); });
    if (!acceptor->listen(address, port, error))
        return nullptr;
    return acceptor;
}

const TlsSettings *Gateway::tlsSettings(const Config &config) const
{
    if (m_tlsOverride)
        return &*m_tlsOverride;
    return config.server.tls ? &*config.server.tls : nullptr;
}

void Gateway::applyTlsSettings(const ConfigSnapshot &config)
{
    const TlsSettings *settings = tlsSettings(*config);
    if (!m_tls || !settings)
        return;  // the listener keeps its certificates until it closes
    const TlsServerContextPtr before = m_tls->current();
    QString error;
    if (!m_tls->apply(*settings, &error)) {
        qCWarning(lcProxy).noquote() << "TLS settings not applied, the previous certificates stay in use:" << error;
        ++m_tlsReloadsFailed;
    } else if (m_tls->current() != before) {
        ++m_tlsReloadsSucceeded;
    }
}

bool Gateway::listenTls(const QHostAddress &address, quint16 port, QString *error)
{
    closeTls();
    const ConfigSnapshot config = snapshot()->config;
    const TlsSettings *settings = tlsSettings(*config);
    if (!settings) {
        *error = QStringLiteral("the config has no server.tls");
        return false;
    }
    auto tls = std::make_unique<TlsContextWatcher>();
    if (!tls->apply(*settings, error))
        return false;
    m_tlsAcceptor = std::make_unique<Acceptor>([this](qintptr descriptor) { dispatchTls(descriptor); });
    if (!m_tlsAcceptor->listen(address, port, error)) {
        m_tlsAcceptor.reset();
        return false;
    }
    connect(tls.get(), &TlsContextWatcher::filesReloaded, this,
            [this](bool ok) { (ok ? m_tlsReloadsSucceeded : m_tlsReloadsFailed).fetch_add(1); });
    m_tls = std::move(tls);
    m_tlsReloadsSucceeded = 0;
    m_tlsReloadsFailed = 0;
    m_tlsListening = true;
    return true;
}

void Gateway::closeTls()
{
    m_tlsListening = false;
    m_tlsAcceptor.reset();
    m_tls.reset();
}

std::optional<Gateway::TlsReloads> Gateway::tlsReloads() const
{
    if (!m_tlsListening)
        return std::nullopt;
    return TlsReloads{m_tlsReloadsSucceeded.load(), m_tlsReloadsFailed.load()};
}

quint16 Gateway::tlsPort() const
{
    return m_tlsAcceptor ? m_tlsAcceptor->serverPort() : 0;
}

QString Gateway::tlsError() const
{
    return m_tls ? m_tls->lastError() : QString();
}

bool Gateway::listen(const QHostAddress &address, quint16 port, QString *error)
{
    close();
    m_acceptor = openAcceptor(false, address, port, error);
    if (!m_acceptor)
        return false;
    const int configured = snapshot()->config->server.workers;
    startWorkers(configured > 0 ? configured : std::max(1, QThread::idealThreadCount()));
    m_listening = true;
    return true;
}

bool Gateway::listenAdmin(const QHostAddress &address, quint16 port, QString *error)
{
    closeAdmin();
    m_adminAcceptor = openAcceptor(true, address, port, error);
    return m_adminAcceptor != nullptr;
}

void Gateway::closeAdmin()
{
    m_adminAcceptor.reset();
}

quint16 Gateway::adminPort() const
{
    return m_adminAcceptor ? m_adminAcceptor->serverPort() : 0;
}

void Gateway::close()
{
    m_listening = false;
    closeAdmin();
    closeTls();
    m_acceptor.reset();
    stopWorkers();
}

bool Gateway::isListening() const
{
    return m_listening.load();
}

QHostAddress Gateway::serverAddress() const
{
    return m_acceptor ? m_acceptor->serverAddress() : QHostAddress();
}

quint16 Gateway::serverPort() const
{
    return m_acceptor ? m_acceptor->serverPort() : 0;
}

int Gateway::idleUpstreamConnections() const
{
    int total = 0;
    for (const auto &worker : m_workers)
        total += worker->worker->idleUpstreamConnections();
    return total;
}

int Gateway::activeConnections() const
{
    int total = 0;
    for (const auto &worker : m_workers)
        total += worker->worker->connectionCount();
    return total;
}

void Gateway::startWorkers(int count)
{
    ConnectionServices services;
    services.snapshot = [this] { return snapshot(); };
    services.localHandler = m_localHandler;
    services.unmatchedMetrics = &m_routeMetrics.unmatched();
    services.onRequestFinished = m_observer;
    services.captureHeaders = m_captureHeaders;
    services.breakpoints = m_breakpoints;
    for (int i = 0; i < count; ++i) {
        auto thread = std::make_unique<WorkerThread>();
        thread->thread.setObjectName(QStringLiteral("kairos-worker-%1").arg(i));
        if (EpollDispatcher *dispatcher = EpollDispatcher::create())
            thread->thread.setEventDispatcher(dispatcher);
        else
            qCWarning(lcProxy) << "worker" << i
                               << "runs Qt's event loop: no descriptor left for its own:" << std::strerror(errno);
        thread->worker = new Worker(services);
        thread->worker->moveToThread(&thread->thread);
        connect(&thread->thread, &QThread::finished, thread->worker, &QObject::deleteLater);
        thread->thread.start();
        Worker *worker = thread->worker;
        QMetaObject::invokeMethod(
            worker, [worker] { worker->start(); }, Qt::QueuedConnection);
        m_workers.push_back(std::move(thread));
    }
    publishUpstreamSettings();
}

void Gateway::stopWorkers()
{
    for (auto &thread : m_workers) {
        Worker *worker = thread->worker;
        QMetaObject::invokeMethod(
            worker, [worker] { worker->closeAll(); }, Qt::BlockingQueuedConnection);
        thread->thread.quit();
        thread->thread.wait();
    }
    m_workers.clear();
}

void Gateway::dispatch(qintptr socketDescriptor, bool adminListener)
{
    if (m_workers.empty())
        return;
    Worker *worker = m_workers[m_nextWorker++ % m_workers.size()]->worker;
    QMetaObject::invokeMethod(
        worker, [worker, socketDescriptor, adminListener] { worker->accept(socketDescriptor, adminListener); },
        Qt::QueuedConnection);
}

void Gateway::dispatchTls(qintptr socketDescriptor)
{
    if (m_workers.empty())
        return;
    Worker *worker = m_workers[m_nextWorker++ % m_workers.size()]->worker;
    QMetaObject::invokeMethod(
        worker,
        [worker, socketDescriptor, context = m_tls->current()] { worker->acceptTls(socketDescriptor, context); },
        Qt::QueuedConnection);
}

}  // namespace kairos
