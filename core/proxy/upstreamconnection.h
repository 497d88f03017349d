// One connection to a backend: the socket (TLS for https backends) and the parser of its responses.
// Owned by the UpstreamPool while idle and by a ProxyExchange while it carries a request.
#pragma once

#include "balancing/balancer.h"
#include "config/config.h"
#include "http/messageparser.h"

#include "runtime/transport.h"

#include <QElapsedTimer>

#include <memory>

namespace kairos {

class UpstreamConnection
{
public:
    // balanced: the route's entry for `backend`, whose state has its keys already made.
    UpstreamConnection(const Backend &backend, const BalancedBackend &balanced, qsizetype maxHeadBytes);
    ~UpstreamConnection();
    UpstreamConnection(const UpstreamConnection &) = delete;
    UpstreamConnection &operator=(const UpstreamConnection &) = delete;

    void connectToBackend();
    Transport *transport() const { return m_transport; }
    http::MessageParser &parser() { return m_parser; }
    const QString &key() const { return m_key; }  // the pool key: BalancedBackend::connectionKey()
    const QString &backendKey() const { return m_backendKey; }
    // True when the current request is not the connection's first: a failure before any
    // response byte may then just mean the backend closed it while it sat idle in the pool.
    bool carriedEarlierRequests() const { return m_requests > 1; }
    void countRequest() { ++m_requests; }
    QElapsedTimer &idleSince() { return m_idleSince; }
    // The pool's UpstreamPool::m_liveGeneration when it last found this backend in the config.
    quint64 liveGeneration = 0;

private:
    QString m_key;
    QString m_backendKey;
    QString m_hostName;
    quint16 m_port;
    Transport *m_transport;  // discard()ed: it may be inside one of its own callbacks
    http::MessageParser m_parser;
    int m_requests = 0;
    QElapsedTimer m_idleSince;
};

}  // namespace kairos
