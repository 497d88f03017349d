#include "clientconnection.h"

#include "http2connection.h"
#include "ratelimitanswer.h"
#include "runtime/poller.h"
#include "tunnel.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcProxy)

namespace kairos {

namespace {

constexpr qsizetype kInboundChunkBytes = 64 * 1024;
// A keep-alive connection idle this long frees the rest: its small buffers (which a busy
// connection would only allocate again), an exchange retired outside a socket event, the record.
constexpr qint64 kReleaseMemoryAfterIdleMs = 1000;
// Input and head buffers up to this size stay with a connection between its requests.
constexpr qsizetype kKeptBufferBytes = 512;
// A response body up to this size is given room in the buffer of its head.
constexpr quint64 kSmallBodyBytes = 4096;

}  // namespace

void ClientConnection::List::deleteAll()
{
    while (m_first)
        delete m_first;
}

ClientConnection::ClientConnection(Transport *transport, const ConnectionServices &services, bool adminListener,
                                   List &list)
    : m_transport(transport),
      m_services(services),
      m_list(list),
      m_next(list.m_first),
      m_parser(http::MessageParser::Type::Request, services.snapshot()->config->server.maxHeaderBytes),
      m_adminListener(adminListener),
      m_headerTimeoutMs(services.snapshot()->config->server.headerTimeoutMs),
      m_idleTimeoutMs(services.snapshot()->config->server.idleTimeoutMs)
{
    if (m_next)
        m_next->m_previous = this;
    m_list.m_first = this;
    m_transport->setListener(this);
    if (m_services.deadlines)
        m_services.deadlines->add(this);
    armHeaderDeadline();
}

ClientConnection::~ClientConnection()
{
    if (m_services.deadlines)
        m_services.deadlines->remove(this);
    if (m_exchange) {
        m_exchange->cancel();
        delete m_exchange;
    }
    delete m_tunnel;  // before the transport it uses
    m_http2.reset();
    m_transport->setListener(nullptr);
    delete m_transport;
    (m_previous ? m_previous->m_next : m_list.m_first) = m_next;
    if (m_next)
        m_next->m_previous = m_previous;
}

void ClientConnection::retireExchange()
{
    // It may be on the call stack (its own callback led here), so it is freed later: once the
    // socket event being handled returns or, outside one (a timer, TLS), when the next one
    // retires or with the connection. Cheaper than deleteLater() for every request.
    if (!m_exchange)
        return;
    if (Poller::deleteAfterEvent(m_exchange)) {
        m_exchange = nullptr;
        return;
    }
    m_retiredExchange.reset(m_exchange);
    m_exchange = nullptr;
}

void ClientConnection::releaseIdleMemory()
{
    m_idleMemoryReleased = true;
    m_retiredExchange.reset();
    releaseBuffersAbove(0);
    m_transport->releaseIdleMemory();
}

// The input and head buffers, when empty and holding more than `keepBytes`.
void ClientConnection::releaseBuffersAbove(qsizetype keepBytes)
{
    if (m_inboundOffset == m_inbound.size() && m_inbound.capacity() > keepBytes) {
        m_inbound = QByteArray();
        m_inboundOffset = 0;
    }
    m_parser.releaseMemory(keepBytes);
}

ActiveRequest &ClientConnection::newActiveRequest()
{
    m_active = std::make_unique<ActiveRequest>(m_transport->peerAddress());
    if (const TlsSessionInfo *tls = m_transport->tlsSession()) {
        m_active->record.tlsVersion = tls->version;
        m_active->record.alpn = tls->alpn;
    }
    return *m_active;
}

void ClientConnection::armHeaderDeadline()
{
    m_idleDeadline = 0;
    if (m_headerDeadline == 0)
        m_headerDeadline = Deadlines::nowMs() + m_headerTimeoutMs;
}

void ClientConnection::armIdleDeadline()
{
    m_headerDeadline = 0;
    m_idleSinceMs = Deadlines::nowMs();
    m_idleDeadline = m_idleSinceMs + m_idleTimeoutMs;
}

void ClientConnection::checkDeadlines(qint64 nowMs)
{
    if (m_http2 && m_phase == Phase::Http2) {
        m_http2->checkDeadlines(nowMs);
        return;
    }
    if (m_tunnel) {
        if (m_tunnel->isIdle(nowMs)) {
            qCInfo(lcProxy).noquote() << "closing the upgraded connection of" << m_transport->peerAddress().toString()
                                      << "- no byte either way for the tunnel idle timeout";
            m_tunnel->close();  // its finished() closes this connection: nothing after this line
        }
        return;
    }
    if (m_headerDeadline && nowMs >= m_headerDeadline) {
        m_headerDeadline = 0;
        onHeaderTimeout();
    } else if (m_idleDeadline && nowMs >= m_idleDeadline) {
        m_idleDeadline = 0;
        closeConnection();
    } else if (m_sendDeadline && nowMs >= m_sendDeadline) {
        m_sendDeadline = 0;
        qCInfo(lcProxy).noquote() << "closing the connection of" << m_transport->peerAddress().toString()
                                  << "- it read nothing for" << m_idleTimeoutMs << "ms";
        m_transport->abort();
    } else if (m_bodyDeadline && nowMs >= m_bodyDeadline) {
        if (m_exchange && m_exchange->isCongested()) {
            m_bodyDeadline = nowMs + m_idleTimeoutMs;  // the backend is the slow side, not the client
        } else {
            m_bodyDeadline = 0;
            onBodyTimeout();
        }
    } else if (m_idleDeadline && !m_idleMemoryReleased && nowMs - m_idleSinceMs >= kReleaseMemoryAfterIdleMs) {
        releaseIdleMemory();
    } else if (m_exchange) {
        m_exchange->checkDeadlines(nowMs);
    }
}

void ClientConnection::onReadyRead()
{
    if (m_phase == Phase::Http2) {
        m_http2->onReadyRead();
        return;
    }
    if (m_phase == Phase::Tunneling || m_phase == Phase::Closing)
        return;
    if (!m_protocolChosen && startsHttp2())
        return;
    if (m_phase == Phase::AwaitingResponse) {
        // Pipelined bytes wait in m_inbound; reading them now also notices a client that hangs up.
        pullInbound();
        return;
    }
    if (m_phase == Phase::ReadingHead)
        armHeaderDeadline();
    else if (m_phase == Phase::ReadingBody)
        m_bodyDeadline = Deadlines::nowMs() + m_idleTimeoutMs;
    processInbound();
}

bool ClientConnection::startsHttp2()
{
    if (m_adminListener) {
        m_protocolChosen = true;
        return false;
    }
    if (const TlsSessionInfo *tls = m_transport->tlsSession()) {
        m_protocolChosen = true;
        if (tls->alpn != "h2")
            return false;
        switchToHttp2({});
        return true;
    }
    if (!m_services.snapshot()->config->server.http2.cleartext) {
        m_protocolChosen = true;
        return false;
    }
    static constexpr QByteArrayView kPreface("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
    while (m_inbound.size() - m_inboundOffset < kPreface.size() && pullInbound()) {
    }
    const QByteArrayView got = QByteArrayView(m_inbound).sliced(m_inboundOffset);
    const qsizetype compared = std::min(got.size(), kPreface.size());
    if (got.first(compared) != kPreface.first(compared)) {
        m_protocolChosen = true;  // HTTP/1.x: processInbound() parses what was read
        return false;
    }
    if (compared < kPreface.size())
        return true;  // the rest of the preface is still to come
    m_protocolChosen = true;
    const QByteArray alreadyRead = got.toByteArray();  // the preface, which libnghttp2 reads too
    m_inbound.clear();
    m_inboundOffset = 0;
    switchToHttp2(alreadyRead);
    return true;
}

void ClientConnection::switchToHttp2(QByteArrayView alreadyRead)
{
    m_phase = Phase::Http2;
    m_headerDeadline = m_idleDeadline = 0;
    m_requestBodyDone = true;
    m_http2 = std::make_unique<Http2Connection>(*m_transport, m_services, [this] {
        m_phase = Phase::ReadingHead;  // lets closeConnection() run its course
        // After a GOAWAY the client may still be sending frames: read and dropped, so the kernel
        // does not reset the connection before the client has read the GOAWAY.
        m_requestBodyDone = false;
        closeConnection();
    });
    m_http2->start(alreadyRead);
}

QByteArrayView ClientConnection::readIntoThreadBuffer(qint64 max)
{
    // A 64 KiB buffer per connection would cost its touched pages for as long as the connection
    // lives (docs/BENCHMARKS.md); one per thread, and each connection keeps only what it needs.
    thread_local QByteArray readBuffer(kInboundChunkBytes, Qt::Uninitialized);
    if (max <= 0 || !m_transport->mayRead())
        return {};
    const qint64 got = m_transport->read(readBuffer.data(), std::min(max, kInboundChunkBytes));
    return got > 0 ? QByteArrayView(readBuffer.constData(), got) : QByteArrayView();
}

bool ClientConnection::pullInbound()
{
    if (m_inboundOffset == m_inbound.size()) {
        m_inbound.truncate(0);  // keeps the allocation for the next request
        m_inboundOffset = 0;
    }
    const QByteArrayView got = readIntoThreadBuffer(kInboundChunkBytes - (m_inbound.size() - m_inboundOffset));
    if (got.isEmpty())
        return false;
    m_inbound.append(got);
    return true;
}

qsizetype ClientConnection::feedHead()
{
    if (m_inboundOffset < m_inbound.size()) {
        const qsizetype used =
            m_parser.feed(m_inbound.constData() + m_inboundOffset, m_inbound.size() - m_inboundOffset);
        m_inboundOffset += used;
        return used;
    }
    // Nothing buffered, as between a keep-alive client's requests: parsed in the thread's buffer,
    // and only what the parser leaves (body bytes, a pipelined request) is copied, at once,
    // before anything else can read into that buffer. The copy of every head cost an allocation
    // per request, and a kept connection its block.
    const QByteArrayView got = readIntoThreadBuffer(kInboundChunkBytes);
    if (got.isEmpty())
        return -1;
    const qsizetype used = m_parser.feed(got.data(), got.size());
    m_inbound.truncate(0);
    m_inboundOffset = 0;
    if (used < got.size())
        m_inbound.append(got.sliced(used));
    return used;
}

void ClientConnection::processInbound()
{
    if (m_processing)
        return;
    m_processing = true;
    while (m_phase == Phase::ReadingHead || m_phase == Phase::ReadingBody) {
        if (m_phase == Phase::ReadingBody && !m_localRequest && m_exchange && m_exchange->isCongested())
            break;  // exchangeReadyForBody() calls back
        if (m_phase == Phase::ReadingHead) {
            const qsizetype used = feedHead();
            if (used < 0)
                break;  // nothing came
            if (m_parser.state() == http::MessageParser::State::Failed) {
                activeRequest().clock.start();
                record().requestId = newRequestId();
                m_closeAfterResponse = true;
                writeError(GatewayError::fromStatus(m_parser.errorStatus(), m_parser.errorMessage()));
            } else if (m_parser.state() == http::MessageParser::State::HeadDone) {
                handleRequestHead();
            } else if (used == 0 && !pullInbound()) {
                break;
            }
        } else {
            if (m_inboundOffset == m_inbound.size() && !pullInbound())
                break;
            readBody();
        }
    }
    m_processing = false;
}

void ClientConnection::handleRequestHead()
{
    beginRequest();
    const http::RequestHead &head = m_parser.request();
    Admission admission{head, activeRequest(), m_peerText};
    admission.hasContentLength = m_parser.framing() == http::MessageParser::Framing::ContentLength;
    admission.contentLength = m_parser.contentLength();
    admission.bodyExpected = !m_requestBodyDone && head.versionMinor == 1;  // an HTTP/1.0 client knows no 100
    admission.singletonProblem = m_parser.singletonProblem();
    resolveForwardedClient(admission);
    if (std::optional<Refusal> refusal = checkSingletonFields(admission)) {
        m_closeAfterResponse = true;
        writeRefusal(*refusal);
        return;
    }
    if (m_services.localHandler && (m_adminListener || m_services.localHandler->wantsRequest(head))) {
        serveLocally(admission);
        return;
    }
    if (std::optional<Refusal> refusal = admitForProxying(admission)) {
        writeRefusal(*refusal);
        return;
    }
    if (admission.sendContinue)
        m_transport->write("HTTP/1.1 100 Continue\r\n\r\n");
    startProxying(admission);
}

void ClientConnection::beginRequest()
{
    m_headerDeadline = 0;
    m_idleMemoryReleased = false;
    ActiveRequest &current = activeRequest();
    current.clock.start();
    current.snapshot = m_services.snapshot();
    const http::RequestHead &head = m_parser.request();
    RequestRecord &rec = current.record;
    const QByteArray incomingId = head.headers.value("x-request-id");
    rec.requestId = isAcceptableRequestId(incomingId) ? incomingId : newRequestId();
    rec.method = head.method;
    rec.target = head.target;
    if (m_services.captureHeaders) {
        rec.requestHeaders = http::withCredentialsRedacted(head.headers);
        current.captureBodyBytes = current.snapshot->config->console.captureBodyBytes;
    }
    // After an Upgrade request the parser reads no further: unless the backend switches
    // protocols, the connection ends with this response.
    m_closeAfterResponse = !m_parser.keepAlive() || m_parser.isUpgrade();
    m_responseDone = false;
    current.bodyReceived = 0;
    m_parser.continueToBody();
    m_requestBodyDone = m_parser.state() == http::MessageParser::State::Complete;
    m_phase = m_requestBodyDone ? Phase::AwaitingResponse : Phase::ReadingBody;
    m_bodyDeadline = m_requestBodyDone ? 0 : Deadlines::nowMs() + m_idleTimeoutMs;
}

void ClientConnection::serveLocally(const Admission &admission)
{
    ActiveRequest &current = activeRequest();
    m_localRequest = true;
    const RequestRecord &rec = current.record;
    const QHostAddress client = admission.forwardedClient.value_or(rec.peer);
    const QByteArray noBody;
    LocalHandler &handler = *m_services.localHandler;
    if (std::optional<LocalHandler::Response> refusal =
            handler.refuseBeforeBody({admission.head, noBody, rec.peer, client, rec.requestId})) {
        writeLocalResponse(std::move(*refusal));
        return;
    }
    current.bodyLimit = handler.maxBodyBytes();
    if (m_parser.framing() == http::MessageParser::Framing::ContentLength
        && qint64(m_parser.contentLength()) > current.bodyLimit) {
        writeError(GatewayError::fromStatus(413, "request body larger than " + QByteArray::number(current.bodyLimit)
                                                     + " bytes"));
        return;
    }
    if (m_requestBodyDone)
        answerLocally(admission.head, noBody);
}

void ClientConnection::answerLocally(const http::RequestHead &head, const QByteArray &body)
{
    const RequestRecord &rec = record();
    const QHostAddress client = resolveClientAddress(head, rec.peer, activeRequest().snapshot->trustedProxies);
    writeLocalResponse(m_services.localHandler->handle({head, body, rec.peer, client, rec.requestId}));
}

void ClientConnection::startProxying(Admission &admission)
{
    ExchangeRequest request = exchangeRequest(admission, m_transport->tlsSession(), m_services.captureHeaders);
    request.bodyFraming = m_parser.framing();
    request.breakpoints = m_services.breakpoints;
    request.mirror = m_services.mirror;
    if (m_parser.isUpgrade())
        request.upgrade = upgradeToPassOn(admission.head, *admission.match.route->route);
    m_exchange = new ProxyExchange(std::move(request), *this, *m_services.pool);
    m_exchange->start();
}

QByteArray ClientConnection::upgradeToPassOn(const http::RequestHead &head, const Route &route)
{
    ActiveRequest &current = activeRequest();
    const QByteArray requested = head.headers.combinedValue("upgrade");
    const QByteArray allowed = allowedUpgrades(requested, current.snapshot->config->allowedUpgradesFor(route));
    if (allowed.isEmpty()) {
        // RFC 9110 section 7.8 lets a server ignore an upgrade: the request goes on as an
        // ordinary one, without Upgrade and the fields Connection names (HTTP2-Settings).
        current.record.note = "upgrade_ignored";
        qCInfo(lcProxy).noquote() << "request" << current.record.requestId << ": Upgrade"
                                  << http::quotedString(requested)
                                  << "is not in the route's allowed_upgrades; proxied without it";
    }
    return allowed;
}

void ClientConnection::readBody()
{
    http::MessageParser::BodyPieces body;
    const qsizetype used =
        m_parser.feed(m_inbound.constData() + m_inboundOffset, m_inbound.size() - m_inboundOffset, &body);
    m_inboundOffset += used;
    ActiveRequest &current = activeRequest();
    for (QByteArrayView piece : body) {
        current.bodyReceived += piece.size();
        if (current.bodyReceived > current.bodyLimit) {
            m_closeAfterResponse = true;
            if (m_exchange)
                m_exchange->cancel();
            writeError(GatewayError::fromStatus(413, "request body larger than " + QByteArray::number(current.bodyLimit)
                                                         + " bytes"));
            return;
        }
        if (current.captureBodyBytes)
            captureBodyPiece(current.record.requestBody, current.record.requestBodyTruncated, piece,
                             current.captureBodyBytes);
        if (m_localRequest)
            current.localBody += piece;
        else if (m_exchange)
            m_exchange->sendBody(piece);
    }
    if (m_parser.state() == http::MessageParser::State::Failed) {
        m_closeAfterResponse = true;
        if (m_responseDone || !m_exchange) {
            closeConnection();
            return;
        }
        m_exchange->cancel();
        writeError(GatewayError::fromStatus(400, m_parser.errorMessage()));
        return;
    }
    if (m_parser.state() != http::MessageParser::State::Complete)
        return;
    m_requestBodyDone = true;
    m_phase = Phase::AwaitingResponse;
    m_bodyDeadline = 0;
    if (m_localRequest) {
        answerLocally(m_parser.request(), current.localBody);
        return;
    }
    if (m_exchange)
        m_exchange->finishBody(m_parser.trailers());
    if (m_responseDone)
        finishRequest();
}

void ClientConnection::writeLocalResponse(LocalHandler::Response response)
{
    if (!m_requestBodyDone)
        m_closeAfterResponse = true;
    writeWholeResponse(
        localResponseHead(response.status, std::move(response.headers), response.body.size(), record().requestId),
        response.body);
}

void ClientConnection::writeRefusal(const Refusal &refusal)
{
    if (!refusal.answer) {
        writeError(refusal.error, refusal.fields);
        return;
    }
    if (!m_requestBodyDone)
        m_closeAfterResponse = true;
    writeWholeResponse(localResponseHead(*refusal.answer, refusal.fields, 0, record().requestId), {});
}

void ClientConnection::writeError(const GatewayError &error, const http::Headers &fields)
{
    if (!m_requestBodyDone)
        m_closeAfterResponse = true;
    record().gatewayResponse = true;
    const QByteArray body = errorBody(error, record().requestId);
    http::ResponseHead head = errorHead(error, record().requestId, body.size());
    for (const http::Headers::Field &field : fields.fields())
        head.headers.add(field.first, field.second);
    writeWholeResponse(std::move(head), body);
}

void ClientConnection::writeWholeResponse(http::ResponseHead head, const QByteArray &body)
{
    ActiveRequest &current = activeRequest();
    RequestRecord &rec = current.record;
    decorateResponse(current, head.headers);
    if (m_closeAfterResponse)
        head.headers.add("Connection", "close");
    if (m_services.captureHeaders)
        rec.responseHeaders = http::withCredentialsRedacted(head.headers);
    const bool withBody = rec.method != "HEAD";
    if (current.captureBodyBytes && withBody)
        captureBodyPiece(rec.responseBody, rec.responseBodyTruncated, body, current.captureBodyBytes);
    QByteArray out = serialize(head, withBody ? body.size() : 0);
    if (withBody)
        out += body;
    m_transport->writeOwned(std::move(out));
    rec.status = head.status;
    rec.responseBytes = body.size();
    m_responseDone = true;
    finishRequest();
}

void ClientConnection::reportRequest()
{
    reportFinishedRequest(activeRequest(), m_exchange, m_services);
}

void ClientConnection::finishRequest()
{
    reportRequest();
    retireExchange();
    activeRequest().snapshot.reset();
    m_bodyDeadline = 0;
    if (m_closeAfterResponse) {
        closeConnection();
        return;
    }
    m_active.reset();
    m_parser.startNextMessage();
    m_phase = Phase::ReadingHead;
    m_localRequest = false;
    m_responseChunked = false;
    m_responseUntilClose = false;
    const bool buffered = m_inboundOffset < m_inbound.size() || m_transport->mayRead();
    if (!buffered) {
        armIdleDeadline();
        // What the request left goes now: kept until the connection has been idle a second, it
        // leaves holes between the objects of connections accepted meanwhile, which the process
        // keeps (docs/BENCHMARKS.md, idle connections). That is its record (above), large input
        // and head buffers, and the output buffer once sent. Small input and head buffers and the
        // head's fields, which the next head may share, stay for that second: they spare a busy
        // connection several allocations per request.
        releaseBuffersAbove(kKeptBufferBytes);
        m_transport->releaseIdleMemory();
        return;
    }
    m_headerDeadline = 0;
    armHeaderDeadline();
    if (!m_processing)
        m_transport->callLater([this] { processInbound(); });
}

void ClientConnection::closeConnection()
{
    if (m_phase == Phase::Closing)
        return;
    // The client may still be sending what was not read (a body refused by its length, a
    // pipelined request): it must get the answer before the connection goes.
    const bool inputLeft = !m_requestBodyDone || m_inboundOffset < m_inbound.size() || m_transport->mayRead();
    m_phase = Phase::Closing;
    m_headerDeadline = m_idleDeadline = m_bodyDeadline = 0;
    if (m_exchange)
        m_exchange->cancel();
    retireExchange();
    if (inputLeft)
        m_transport->closeDiscardingInput();
    else
        m_transport->close();
    if (!m_transport->isOpen()) {
        onDisconnected();
        return;
    }
    // A client that stops reading must not keep the connection forever: what is left must be
    // sent within the idle timeout (a closing transport reports no progress).
    m_sendDeadline = Deadlines::nowMs() + m_idleTimeoutMs;
}

void ClientConnection::onHeaderTimeout()
{
    if (m_phase != Phase::ReadingHead)
        return;
    const bool started = m_parser.hasStartedMessage() || m_inboundOffset < m_inbound.size();
    if (!started) {
        closeConnection();
        return;
    }
    activeRequest().clock.start();
    record().requestId = newRequestId();
    m_closeAfterResponse = true;
    writeError(GatewayError::fromStatus(408, "timed out reading the request head"));
}

void ClientConnection::onBodyTimeout()
{
    if (m_phase != Phase::ReadingBody)
        return;
    qCInfo(lcProxy).noquote() << "request" << record().requestId << ": no request body bytes for" << m_idleTimeoutMs
                              << "ms; closing";
    m_closeAfterResponse = true;
    if (record().status != 0) {  // the response has begun: all that is left is to end it short
        closeConnection();
        return;
    }
    if (m_exchange)
        m_exchange->cancel();
    writeError(GatewayError::fromStatus(408, "timed out reading the request body"));
}

void ClientConnection::onBytesWritten()
{
    if (m_phase == Phase::Http2) {
        m_http2->onBytesWritten();
        return;
    }
    if (m_sendDeadline)
        m_sendDeadline =
            m_transport->bytesToWrite() >= Transport::kHighWaterBytes ? Deadlines::nowMs() + m_idleTimeoutMs : 0;
    if (m_exchange && m_transport->bytesToWrite() < Transport::kHighWaterBytes / 2)
        m_exchange->resumeResponse();
}

void ClientConnection::onDisconnected()
{
    // Reached twice when disconnectFromHost() finishes at once: from the signal and from
    // closeConnection(). The worker's count goes down once.
    if (m_disconnected)
        return;
    m_disconnected = true;
    m_http2.reset();  // cancels its streams' exchanges
    if (m_exchange)
        m_exchange->cancel();
    retireExchange();
    m_phase = Phase::Closing;
    m_headerDeadline = m_idleDeadline = m_bodyDeadline = 0;
    if (m_services.openConnections)
        m_services.openConnections->fetch_sub(1, std::memory_order_relaxed);
    // Not now: this may be deep in the transport's or an exchange's call stack.
    m_transport->callLater([this] { delete this; });
}

void ClientConnection::exchangeResponseHead(http::ResponseHead head, http::MessageParser::Framing framing,
                                            quint64 contentLength)
{
    RequestRecord &rec = record();
    using Framing = http::MessageParser::Framing;
    http::ResponseHead out = std::move(head);
    removeHopByHopFields(out.headers, {"x-request-id"});
    out.versionMinor = 1;
    const bool clientIsHttp10 = m_parser.request().versionMinor == 0;
    const bool bodyless = rec.method == "HEAD" || out.status == 204 || out.status == 304;
    startResponseCompression(activeRequest(), out,
                             !bodyless && (framing != Framing::None || out.headers.contains("content-length"))
                                 && !(framing == Framing::ContentLength && contentLength == 0));
    if (activeRequest().compressor)
        framing = Framing::Chunked;  // the encoded length is known only at the end
    if (!bodyless) {
        if (framing == Framing::None && !out.headers.contains("content-length")) {
            out.headers.add(QByteArrayLiteral("Content-Length"), QByteArrayLiteral("0"));
        } else if (framing == Framing::Chunked || framing == Framing::UntilClose) {
            out.headers.remove("content-length");
            if (clientIsHttp10) {
                m_responseUntilClose = true;
                m_closeAfterResponse = true;
            } else {
                out.headers.add(QByteArrayLiteral("Transfer-Encoding"), QByteArrayLiteral("chunked"));
                m_responseChunked = true;
            }
        }
    }
    if (!m_requestBodyDone)
        m_closeAfterResponse = true;  // the backend answered before the request body ended
    out.headers.add(QByteArrayLiteral("X-Request-Id"), rec.requestId);
    // The gateway's limit, not the backend's: the backend's own in the exchange when it has less
    // left than the route's.
    const http::Headers &limitFields = m_exchange && !m_exchange->rateLimitFields().isEmpty()
                                           ? m_exchange->rateLimitFields()
                                           : activeRequest().rateLimitFields;
    for (const http::Headers::Field &field : limitFields.fields())
        out.headers.set(field.first, field.second);
    decorateResponse(activeRequest(), out.headers);
    if (m_closeAfterResponse)
        out.headers.add(QByteArrayLiteral("Connection"), QByteArrayLiteral("close"));
    else if (clientIsHttp10)
        out.headers.add(QByteArrayLiteral("Connection"), QByteArrayLiteral("keep-alive"));
    rec.status = out.status;
    if (m_services.captureHeaders) {
        rec.responseHeaders = http::withCredentialsRedacted(out.headers);
        rec.firstByteUs = activeRequest().clock.nsecsElapsed() / 1000;
    }
    // A small body goes out in the head's buffer (the transport queues that buffer as it is).
    const bool smallBody = framing == Framing::ContentLength && !bodyless && contentLength <= kSmallBodyBytes;
    m_transport->writeOwned(serialize(out, smallBody ? qsizetype(contentLength) : 0));
}

void ClientConnection::exchangeResponseBody(QByteArrayView data)
{
    ActiveRequest &current = activeRequest();
    if (current.captureBodyBytes)
        captureBodyPiece(current.record.responseBody, current.record.responseBodyTruncated, data,
                         current.captureBodyBytes);
    if (current.compressor) {
        const QByteArray encoded = encodeResponsePiece(current, data);
        if (!encoded.isEmpty())
            writeResponseBytes(encoded);
        return;
    }
    writeResponseBytes(data);
}

void ClientConnection::writeResponseBytes(QByteArrayView data)
{
    activeRequest().record.responseBytes += data.size();
    if (!m_responseChunked) {
        m_transport->write(data);
    } else {
        QByteArray framed = QByteArray::number(data.size(), 16);
        framed += "\r\n";
        framed += data;
        framed += "\r\n";
        m_transport->writeOwned(std::move(framed));
    }
    if (!m_sendDeadline && m_transport->bytesToWrite() >= Transport::kHighWaterBytes)
        m_sendDeadline = Deadlines::nowMs() + m_idleTimeoutMs;
}

void ClientConnection::exchangeResponseComplete(const http::Headers &trailers)
{
    if (activeRequest().compressor) {
        const QByteArray tail = finishResponseEncoding(activeRequest());
        if (!tail.isEmpty())
            writeResponseBytes(tail);
    }
    // An HTTP/1.0 client reads the body to the close, which has no room for trailer fields
    // (RFC 9110 section 6.5.1 lets them be discarded).
    if (m_responseChunked && trailers.isEmpty())
        m_transport->write("0\r\n\r\n");
    else if (m_responseChunked)
        m_transport->writeOwned(http::lastChunk(trailers));
    m_responseDone = true;
    if (m_requestBodyDone || m_closeAfterResponse)
        finishRequest();
}

void ClientConnection::exchangeFailed(const GatewayError &error)
{
    if (error.closesConnection)
        m_closeAfterResponse = true;
    if (error.note)
        record().note = error.note;
    writeError(error);
}

void ClientConnection::exchangeAborted(const QByteArray &reason)
{
    qCInfo(lcProxy).noquote() << "closing client connection mid-response:" << reason;
    m_closeAfterResponse = true;
    reportRequest();
    retireExchange();
    closeConnection();  // flushes what the client was already sent, so it sees the truncation
}

void ClientConnection::exchangeUpgraded(http::ResponseHead head, std::unique_ptr<UpstreamConnection> upstream,
                                        QByteArray bufferedFromUpstream)
{
    RequestRecord &rec = record();
    const ActiveRequest &current = activeRequest();
    const Route *route = current.snapshot->config->findRoute(rec.routePath);
    const int tunnelIdleTimeoutMs = route && route->overrides->tunnelIdleTimeoutMs
                                        ? *route->overrides->tunnelIdleTimeoutMs
                                        : current.snapshot->config->server.tunnelIdleTimeoutMs;
    const QByteArray upgrade = head.headers.value("upgrade");
    removeHopByHopFields(head.headers);
    head.headers.add("Connection", "Upgrade");
    head.headers.add("Upgrade", upgrade);
    head.headers.set("X-Request-Id", rec.requestId);
    rec.status = head.status;
    const QByteArray toClient = serialize(head) + bufferedFromUpstream;
    const QByteArray toUpstream = m_inbound.mid(m_inboundOffset);
    m_inbound.clear();
    m_inboundOffset = 0;
    reportRequest();
    retireExchange();
    m_phase = Phase::Tunneling;
    m_headerDeadline = m_idleDeadline = 0;
    m_tunnel = new Tunnel(m_transport, std::move(upstream), tunnelIdleTimeoutMs);
    QObject::connect(m_tunnel, &Tunnel::finished, m_tunnel, [this] {
        m_transport->setListener(this);  // the tunnel let go of it: its close must reach onDisconnected()
        m_phase = Phase::ReadingHead;    // lets closeConnection() run its course
        closeConnection();
    });
    m_tunnel->start(toClient, toUpstream);
}

bool ClientConnection::clientIsCongested() const
{
    return m_transport->bytesToWrite() >= Transport::kHighWaterBytes;
}

void ClientConnection::exchangeReadyForBody()
{
    if (m_phase == Phase::ReadingBody)
        processInbound();
}

}  // namespace kairos
