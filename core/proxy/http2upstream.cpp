#include "http2upstream.h"

#include "http2session.h"

#include "runtime/sockettransport.h"
#include "runtime/tlstransport.h"

#include <QLoggingCategory>

#include <nghttp2/nghttp2.h>

#include <cstring>
#include <map>
#include <set>

Q_DECLARE_LOGGING_CATEGORY(lcProxy)

namespace kairos {

namespace {

// Responses of many streams share the connection: its window leaves each stream room for its own.
constexpr int32_t kConnectionWindowBytes = 16 * kHttp2StreamWindowBytes;

// Fields HTTP/2 does not carry (RFC 9113 8.2.2), and Host, which becomes :authority.
bool isConnectionSpecific(QByteArrayView name)
{
    for (const char *field : {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te",
                              "host", "http2-settings"}) {
        if (http::equalsIgnoreCase(name, field))
            return true;
    }
    return false;
}

}  // namespace

class Http2UpstreamSession final : public TransportListener,
                                   public std::enable_shared_from_this<Http2UpstreamSession>,
                                   private DeferredCalls::Owner
{
public:
    static std::shared_ptr<Http2UpstreamSession> forBackend(const QString &host, quint16 port, bool tls, bool verify,
                                                            const QString &peerName);

    Http2UpstreamSession(QString key, bool tls, bool verify, const QString &peerName)
        : m_key(std::move(key)),
          m_tls(tls),
          m_transport(tls ? static_cast<Transport *>(new TlsTransport(verify, {QByteArrayLiteral("h2")}, peerName))
                          : new SocketTransport)
    {
        m_transport->setListener(this);
    }
    ~Http2UpstreamSession() override
    {
        forget();
        if (m_session)
            nghttp2_session_del(m_session);
        m_transport->discard();
    }

    void connect(const QString &host, quint16 port) { m_transport->connectToHost(host, port); }
    void attach(Http2StreamTransport *stream)
    {
        m_streams.insert(stream);
        if (m_session)
            DeferredCalls::post(stream, [stream] { stream->sessionConnected(); });
    }
    void detach(Http2StreamTransport *stream) { m_streams.erase(stream); }
    nghttp2_session *session() const { return m_session; }
    bool isUsable() const { return !m_failed && !m_goingAway; }
    bool failed() const { return m_failed; }
    QHostAddress peerAddress() const { return m_transport->peerAddress(); }
    const char *scheme() const { return m_tls ? "https" : "http"; }

    void flushLater()
    {
        if (m_flushPosted || !m_session || m_failed)
            return;
        m_flushPosted = true;
        DeferredCalls::post(this, [this] {
            m_flushPosted = false;
            flush();
        });
    }

private:
    static std::map<QString, std::weak_ptr<Http2UpstreamSession>> &registry()
    {
        thread_local std::map<QString, std::weak_ptr<Http2UpstreamSession>> sessions;
        return sessions;
    }
    void forget()
    {
        const auto found = registry().find(m_key);
        if (found != registry().end() && (found->second.expired() || found->second.lock().get() == this))
            registry().erase(found);
    }

    void transportConnected(Transport &) override;
    void transportReadyRead(Transport &) override;
    void transportBytesWritten(Transport &) override
    {
        if (m_transport->bytesToWrite() < Transport::kHighWaterBytes / 2)
            flush();
    }
    void transportClosed(Transport &) override
    {
        fail(m_transport->error() == Transport::Error::ConnectFailed && !m_session
                 ? QStringLiteral("backend connection failed: %1").arg(m_transport->errorString())
                 : QStringLiteral("the backend's HTTP/2 connection closed"));
    }
    void flush();
    void fail(const QString &why);

    static Http2StreamTransport *streamOf(nghttp2_session *session, int32_t id)
    {
        return static_cast<Http2StreamTransport *>(nghttp2_session_get_stream_user_data(session, id));
    }
    static int onHeader(nghttp2_session *session, const nghttp2_frame *frame, const uint8_t *name, size_t nameLength,
                        const uint8_t *value, size_t valueLength, uint8_t, void *)
    {
        if (frame->hd.type != NGHTTP2_HEADERS)
            return 0;
        if (Http2StreamTransport *stream = streamOf(session, frame->hd.stream_id))
            stream->responseHeader(QByteArrayView(name, qsizetype(nameLength)),
                                   QByteArrayView(value, qsizetype(valueLength)), stream->m_headEmitted);
        return 0;
    }
    static int onFrame(nghttp2_session *session, const nghttp2_frame *frame, void *data)
    {
        const bool endStream = frame->hd.flags & NGHTTP2_FLAG_END_STREAM;
        if (frame->hd.type == NGHTTP2_GOAWAY) {
            auto *self = static_cast<Http2UpstreamSession *>(data);
            self->m_goingAway = true;  // new requests open a new connection
            self->forget();
            return 0;
        }
        Http2StreamTransport *stream = streamOf(session, frame->hd.stream_id);
        if (!stream)
            return 0;
        if (frame->hd.type == NGHTTP2_HEADERS)
            stream->responseHeadersDone(endStream);
        else if (frame->hd.type == NGHTTP2_DATA && endStream)
            stream->responseData({});
        return 0;
    }
    static int onData(nghttp2_session *session, uint8_t, int32_t id, const uint8_t *bytes, size_t length, void *)
    {
        if (Http2StreamTransport *stream = streamOf(session, id))
            stream->responseData(QByteArrayView(bytes, qsizetype(length)));
        else
            nghttp2_session_consume(session, id, length);
        return 0;
    }
    static int onClose(nghttp2_session *session, int32_t id, uint32_t errorCode, void *)
    {
        if (Http2StreamTransport *stream = streamOf(session, id)) {
            nghttp2_session_set_stream_user_data(session, id, nullptr);
            stream->streamClosed(errorCode);
        }
        return 0;
    }

    const QString m_key;
    const bool m_tls;
    Transport *m_transport;
    nghttp2_session *m_session = nullptr;
    std::set<Http2StreamTransport *> m_streams;
    bool m_failed = false;
    bool m_goingAway = false;
    bool m_flushPosted = false;
    bool m_inSession = false;
    friend class Http2StreamTransport;
};

std::shared_ptr<Http2UpstreamSession> Http2UpstreamSession::forBackend(const QString &host, quint16 port, bool tls,
                                                                       bool verify, const QString &peerName)
{
    const QString key =
        QStringLiteral("%1://%2:%3 %4 %5").arg(tls ? "h2" : "h2c", host).arg(port).arg(verify).arg(peerName);
    if (std::shared_ptr<Http2UpstreamSession> found = registry()[key].lock(); found && found->isUsable())
        return found;
    auto made = std::make_shared<Http2UpstreamSession>(key, tls, verify, peerName);
    registry()[key] = made;
    made->connect(host, port);
    return made;
}

void Http2UpstreamSession::transportConnected(Transport &)
{
    if (m_tls && static_cast<TlsTransport *>(m_transport)->negotiatedProtocol() != "h2") {
        fail(QStringLiteral("the backend did not choose h2 through ALPN"));
        return;
    }
    nghttp2_session_callbacks *callbacks = nullptr;
    nghttp2_session_callbacks_new(&callbacks);
    nghttp2_session_callbacks_set_on_header_callback(callbacks, &onHeader);
    nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, &onFrame);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, &onData);
    nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, &onClose);
    nghttp2_option *options = nullptr;
    nghttp2_option_new(&options);
    nghttp2_option_set_no_auto_window_update(options, 1);
    nghttp2_session_client_new2(&m_session, callbacks, this, options);
    nghttp2_option_del(options);
    nghttp2_session_callbacks_del(callbacks);
    const nghttp2_settings_entry settings[] = {
        {NGHTTP2_SETTINGS_ENABLE_PUSH, 0}, {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, uint32_t(kHttp2StreamWindowBytes)}};
    nghttp2_submit_settings(m_session, NGHTTP2_FLAG_NONE, settings, std::size(settings));
    nghttp2_session_set_local_window_size(m_session, NGHTTP2_FLAG_NONE, 0, kConnectionWindowBytes);
    for (Http2StreamTransport *stream : m_streams)
        DeferredCalls::post(stream, [stream] { stream->sessionConnected(); });
    flush();
}

void Http2UpstreamSession::transportReadyRead(Transport &)
{
    if (!m_session)
        return;
    thread_local QByteArray buffer(kHttp2ReadChunkBytes, Qt::Uninitialized);
    const std::shared_ptr<Http2UpstreamSession> keep = shared_from_this();  // a stream's close may release it
    while (!m_failed && m_transport->mayRead()) {
        const qint64 got = m_transport->read(buffer.data(), kHttp2ReadChunkBytes);
        if (got <= 0)
            break;
        m_inSession = true;
        const ssize_t used =
            nghttp2_session_mem_recv(m_session, reinterpret_cast<const uint8_t *>(buffer.constData()), size_t(got));
        m_inSession = false;
        if (used < 0) {
            fail(QStringLiteral("HTTP/2 error from the backend: %1").arg(nghttp2_strerror(int(used))));
            return;
        }
    }
    flush();
}

void Http2UpstreamSession::flush()
{
    if (!m_session || m_failed || m_inSession)
        return;
    OutputBatch batch;
    m_inSession = true;
    const int error = sendQueuedFrames(m_session, *m_transport);
    m_inSession = false;
    if (error != 0) {
        fail(QStringLiteral("HTTP/2 error: %1").arg(nghttp2_strerror(error)));
        return;
    }
    if (!nghttp2_session_want_read(m_session) && !nghttp2_session_want_write(m_session))
        fail(QStringLiteral("the backend ended its HTTP/2 connection"));
}

void Http2UpstreamSession::fail(const QString &why)
{
    if (m_failed)
        return;
    m_failed = true;
    forget();
    for (Http2StreamTransport *stream : m_streams)
        DeferredCalls::post(stream, [stream, why] { stream->sessionFailed(why); });
    m_transport->abort();
}

Http2StreamTransport::Http2StreamTransport(bool tls, bool verifyPeer, qsizetype maxHeadBytes, QString peerName)
    : m_tls(tls),
      m_verifyPeer(verifyPeer),
      m_peerName(std::move(peerName)),
      m_requestParser(http::MessageParser::Type::Request, maxHeadBytes)
{}

Http2StreamTransport::~Http2StreamTransport()
{
    close();
}

void Http2StreamTransport::connectToHost(const QString &host, quint16 port)
{
    m_session = Http2UpstreamSession::forBackend(host, port, m_tls, m_verifyPeer, m_peerName);
    m_open = true;
    m_session->attach(this);
}

bool Http2StreamTransport::isOpen() const
{
    return m_open && m_session && !m_session->failed();
}

QHostAddress Http2StreamTransport::peerAddress() const
{
    return m_session ? m_session->peerAddress() : QHostAddress();
}

void Http2StreamTransport::sessionConnected()
{
    if (m_listener)
        m_listener->transportConnected(*this);
}

void Http2StreamTransport::sessionFailed(const QString &why)
{
    failStream(m_session && m_session->session() ? Error::Reset : Error::ConnectFailed, why);
}

void Http2StreamTransport::failStream(Error error, const QString &why)
{
    if (!m_open)
        return;
    m_open = false;
    setError(error, why);
    notifyClosedLater();
}

qint64 Http2StreamTransport::read(char *data, qint64 max)
{
    const qint64 n = std::min<qint64>(max, m_in.size() - m_inOffset);
    if (n <= 0)
        return 0;
    std::memcpy(data, m_in.constData() + m_inOffset, size_t(n));
    m_inOffset += n;
    if (m_inOffset == m_in.size()) {
        m_in.truncate(0);
        m_inOffset = 0;
    }
    if (m_in.size() - m_inOffset < Transport::kHighWaterBytes / 2)
        giveBackWindow();
    return n;
}

void Http2StreamTransport::write(QByteArrayView data)
{
    if (!isOpen())
        return;
    using State = http::MessageParser::State;
    if (m_responseDone && m_requestParser.state() == State::Complete) {  // the next request on a pooled stream slot
        m_requestParser.startNextMessage();
        m_responseDone = false;
        m_requestEnded = false;
        m_status = 0;
        m_chunked = false;
        m_headEmitted = false;
        m_responseFields = http::Headers();
        m_responseTrailers = http::Headers();
        m_requestTrailers = http::Headers();
    }
    const char *at = data.data();
    qsizetype left = data.size();
    for (;;) {
        const State state = m_requestParser.state();
        if (state == State::Head) {
            const qsizetype used = m_requestParser.feed(at, left);
            at += used;
            left -= used;
            if (m_requestParser.state() == State::Head)
                break;
            continue;
        }
        if (state == State::HeadDone) {
            m_requestParser.continueToBody();
            m_requestEnded = m_requestParser.state() == State::Complete;
            submitRequest();
            continue;
        }
        if (state != State::Body || left == 0)
            break;
        http::MessageParser::BodyPieces pieces;
        const qsizetype used = m_requestParser.feed(at, left, &pieces);
        at += used;
        left -= used;
        for (QByteArrayView piece : pieces)
            m_out += piece;
        if (m_requestParser.state() == State::Complete) {
            m_requestEnded = true;
            m_requestTrailers = m_requestParser.trailers();
        }
        if (used == 0)
            break;
    }
    if (m_requestParser.state() == State::Failed) {
        failStream(Error::Other, QStringLiteral("request not readable for HTTP/2"));
        return;
    }
    if (m_deferred && m_streamActive && (m_outOffset < m_out.size() || m_requestEnded)) {
        m_deferred = false;
        nghttp2_session_resume_data(m_session->session(), m_streamId);
    }
    m_session->flushLater();
}

void Http2StreamTransport::submitRequest()
{
    const http::RequestHead &head = m_requestParser.request();
    Http2Fields fields;
    fields.add(QByteArrayLiteral(":method"), head.method);
    fields.add(QByteArrayLiteral(":scheme"), m_session->scheme());
    fields.add(QByteArrayLiteral(":authority"), head.headers.value("host"));
    fields.add(QByteArrayLiteral(":path"), head.target);
    for (const http::Headers::Field &field : head.headers.fields()) {
        if (!isConnectionSpecific(field.first))
            fields.add(field.first.toLower(), field.second);
    }
    fields.add(QByteArrayLiteral("te"), QByteArrayLiteral("trailers"));  // gRPC servers require it
    nghttp2_data_provider provider;
    provider.source.ptr = this;
    provider.read_callback = [](nghttp2_session *, int32_t, uint8_t *buffer, size_t length, uint32_t *flags,
                                nghttp2_data_source *source, void *) -> ssize_t {
        return static_cast<Http2StreamTransport *>(source->ptr)->readRequestBody(buffer, length, flags);
    };
    const bool withBody = m_requestParser.framing() != http::MessageParser::Framing::None;
    const int32_t id = nghttp2_submit_request(m_session->session(), nullptr, fields.data(), fields.size(),
                                              withBody ? &provider : nullptr, this);
    if (id < 0) {
        failStream(Error::Reset, QStringLiteral("HTTP/2 request not sent: %1").arg(nghttp2_strerror(id)));
        return;
    }
    m_streamId = id;
    m_streamActive = true;
}

long Http2StreamTransport::readRequestBody(uint8_t *buffer, size_t length, uint32_t *flags)
{
    const size_t n = std::min(length, size_t(m_out.size() - m_outOffset));
    if (n > 0) {
        std::memcpy(buffer, m_out.constData() + m_outOffset, n);
        m_outOffset += qsizetype(n);
        if (m_outOffset == m_out.size()) {
            m_out.truncate(0);
            m_outOffset = 0;
        }
        if (bytesToWrite() < Transport::kHighWaterBytes / 2)
            notifyBytesWritten();
    }
    if (m_outOffset == m_out.size() && m_requestEnded) {
        *flags |= NGHTTP2_DATA_FLAG_EOF;
        if (!m_requestTrailers.isEmpty()) {
            Http2Fields trailers;
            for (const http::Headers::Field &field : m_requestTrailers.fields())
                trailers.add(field.first.toLower(), field.second);
            if (nghttp2_submit_trailer(m_session->session(), m_streamId, trailers.data(), trailers.size()) == 0)
                *flags |= NGHTTP2_DATA_FLAG_NO_END_STREAM;
        }
        return long(n);
    }
    if (n == 0) {
        m_deferred = true;
        return NGHTTP2_ERR_DEFERRED;
    }
    return long(n);
}

void Http2StreamTransport::responseHeader(QByteArrayView name, QByteArrayView value, bool trailer)
{
    if (trailer) {
        if (!name.startsWith(':'))
            m_responseTrailers.add(name.toByteArray(), value.toByteArray());
        return;
    }
    if (name == ":status")
        m_status = value.toInt();
    else if (!name.startsWith(':'))
        m_responseFields.add(name.toByteArray(), value.toByteArray());
}

void Http2StreamTransport::responseHeadersDone(bool endStream)
{
    if (m_status > 0 && m_status < 200) {  // 100, 103: the final response follows
        m_status = 0;
        m_responseFields = http::Headers();
        return;
    }
    if (m_headEmitted) {  // trailers
        if (endStream && !m_responseDone) {
            appendResponse(m_chunked ? http::lastChunk(m_responseTrailers) : QByteArray());
            m_responseDone = true;
        }
        return;
    }
    {
        m_headEmitted = true;
        const bool noBody = m_requestParser.request().method == "HEAD" || m_status == 204 || m_status == 304;
        http::ResponseHead head;
        head.status = m_status;
        head.reason = http::reasonPhrase(m_status);
        head.headers = std::move(m_responseFields);
        m_responseFields = http::Headers();
        http::Headers trailers;
        if (endStream && !noBody && head.headers.contains("grpc-status")) {
            // A gRPC "trailers-only" answer: its status goes on as trailers, where gRPC clients
            // read it behind the gateway too.
            for (const char *name : {"grpc-status", "grpc-message", "grpc-status-details-bin"}) {
                if (head.headers.contains(name)) {
                    trailers.add(name, head.headers.value(name));
                    head.headers.remove(name);
                }
            }
            head.headers.remove("content-length");
        }
        if (!noBody && !trailers.isEmpty()) {
            m_chunked = true;
        } else if (!noBody && endStream && !head.headers.contains("content-length")) {
            head.headers.add(QByteArrayLiteral("content-length"), QByteArrayLiteral("0"));
        } else if (!noBody && !head.headers.contains("content-length")) {
            m_chunked = true;
        }
        if (m_chunked)
            head.headers.add(QByteArrayLiteral("transfer-encoding"), QByteArrayLiteral("chunked"));
        appendResponse(http::serialize(head));
        if (endStream) {
            if (m_chunked)
                appendResponse(http::lastChunk(trailers));
            m_responseDone = true;
        }
    }
}

void Http2StreamTransport::responseData(QByteArrayView data)
{
    if (data.isEmpty()) {  // END_STREAM on a DATA frame
        if (m_chunked && !m_responseDone)
            appendResponse("0\r\n\r\n");
        m_responseDone = true;
        return;
    }
    m_unacknowledged += size_t(data.size());
    if (m_chunked) {
        QByteArray framed = QByteArray::number(data.size(), 16);
        framed += "\r\n";
        framed += data;
        framed += "\r\n";
        appendResponse(framed);
    } else {
        appendResponse(data);
    }
    if (m_in.size() - m_inOffset < Transport::kHighWaterBytes / 2)
        giveBackWindow();
}

void Http2StreamTransport::appendResponse(QByteArrayView bytes)
{
    m_in += bytes;
    notifyReadyRead();
}

void Http2StreamTransport::giveBackWindow()
{
    if (m_unacknowledged == 0 || !m_session || !m_session->session())
        return;
    if (m_streamActive)
        nghttp2_session_consume(m_session->session(), m_streamId, m_unacknowledged);
    else
        nghttp2_session_consume_connection(m_session->session(), m_unacknowledged);
    m_unacknowledged = 0;
    m_session->flushLater();
}

void Http2StreamTransport::streamClosed(uint32_t errorCode)
{
    m_streamActive = false;
    m_streamId = -1;
    if (m_unacknowledged && m_session->session()) {
        nghttp2_session_consume_connection(m_session->session(), m_unacknowledged);
        m_unacknowledged = 0;
    }
    if (!m_responseDone)
        failStream(Error::Reset, QStringLiteral("the backend reset the HTTP/2 stream (error %1)").arg(errorCode));
}

void Http2StreamTransport::notifyReadyRead()
{
    if (m_readyReadPosted)
        return;
    m_readyReadPosted = true;
    callLater([this] {
        m_readyReadPosted = false;
        if (m_listener)
            m_listener->transportReadyRead(*this);
    });
}

void Http2StreamTransport::notifyBytesWritten()
{
    if (m_bytesWrittenPosted)
        return;
    m_bytesWrittenPosted = true;
    callLater([this] {
        m_bytesWrittenPosted = false;
        if (m_listener)
            m_listener->transportBytesWritten(*this);
    });
}

void Http2StreamTransport::close()
{
    if (m_session) {
        if (m_streamActive && m_session->session()) {
            nghttp2_session_set_stream_user_data(m_session->session(), m_streamId, nullptr);
            if (!m_responseDone || !m_requestEnded)
                nghttp2_submit_rst_stream(m_session->session(), NGHTTP2_FLAG_NONE, m_streamId, NGHTTP2_CANCEL);
            if (m_unacknowledged)
                nghttp2_session_consume(m_session->session(), m_streamId, m_unacknowledged);
            m_session->flushLater();
        }
        m_session->detach(this);
        m_session.reset();
    }
    m_streamActive = false;
    if (m_open) {
        m_open = false;
        notifyClosedLater();
    }
}

}  // namespace kairos
