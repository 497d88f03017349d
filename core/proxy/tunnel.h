// After a 101 Switching Protocols (WebSocket and other upgrades): raw bytes both ways between the
// client and the backend, with back-pressure, until either side closes or no byte has moved
// either way for the idle timeout (server.tunnel_idle_timeout_ms, checked by the connection's
// deadlines through closeIfIdle()).
#pragma once

#include "upstreamconnection.h"

#include <QObject>

#include <memory>

namespace kairos {

class Tunnel : public QObject, private TransportListener
{
    Q_OBJECT

public:
    Tunnel(Transport *client, std::unique_ptr<UpstreamConnection> upstream, int idleTimeoutMs,
           QObject *parent = nullptr);
    ~Tunnel() override;
    void start(const QByteArray &toClient, const QByteArray &toUpstream);
    bool isIdle(qint64 nowMs) const { return !m_closed && nowMs - m_lastActivityMs >= m_idleTimeoutMs; }
    // Delivers what is waiting on the side that stays up, closes both, emits finished().
    void close();

signals:
    void finished();

private:
    void transportReadyRead(Transport &from) override { pump(from, other(from)); }
    // A drained side may take what the other side has been holding back.
    void transportBytesWritten(Transport &to) override { pump(other(to), to); }
    void transportClosed(Transport &) override { close(); }
    Transport &other(Transport &side) const { return &side == m_client ? *m_upstream->transport() : *m_client; }
    void pump(Transport &from, Transport &to);

    Transport *m_client;
    std::unique_ptr<UpstreamConnection> m_upstream;
    QByteArray m_buffer;
    const int m_idleTimeoutMs;
    qint64 m_lastActivityMs;
    bool m_closed = false;
};

}  // namespace kairos
