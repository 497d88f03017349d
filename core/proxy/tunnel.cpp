#include "tunnel.h"

namespace kairos {

namespace {
constexpr qint64 kHighWaterBytes = 1024 * 1024;
}

Tunnel::Tunnel(QTcpSocket *client, std::unique_ptr<UpstreamConnection> upstream, QObject *parent)
    : QObject(parent), m_client(client), m_upstream(std::move(upstream))
{
}

Tunnel::~Tunnel() = default;

void Tunnel::start(const QByteArray &toClient, const QByteArray &toUpstream)
{
    QTcpSocket *upstream = m_upstream->socket();
    connect(m_client, &QTcpSocket::readyRead, this, [this, upstream] { pump(m_client, upstream); });
    connect(upstream, &QTcpSocket::readyRead, this, [this, upstream] { pump(upstream, m_client); });
    // A drained side may take what the other side has been holding back.
    connect(m_client, &QTcpSocket::bytesWritten, this, [this, upstream] { pump(upstream, m_client); });
    connect(upstream, &QTcpSocket::bytesWritten, this, [this, upstream] { pump(m_client, upstream); });
    connect(m_client, &QTcpSocket::disconnected, this, &Tunnel::close);
    connect(upstream, &QTcpSocket::disconnected, this, &Tunnel::close);
    connect(m_client, &QTcpSocket::errorOccurred, this, &Tunnel::close);
    connect(upstream, &QTcpSocket::errorOccurred, this, &Tunnel::close);
    if (!toClient.isEmpty())
        m_client->write(toClient);
    if (!toUpstream.isEmpty())
        upstream->write(toUpstream);
    pump(m_client, upstream);
    pump(upstream, m_client);
}

void Tunnel::pump(QTcpSocket *from, QTcpSocket *to)
{
    while (!m_closed && from->bytesAvailable() > 0 && to->bytesToWrite() < kHighWaterBytes)
        to->write(from->read(64 * 1024));
}

void Tunnel::close()
{
    if (m_closed)
        return;
    m_closed = true;
    // Deliver what is still buffered on the side that stays up, then close both.
    QTcpSocket *upstream = m_upstream->socket();
    if (upstream->bytesAvailable() > 0 && m_client->state() == QAbstractSocket::ConnectedState)
        m_client->write(upstream->readAll());
    if (m_client->bytesAvailable() > 0 && upstream->state() == QAbstractSocket::ConnectedState)
        upstream->write(m_client->readAll());
    upstream->disconnectFromHost();
    emit finished();
}

}  // namespace kairos
