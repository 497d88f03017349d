// One request carried to a backend and its response brought back. The ClientConnection feeds the
// request body in and receives the response through the ExchangeSink; the exchange owns the
// upstream connection while it works and gives it back to the pool when the backend keeps it open.
#pragma once

#include "balancing/balancer.h"
#include "breakpoints.h"
#include "forwarding.h"
#include "gatewayerror.h"
#include "gatewaysnapshot.h"
#include "metrics/requestrecord.h"
#include "mirror.h"
#include "upstreampool.h"

#include <QElapsedTimer>
#include <QFile>
#include <QObject>
#include <QTimer>

#include <climits>
#include <memory>
#include <optional>
#include <vector>

namespace kairos {

class ExchangeSink
{
public:
    virtual ~ExchangeSink() = default;
    // contentLength: the body's length when framing is ContentLength.
    virtual void exchangeResponseHead(http::ResponseHead head, http::MessageParser::Framing framing,
                                      quint64 contentLength) = 0;
    virtual void exchangeResponseBody(QByteArrayView data) = 0;
    // trailers: the backend's trailer fields that may be passed on (MessageParser::trailers()).
    virtual void exchangeResponseComplete(const http::Headers &trailers) = 0;
    // Nothing was sent to the client yet: it gets an error response.
    virtual void exchangeFailed(const GatewayError &error) = 0;
    // The response had started: the client connection can only be closed.
    virtual void exchangeAborted(const QByteArray &reason) = 0;
    // The backend answered 101: from now on bytes flow raw between the two sockets.
    virtual void exchangeUpgraded(http::ResponseHead head, std::unique_ptr<UpstreamConnection> upstream,
                                  QByteArray bufferedFromUpstream) = 0;
    // Back-pressure: whether the client socket has too much unsent data to take more.
    virtual bool clientIsCongested() const = 0;
    // The upstream drained its send buffer; the client connection may feed more request body.
    virtual void exchangeReadyForBody() = 0;
};

struct ExchangeRequest {
    http::RequestHead head;  // as the client sent it
    GatewaySnapshotPtr snapshot;
    const CompiledRoute *route = nullptr;
    QByteArray upstreamTarget;
    QByteArray requestId;
    QByteArray peerText;  // clientAddressText() of the TCP peer
    bool peerIsTrustedProxy = false;
    bool secure = false;     // came over TLS
    quint64 clientHash = 0;  // of the client's address (X-Forwarded-For's when trusted), for IpHash
    http::MessageParser::Framing bodyFraming = http::MessageParser::Framing::None;
    quint64 contentLength = 0;
    QByteArray upgrade;  // the Upgrade protocols passed on (those the route allows); empty: none
    // By backend index, for the backends with a rate limit of their own: the request's key.
    std::vector<QByteArray> backendRateKeys;
    int rateLimitRemaining = INT_MAX;  // the route's limit's RateLimit-Remaining, when it sends one
    bool recordTries = false;          // keep tries() for the console
    // The route's fault (routerules.h): a wait before the first try, and an error answered instead
    // of trying.
    int startDelayMs = 0;
    std::optional<GatewayError> injectedAbort;
    // A route without backends: its answer, sent once the request body has ended (after
    // startDelayMs); the body is read and dropped.
    std::optional<RouteAnswer> answer;
    // A route with static: the file the upstream target's path names (read on this thread).
    const StaticSite *staticSite = nullptr;
    Breakpoints *breakpoints = nullptr;  // the console's; null headless
    MirrorSender *mirror = nullptr;      // the worker's, for routes with a mirror
};

class HeldResponse;

class ProxyExchange : public QObject, private TransportListener
{
    Q_OBJECT

public:
    ProxyExchange(ExchangeRequest request, ExchangeSink &sink, UpstreamPool &pool, QObject *parent = nullptr);
    ~ProxyExchange() override;

    void start();
    void sendBody(QByteArrayView data);
    // trailers: the client's trailer fields that may be passed on (MessageParser::trailers()); the
    // body goes to the backend chunked as it came, so they reach it.
    void finishBody(const http::Headers &trailers = {});
    // Whether the client connection should hold off feeding body bytes.
    bool isCongested() const;
    // The client socket drained: resume reading the response.
    void resumeResponse();
    // The client went away: stop, do not reuse the upstream connection.
    void cancel();
    // Fires the connect, response and route timeouts that have expired (the worker's tick).
    void checkDeadlines(qint64 nowMs);

    QString backendKey() const;
    // RateLimit-* of the chosen backend's own limit, when it has less left than the route's.
    const http::Headers &rateLimitFields() const { return m_rateLimitFields; }
    int attempts() const { return m_attempts; }
    // Time spent in the route's request queue, over all tries.
    qint64 queuedUs() const { return m_queuedUs; }
    bool wasQueued() const { return m_wasQueued; }
    // Each try's backend, timing and outcome; only with ExchangeRequest::recordTries.
    const QList<ExchangeTry> &tries() const { return m_tries; }
    // The answer's status and time, to the split group's counters (a shift judges them).
    void recordSplitAnswer(int status, qint64 durationUs) const;

private:
    // Queued: every available backend was at max_connections; waiting in the route's queue.
    // Delayed: a fault's or a mock's wait before anything else. Held: at a breakpoint.
    enum class Phase { Idle, Delayed, Held, Connecting, Waiting, Streaming, BackingOff, Queued, Done };
    // How a try failed; connect failures provably never reached the backend.
    enum class Failure { ConnectFailed, ConnectTimeout, ResponseTimeout, ConnectionLost, BadResponse, RetryableStatus };

    // After the start delay: the injected abort, the route's own answer, or the first try.
    void begin();
    void sendRouteAnswer();
    // Breakpoints: the request waits for the console once its body is whole (or held at most).
    void checkBreakpoints();
    void holdRequest();
    void onRequestDecision(const Breakpoints::Decision &decision);
    void applyRequestEdit(const Breakpoints::Message &edited);
    void serveStaticFile();
    // Sends the open file while the client takes it; then completes the response.
    void pumpStaticFile();
    void startAttempt();
    // Takes a slot of the chosen backend (m_inFlight); `full` tells whether a backend was left
    // out only because all its slots were taken. With `behindQueue`, limited backends count as
    // full: others already wait for their slots.
    int chooseBackend(bool behindQueue, bool &full);
    bool takeSlot(int backendIndex, bool behindQueue, bool &full);
    bool admit(int backendIndex);
    bool admitByBackendLimit(int backendIndex);
    void enterQueue();
    // The queue woke the waiter: a slot was granted, or it was evicted from a full queue.
    void onQueueWake();
    void leaveQueue();
    void refuseFromQueue(RequestQueue::Rejection reason);
    void failWithoutBackend();
    bool mayRetry(Failure failure) const;
    void retryAfterBackoff();
    // To the circuit breaker and outlier detection: `status` is the backend's, or the 502/504 the
    // gateway answers for a failed connection, a bad response or a timeout.
    void reportOutcome(int status);
    void reportOutcome(bool) = delete;  // true/false would read as statuses 1 and 0, both successes
    void ejectOutlier(const OutlierDetectionSettings &settings);
    void onDeadline();
    const BalancedBackend &balancedBackend(int backendIndex) const;
    BackendState &backendState(int backendIndex) const;
    void connectTo(int backendIndex, bool allowPooled);
    void onConnected();
    void onReadyRead();
    void onDisconnected();
    void onBytesWritten();

    // TransportListener, for the upstream connection
    void transportConnected(Transport &) override;
    void transportReadyRead(Transport &) override { onReadyRead(); }
    void transportBytesWritten(Transport &) override { onBytesWritten(); }
    void transportClosed(Transport &) override;
    void processResponse();
    void keepUnparsedResponseBytes();
    void handleResponseHead();
    void completeResponse();
    void writeToUpstream(QByteArrayView data);
    void failUpstream(int status, const QByteArray &reason, Failure failure);
    bool canRetryOnFreshConnection() const;
    void refuseProtocolSwitch();
    void releaseUpstream(bool reusable);
    void releaseRequestCopies();
    void finish();

    ExchangeRequest m_request;
    ExchangeSink *m_sink;  // the client connection, or a HeldResponse in front of it
    UpstreamPool &m_pool;
    // A split route's group for this request, and its first backend's index in the route; the
    // selection then numbers the group's backends from 0. -1: the route has no split.
    const int m_group;
    const int m_groupFirst;
    Selection m_selection;
    int m_backendIndex = -1;
    InFlightGuard m_inFlight;
    std::unique_ptr<UpstreamConnection> m_upstream;
    Phase m_phase = Phase::Idle;
    QByteArray m_pendingBody;        // body bytes that arrived before the upstream was connected
    QByteArray m_responseBuffer;     // the last read from the backend (a view of the thread's read buffer)
    qsizetype m_responseOffset = 0;  // how much of it the parser has taken
    bool hasUnparsedResponseBytes() const { return m_responseOffset < m_responseBuffer.size(); }
    QByteArray m_replayBody;  // a copy, to resend on a fresh connection (while small)
    bool m_replayable = true;
    bool m_bodyFinished = false;
    bool m_answerDue = false;       // the route's own answer waits for the request body's end
    bool m_holdRequestDue = false;  // a breakpoint matched: hold once the body allows
    quint64 m_heldRequestId = 0;    // in m_request.breakpoints, while held
    std::unique_ptr<HeldResponse> m_heldResponse;
    std::unique_ptr<QFile> m_staticFile;  // a static answer being streamed
    qint64 m_staticLeft = 0;
    http::Headers m_requestTrailers;  // kept with m_replayBody, for a retry
    bool m_responseStarted = false;   // a byte of the response went to the client
    bool m_retriedFresh = false;
    bool m_readingPaused = false;
    bool m_probe = false;  // the current try is a half-open circuit probe
    int m_attempts = 0;
    RequestQueue *const m_queue;            // the route's, in the snapshot; null: none
    std::shared_ptr<QueueWaiter> m_waiter;  // while queued
    qint64 m_queueDeadline = 0;             // Deadlines::nowMs() value; 0: not armed
    qint64 m_routeTimeLeftMs = 0;           // of timeout_ms when the request was queued
    qint64 m_queuedUs = 0;
    bool m_wasQueued = false;
    std::optional<GatewayError> m_lastError;
    std::optional<GatewayError> m_rateLimited;  // the 429 to send if no backend's limit admits it
    http::Headers m_rateLimitFields;
    const CircuitBreakerSettings &m_circuit;  // of the route, in the snapshot
    QElapsedTimer m_attemptClock;             // from sending the request to the response head
    qint64 m_tryStartNs = 0;                  // steadyNowNs() when the try chose its backend
    int m_connectTimeoutMs;
    int m_responseTimeoutMs;
    int m_routeTimeoutMs;          // the route's timeout_ms over all tries
    qint64 m_connectDeadline = 0;  // Deadlines::nowMs() values; 0: not armed
    qint64 m_responseDeadline = 0;
    qint64 m_routeDeadline = 0;
    quint64 m_backoffGeneration = 0;  // a backoff wait that is no longer wanted does nothing
    QList<ExchangeTry> m_tries;       // with m_request.recordTries
    QElapsedTimer m_timeline;         // since start(), with m_request.recordTries
    // The copy for the route's mirror, while the request body passes.
    std::unique_ptr<MirrorCopy> m_mirror;
    void noteTryFailed(const QByteArray &reason);
};

}  // namespace kairos
