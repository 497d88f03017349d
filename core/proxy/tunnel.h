// After a 101 Switching Protocols (WebSocket and other upgrades): raw bytes both ways between the
// client and the backend, with back-pressure, until either side closes.
#pragma once

#include "upstreamconnection.h"

#include <QObject>

#include <memory>

namespace kairos {

class Tunnel : public QObject, private TransportListener
{
    Q_OBJECT

public:
    Tunnel(Transport *client, std::unique_ptr<UpstreamConnection> upstream, QObject *parent = nullptr);
    ~Tunnel() override;
    void start(const QByteArray &toClient, const QByteArray &toUpstream);

signals:
    void finished();

private:
    void transportReadyRead(Transport &from) override { pump(from, other(from)); }
    // A drained side may take what the other side has been holding back.
    void transportBytesWritten(Transport &to) override { pump(other(to), to); }
    void transportClosed(Transport &) override { close(); }
    Transport &other(Transport &side) const { return &side == m_client ? *m_upstream->transport() : *m_client; }
    void pump(Transport &from, Transport &to);
    void close();

    Transport *m_client;
    std::unique_ptr<UpstreamConnection> m_upstream;
    QByteArray m_buffer;
    bool m_closed = false;
};

}  // namespace kairos
