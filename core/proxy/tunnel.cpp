#include "tunnel.h"

#include "runtime/deadlines.h"

namespace kairos {

namespace {
constexpr qint64 kReadBytes = 64 * 1024;
}  // namespace

Tunnel::Tunnel(Transport *client, std::unique_ptr<UpstreamConnection> upstream, int idleTimeoutMs, QObject *parent)
    : QObject(parent),
      m_client(client),
      m_upstream(std::move(upstream)),
      m_idleTimeoutMs(idleTimeoutMs),
      m_lastActivityMs(Deadlines::nowMs())
{}

Tunnel::~Tunnel()
{
    m_client->setListener(nullptr);
}

void Tunnel::start(const QByteArray &toClient, const QByteArray &toUpstream)
{
    Transport &upstream = *m_upstream->transport();
    m_client->setListener(this);
    upstream.setListener(this);
    m_client->write(toClient);
    upstream.write(toUpstream);
    pump(*m_client, upstream);
    pump(upstream, *m_client);
    if (!m_client->isOpen() || !upstream.isOpen())
        close();
}

void Tunnel::pump(Transport &from, Transport &to)
{
    while (!m_closed && from.mayRead() && to.bytesToWrite() < Transport::kHighWaterBytes) {
        m_buffer.resize(kReadBytes);
        const qint64 got = from.read(m_buffer.data(), kReadBytes);
        if (got <= 0)
            break;
        m_lastActivityMs = Deadlines::nowMs();
        to.write(QByteArrayView(m_buffer).first(got));
    }
}

void Tunnel::close()
{
    if (m_closed)
        return;
    // Deliver what is still waiting on the side that stays up, then close both.
    Transport &upstream = *m_upstream->transport();
    if (m_client->isOpen())
        pump(upstream, *m_client);
    if (upstream.isOpen())
        pump(*m_client, upstream);
    m_closed = true;
    m_client->setListener(nullptr);
    upstream.setListener(nullptr);
    upstream.close();
    emit finished();
}

}  // namespace kairos
