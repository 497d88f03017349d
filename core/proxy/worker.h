// One event-loop thread of the data plane: owns its client connections and its upstream pool,
// so nothing on the request path is shared between threads except the read-only snapshot and
// the atomic backend counters.
#pragma once

#include "clientconnection.h"
#include "mirror.h"
#include "runtime/deadlines.h"
#include "tls/tlsservercontext.h"
#include "upstreampool.h"

#include <QObject>
#include <QSet>
#include <QThread>

#include <atomic>

namespace kairos {

class Poller;

class Worker : public QObject
{
    Q_OBJECT

public:
    explicit Worker(ConnectionServices services);
    ~Worker() override;

    // Called in the worker's thread.
    void start();
    void accept(qintptr socketDescriptor, bool adminListener);
    void acceptTls(qintptr socketDescriptor, TlsServerContextPtr context);
    void closeAll();
    // The backends of the current config (idle connections to others are closed) and the pool's
    // limits from its server settings.
    void applyUpstreamSettings(const QSet<QString> &backendKeys, int maxIdlePerBackend, int idleTimeoutMs);
    int connectionCount() const { return m_connections.load(std::memory_order_relaxed); }
    int idleUpstreamConnections() const { return m_pool.publishedIdleCount(); }

private:
    ConnectionServices m_services;
    UpstreamPool m_pool;
    MirrorSender m_mirror;
    Deadlines m_deadlines;
    std::atomic<int> m_connections{0};
    Poller *m_poller = nullptr;  // held from start() to closeAll()
    ClientConnection::List m_clientConnections;
};

}  // namespace kairos
