#include "tlstransport.h"

#include "sockettransport.h"

#include <QSslConfiguration>
#include <QSslSocket>

namespace kairos {

namespace {
// Enough to keep the pipe busy; beyond it the kernel's TCP window does the waiting.
constexpr qint64 kSocketReadBufferBytes = 256 * 1024;
}  // namespace

TlsTransport::TlsTransport(bool verifyPeer, const QList<QByteArray> &alpn, QString peerName)
    : m_socket(new QSslSocket(this)), m_peerName(std::move(peerName))
{
    m_socket->setReadBufferSize(kSocketReadBufferBytes);
    if (!verifyPeer)
        m_socket->setPeerVerifyMode(QSslSocket::VerifyNone);
    if (!alpn.isEmpty()) {
        QSslConfiguration configuration = m_socket->sslConfiguration();
        configuration.setAllowedNextProtocols(alpn);
        m_socket->setSslConfiguration(configuration);
    }
    connect(m_socket, &QSslSocket::connected, this, [this] { applyTcpKeepAlive(m_socket->socketDescriptor()); });
    connect(m_socket, &QSslSocket::encrypted, this, [this] {
        m_connecting = false;
        if (m_listener)
            m_listener->transportConnected(*this);
    });
    // Writes made while a TLS record is handled leave together, as with SocketTransport events.
    connect(m_socket, &QSslSocket::readyRead, this, [this] {
        OutputBatch batch;
        if (m_listener)
            m_listener->transportReadyRead(*this);
    });
    connect(m_socket, &QSslSocket::bytesWritten, this, [this] {
        OutputBatch batch;
        if (m_listener)
            m_listener->transportBytesWritten(*this);
    });
    connect(m_socket, &QSslSocket::errorOccurred, this, &TlsTransport::onError);
    connect(m_socket, &QSslSocket::disconnected, this, [this] { notifyClosedLater(); });
}

QByteArray TlsTransport::negotiatedProtocol() const
{
    return m_socket->sslConfiguration().nextNegotiatedProtocol();
}

TlsTransport::~TlsTransport()
{
    m_socket->disconnect(this);
}

void TlsTransport::connectToHost(const QString &host, quint16 port)
{
    m_connecting = true;
    m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    m_socket->connectToHostEncrypted(host, port, m_peerName.isEmpty() ? host : m_peerName);
}

bool TlsTransport::isOpen() const
{
    return m_socket->state() == QAbstractSocket::ConnectedState || m_socket->state() == QAbstractSocket::ClosingState;
}

bool TlsTransport::mayRead() const
{
    return m_socket->bytesAvailable() > 0;
}

qint64 TlsTransport::read(char *data, qint64 max)
{
    return std::max<qint64>(m_socket->read(data, max), 0);
}

void TlsTransport::write(QByteArrayView data)
{
    m_socket->write(data.data(), data.size());
}

qint64 TlsTransport::bytesToWrite() const
{
    return m_socket->bytesToWrite();
}

void TlsTransport::close()
{
    m_socket->disconnectFromHost();
}

void TlsTransport::abort()
{
    m_socket->abort();
}

QHostAddress TlsTransport::peerAddress() const
{
    return m_socket->peerAddress();
}

void TlsTransport::onError()
{
    if (m_socket->error() == QAbstractSocket::RemoteHostClosedError)
        return;  // disconnected() follows
    setError(m_connecting ? Error::ConnectFailed : Error::Other, m_socket->errorString());
    notifyClosedLater();
}

}  // namespace kairos
