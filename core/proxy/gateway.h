// The data plane as one object: listens, spreads connections over worker threads, and serves
// every request from the current GatewaySnapshot. applyConfig() swaps the snapshot atomically:
// requests in flight finish on the one they started with.
#pragma once

#include "clientconnection.h"
#include "config/discoveredbackends.h"
#include "gatewaysnapshot.h"
#include "resilience/healthchecker.h"
#include "shaping/shiftcontroller.h"

#include <QHostAddress>
#include <QMutex>
#include <QObject>

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

class QThread;

namespace kairos {

class Acceptor;
class TlsContextWatcher;
class Worker;

class Gateway : public QObject
{
    Q_OBJECT

public:
    explicit Gateway(ConfigSnapshot config, QObject *parent = nullptr);
    ~Gateway() override;

    // Callable from any thread: when it returns, the next request on any worker uses the new
    // config; health checks and pools follow on the gateway's thread.
    void applyConfig(ConfigSnapshot config);
    // What discovery found last, for every source (callable from any thread): the config's discover
    // entries expand to it, through the same swap as a config change. Nothing changes when it
    // equals what the running snapshot has.
    void setDiscoveredBackends(DiscoveredBackends found);
    GatewaySnapshotPtr snapshot() const;

    // Set before listen(): called from worker threads.
    void setLocalHandler(LocalHandler *handler) { m_localHandler = handler; }
    void setRequestObserver(std::function<void(const RequestRecord &)> observer) { m_observer = std::move(observer); }
    void setCaptureHeaders(bool capture) { m_captureHeaders = capture; }
    // The console's breakpoints (set before start()); null: none, at no cost.
    void setBreakpoints(Breakpoints *breakpoints) { m_breakpoints = breakpoints; }

    bool listen(const QHostAddress &address, quint16 port, QString *error);
    // A second address that serves only the local endpoints (admin.listen); after listen().
    bool listenAdmin(const QHostAddress &address, quint16 port, QString *error);
    void closeAdmin();
    quint16 adminPort() const;
    // The TLS listener, with server.tls of the current config; after listen(). Certificates
    // follow config changes and their files' changes; the address stays until closeTls().
    bool listenTls(const QHostAddress &address, quint16 port, QString *error);
    // TLS settings to use instead of the config's server.tls (--dev-tls: the local development
    // certificate), before listenTls(); nullopt: the config's again.
    void setTlsOverride(std::optional<TlsSettings> settings) { m_tlsOverride = std::move(settings); }
    void closeTls();
    quint16 tlsPort() const;
    // Why the last reload of the TLS certificates failed (the previous ones stay); empty when it
    // did not. On the gateway's thread.
    QString tlsError() const;
    // Reloads of the TLS certificates since the listener opened (file and config changes), for
    // the metrics; none without a TLS listener. From any thread.
    struct TlsReloads {
        quint64 succeeded = 0;
        quint64 failed = 0;
    };
    std::optional<TlsReloads> tlsReloads() const;
    void close();
    bool isListening() const;
    QHostAddress serverAddress() const;
    quint16 serverPort() const;

    BackendRegistry &backendRegistry() { return m_registry; }
    HealthChecker &healthChecker() { return m_healthChecker; }
    RouteMetricsRegistry &routeMetrics() { return m_routeMetrics; }
    // The gradual shifts of split routes; on the gateway's thread.
    ShiftController &shiftController() { return m_shifts; }
    int workerCount() const { return int(m_workers.size()); }
    int activeConnections() const;
    int idleUpstreamConnections() const;  // pooled, summed over workers, up to a second old

private:
    struct WorkerThread;

    void startWorkers(int count);
    void stopWorkers();
    std::unique_ptr<Acceptor> openAcceptor(bool admin, const QHostAddress &address, quint16 port, QString *error);
    void dispatch(qintptr socketDescriptor, bool adminListener);
    void dispatchTls(qintptr socketDescriptor);
    void applyTlsSettings(const ConfigSnapshot &config);
    void publishUpstreamSettings();
    void afterSwap(const GatewaySnapshotPtr &previous, const GatewaySnapshotPtr &current);
    void swapLocked();  // compiles m_written with m_discovered and makes it current; under m_applying

    BackendRegistry m_registry;
    RouteMetricsRegistry m_routeMetrics;
    RateLimiterRegistry m_rateLimiters;
    RequestQueueRegistry m_queues;
    SplitStateRegistry m_splitStates;
    ShiftController m_shifts;
    HealthChecker m_healthChecker;
    GatewaySnapshotPtr m_snapshot;  // read and written with std::atomic_load/atomic_store
    // A config change and a discovery change may come at once from different threads: one swap at
    // a time, each from the latest of both.
    QMutex m_applying;
    ConfigSnapshot m_written;
    DiscoveredBackends m_discovered;
    LocalHandler *m_localHandler = nullptr;
    bool m_captureHeaders = false;
    Breakpoints *m_breakpoints = nullptr;
    std::function<void(const RequestRecord &)> m_observer;
    std::unique_ptr<Acceptor> m_acceptor;
    std::unique_ptr<Acceptor> m_adminAcceptor;
    std::unique_ptr<Acceptor> m_tlsAcceptor;
    std::unique_ptr<TlsContextWatcher> m_tls;  // while the TLS listener is open
    std::optional<TlsSettings> m_tlsOverride;
    const TlsSettings *tlsSettings(const Config &config) const;
    std::atomic<bool> m_tlsListening{false};
    std::atomic<quint64> m_tlsReloadsSucceeded{0};
    std::atomic<quint64> m_tlsReloadsFailed{0};
    std::vector<std::unique_ptr<WorkerThread>> m_workers;
    std::atomic<bool> m_listening{false};  // read from worker threads (readiness probe)
    size_t m_nextWorker = 0;
};

}  // namespace kairos
