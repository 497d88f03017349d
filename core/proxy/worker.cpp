#include "worker.h"

#include "runtime/poller.h"
#include "runtime/sockettransport.h"
#include "tls/tlsservertransport.h"

#include <QCoreApplication>
#include <QLoggingCategory>

#include <cerrno>
#include <cstring>

Q_DECLARE_LOGGING_CATEGORY(lcProxy)

namespace kairos {

Worker::Worker(ConnectionServices services)
    : m_services(std::move(services)), m_pool(this), m_mirror(kMaxMirrorRequestsInFlight, this), m_deadlines(this)
{
    m_services.pool = &m_pool;
    m_services.mirror = &m_mirror;
    m_services.deadlines = &m_deadlines;
    m_services.openConnections = &m_connections;
    // The pool's limits come with applyUpstreamSettings(), which Gateway::startWorkers() queues
    // ahead of any connection.
}

// Connections still open (closeAll() not called) go first: they use the services, pool and
// deadlines, which are destroyed before the list would be.
Worker::~Worker()
{
    m_clientConnections.deleteAll();
}

void Worker::start()
{
    // The thread's epoll set, held from now on: its EpollDispatcher made it before the thread
    // started; on Qt's event loop (the fallback) it is made now. Made on demand, it would come and
    // go with the connections, and at the moment descriptors run out it could not be made at all.
    m_poller = Poller::acquire();
    if (!m_poller)
        qCWarning(lcProxy) << "worker cannot create its epoll set:" << std::strerror(errno);
}

void Worker::accept(qintptr socketDescriptor, bool adminListener)
{
    m_connections.fetch_add(1, std::memory_order_relaxed);
    new ClientConnection(new SocketTransport(int(socketDescriptor)), m_services, adminListener, m_clientConnections);
}

void Worker::acceptTls(qintptr socketDescriptor, TlsServerContextPtr context)
{
    m_connections.fetch_add(1, std::memory_order_relaxed);
    new ClientConnection(new TlsServerTransport(int(socketDescriptor), std::move(context), m_deadlines), m_services,
                         false, m_clientConnections);
}

void Worker::applyUpstreamSettings(const QSet<QString> &backendKeys, int maxIdlePerBackend, int idleTimeoutMs)
{
    m_pool.setLimits(maxIdlePerBackend, idleTimeoutMs);
    m_pool.setLiveBackends(backendKeys);
}

void Worker::closeAll()
{
    m_clientConnections.deleteAll();
    m_pool.clear();
    m_mirror.abortAll();
    m_connections.store(0, std::memory_order_relaxed);
    // Connections and transports are freed by deferred calls, exchanges with deleteLater(); this
    // thread's loop is about to stop, so run them now.
    DeferredCalls::runWaiting();
    QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
    if (m_poller)
        m_poller->release(nullptr);
    m_poller = nullptr;
}

}  // namespace kairos
