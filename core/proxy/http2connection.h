// An HTTP/2 connection from a client (ALPN "h2", or h2c with prior knowledge). libnghttp2 reads
// and writes the frames; each stream is one request, admitted by the same steps as an HTTP/1.1
// request (admission.h) and carried by a ProxyExchange, or answered by the local endpoints.
// Flow control is the back-pressure: a stream's request body is acknowledged (WINDOW_UPDATE) only
// as the exchange takes it, and a response is read from the backend only as fast as the stream's
// frames go out.
#pragma once

#include "admission.h"
#include "localhandler.h"

#include <functional>
#include <map>
#include <memory>
#include <vector>

struct nghttp2_session;

namespace kairos {

struct ConnectionServices;

// A DeferredCalls::Owner: its deferred calls go with it (the transport outlives it).
class Http2Connection : private DeferredCalls::Owner
{
public:
    // The transport stays the caller's; `finished` runs once the connection is over (it may delete this).
    Http2Connection(Transport &transport, const ConnectionServices &services, std::function<void()> finished);
    ~Http2Connection();
    Http2Connection(const Http2Connection &) = delete;
    Http2Connection &operator=(const Http2Connection &) = delete;

    // Sends the server's SETTINGS and takes the bytes already read (the h2c preface).
    void start(QByteArrayView alreadyRead);
    void onReadyRead();
    void onBytesWritten();
    void checkDeadlines(qint64 nowMs);

private:
    class Stream;
    friend class Stream;
    struct Callbacks;

    Stream *stream(int32_t id) const;
    void receive(QByteArrayView data);
    // Sends what the session has queued, up to the transport's high-water mark; runs later when
    // called from inside the session or an exchange (they may be on the call stack).
    void flush();
    void flushLater();
    void consume(int32_t streamId, size_t bytes);
    bool spendControlBudget();  // false: the client sends control frames faster than allowed
    void closeStream(int32_t id);
    void fail(const char *why);

    Transport &m_transport;
    const ConnectionServices &m_services;
    std::function<void()> m_finished;
    nghttp2_session *m_session = nullptr;
    std::map<int32_t, std::unique_ptr<Stream>> m_streams;
    std::vector<std::unique_ptr<Stream>> m_closedStreams;  // freed from the event loop
    PeerText m_peerText;
    qint64 m_maxHeaderBytes = 0;
    int m_idleTimeoutMs = 0;
    int m_headerTimeoutMs = 0;
    qint64 m_idleDeadline = 0;  // no open stream since; 0: some are open
    qint64 m_sendDeadline = 0;  // the client stopped reading
    double m_controlTokens = 0;
    qint64 m_controlRefillMs = 0;
    bool m_inSession = false;  // inside nghttp2_session_mem_recv()/mem_send()
    bool m_flushPosted = false;
    bool m_finishing = false;
};

}  // namespace kairos
