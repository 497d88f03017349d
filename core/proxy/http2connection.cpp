#include "http2connection.h"

#include "connectionservices.h"
#include "forwarding.h"
#include "http2session.h"
#include "runtime/deadlines.h"
#include "runtime/poller.h"
#include "runtime/sockettransport.h"

#include <QDateTime>
#include <QLoggingCategory>

#include <nghttp2/nghttp2.h>

#include <cstring>

Q_DECLARE_LOGGING_CATEGORY(lcProxy)

namespace kairos {

namespace {

// The connection's window bounds what all its streams' unacknowledged request bodies hold together.
constexpr int32_t kConnectionWindowBytes = 4 * kHttp2StreamWindowBytes;
// A stream's response body waiting to leave: past it, the exchange stops reading the backend. Low,
// because a client can open max_concurrent_streams streams and read none of them.
constexpr qsizetype kStreamResponseBufferBytes = 64 * 1024;
// Frames that cost the gateway work but carry no request (PING, SETTINGS, PRIORITY, RST_STREAM,
// empty DATA): a burst, then a steady rate; beyond it the connection ends with ENHANCE_YOUR_CALM.
constexpr double kControlBurst = 1000;
constexpr double kControlPerSecond = 100;
// Rapid reset (CVE-2023-44487) meets the control-frame budget above, whose GOAWAY says
// ENHANCE_YOUR_CALM. libnghttp2's own reset limit stays as a backstop, looser, so that it does not
// answer first with INTERNAL_ERROR (it did on a slow, sanitized build). CONTINUATION frames after
// a HEADERS (CVE-2024-28182).
constexpr uint64_t kResetBurst = 10'000;
constexpr uint64_t kResetsPerSecond = 1'000;
constexpr size_t kMaxContinuations = 8;

// gRPC's own status for an error the gateway answers (grpc/doc/http-grpc-status-mapping.md, with
// timeouts as DEADLINE_EXCEEDED).
int grpcStatus(int httpStatus)
{
    switch (httpStatus) {
    case 400: return 13;  // INTERNAL
    case 401: return 16;  // UNAUTHENTICATED
    case 403: return 7;   // PERMISSION_DENIED
    case 404:
    case 405: return 12;  // UNIMPLEMENTED
    case 408:
    case 504: return 4;  // DEADLINE_EXCEEDED
    case 413:
    case 429: return 8;  // RESOURCE_EXHAUSTED
    case 502:
    case 503: return 14;  // UNAVAILABLE
    default: return 2;    // UNKNOWN
    }
}

// grpc-message is percent-encoded (gRPC's PROTOCOL-HTTP2.md).
QByteArray grpcMessage(const QByteArray &text)
{
    return text.toPercentEncoding(" ");
}

}  // namespace

// One request and its response.
class Http2Connection::Stream final : public ExchangeSink
{
public:
    Stream(Http2Connection &connection, int32_t id)
        : m_connection(connection), m_id(id), m_headerDeadline(Deadlines::nowMs() + connection.m_headerTimeoutMs)
    {}
    ~Stream() override { retireExchange(); }

    void onHeader(QByteArrayView name, QByteArrayView value, bool trailer);
    void onHeadersDone(bool endStream);
    void onData(QByteArrayView data);
    void onRequestEnd();
    void onClosed(uint32_t errorCode);
    void checkDeadlines(qint64 nowMs);
    // A header block begun and not finished within header_timeout_ms (HEADERS without
    // END_HEADERS, then nothing): the connection cannot go on without it.
    bool headBlockOverdue(qint64 nowMs) const;
    ssize_t readResponse(uint8_t *buffer, size_t length, uint32_t *flags);
    void resumeIfDrained();

private:
    nghttp2_session *session() const { return m_connection.m_session; }
    void begin(bool endStream);
    const char *checkFields();
    void serveLocally(Admission &admission);
    void answerLocally();
    void startProxying(Admission &admission, bool endStream);
    void feedExchange();
    void submitResponse(Http2Fields &fields, bool withBody);
    void writeLocalResponse(LocalHandler::Response response);
    void writeWholeResponse(http::ResponseHead head, const QByteArray &body);
    void writeError(const GatewayError &error, const http::Headers &fields = {});
    void writeGrpcError(const GatewayError &error);
    void reset(uint32_t errorCode);
    void report();
    void retireExchange();

    // ExchangeSink
    void exchangeResponseHead(http::ResponseHead head, http::MessageParser::Framing framing,
                              quint64 contentLength) override;
    void exchangeResponseBody(QByteArrayView data) override;
    void exchangeResponseComplete(const http::Headers &trailers) override;
    void exchangeFailed(const GatewayError &error) override;
    void exchangeAborted(const QByteArray &reason) override;
    void exchangeUpgraded(http::ResponseHead, std::unique_ptr<UpstreamConnection>, QByteArray) override;
    bool clientIsCongested() const override;
    void exchangeReadyForBody() override;

    Http2Connection &m_connection;
    const int32_t m_id;
    http::RequestHead m_head;
    QByteArray m_authority;
    int m_hosts = 0;
    int m_authorizations = 0;
    QByteArray m_cookies;  // HTTP/2 may split Cookie into several fields: joined with "; " (RFC 9113 8.2.3)
    qint64 m_headerBytes = 0;
    bool m_headersTooLarge = false;
    http::Headers m_trailers;
    std::unique_ptr<ActiveRequest> m_request;
    ProxyExchange *m_exchange = nullptr;
    bool m_local = false;
    bool m_grpc = false;
    bool m_requestEnded = false;
    bool m_bodyFinished = false;  // told the exchange
    QByteArray m_pendingBody;     // received while the exchange was congested; not yet acknowledged
    qint64 m_bodyDeadline = 0;
    qint64 m_headerDeadline;  // until the request's header block is whole
    // The response, as the exchange hands it over and the session reads it.
    QByteArray m_out;
    qsizetype m_outOffset = 0;
    bool m_outEnded = false;
    bool m_responding = false;  // the response head is submitted
    bool m_deferred = false;    // the session waits for body bytes (NGHTTP2_ERR_DEFERRED)
    bool m_reported = false;
    http::Headers m_outTrailers;
};

void Http2Connection::Stream::onHeader(QByteArrayView name, QByteArrayView value, bool trailer)
{
    m_headerBytes += name.size() + value.size() + 32;  // RFC 9113 6.5.2's size of a field
    if (m_headerBytes > m_connection.m_maxHeaderBytes) {
        // Kept counting, not kept: an HPACK bomb (small frames naming a large table entry again
        // and again) costs no memory, and the stream gets a 431.
        m_headersTooLarge = true;
        return;
    }
    if (trailer) {
        if (!name.startsWith(':'))
            m_trailers.add(name.toByteArray(), value.toByteArray());
        return;
    }
    if (name == ":method") {
        m_head.method = value.toByteArray();
    } else if (name == ":path") {
        m_head.target = value.toByteArray();
    } else if (name == ":authority") {
        m_authority = value.toByteArray();
    } else if (name == "cookie") {
        if (!m_cookies.isEmpty())
            m_cookies += "; ";
        m_cookies += value;
    } else if (!name.startsWith(':')) {
        if (name == "host")
            ++m_hosts;
        else if (name == "authorization")
            ++m_authorizations;
        m_head.headers.add(name.toByteArray(), value.toByteArray());
    }
}

const char *Http2Connection::Stream::checkFields()
{
    if (m_authorizations > 1)
        return "more than one Authorization header field";
    if (m_hosts > 1)
        return "more than one Host header field";
    const QByteArray host = m_head.headers.value("host");
    if (!m_authority.isEmpty()) {
        // RFC 9113 8.3.1: a Host that names another entity than :authority makes the request malformed.
        if (m_hosts == 1 && host != m_authority)
            return "Host and :authority differ";
        if (m_hosts == 0)
            m_head.headers.fields().prepend({QByteArrayLiteral("host"), m_authority});
    } else if (m_hosts == 0) {
        return "a request needs :authority or Host";
    }
    return nullptr;
}

void Http2Connection::Stream::begin(bool endStream)
{
    const ConnectionServices &services = m_connection.m_services;
    m_request = std::make_unique<ActiveRequest>(m_connection.m_transport.peerAddress());
    ActiveRequest &current = *m_request;
    current.clock.start();
    current.snapshot = services.snapshot();
    RequestRecord &rec = current.record;
    if (const TlsSessionInfo *tls = m_connection.m_transport.tlsSession()) {
        rec.tlsVersion = tls->version;
        rec.alpn = tls->alpn;
    } else {
        rec.alpn = QByteArrayLiteral("h2c");
    }
    const QByteArray incomingId = m_head.headers.value("x-request-id");
    rec.requestId = isAcceptableRequestId(incomingId) ? incomingId : newRequestId();
    rec.method = m_head.method;
    rec.target = m_head.target;
    if (!m_cookies.isEmpty())
        m_head.headers.add(QByteArrayLiteral("cookie"), m_cookies);
    if (services.captureHeaders) {
        rec.requestHeaders = http::withCredentialsRedacted(m_head.headers);
        current.captureBodyBytes = current.snapshot->config->console.captureBodyBytes;
    }
    m_requestEnded = endStream;
    m_grpc = m_head.headers.value("content-type").startsWith("application/grpc");
}

void Http2Connection::Stream::onHeadersDone(bool endStream)
{
    m_headerDeadline = 0;
    if (m_request) {  // trailers
        if (endStream)
            onRequestEnd();
        return;
    }
    const char *problem = m_headersTooLarge ? nullptr : checkFields();
    begin(endStream);
    if (m_headersTooLarge) {
        writeError(GatewayError::fromStatus(431, "request header fields larger than "
                                                     + QByteArray::number(m_connection.m_maxHeaderBytes) + " bytes"));
        return;
    }
    Admission admission{m_head, *m_request, m_connection.m_peerText};
    const QByteArray contentLength = m_head.headers.value("content-length");
    admission.hasContentLength = !contentLength.isNull();  // libnghttp2 checked it is a number and the body matches
    admission.contentLength = contentLength.toULongLong();
    admission.bodyExpected = !endStream;
    admission.singletonProblem = problem;
    resolveForwardedClient(admission);
    if (std::optional<Refusal> refusal = checkSingletonFields(admission)) {
        writeError(refusal->error, refusal->fields);
        return;
    }
    LocalHandler *local = m_connection.m_services.localHandler;
    if (local && local->wantsRequest(m_head)) {
        serveLocally(admission);
        return;
    }
    if (std::optional<Refusal> refusal = admitForProxying(admission)) {
        if (refusal->answer)
            writeWholeResponse(localResponseHead(*refusal->answer, refusal->fields, 0, m_request->record.requestId),
                               {});
        else
            writeError(refusal->error, refusal->fields);
        return;
    }
    if (admission.sendContinue) {
        Http2Fields fields;
        fields.add(QByteArrayLiteral(":status"), QByteArrayLiteral("100"));
        nghttp2_submit_headers(session(), NGHTTP2_FLAG_NONE, m_id, nullptr, fields.data(), fields.size(), nullptr);
    }
    startProxying(admission, endStream);
}

void Http2Connection::Stream::serveLocally(Admission &admission)
{
    m_local = true;
    ActiveRequest &current = *m_request;
    const RequestRecord &rec = current.record;
    const QHostAddress client = admission.forwardedClient.value_or(rec.peer);
    LocalHandler &handler = *m_connection.m_services.localHandler;
    const QByteArray noBody;
    if (std::optional<LocalHandler::Response> refusal =
            handler.refuseBeforeBody({m_head, noBody, rec.peer, client, rec.requestId})) {
        writeLocalResponse(std::move(*refusal));
        return;
    }
    current.bodyLimit = handler.maxBodyBytes();
    if (admission.hasContentLength && qint64(admission.contentLength) > current.bodyLimit) {
        writeError(GatewayError::fromStatus(413, "request body larger than " + QByteArray::number(current.bodyLimit)
                                                     + " bytes"));
        return;
    }
    if (m_requestEnded)
        answerLocally();
}

void Http2Connection::Stream::answerLocally()
{
    const RequestRecord &rec = m_request->record;
    const QHostAddress client = resolveClientAddress(m_head, rec.peer, m_request->snapshot->trustedProxies);
    writeLocalResponse(
        m_connection.m_services.localHandler->handle({m_head, m_request->localBody, rec.peer, client, rec.requestId}));
}

void Http2Connection::Stream::startProxying(Admission &admission, bool endStream)
{
    ExchangeRequest request =
        exchangeRequest(admission, m_connection.m_transport.tlsSession(), m_connection.m_services.captureHeaders);
    using Framing = http::MessageParser::Framing;
    // An HTTP/1.1 backend gets the body as the client frames it: by its length when it said one,
    // else chunked, which also carries trailers (gRPC's among them).
    request.bodyFraming = endStream                    ? Framing::None
                          : admission.hasContentLength ? Framing::ContentLength
                                                       : Framing::Chunked;
    request.head.headers.remove("te");  // "trailers" at most, which means nothing to an HTTP/1.1 backend
    request.breakpoints = m_connection.m_services.breakpoints;
    request.mirror = m_connection.m_services.mirror;
    m_bodyFinished = endStream;
    m_bodyDeadline = endStream ? 0 : Deadlines::nowMs() + m_connection.m_idleTimeoutMs;
    m_exchange = new ProxyExchange(std::move(request), *this, *m_connection.m_services.pool);
    m_exchange->start();
}

void Http2Connection::Stream::onData(QByteArrayView data)
{
    if (!m_request || m_outEnded || (!m_exchange && !m_local)) {
        m_connection.consume(m_id, size_t(data.size()));  // answered already: dropped
        return;
    }
    ActiveRequest &current = *m_request;
    current.bodyReceived += data.size();
    m_bodyDeadline = Deadlines::nowMs() + m_connection.m_idleTimeoutMs;
    if (current.bodyReceived > current.bodyLimit) {
        m_connection.consume(m_id, size_t(data.size()));
        if (m_exchange)
            m_exchange->cancel();
        writeError(GatewayError::fromStatus(413, "request body larger than " + QByteArray::number(current.bodyLimit)
                                                     + " bytes"));
        return;
    }
    if (current.captureBodyBytes)
        captureBodyPiece(current.record.requestBody, current.record.requestBodyTruncated, data,
                         current.captureBodyBytes);
    if (m_local) {
        current.localBody += data;
        m_connection.consume(m_id, size_t(data.size()));
        return;
    }
    m_pendingBody += data;
    feedExchange();
}

// Hands the exchange what it can take now and acknowledges that much to the client.
void Http2Connection::Stream::feedExchange()
{
    if (!m_exchange)
        return;
    if (!m_pendingBody.isEmpty() && !m_exchange->isCongested()) {
        const QByteArray piece = std::exchange(m_pendingBody, QByteArray());
        m_exchange->sendBody(piece);
        m_connection.consume(m_id, size_t(piece.size()));
    }
    if (m_pendingBody.isEmpty() && m_requestEnded && !m_bodyFinished) {
        m_bodyFinished = true;
        m_bodyDeadline = 0;
        m_exchange->finishBody(m_trailers);
    }
}

void Http2Connection::Stream::onRequestEnd()
{
    if (!m_request)
        return;
    m_requestEnded = true;
    m_bodyDeadline = 0;
    if (m_local && !m_responding) {
        answerLocally();
        return;
    }
    feedExchange();
}

void Http2Connection::Stream::exchangeReadyForBody()
{
    feedExchange();
    m_connection.flushLater();  // the WINDOW_UPDATE
}

bool Http2Connection::Stream::clientIsCongested() const
{
    return m_out.size() - m_outOffset >= kStreamResponseBufferBytes;
}

void Http2Connection::Stream::submitResponse(Http2Fields &fields, bool withBody)
{
    m_responding = true;
    nghttp2_data_provider provider;
    provider.source.ptr = this;
    provider.read_callback = [](nghttp2_session *, int32_t, uint8_t *buffer, size_t length, uint32_t *flags,
                                nghttp2_data_source *source, void *) -> ssize_t {
        return static_cast<Stream *>(source->ptr)->readResponse(buffer, length, flags);
    };
    const int rv =
        nghttp2_submit_response(session(), m_id, fields.data(), fields.size(), withBody ? &provider : nullptr);
    if (rv != 0)
        qCWarning(lcProxy) << "HTTP/2 stream" << m_id << "response not submitted:" << nghttp2_strerror(rv);
    m_connection.flushLater();
}

ssize_t Http2Connection::Stream::readResponse(uint8_t *buffer, size_t length, uint32_t *flags)
{
    const size_t available = size_t(m_out.size() - m_outOffset);
    const size_t n = std::min(length, available);
    if (n > 0) {
        std::memcpy(buffer, m_out.constData() + m_outOffset, n);
        m_outOffset += qsizetype(n);
        if (m_outOffset == m_out.size()) {
            m_out.truncate(0);
            m_outOffset = 0;
        }
    }
    if (m_outOffset == m_out.size() && m_outEnded) {
        *flags |= NGHTTP2_DATA_FLAG_EOF;
        if (!m_outTrailers.isEmpty()) {
            Http2Fields trailers;
            trailers.addAll(m_outTrailers);
            if (nghttp2_submit_trailer(session(), m_id, trailers.data(), trailers.size()) == 0)
                *flags |= NGHTTP2_DATA_FLAG_NO_END_STREAM;
        }
        return ssize_t(n);
    }
    if (n == 0) {
        m_deferred = true;
        return NGHTTP2_ERR_DEFERRED;
    }
    return ssize_t(n);
}

// Once the session has taken the buffered body down to half the mark, the exchange reads on.
void Http2Connection::Stream::resumeIfDrained()
{
    if (m_exchange && m_out.size() - m_outOffset < kStreamResponseBufferBytes / 2)
        m_exchange->resumeResponse();
}

void Http2Connection::Stream::exchangeResponseHead(http::ResponseHead head, http::MessageParser::Framing framing,
                                                   quint64 contentLength)
{
    ActiveRequest &current = *m_request;
    RequestRecord &rec = current.record;
    removeHopByHopFields(head.headers, {"x-request-id"});
    head.headers.add(QByteArrayLiteral("x-request-id"), rec.requestId);
    const http::Headers &limitFields =
        !m_exchange->rateLimitFields().isEmpty() ? m_exchange->rateLimitFields() : current.rateLimitFields;
    for (const http::Headers::Field &field : limitFields.fields())
        head.headers.set(field.first, field.second);
    decorateResponse(current, head.headers);
    startResponseCompression(current, head,
                             framing != http::MessageParser::Framing::None
                                 && !(framing == http::MessageParser::Framing::ContentLength && contentLength == 0));
    rec.status = head.status;
    if (m_connection.m_services.captureHeaders) {
        rec.responseHeaders = http::withCredentialsRedacted(head.headers);
        rec.firstByteUs = current.clock.nsecsElapsed() / 1000;
    }
    Http2Fields fields;
    fields.add(QByteArrayLiteral(":status"), QByteArray::number(head.status));
    fields.addAll(head.headers);
    const bool bodyless = rec.method == "HEAD" || head.status == 204 || head.status == 304
                          || framing == http::MessageParser::Framing::None;
    submitResponse(fields, !bodyless);
}

void Http2Connection::Stream::exchangeResponseBody(QByteArrayView data)
{
    ActiveRequest &current = *m_request;
    if (current.captureBodyBytes)
        captureBodyPiece(current.record.responseBody, current.record.responseBodyTruncated, data,
                         current.captureBodyBytes);
    const QByteArray encoded = current.compressor ? encodeResponsePiece(current, data) : QByteArray();
    const QByteArrayView out = current.compressor ? QByteArrayView(encoded) : data;
    current.record.responseBytes += out.size();
    m_out += out;
    if (m_deferred) {
        m_deferred = false;
        nghttp2_session_resume_data(session(), m_id);
    }
    m_connection.flushLater();
}

void Http2Connection::Stream::exchangeResponseComplete(const http::Headers &trailers)
{
    if (m_request->compressor) {
        const QByteArray tail = finishResponseEncoding(*m_request);
        m_request->record.responseBytes += tail.size();
        m_out += tail;
    }
    m_outEnded = true;
    m_outTrailers = trailers;
    if (m_deferred) {
        m_deferred = false;
        nghttp2_session_resume_data(session(), m_id);
    }
    report();
    m_connection.flushLater();
}

void Http2Connection::Stream::exchangeFailed(const GatewayError &error)
{
    if (error.note)
        m_request->record.note = error.note;
    writeError(error);
}

void Http2Connection::Stream::exchangeAborted(const QByteArray &reason)
{
    qCInfo(lcProxy).noquote() << "resetting HTTP/2 stream" << m_id << "mid-response:" << reason;
    report();
    reset(NGHTTP2_INTERNAL_ERROR);
}

void Http2Connection::Stream::exchangeUpgraded(http::ResponseHead, std::unique_ptr<UpstreamConnection>, QByteArray)
{
    exchangeAborted("a backend switched protocols on an HTTP/2 stream");  // never asked to
}

void Http2Connection::Stream::writeLocalResponse(LocalHandler::Response response)
{
    writeWholeResponse(localResponseHead(response.status, std::move(response.headers), response.body.size(),
                                         m_request->record.requestId),
                       response.body);
}

// A response the gateway made itself, sent whole; ends the request.
void Http2Connection::Stream::writeWholeResponse(http::ResponseHead head, const QByteArray &body)
{
    decorateResponse(*m_request, head.headers);
    Http2Fields fields;
    fields.add(QByteArrayLiteral(":status"), QByteArray::number(head.status));
    fields.addAll(head.headers);
    RequestRecord &rec = m_request->record;
    rec.status = head.status;
    rec.responseBytes = body.size();
    if (m_connection.m_services.captureHeaders)
        rec.responseHeaders = http::withCredentialsRedacted(head.headers);
    const bool withBody = rec.method != "HEAD" && !body.isEmpty();
    m_out = withBody ? body : QByteArray();
    m_outEnded = true;
    m_local = false;
    submitResponse(fields, withBody);
    report();
}

void Http2Connection::Stream::writeError(const GatewayError &error, const http::Headers &extra)
{
    RequestRecord &rec = m_request->record;
    rec.gatewayResponse = true;
    retireExchange();
    if (m_responding) {  // too late for an answer
        report();
        reset(NGHTTP2_INTERNAL_ERROR);
        return;
    }
    if (m_grpc) {
        writeGrpcError(error);
        return;
    }
    const QByteArray body = errorBody(error, rec.requestId);
    http::ResponseHead head = errorHead(error, rec.requestId, body.size());
    for (const http::Headers::Field &field : extra.fields())
        head.headers.add(field.first, field.second);
    writeWholeResponse(head, body);
}

// A gRPC client reads the outcome from grpc-status, not from a JSON body: a trailers-only response.
void Http2Connection::Stream::writeGrpcError(const GatewayError &error)
{
    RequestRecord &rec = m_request->record;
    Http2Fields fields;
    fields.add(QByteArrayLiteral(":status"), QByteArrayLiteral("200"));
    fields.add(QByteArrayLiteral("content-type"), QByteArrayLiteral("application/grpc"));
    fields.add(QByteArrayLiteral("grpc-status"), QByteArray::number(grpcStatus(error.status)));
    fields.add(QByteArrayLiteral("grpc-message"), grpcMessage(error.message));
    fields.add(QByteArrayLiteral("x-request-id"), rec.requestId);
    rec.status = error.status;  // the access log and metrics count what happened, not gRPC's 200
    m_outEnded = true;
    m_local = false;
    submitResponse(fields, false);
    report();
}

void Http2Connection::Stream::reset(uint32_t errorCode)
{
    retireExchange();
    nghttp2_submit_rst_stream(session(), NGHTTP2_FLAG_NONE, m_id, errorCode);
    m_connection.flushLater();
}

void Http2Connection::Stream::report()
{
    if (m_reported || !m_request)
        return;
    m_reported = true;
    reportFinishedRequest(*m_request, m_exchange, m_connection.m_services);
}

void Http2Connection::Stream::retireExchange()
{
    if (!m_exchange)
        return;
    m_exchange->cancel();
    // It may be on the call stack (its own callback led here).
    if (!Poller::deleteAfterEvent(m_exchange))
        m_exchange->deleteLater();
    m_exchange = nullptr;
}

void Http2Connection::Stream::onClosed(uint32_t errorCode)
{
    if (!m_reported && m_request && errorCode != NGHTTP2_NO_ERROR) {
        m_request->record.note = "client_reset";
        if (m_request->record.status == 0)
            m_request->record.status = 499;
        report();
    }
    retireExchange();
}

bool Http2Connection::Stream::headBlockOverdue(qint64 nowMs) const
{
    return m_headerDeadline && nowMs >= m_headerDeadline;
}

void Http2Connection::Stream::checkDeadlines(qint64 nowMs)
{
    if (m_bodyDeadline && nowMs >= m_bodyDeadline) {
        if (m_exchange && m_exchange->isCongested()) {
            m_bodyDeadline = nowMs + m_connection.m_idleTimeoutMs;  // the backend is the slow side
        } else {
            m_bodyDeadline = 0;
            qCInfo(lcProxy).noquote() << "request" << m_request->record.requestId << ": no request body bytes for"
                                      << m_connection.m_idleTimeoutMs << "ms on HTTP/2 stream" << m_id;
            writeError(GatewayError::fromStatus(408, "timed out reading the request body"));
            return;
        }
    }
    if (m_exchange)
        m_exchange->checkDeadlines(nowMs);
}

struct Http2Connection::Callbacks {
    static Http2Connection &self(void *data) { return *static_cast<Http2Connection *>(data); }

    static int beginHeaders(nghttp2_session *session, const nghttp2_frame *frame, void *data)
    {
        if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST)
            return 0;
        Http2Connection &connection = self(data);
        auto stream = std::make_unique<Stream>(connection, frame->hd.stream_id);
        nghttp2_session_set_stream_user_data(session, frame->hd.stream_id, stream.get());
        connection.m_streams[frame->hd.stream_id] = std::move(stream);
        connection.m_idleDeadline = 0;
        return 0;
    }

    static int header(nghttp2_session *, const nghttp2_frame *frame, const uint8_t *name, size_t nameLength,
                      const uint8_t *value, size_t valueLength, uint8_t, void *data)
    {
        if (frame->hd.type != NGHTTP2_HEADERS)
            return 0;
        if (Stream *stream = self(data).stream(frame->hd.stream_id))
            stream->onHeader(QByteArrayView(name, qsizetype(nameLength)), QByteArrayView(value, qsizetype(valueLength)),
                             frame->headers.cat == NGHTTP2_HCAT_HEADERS);
        return 0;
    }

    static int frameReceived(nghttp2_session *, const nghttp2_frame *frame, void *data)
    {
        Http2Connection &connection = self(data);
        const bool endStream = frame->hd.flags & NGHTTP2_FLAG_END_STREAM;
        switch (frame->hd.type) {
        case NGHTTP2_HEADERS:
            if (Stream *stream = connection.stream(frame->hd.stream_id))
                stream->onHeadersDone(endStream);
            break;
        case NGHTTP2_DATA:
            if (frame->hd.length == 0 && !endStream && !connection.spendControlBudget())
                return 0;
            if (endStream) {
                if (Stream *stream = connection.stream(frame->hd.stream_id))
                    stream->onRequestEnd();
            }
            break;
        case NGHTTP2_PING:
        case NGHTTP2_SETTINGS:
            if (!(frame->hd.flags & NGHTTP2_FLAG_ACK))
                connection.spendControlBudget();
            break;
        case NGHTTP2_PRIORITY:
        case NGHTTP2_RST_STREAM: connection.spendControlBudget(); break;
        default: break;
        }
        return 0;
    }

    static int dataChunk(nghttp2_session *, uint8_t, int32_t streamId, const uint8_t *bytes, size_t length, void *data)
    {
        Http2Connection &connection = self(data);
        if (Stream *stream = connection.stream(streamId))
            stream->onData(QByteArrayView(bytes, qsizetype(length)));
        else
            connection.consume(streamId, length);
        return 0;
    }

    static int streamClosedWithCode(nghttp2_session *, int32_t streamId, uint32_t errorCode, void *data)
    {
        Http2Connection &connection = self(data);
        if (Stream *stream = connection.stream(streamId))
            stream->onClosed(errorCode);
        connection.closeStream(streamId);
        return 0;
    }
};

Http2Connection::Http2Connection(Transport &transport, const ConnectionServices &services,
                                 std::function<void()> finished)
    : m_transport(transport), m_services(services), m_finished(std::move(finished)), m_controlTokens(kControlBurst)
{
    const GatewaySnapshotPtr snapshot = services.snapshot();
    const ServerSettings &server = snapshot->config->server;
    m_maxHeaderBytes = server.maxHeaderBytes;
    m_idleTimeoutMs = server.idleTimeoutMs;
    m_headerTimeoutMs = server.headerTimeoutMs;
    m_controlRefillMs = Deadlines::nowMs();
    m_idleDeadline = m_controlRefillMs + m_idleTimeoutMs;

    nghttp2_session_callbacks *callbacks = nullptr;
    nghttp2_session_callbacks_new(&callbacks);
    nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks, &Callbacks::beginHeaders);
    nghttp2_session_callbacks_set_on_header_callback(callbacks, &Callbacks::header);
    nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, &Callbacks::frameReceived);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, &Callbacks::dataChunk);
    nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, &Callbacks::streamClosedWithCode);
    nghttp2_option *options = nullptr;
    nghttp2_option_new(&options);
    nghttp2_option_set_no_auto_window_update(options, 1);
    // Closed streams are kept only for RFC 7540's priority tree, which the gateway does not use
    // (bench/h2/h2.py, -m1: libnghttp2's stream bookkeeping was its largest cost).
    nghttp2_option_set_no_closed_streams(options, 1);
    nghttp2_option_set_stream_reset_rate_limit(options, kResetBurst, kResetsPerSecond);
    nghttp2_option_set_max_continuations(options, kMaxContinuations);
    nghttp2_session_server_new2(&m_session, callbacks, this, options);
    nghttp2_option_del(options);
    nghttp2_session_callbacks_del(callbacks);

    const nghttp2_settings_entry settings[] = {
        {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, uint32_t(server.http2.maxConcurrentStreams)},
        {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, uint32_t(kHttp2StreamWindowBytes)},
        {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, uint32_t(std::min<qint64>(server.maxHeaderBytes, UINT32_MAX))},
    };
    nghttp2_submit_settings(m_session, NGHTTP2_FLAG_NONE, settings, std::size(settings));
    nghttp2_session_set_local_window_size(m_session, NGHTTP2_FLAG_NONE, 0, kConnectionWindowBytes);
}

Http2Connection::~Http2Connection()
{
    m_streams.clear();  // cancels their exchanges
    m_closedStreams.clear();
    nghttp2_session_del(m_session);
}

Http2Connection::Stream *Http2Connection::stream(int32_t id) const
{
    const auto found = m_streams.find(id);
    return found == m_streams.end() ? nullptr : found->second.get();
}

void Http2Connection::start(QByteArrayView alreadyRead)
{
    if (!alreadyRead.isEmpty())
        receive(alreadyRead);
    flush();
    if (!m_finishing)
        onReadyRead();
}

void Http2Connection::onReadyRead()
{
    thread_local QByteArray readBuffer(kHttp2ReadChunkBytes, Qt::Uninitialized);
    while (!m_finishing && m_transport.mayRead()) {
        const qint64 got = m_transport.read(readBuffer.data(), kHttp2ReadChunkBytes);
        if (got <= 0)
            break;
        receive(QByteArrayView(readBuffer.constData(), got));
    }
    flush();
}

void Http2Connection::receive(QByteArrayView data)
{
    m_inSession = true;
    const ssize_t used =
        nghttp2_session_mem_recv(m_session, reinterpret_cast<const uint8_t *>(data.data()), size_t(data.size()));
    m_inSession = false;
    if (used < 0)
        fail(nghttp2_strerror(int(used)));
}

void Http2Connection::onBytesWritten()
{
    if (m_sendDeadline && m_transport.bytesToWrite() < Transport::kHighWaterBytes)
        m_sendDeadline = 0;
    if (m_transport.bytesToWrite() < Transport::kHighWaterBytes / 2)
        flush();
}

void Http2Connection::flushLater()
{
    if (m_flushPosted || m_finishing)
        return;
    m_flushPosted = true;
    DeferredCalls::post(this, [this] {
        m_flushPosted = false;
        flush();
    });
}

void Http2Connection::flush()
{
    if (m_inSession || m_finishing) {
        if (m_inSession)
            flushLater();
        return;
    }
    // The frames of one flush (a response's HEADERS and DATA, WINDOW_UPDATEs) leave in one send().
    OutputBatch batch;
    m_inSession = true;
    const int error = sendQueuedFrames(m_session, m_transport);
    m_inSession = false;
    if (error != 0) {
        fail(nghttp2_strerror(error));
        return;
    }
    if (m_transport.bytesToWrite() >= Transport::kHighWaterBytes) {
        if (!m_sendDeadline)
            m_sendDeadline = Deadlines::nowMs() + m_idleTimeoutMs;
    } else {
        for (const auto &entry : m_streams)
            entry.second->resumeIfDrained();
    }
    if (!nghttp2_session_want_read(m_session) && !nghttp2_session_want_write(m_session)) {
        m_finishing = true;
        DeferredCalls::post(this, m_finished);
    }
}

void Http2Connection::consume(int32_t streamId, size_t bytes)
{
    if (nghttp2_session_consume(m_session, streamId, bytes) != 0)
        nghttp2_session_consume_connection(m_session,
                                           bytes);  // the stream is gone: the connection's window still counts it
}

bool Http2Connection::spendControlBudget()
{
    const qint64 now = Deadlines::nowMs();
    m_controlTokens =
        std::min(kControlBurst, m_controlTokens + double(now - m_controlRefillMs) * kControlPerSecond / 1000);
    m_controlRefillMs = now;
    m_controlTokens -= 1;
    if (m_controlTokens >= 0)
        return true;
    if (!m_finishing && nghttp2_session_want_read(m_session)) {
        qCInfo(lcProxy).noquote() << "closing the HTTP/2 connection of" << m_transport.peerAddress().toString()
                                  << "- control frames (PING, SETTINGS, PRIORITY, RST_STREAM, empty DATA) beyond"
                                  << kControlPerSecond << "per second";
        nghttp2_session_terminate_session(m_session, NGHTTP2_ENHANCE_YOUR_CALM);
    }
    return false;
}

void Http2Connection::closeStream(int32_t id)
{
    const auto found = m_streams.find(id);
    if (found == m_streams.end())
        return;
    // Not freed now: this may run inside the stream's own call (its reset, its last DATA frame).
    m_closedStreams.push_back(std::move(found->second));
    m_streams.erase(found);
    if (m_closedStreams.size() == 1)
        DeferredCalls::post(this, [this] { m_closedStreams.clear(); });
    if (m_streams.empty())
        m_idleDeadline = Deadlines::nowMs() + m_idleTimeoutMs;
}

void Http2Connection::fail(const char *why)
{
    qCInfo(lcProxy).noquote() << "closing the HTTP/2 connection of" << m_transport.peerAddress().toString() << "-"
                              << why;
    // The client hears why when it still reads (a GOAWAY the session queued, or ours).
    nghttp2_session_terminate_session(m_session, NGHTTP2_ENHANCE_YOUR_CALM);
    sendQueuedFrames(m_session, m_transport, 16);
    m_finishing = true;
    DeferredCalls::post(this, m_finished);
}

void Http2Connection::checkDeadlines(qint64 nowMs)
{
    if (m_finishing)
        return;
    if (m_sendDeadline && nowMs >= m_sendDeadline) {
        m_sendDeadline = 0;
        qCInfo(lcProxy).noquote() << "closing the HTTP/2 connection of" << m_transport.peerAddress().toString()
                                  << "- it read nothing for" << m_idleTimeoutMs << "ms";
        m_transport.abort();
        return;
    }
    if (m_idleDeadline && nowMs >= m_idleDeadline) {
        m_idleDeadline = 0;
        nghttp2_session_terminate_session(m_session, NGHTTP2_NO_ERROR);
        flush();
        return;
    }
    for (const auto &entry : m_streams) {
        if (entry.second->headBlockOverdue(nowMs)) {
            fail("a request's header block was not finished within header_timeout_ms");
            return;
        }
        entry.second->checkDeadlines(nowMs);
    }
}

}  // namespace kairos
