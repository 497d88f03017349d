#include "upstreamconnection.h"

#include <QSslSocket>

namespace kairos {

namespace {
// Enough to keep the pipe busy; beyond it the kernel's TCP window does the waiting.
constexpr qint64 kSocketReadBufferBytes = 256 * 1024;
}  // namespace

QString upstreamPoolKey(const Backend &backend)
{
    return backend.usesTls() && !backend.tlsVerify ? backend.key() + QLatin1String(" (unverified)") : backend.key();
}

UpstreamConnection::UpstreamConnection(const Backend &backend, qsizetype maxHeadBytes)
    : m_key(upstreamPoolKey(backend)),
      m_backendKey(backend.key()),
      m_hostName(backend.hostName()),
      m_port(quint16(backend.port)),
      m_tls(backend.usesTls()),
      m_tlsVerify(backend.tlsVerify),
      m_socket(m_tls ? new QSslSocket : new QTcpSocket),
      m_parser(http::MessageParser::Type::Response, maxHeadBytes)
{
    m_socket->setReadBufferSize(kSocketReadBufferBytes);
}

UpstreamConnection::~UpstreamConnection()
{
    m_socket->disconnect();
    m_socket->abort();
    m_socket->deleteLater();
}

void UpstreamConnection::connectToBackend()
{
    m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    if (!m_tls) {
        m_socket->connectToHost(m_hostName, m_port);
        return;
    }
    auto *ssl = static_cast<QSslSocket *>(m_socket);
    if (!m_tlsVerify)
        ssl->setPeerVerifyMode(QSslSocket::VerifyNone);
    ssl->connectToHostEncrypted(m_hostName, m_port);
}

}  // namespace kairos
