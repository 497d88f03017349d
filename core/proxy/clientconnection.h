// One client connection: reads requests one at a time (pipelined ones wait their turn, so
// responses go out strictly in order), answers what the gateway answers itself (errors, and the
// local endpoints of a LocalHandler), hands the rest to a ProxyExchange and streams its response
// back with the right framing.
#pragma once

#include "admission.h"
#include "connectionservices.h"
#include "gatewaysnapshot.h"
#include "localhandler.h"
#include "runtime/deadlines.h"
#include "proxyexchange.h"
#include "metrics/requestrecord.h"
#include "runtime/transport.h"

#include <QElapsedTimer>

#include <atomic>
#include <climits>
#include <functional>
#include <memory>
#include <vector>

namespace kairos {

class Tunnel;
class Http2Connection;

// Not a QObject: an idle connection is mostly this object, and QObject's private data and child
// list added about 160 bytes to each (docs/BENCHMARKS.md, idle connections). Queued calls
// and timers take its transport as their context, which lives exactly as long as it does.
class ClientConnection final : private ExchangeSink, private Deadlines::Client, private TransportListener
{
public:
    // The worker's open connections, which it deletes when it stops.
    class List
    {
    public:
        List() = default;
        List(const List &) = delete;
        List &operator=(const List &) = delete;
        ~List() { deleteAll(); }
        void deleteAll();

    private:
        friend class ClientConnection;
        ClientConnection *m_first = nullptr;
    };

    // Takes ownership of the transport. The services are the worker's, kept for as long as the
    // connection (one copy per connection cost each idle connection a few hundred bytes).
    // adminListener: accepted on admin.listen, so local endpoints only, no proxying. Deletes
    // itself once closed, later, from the event loop.
    ClientConnection(Transport *transport, const ConnectionServices &services, bool adminListener, List &list);
    ~ClientConnection() override;
    ClientConnection(const ClientConnection &) = delete;
    ClientConnection &operator=(const ClientConnection &) = delete;

private:
    enum class Phase { ReadingHead, ReadingBody, AwaitingResponse, Tunneling, Http2, Closing };

    void onReadyRead();
    // On a connection's first bytes: whether it speaks HTTP/2 (ALPN h2, or the h2c preface when
    // server.http2.cleartext allows it); true also while a partial preface waits for the rest.
    bool startsHttp2();
    void switchToHttp2(QByteArrayView alreadyRead);
    QByteArrayView readIntoThreadBuffer(qint64 max);  // valid until the thread's next read
    bool pullInbound();                               // appends to m_inbound
    qsizetype feedHead();                             // bytes the parser took; -1 when nothing came
    void processInbound();
    void handleRequestHead();
    void beginRequest();
    void serveLocally(const Admission &admission);
    void answerLocally(const http::RequestHead &head, const QByteArray &body);
    void startProxying(Admission &admission);
    QByteArray upgradeToPassOn(const http::RequestHead &head, const Route &route);
    void writeRefusal(const Refusal &refusal);
    void readBody();
    void writeLocalResponse(LocalHandler::Response response);
    void writeError(const GatewayError &error, const http::Headers &fields = {});
    // A response the gateway made itself (writeLocalResponse(), writeError()), sent whole; ends the request.
    void writeWholeResponse(http::ResponseHead head, const QByteArray &body);
    void reportRequest();  // metrics and the request observer (access log)
    void finishRequest();
    void closeConnection();
    ActiveRequest &activeRequest() { return m_active ? *m_active : newActiveRequest(); }
    ActiveRequest &newActiveRequest();
    RequestRecord &record() { return activeRequest().record; }
    void releaseIdleMemory();
    void releaseBuffersAbove(qsizetype keepBytes);
    void retireExchange();
    void onHeaderTimeout();
    void onBodyTimeout();
    void checkDeadlines(qint64 nowMs) override;
    void armHeaderDeadline();
    void armIdleDeadline();
    void onBytesWritten();
    void onDisconnected();

    // TransportListener
    void transportReadyRead(Transport &) override { onReadyRead(); }
    void transportBytesWritten(Transport &) override { onBytesWritten(); }
    void transportClosed(Transport &) override { onDisconnected(); }

    // ExchangeSink
    void exchangeResponseHead(http::ResponseHead head, http::MessageParser::Framing framing,
                              quint64 contentLength) override;
    void exchangeResponseBody(QByteArrayView data) override;
    void writeResponseBytes(QByteArrayView data);  // framed as the response head said
    void exchangeResponseComplete(const http::Headers &trailers) override;
    void exchangeFailed(const GatewayError &error) override;
    void exchangeAborted(const QByteArray &reason) override;
    void exchangeUpgraded(http::ResponseHead head, std::unique_ptr<UpstreamConnection> upstream,
                          QByteArray bufferedFromUpstream) override;
    bool clientIsCongested() const override;
    void exchangeReadyForBody() override;

    Transport *m_transport;
    const ConnectionServices &m_services;
    List &m_list;
    ClientConnection *m_previous = nullptr;
    ClientConnection *m_next = nullptr;
    http::MessageParser m_parser;
    QByteArray m_inbound;
    qsizetype m_inboundOffset = 0;
    Phase m_phase = Phase::ReadingHead;
    ProxyExchange *m_exchange = nullptr;
    std::unique_ptr<ProxyExchange> m_retiredExchange;  // finished; see retireExchange()
    Tunnel *m_tunnel = nullptr;
    std::unique_ptr<Http2Connection> m_http2;
    const bool m_adminListener;
    bool m_processing = false;
    bool m_responseChunked = false;
    bool m_responseUntilClose = false;
    bool m_closeAfterResponse = false;
    bool m_requestBodyDone = false;
    bool m_responseDone = false;
    bool m_localRequest = false;
    bool m_protocolChosen = false;  // HTTP/1.1 or HTTP/2, decided on the first bytes
    int m_headerTimeoutMs;
    int m_idleTimeoutMs;
    qint64 m_headerDeadline = 0;  // Deadlines::nowMs() values; 0: not armed
    qint64 m_idleDeadline = 0;
    qint64 m_idleSinceMs = 0;
    bool m_idleMemoryReleased = false;
    bool m_disconnected = false;
    qint64 m_bodyDeadline = 0;  // the client stopped sending its request body
    qint64 m_sendDeadline = 0;  // the client stopped reading what it was sent
    PeerText m_peerText;
    std::unique_ptr<ActiveRequest> m_active;  // none while waiting for a request
};

}  // namespace kairos
