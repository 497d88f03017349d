// After a 101 Switching Protocols (WebSocket and other upgrades): raw bytes both ways between the
// client and the backend, with back-pressure, until either side closes.
#pragma once

#include "upstreamconnection.h"

#include <QObject>
#include <QTcpSocket>

#include <memory>

namespace kairos {

class Tunnel : public QObject
{
    Q_OBJECT

public:
    Tunnel(QTcpSocket *client, std::unique_ptr<UpstreamConnection> upstream, QObject *parent = nullptr);
    ~Tunnel() override;
    void start(const QByteArray &toClient, const QByteArray &toUpstream);

signals:
    void finished();

private:
    void pump(QTcpSocket *from, QTcpSocket *to);
    void close();

    QTcpSocket *m_client;
    std::unique_ptr<UpstreamConnection> m_upstream;
    bool m_closed = false;
};

}  // namespace kairos
