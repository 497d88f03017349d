#include "sockettransport.h"

#include <QHostInfo>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <vector>

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

namespace kairos {

namespace {

thread_local int batchDepth = 0;
thread_local std::vector<SocketTransport *> batchedTransports;

// Past this, a drained output buffer is freed rather than kept for the next response.
constexpr qsizetype kKeptOutputCapacity = 16 * 1024;

QHostAddress addressOf(const sockaddr_storage &storage)
{
    QHostAddress address;
    address.setAddress(reinterpret_cast<const sockaddr *>(&storage));
    return address;
}

std::atomic<int> keepAliveSeconds{60};

void setSocketOptions(int descriptor)
{
    const int on = 1;
    ::setsockopt(descriptor, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    applyTcpKeepAlive(descriptor);
}

}  // namespace

void applyTcpKeepAlive(qintptr descriptor)
{
    const int on = 1;
    // A peer gone without a FIN (a NAT that forgot the flow, a laptop lid) is found by the kernel:
    // probes after `seconds` idle, every seconds/3 (at least 1 s), 3 unanswered close the socket.
    const int seconds = keepAliveSeconds.load(std::memory_order_relaxed);
    if (seconds <= 0)
        return;
    const int interval = std::max(1, seconds / 3);
    const int probes = 3;
    ::setsockopt(descriptor, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
    ::setsockopt(descriptor, IPPROTO_TCP, TCP_KEEPIDLE, &seconds, sizeof seconds);
    ::setsockopt(descriptor, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof interval);
    ::setsockopt(descriptor, IPPROTO_TCP, TCP_KEEPCNT, &probes, sizeof probes);
}

namespace {}  // namespace

OutputBatch::OutputBatch()
{
    ++batchDepth;
}

OutputBatch::~OutputBatch()
{
    if (--batchDepth > 0)
        return;
    // Sending may fail and schedule callbacks, never run them: the list only changes by removal.
    for (size_t i = 0; i < batchedTransports.size(); ++i) {
        if (SocketTransport *transport = batchedTransports[i])
            transport->sendBatched();
    }
    batchedTransports.clear();
}

void SocketTransport::setTcpKeepAlive(int idleSeconds)
{
    keepAliveSeconds.store(idleSeconds, std::memory_order_relaxed);
}

SocketTransport::SocketTransport() = default;

SocketTransport::SocketTransport(int descriptor) : m_descriptor(descriptor)
{
    const int flags = ::fcntl(descriptor, F_GETFL);
    if (flags >= 0 && !(flags & O_NONBLOCK))
        ::fcntl(descriptor, F_SETFL, flags | O_NONBLOCK);
    setSocketOptions(descriptor);
    sockaddr_storage peer{};
    socklen_t length = sizeof peer;
    if (::getpeername(descriptor, reinterpret_cast<sockaddr *>(&peer), &length) == 0)
        m_peer = addressOf(peer);
    becomeOpen();
}

SocketTransport::~SocketTransport()
{
    if (m_batched)
        std::replace(batchedTransports.begin(), batchedTransports.end(), this, static_cast<SocketTransport *>(nullptr));
    closeDescriptor();
    if (m_poller)
        m_poller->release(this);
}

void SocketTransport::setInterest(quint32 interest)
{
    if (interest == m_interest || m_descriptor < 0)
        return;
    if (!m_poller && !(m_poller = Poller::acquire())) {
        // No descriptor left for this thread's epoll set (workers keep theirs from the start;
        // this is another thread): the socket cannot be served, so it fails like a broken one.
        fail(Error::Other, errno);
        return;
    }
    m_poller->watch(m_descriptor, this, m_interest, interest);
    m_interest = interest;
}

void SocketTransport::watchReadable(bool on)
{
    setInterest(on ? m_interest | Poller::Read : m_interest & ~quint32(Poller::Read));
}

void SocketTransport::pollReady(quint32 ready)
{
    const bool failed = ready & Poller::Failed;
    if (m_state == State::Connecting) {
        onConnectResult();
        return;
    }
    if ((ready & Poller::Read || failed) && (m_interest & Poller::Read))
        onReadable();
    if ((ready & Poller::Write || failed) && (m_interest & Poller::Write) && m_writeWatched)
        onWritable();
}

void SocketTransport::connectToHost(const QString &host, quint16 port)
{
    m_connecting = std::make_unique<Connecting>();
    m_connecting->hostName = host;
    m_connecting->port = port;
    QHostAddress literal;
    if (literal.setAddress(host)) {
        m_connecting->addresses = {literal};
        connectToNextAddress();
        return;
    }
    m_state = State::Resolving;
    // Deleting the context with the transport drops an answer still to come.
    m_connecting->lookupContext = std::make_unique<QObject>();
    QHostInfo::lookupHost(host, m_connecting->lookupContext.get(), [this](const QHostInfo &info) {
        if (m_state != State::Resolving)
            return;
        m_connecting->addresses = info.addresses();
        if (m_connecting->addresses.isEmpty()) {
            setError(Error::ConnectFailed, QStringLiteral("host %1 not found").arg(m_connecting->hostName));
            m_state = State::Closed;
            notifyClosedLater();
            return;
        }
        connectToNextAddress();
    });
}

void SocketTransport::connectToNextAddress()
{
    closeDescriptor();
    const QHostAddress address = m_connecting->addresses.takeFirst();
    sockaddr_storage target{};
    socklen_t length = 0;
    if (address.protocol() == QAbstractSocket::IPv6Protocol) {
        auto *in6 = reinterpret_cast<sockaddr_in6 *>(&target);
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(m_connecting->port);
        const Q_IPV6ADDR bytes = address.toIPv6Address();
        std::memcpy(&in6->sin6_addr, &bytes, sizeof bytes);
        length = sizeof *in6;
    } else {
        auto *in4 = reinterpret_cast<sockaddr_in *>(&target);
        in4->sin_family = AF_INET;
        in4->sin_port = htons(m_connecting->port);
        in4->sin_addr.s_addr = htonl(address.toIPv4Address());
        length = sizeof *in4;
    }
    m_peer = address;
    m_descriptor = ::socket(target.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (m_descriptor < 0) {
        connectFailed(errno);  // e.g. no IPv6 on this host: the next address may do
        return;
    }
    setSocketOptions(m_descriptor);
    m_state = State::Connecting;
    if (::connect(m_descriptor, reinterpret_cast<sockaddr *>(&target), length) < 0 && errno != EINPROGRESS) {
        connectFailed(errno);
        return;
    }
    watchWritable(true);  // writable once the handshake is over, either way
}

void SocketTransport::connectFailed(int errorNumber)
{
    if (!m_connecting->addresses.isEmpty())
        connectToNextAddress();
    else
        fail(Error::ConnectFailed, errorNumber);
}

void SocketTransport::onConnectResult()
{
    int error = 0;
    socklen_t length = sizeof error;
    if (::getsockopt(m_descriptor, SOL_SOCKET, SO_ERROR, &error, &length) < 0)
        error = errno;
    if (error != 0) {
        connectFailed(error);
        return;
    }
    watchWritable(false);
    m_connecting.reset();  // not inside the lookup's callback: a poller event
    becomeOpen();
    if (bytesToWrite() > 0 && !sendBuffered())
        return;
    if (m_listener)
        m_listener->transportConnected(*this);
}

void SocketTransport::becomeOpen()
{
    m_state = State::Open;
    watchReadable(true);
}

void SocketTransport::onReadable()
{
    if (m_state == State::Lingering) {
        discardInput();
        return;
    }
    OutputBatch batch;
    m_readReady = true;
    if (m_listener)
        m_listener->transportReadyRead(*this);
    // A listener that leaves bytes unread will read when it wants more; until then polling the
    // descriptor would only wake this thread again and again.
    if (m_readReady && m_state == State::Open)
        watchReadable(false);
}

void SocketTransport::drained()
{
    m_readReady = false;
    if (m_state == State::Open)
        watchReadable(true);
}

qint64 SocketTransport::read(char *data, qint64 max)
{
    if (!m_readReady || m_state != State::Open || max <= 0)
        return 0;
    for (;;) {
        const ssize_t got = ::recv(m_descriptor, data, size_t(max), 0);
        if (got > 0) {
            if (got < max)
                drained();  // the kernel had no more; saves the read that would say EAGAIN
            return got;
        }
        if (got == 0) {
            m_readReady = false;
            fail(Error::None, 0);  // the peer closed
            return 0;
        }
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            drained();
            return 0;
        }
        fail(errno == ECONNRESET ? Error::Reset : Error::Other, errno);
        return 0;
    }
}

void SocketTransport::writeOwned(QByteArray &&data)
{
    // Queued as it is when no buffer is kept: spares copying it into one, and allocating one.
    if (batchDepth > 0 && m_state == State::Open && !m_writeWatched && m_out.capacity() == 0 && !data.isEmpty()) {
        m_out = std::move(data);
        m_outOffset = 0;
        queueBatched();
        return;
    }
    write(QByteArrayView(data));
}

void SocketTransport::write(QByteArrayView data)
{
    if (data.isEmpty() || m_state == State::Closing || m_state == State::Closed)
        return;
    if (m_state == State::Open && bytesToWrite() == 0 && batchDepth == 0) {
        const bool large = data.size() >= kHighWaterBytes;
        for (;;) {
            const ssize_t sent = ::send(m_descriptor, data.data(), size_t(data.size()), MSG_NOSIGNAL);
            if (sent >= 0) {
                data = data.sliced(sent);
                if (data.isEmpty()) {
                    if (large)
                        notifyWrittenLater();  // its writer may be waiting for the backlog to go
                    return;
                }
                break;
            }
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            fail(errno == ECONNRESET || errno == EPIPE ? Error::Reset : Error::Other, errno);
            return;
        }
    }
    if (m_outOffset > 0 && m_outOffset >= m_out.size() / 2) {
        m_out.remove(0, m_outOffset);
        m_outOffset = 0;
    }
    m_out.append(data.data(), data.size());
    if (m_state != State::Open)
        return;  // sent once connected
    if (batchDepth > 0 && !m_writeWatched)
        queueBatched();
    else
        watchWritable(true);
}

void SocketTransport::queueBatched()
{
    if (!m_batched) {
        m_batched = true;
        batchedTransports.push_back(this);
    }
}

void SocketTransport::releaseIdleMemory()
{
    if (bytesToWrite() == 0) {
        m_out = QByteArray();
        m_outOffset = 0;
    } else {
        m_releaseWhenDrained = true;
    }
}

void SocketTransport::sendBatched()
{
    m_batched = false;
    // With a backlog the write notifier is on and sends (and tells the listener) itself.
    if (m_state != State::Open || m_writeWatched)
        return;
    const bool large = bytesToWrite() >= kHighWaterBytes;
    if (sendBuffered() && large && bytesToWrite() == 0)
        notifyWrittenLater();  // its writer may be waiting; no write notifier will tell it
}

bool SocketTransport::sendBuffered()
{
    while (m_outOffset < m_out.size()) {
        const ssize_t sent =
            ::send(m_descriptor, m_out.constData() + m_outOffset, size_t(m_out.size() - m_outOffset), MSG_NOSIGNAL);
        if (sent >= 0) {
            m_outOffset += sent;
            continue;
        }
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            break;
        fail(errno == ECONNRESET || errno == EPIPE ? Error::Reset : Error::Other, errno);
        return false;
    }
    if (m_outOffset == m_out.size()) {
        if (m_releaseWhenDrained || m_out.capacity() > kKeptOutputCapacity)
            m_out = QByteArray();
        else
            m_out.truncate(0);
        m_outOffset = 0;
        m_releaseWhenDrained = false;
    }
    watchWritable(bytesToWrite() > 0);
    return true;
}

void SocketTransport::onWritable()
{
    if (m_state == State::Connecting) {
        onConnectResult();
        return;
    }
    OutputBatch batch;
    if (!sendBuffered())
        return;
    if (m_state == State::Closing) {
        if (bytesToWrite() == 0)
            finishClosing();
        return;
    }
    if (m_listener)
        m_listener->transportBytesWritten(*this);
}

void SocketTransport::watchWritable(bool on)
{
    if (on == m_writeWatched)
        return;
    m_writeWatched = on;
    setInterest(on ? m_interest | Poller::Write : m_interest & ~quint32(Poller::Write));
}

void SocketTransport::close()
{
    if (m_state == State::Closing || m_state == State::Lingering || m_state == State::Closed)
        return;
    if (m_state != State::Open) {
        abort();
        return;
    }
    m_state = State::Closing;
    watchReadable(false);
    if (bytesToWrite() == 0)
        finishClosing();
    else
        watchWritable(true);
}

void SocketTransport::closeDiscardingInput()
{
    m_discardInputOnClose = true;
    close();
}

void SocketTransport::finishClosing()
{
    if (!m_discardInputOnClose) {
        closeDescriptor();
        m_state = State::Closed;
        notifyClosedLater();
        return;
    }
    ::shutdown(m_descriptor, SHUT_WR);
    m_state = State::Lingering;
    watchWritable(false);
    watchReadable(true);
    discardInput();
}

void SocketTransport::discardInput()
{
    char dropped[16 * 1024];
    for (;;) {
        const ssize_t got = ::recv(m_descriptor, dropped, sizeof dropped, 0);
        if (got > 0)
            continue;
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;  // more may come: the poller says when
        abort();     // the peer closed (or reset): done
        return;
    }
}

void SocketTransport::abort()
{
    if (m_state == State::Closed)
        return;
    closeDescriptor();
    m_state = State::Closed;
    m_out = QByteArray();
    m_outOffset = 0;
    notifyClosedLater();
}

void SocketTransport::fail(Error error, int errorNumber)
{
    if (error != Error::None)
        setError(error, QString::fromLocal8Bit(std::strerror(errorNumber)));
    abort();
}

void SocketTransport::closeDescriptor()
{
    setInterest(Poller::None);  // before the descriptor number can be reused
    m_writeWatched = false;
    if (m_descriptor >= 0)
        ::close(m_descriptor);
    m_descriptor = -1;
    m_readReady = false;
}

void SocketTransport::notifyWrittenLater()
{
    if (m_writtenNotifyQueued)
        return;
    m_writtenNotifyQueued = true;
    callLater([this] {
        m_writtenNotifyQueued = false;
        if (m_listener && m_state == State::Open)
            m_listener->transportBytesWritten(*this);
    });
}

}  // namespace kairos
