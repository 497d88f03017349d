#include "upstreamconnection.h"

#include "http2upstream.h"
#include "runtime/sockettransport.h"
#include "runtime/tlstransport.h"

namespace kairos {

namespace {

// A discovered backend is reached at its address, and known to TLS by the entry's name.
QString peerName(const Backend &backend)
{
    return backend.discovered ? backend.hostName() : QString();
}

}  // namespace

UpstreamConnection::UpstreamConnection(const Backend &backend, const BalancedBackend &balanced, qsizetype maxHeadBytes)
    : m_key(balanced.connectionKey()),
      m_backendKey(balanced.state->key),
      m_hostName(backend.connectHost()),
      m_port(quint16(backend.port)),
      m_transport(backend.usesHttp2() ? static_cast<Transport *>(
                      new Http2StreamTransport(backend.usesTls(), backend.tlsVerify, maxHeadBytes, peerName(backend)))
                  : backend.usesTls()
                      ? static_cast<Transport *>(new TlsTransport(backend.tlsVerify, {}, peerName(backend)))
                      : new SocketTransport),
      m_parser(http::MessageParser::Type::Response, maxHeadBytes)
{}

UpstreamConnection::~UpstreamConnection()
{
    m_transport->discard();
}

void UpstreamConnection::connectToBackend()
{
    m_transport->connectToHost(m_hostName, m_port);
}

}  // namespace kairos
