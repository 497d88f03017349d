#include "proxyexchange.h"

#include <QLoggingCategory>
#include <QSslSocket>

Q_LOGGING_CATEGORY(lcProxy, "kairos.proxy")

namespace kairos {

namespace {

constexpr qsizetype kReplayBufferBytes = 1024 * 1024;
constexpr qint64 kUpstreamHighWaterBytes = 1024 * 1024;

bool isIdempotent(const QByteArray &method)
{
    return method == "GET" || method == "HEAD" || method == "OPTIONS" || method == "PUT" || method == "DELETE"
           || method == "TRACE";
}

void appendChunk(QByteArray &out, QByteArrayView data)
{
    out += QByteArray::number(data.size(), 16);
    out += "\r\n";
    out += data;
    out += "\r\n";
}

}  // namespace

ProxyExchange::ProxyExchange(ExchangeRequest request, ExchangeSink &sink, UpstreamPool &pool, QObject *parent)
    : QObject(parent),
      m_request(std::move(request)),
      m_sink(sink),
      m_pool(pool),
      m_selection(*m_request.snapshot->balancers[size_t(m_request.route->index)], m_request.clientKey),
      m_connectTimer(this),
      m_responseTimer(this)
{
    m_bodyFinished = m_request.bodyFraming == http::MessageParser::Framing::None;
    const ServerSettings &server = m_request.snapshot->config->server;
    const Route &route = *m_request.route->route;
    m_connectTimer.setSingleShot(true);
    m_connectTimer.setInterval(route.connectTimeoutMs.value_or(server.connectTimeoutMs));
    connect(&m_connectTimer, &QTimer::timeout, this, &ProxyExchange::onConnectTimeout);
    m_responseTimer.setSingleShot(true);
    m_responseTimer.setInterval(route.responseTimeoutMs.value_or(server.responseTimeoutMs));
    connect(&m_responseTimer, &QTimer::timeout, this, &ProxyExchange::onResponseTimeout);
}

ProxyExchange::~ProxyExchange()
{
    releaseUpstream(false);
}

QString ProxyExchange::backendKey() const
{
    if (m_backendIndex < 0)
        return QString();
    return m_request.route->route->backends[m_backendIndex].key();
}

void ProxyExchange::start()
{
    const int index = m_selection.nextAvailable();
    if (index < 0) {
        m_phase = Phase::Done;
        m_sink.exchangeFailed(GatewayError::fromStatus(503, "no backend available for this route"));
        return;
    }
    connectTo(index, true);
}

void ProxyExchange::connectTo(int backendIndex, bool allowPooled)
{
    m_backendIndex = backendIndex;
    const Backend &backend = m_request.route->route->backends[backendIndex];
    const BalancedBackend &balanced = m_request.snapshot->balancers[size_t(m_request.route->index)]->backends()[size_t(backendIndex)];
    m_inFlight = InFlightGuard(balanced.state);
    balanced.state->requests.fetch_add(1, std::memory_order_relaxed);
    ++m_attempts;

    if (allowPooled)
        m_upstream = m_pool.take(upstreamPoolKey(backend));
    const bool pooled = m_upstream != nullptr;
    if (!pooled)
        m_upstream = std::make_unique<UpstreamConnection>(backend, m_request.snapshot->config->server.maxHeaderBytes);

    QTcpSocket *socket = m_upstream->socket();
    connect(socket, &QTcpSocket::readyRead, this, &ProxyExchange::onReadyRead);
    connect(socket, &QTcpSocket::disconnected, this, &ProxyExchange::onDisconnected);
    connect(socket, &QTcpSocket::errorOccurred, this, &ProxyExchange::onSocketError);
    connect(socket, &QTcpSocket::bytesWritten, this, &ProxyExchange::onBytesWritten);
    m_upstream->parser().setExpectNoBody(m_request.head.method == "HEAD");

    if (pooled) {
        onConnected();
        return;
    }
    m_phase = Phase::Connecting;
    if (backend.usesTls())
        connect(static_cast<QSslSocket *>(socket), &QSslSocket::encrypted, this, &ProxyExchange::onConnected);
    else
        connect(socket, &QTcpSocket::connected, this, &ProxyExchange::onConnected);
    m_connectTimer.start();
    m_upstream->connectToBackend();
}

void ProxyExchange::onConnected()
{
    m_connectTimer.stop();
    m_phase = Phase::Waiting;
    ForwardingContext context;
    context.peer = m_request.peer;
    context.peerIsTrustedProxy = m_request.peerIsTrustedProxy;
    context.requestId = m_request.requestId;
    context.upstreamTarget = m_request.upstreamTarget;
    context.backend = &m_request.route->route->backends[m_backendIndex];
    context.preserveHost = m_request.route->route->preserveHost;
    context.upgrade = m_request.upgrade;
    http::RequestHead head = upstreamRequestHead(m_request.head, context);
    using Framing = http::MessageParser::Framing;
    if (m_request.bodyFraming == Framing::ContentLength)
        head.headers.add("Content-Length", QByteArray::number(m_request.contentLength));
    else if (m_request.bodyFraming == Framing::Chunked)
        head.headers.add("Transfer-Encoding", "chunked");

    m_upstream->countRequest();
    QByteArray out = serialize(head);
    if (m_request.bodyFraming == Framing::Chunked) {
        QByteArray framed;
        if (!m_replayBody.isEmpty() && m_retriedFresh)
            appendChunk(framed, m_replayBody);
        else if (!m_pendingBody.isEmpty())
            appendChunk(framed, m_pendingBody);
        out += framed;
        if (m_bodyFinished)
            out += "0\r\n\r\n";
    } else {
        out += (m_retriedFresh ? m_replayBody : m_pendingBody);
    }
    m_pendingBody.clear();
    m_upstream->socket()->write(out);
    m_responseTimer.start();
}

void ProxyExchange::sendBody(QByteArrayView data)
{
    if (m_phase == Phase::Done || data.isEmpty())
        return;
    if (m_replayable) {
        if (m_replayBody.size() + data.size() <= kReplayBufferBytes)
            m_replayBody += data;
        else {
            m_replayable = false;
            m_replayBody.clear();
        }
    }
    if (m_phase == Phase::Connecting || m_phase == Phase::Idle) {
        m_pendingBody += data;
        return;
    }
    if (m_request.bodyFraming == http::MessageParser::Framing::Chunked) {
        QByteArray framed;
        appendChunk(framed, data);
        writeToUpstream(framed);
    } else {
        writeToUpstream(data);
    }
}

void ProxyExchange::finishBody()
{
    m_bodyFinished = true;
    if (m_phase == Phase::Connecting || m_phase == Phase::Idle || m_phase == Phase::Done)
        return;
    if (m_request.bodyFraming == http::MessageParser::Framing::Chunked)
        writeToUpstream("0\r\n\r\n");
}

void ProxyExchange::writeToUpstream(QByteArrayView data)
{
    if (m_upstream)
        m_upstream->socket()->write(data.data(), data.size());
}

bool ProxyExchange::isCongested() const
{
    if (m_phase == Phase::Connecting || m_phase == Phase::Idle)
        return m_pendingBody.size() >= kUpstreamHighWaterBytes;
    return m_upstream && m_upstream->socket()->bytesToWrite() >= kUpstreamHighWaterBytes;
}

void ProxyExchange::onBytesWritten()
{
    if (m_upstream && m_upstream->socket()->bytesToWrite() < kUpstreamHighWaterBytes / 2 && !m_bodyFinished)
        m_sink.exchangeReadyForBody();
}

void ProxyExchange::onReadyRead()
{
    if (m_readingPaused || m_phase == Phase::Done)
        return;
    processResponse();
}

void ProxyExchange::resumeResponse()
{
    if (!m_readingPaused)
        return;
    m_readingPaused = false;
    processResponse();
}

void ProxyExchange::processResponse()
{
    using State = http::MessageParser::State;
    QTcpSocket *socket = m_upstream->socket();
    http::MessageParser &parser = m_upstream->parser();
    while (m_phase != Phase::Done && socket->bytesAvailable() > 0) {
        if (m_sink.clientIsCongested()) {
            m_readingPaused = true;
            return;
        }
        const QByteArray data = socket->peek(64 * 1024);
        http::MessageParser::BodyPieces body;
        const qsizetype used = parser.feed(data.constData(), data.size(), &body);
        socket->skip(used);
        for (QByteArrayView piece : body)
            m_sink.exchangeResponseBody(piece);
        switch (parser.state()) {
        case State::Failed: failUpstream(502, "invalid response from backend: " + parser.errorMessage()); return;
        case State::HeadDone: handleResponseHead(); break;
        case State::Complete: completeResponse(); return;
        default: break;
        }
        if (used == 0 && parser.state() != State::HeadDone)
            break;
    }
}

void ProxyExchange::handleResponseHead()
{
    http::MessageParser &parser = m_upstream->parser();
    const int status = parser.response().status;
    if (status == 101 && m_request.upgrade) {
        m_responseTimer.stop();
        m_phase = Phase::Done;
        http::ResponseHead head = parser.response();
        m_upstream->socket()->disconnect(this);
        QByteArray leftover = m_upstream->socket()->readAll();
        m_inFlight.release();
        m_sink.exchangeUpgraded(std::move(head), std::move(m_upstream), std::move(leftover));
        return;
    }
    if (status >= 100 && status < 200) {
        parser.startNextMessage();  // interim responses (100, 102, 103) are not passed on
        parser.setExpectNoBody(m_request.head.method == "HEAD");
        return;
    }
    m_responseTimer.stop();
    m_phase = Phase::Streaming;
    m_responseStarted = true;
    if (status >= 500) {
        const BalancedBackend &balanced = m_request.snapshot->balancers[size_t(m_request.route->index)]->backends()[size_t(m_backendIndex)];
        balanced.state->failures.fetch_add(1, std::memory_order_relaxed);
    }
    parser.continueToBody();
    m_sink.exchangeResponseHead(parser.response(), parser.framing());
    if (parser.state() == http::MessageParser::State::Complete)
        completeResponse();
}

void ProxyExchange::completeResponse()
{
    if (m_phase == Phase::Done)
        return;
    m_phase = Phase::Done;
    m_responseTimer.stop();
    const bool reusable = m_bodyFinished && m_upstream->parser().keepAlive() && !m_request.upgrade;
    releaseUpstream(reusable);
    m_sink.exchangeResponseComplete();
}

void ProxyExchange::onDisconnected()
{
    if (m_phase == Phase::Done || !m_upstream)
        return;
    // Read whatever arrived before the close, then judge.
    if (m_upstream->socket()->bytesAvailable() > 0 && !m_readingPaused)
        processResponse();
    if (m_phase == Phase::Done)
        return;
    http::MessageParser &parser = m_upstream->parser();
    if (parser.state() == http::MessageParser::State::Body && !m_readingPaused) {
        parser.finish();
        if (parser.state() == http::MessageParser::State::Complete) {
            completeResponse();
            return;
        }
    }
    if (m_readingPaused)
        return;  // the rest is still buffered; resumeResponse() finishes the job
    failUpstream(502, "backend closed the connection");
}

void ProxyExchange::onSocketError()
{
    if (m_phase == Phase::Done || !m_upstream)
        return;
    const QAbstractSocket::SocketError error = m_upstream->socket()->error();
    if (error == QAbstractSocket::RemoteHostClosedError) {
        onDisconnected();
        return;
    }
    failUpstream(502, "backend connection failed: " + m_upstream->socket()->errorString().toUtf8());
}

void ProxyExchange::onConnectTimeout()
{
    failUpstream(504, "timed out connecting to the backend");
}

void ProxyExchange::onResponseTimeout()
{
    failUpstream(504, "timed out waiting for the backend's response");
}

bool ProxyExchange::canRetryOnFreshConnection() const
{
    return !m_retriedFresh && !m_responseStarted && m_upstream && m_upstream->carriedEarlierRequests()
           && m_upstream->parser().state() == http::MessageParser::State::Head
           && !m_upstream->parser().hasStartedMessage() && isIdempotent(m_request.head.method) && m_replayable
           && m_phase != Phase::Connecting;
}

void ProxyExchange::failUpstream(int status, const QByteArray &reason)
{
    if (m_phase == Phase::Done)
        return;
    // A pooled connection the backend closed while idle: the request never got there.
    if (canRetryOnFreshConnection()) {
        m_retriedFresh = true;
        m_responseTimer.stop();
        releaseUpstream(false);
        connectTo(m_backendIndex, false);
        return;
    }
    m_phase = Phase::Done;
    m_connectTimer.stop();
    m_responseTimer.stop();
    if (m_backendIndex >= 0) {
        const BalancedBackend &balanced = m_request.snapshot->balancers[size_t(m_request.route->index)]->backends()[size_t(m_backendIndex)];
        balanced.state->failures.fetch_add(1, std::memory_order_relaxed);
    }
    qCWarning(lcProxy).noquote() << "request" << m_request.requestId << "to" << backendKey() << "failed:" << reason;
    releaseUpstream(false);
    if (m_responseStarted)
        m_sink.exchangeAborted(reason);
    else
        m_sink.exchangeFailed(GatewayError::fromStatus(status, reason));
}

void ProxyExchange::cancel()
{
    m_phase = Phase::Done;
    m_connectTimer.stop();
    m_responseTimer.stop();
    releaseUpstream(false);
}

void ProxyExchange::releaseUpstream(bool reusable)
{
    m_inFlight.release();
    if (!m_upstream)
        return;
    m_upstream->socket()->disconnect(this);
    if (reusable)
        m_pool.giveBack(std::move(m_upstream));
    m_upstream.reset();
}

}  // namespace kairos
