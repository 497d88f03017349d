#include "proxyexchange.h"

#include "heldresponse.h"

#include "ratelimitanswer.h"

#include "balancing/peakewma.h"
#include "runtime/deadlines.h"
#include "resilience/retrypolicy.h"

#include <QLoggingCategory>
#include <QScopeGuard>
#include <QTimer>

Q_LOGGING_CATEGORY(lcProxy, "kairos.proxy")

namespace kairos {

namespace {

// Almost every response says 1 (or 2, 3): no allocation for those.
QByteArray attemptsText(int attempts)
{
    static const QByteArray kSmall[] = {QByteArrayLiteral("0"), QByteArrayLiteral("1"), QByteArrayLiteral("2"),
                                        QByteArrayLiteral("3"), QByteArrayLiteral("4"), QByteArrayLiteral("5")};
    return attempts >= 0 && attempts < int(std::size(kSmall)) ? kSmall[attempts] : QByteArray::number(attempts);
}

constexpr qsizetype kResponseReadBytes = 64 * 1024;

// One per worker thread: a 64 KiB buffer per exchange cost a heap grow and trim per request.
QByteArray &responseReadBuffer()
{
    thread_local QByteArray buffer(kResponseReadBytes, Qt::Uninitialized);
    return buffer;
}

void appendChunk(QByteArray &out, QByteArrayView data)
{
    out += QByteArray::number(data.size(), 16);
    out += "\r\n";
    out += data;
    out += "\r\n";
}

}  // namespace

namespace {

int chooseSplitGroup(const ExchangeRequest &request)
{
    const RouteSplit *split = request.snapshot->split(request.route->index);
    if (!split)
        return -1;
    const int group = split->choice.choose(*split->state, request.head.headers, request.clientHash);
    split->state->countRequest(group);
    return group;
}

}  // namespace

void ProxyExchange::recordSplitAnswer(int status, qint64 durationUs) const
{
    if (m_group >= 0)
        m_request.snapshot->split(m_request.route->index)->state->recordAnswer(m_group, status, durationUs);
}

ProxyExchange::ProxyExchange(ExchangeRequest request, ExchangeSink &sink, UpstreamPool &pool, QObject *parent)
    : QObject(parent),
      m_request(std::move(request)),
      m_sink(&sink),
      m_pool(pool),
      m_group(chooseSplitGroup(m_request)),
      m_groupFirst(m_group < 0 ? 0 : m_request.snapshot->split(m_request.route->index)->groups[size_t(m_group)].first),
      m_selection(m_request.snapshot->select(m_request.route->index, m_group, m_request.clientHash)),
      m_queue(m_request.snapshot->queue(m_request.route->index)),
      m_circuit(*m_request.snapshot->circuits[size_t(m_request.route->index)]),
      m_connectTimeoutMs(m_request.route->route->overrides->connectTimeoutMs.value_or(
          m_request.snapshot->config->server.connectTimeoutMs)),
      m_responseTimeoutMs(m_request.route->route->overrides->responseTimeoutMs.value_or(
          m_request.snapshot->config->server.responseTimeoutMs)),
      m_routeTimeoutMs(m_request.route->route->timeoutMs)
{
    m_bodyFinished = m_request.bodyFraming == http::MessageParser::Framing::None;
    m_mirror = MirrorCopy::make(m_request);
    if (m_mirror && m_bodyFinished)
        m_mirror->finish();
}

void ProxyExchange::checkDeadlines(qint64 nowMs)
{
    if (m_queueDeadline && nowMs >= m_queueDeadline) {
        m_queueDeadline = 0;
        if (m_queue->withdraw(m_waiter))
            refuseFromQueue(RequestQueue::Rejection::Timeout);
        // else it left meanwhile, granted a slot or evicted: its wake is on the way
    } else if (m_routeDeadline && nowMs >= m_routeDeadline) {
        m_routeDeadline = 0;
        onDeadline();
    } else if (m_connectDeadline && nowMs >= m_connectDeadline) {
        m_connectDeadline = 0;
        failUpstream(504, "timed out connecting to the backend", Failure::ConnectTimeout);
    } else if (m_responseDeadline && nowMs >= m_responseDeadline) {
        m_responseDeadline = 0;
        failUpstream(504,
                     m_responseStarted ? "the backend stopped sending the response body"
                                       : "timed out waiting for the backend's response",
                     Failure::ResponseTimeout);
    }
}

ProxyExchange::~ProxyExchange()
{
    if (m_heldRequestId)
        m_request.breakpoints->withdraw(m_heldRequestId);
    leaveQueue();
    if (m_probe && m_backendIndex >= 0)
        backendState(m_backendIndex).circuit.release(true);
    releaseUpstream(false);
}

const BalancedBackend &ProxyExchange::balancedBackend(int backendIndex) const
{
    return m_request.snapshot->balancers[size_t(m_request.route->index)]->backends()[size_t(backendIndex)];
}

BackendState &ProxyExchange::backendState(int backendIndex) const
{
    return *balancedBackend(backendIndex).state;
}

QString ProxyExchange::backendKey() const
{
    return m_backendIndex < 0 ? QString() : backendState(m_backendIndex).key;  // Backend::key() parses a URL
}

void ProxyExchange::start()
{
    if (m_request.recordTries)
        m_timeline.start();
    if (m_request.breakpoints && m_request.breakpoints->active())
        checkBreakpoints();
    if (m_request.startDelayMs <= 0) {
        begin();
        return;
    }
    // A fault's (or mock's) wait: not part of timeout_ms, which bounds the tries.
    m_phase = Phase::Delayed;
    const quint64 generation = ++m_backoffGeneration;
    QTimer::singleShot(m_request.startDelayMs, this, [this, generation] {
        if (generation == m_backoffGeneration)
            begin();
    });
}

void ProxyExchange::begin()
{
    m_phase = Phase::Idle;
    if (m_request.injectedAbort) {
        m_phase = Phase::Done;
        m_sink->exchangeFailed(*m_request.injectedAbort);
        return;
    }
    if (m_request.staticSite) {
        serveStaticFile();
        return;
    }
    if (m_request.answer) {
        m_answerDue = true;
        if (m_bodyFinished)
            sendRouteAnswer();
        return;
    }
    if (m_holdRequestDue) {
        m_phase = Phase::Held;
        if (m_bodyFinished || m_pendingBody.size() >= Breakpoints::kMaxHeldBodyBytes)
            holdRequest();
        return;
    }
    m_routeDeadline = Deadlines::nowMs() + m_routeTimeoutMs;
    startAttempt();
}

void ProxyExchange::checkBreakpoints()
{
    Breakpoints &breakpoints = *m_request.breakpoints;
    const QByteArray &method = m_request.head.method;
    const QByteArray &target = m_request.head.target;
    if (breakpoints.matches(true, method, target)) {
        Breakpoints::Message request;
        request.method = method;
        request.target = m_request.upstreamTarget;
        request.route = m_request.route->route->externalPath;
        request.requestId = m_request.requestId;
        m_heldResponse = std::make_unique<HeldResponse>(*m_sink, breakpoints, this, std::move(request));
        m_sink = m_heldResponse.get();
    }
    // A request the route answers itself, or a fault aborts, never goes anywhere to be held.
    m_holdRequestDue = !m_request.answer && !m_request.staticSite && !m_request.injectedAbort
                       && breakpoints.matches(false, method, target);
}

void ProxyExchange::holdRequest()
{
    m_holdRequestDue = false;
    Breakpoints::Message message;
    message.method = m_request.head.method;
    message.target = m_request.upstreamTarget;
    message.headers = m_request.head.headers;
    message.body = m_pendingBody;
    message.bodyComplete = m_bodyFinished;
    message.route = m_request.route->route->externalPath;
    message.requestId = m_request.requestId;
    const quint64 generation = ++m_backoffGeneration;
    m_heldRequestId =
        m_request.breakpoints->hold(std::move(message), this, [this, generation](const Breakpoints::Decision &d) {
            if (generation == m_backoffGeneration)
                onRequestDecision(d);
        });
    QTimer::singleShot(m_request.breakpoints->timeoutMs(), this, [this, generation] {
        if (generation == m_backoffGeneration)
            onRequestDecision({});  // no decision in time: as it was
    });
}

void ProxyExchange::onRequestDecision(const Breakpoints::Decision &decision)
{
    ++m_backoffGeneration;
    if (m_heldRequestId)
        m_request.breakpoints->withdraw(m_heldRequestId);
    m_heldRequestId = 0;
    if (m_phase != Phase::Held)
        return;
    if (decision.action == Breakpoints::Action::Answer) {
        m_phase = Phase::Done;
        m_sink->exchangeFailed(
            GatewayError::fromStatus(decision.answerStatus, "answered at a breakpoint in the console"));
        return;
    }
    if (decision.action == Breakpoints::Action::ContinueEdited && Breakpoints::isValidEdit(decision.edited))
        applyRequestEdit(decision.edited);
    m_phase = Phase::Idle;
    m_routeDeadline = Deadlines::nowMs() + m_routeTimeoutMs;
    startAttempt();
}

void ProxyExchange::applyRequestEdit(const Breakpoints::Message &edited)
{
    m_request.head.method = edited.method;
    m_request.upstreamTarget = edited.target;
    m_request.head.headers = edited.headers;
    if (!m_bodyFinished)
        return;  // only part of the body is here: it goes on as it comes
    m_pendingBody = edited.body;
    m_request.bodyFraming = http::MessageParser::Framing::ContentLength;
    m_request.contentLength = quint64(edited.body.size());
    const qint64 limit = m_request.route->route->retry ? m_request.route->route->retry->retryBufferBytes : 0;
    m_replayable = edited.body.size() <= limit;
    m_replayBody = m_replayable ? edited.body : QByteArray();
}

void ProxyExchange::serveStaticFile()
{
    const qsizetype question = m_request.upstreamTarget.indexOf('?');
    const QByteArrayView target(m_request.upstreamTarget);
    StaticAnswer answer =
        serveStatic(*m_request.staticSite, m_request.head, question < 0 ? target : target.first(question));
    if (answer.status >= 400) {
        m_phase = Phase::Done;
        // "static_not_found" reads "not found" in the error; the note keeps the whole name.
        QByteArray reason = QByteArray(answer.note ? answer.note : "static_error").mid(7).replace('_', ' ');
        GatewayError error = GatewayError::fromStatus(answer.status, "static file: " + reason);
        error.fields = std::move(answer.fields);
        error.note = answer.note;
        m_sink->exchangeFailed(error);
        return;
    }
    const bool head = m_request.head.method == "HEAD";
    if (answer.streams() && !head) {
        m_staticFile = std::make_unique<QFile>(answer.filePath);
        // Unbuffered: pieces go from the file into their own buffers, not through QFile's.
        if (!m_staticFile->open(QIODevice::ReadOnly | QIODevice::Unbuffered) || !m_staticFile->seek(answer.offset)) {
            m_staticFile.reset();
            m_phase = Phase::Done;
            m_sink->exchangeFailed(GatewayError::fromStatus(404, "static file: not found"));
            return;
        }
        m_staticLeft = answer.length;
    }
    m_phase = Phase::Streaming;
    http::ResponseHead response;
    response.status = answer.status;
    response.headers = std::move(answer.fields);
    const qint64 length = answer.streams() ? answer.length : answer.body.size();
    const bool bodyless = head || answer.status == 304 || answer.status == 301;
    m_sink->exchangeResponseHead(std::move(response),
                                 answer.status == 304 ? http::MessageParser::Framing::None
                                                      : http::MessageParser::Framing::ContentLength,
                                 bodyless ? 0 : quint64(length));
    if (m_staticFile) {
        pumpStaticFile();
        return;
    }
    m_phase = Phase::Done;
    if (!bodyless && !answer.body.isEmpty())
        m_sink->exchangeResponseBody(answer.body);
    m_sink->exchangeResponseComplete({});  // may end this exchange's life: nothing after it
}

void ProxyExchange::pumpStaticFile()
{
    // Up to the client's high-water mark in one read and write (bench/localdev, static).
    constexpr qint64 kPieceBytes = Transport::kHighWaterBytes;
    while (m_staticLeft > 0 && !m_sink->clientIsCongested()) {
        const QByteArray piece = m_staticFile->read(std::min(kPieceBytes, m_staticLeft));
        if (piece.isEmpty()) {
            // The file shrank under us: the head promised more than there is.
            m_phase = Phase::Done;
            m_staticFile.reset();
            m_sink->exchangeAborted("the static file ended before the length its answer promised");
            return;
        }
        m_staticLeft -= piece.size();
        m_sink->exchangeResponseBody(piece);
        if (m_phase == Phase::Done)
            return;  // the client went away meanwhile (cancel())
    }
    if (m_staticLeft > 0) {
        m_readingPaused = true;  // resumeResponse() goes on
        return;
    }
    m_phase = Phase::Done;
    m_staticFile.reset();
    m_sink->exchangeResponseComplete({});  // may end this exchange's life: nothing after it
}

void ProxyExchange::sendRouteAnswer()
{
    m_phase = Phase::Done;
    m_answerDue = false;
    RouteAnswer answer = std::move(*m_request.answer);
    m_request.answer.reset();
    http::ResponseHead head;
    head.status = answer.status;
    head.headers = std::move(answer.fields);
    const bool bodyless = m_request.head.method == "HEAD" || answer.status == 204 || answer.status == 304;
    if (answer.status != 204 && answer.status != 304)
        head.headers.set(QByteArrayLiteral("Content-Length"), QByteArray::number(answer.body.size()));
    m_sink->exchangeResponseHead(std::move(head), http::MessageParser::Framing::ContentLength,
                                 bodyless ? 0 : quint64(answer.body.size()));
    if (!bodyless && !answer.body.isEmpty())
        m_sink->exchangeResponseBody(answer.body);
    m_sink->exchangeResponseComplete({});  // may end this exchange's life: nothing after it
}

void ProxyExchange::noteTryFailed(const QByteArray &reason)
{
    if (m_request.recordTries && !m_tries.isEmpty() && m_tries.last().error.isEmpty())
        m_tries.last().error = reason;
}

void ProxyExchange::startAttempt()
{
    if (m_phase == Phase::Done)
        return;
    bool full = false;
    // While requests wait, an arrival or a retry queues too: behind them, or ahead of those of a
    // lower priority.
    const int index = chooseBackend(m_queue && m_queue->shared()->depth() > 0, full);
    if (index < 0) {
        if (full)
            enterQueue();
        else
            failWithoutBackend();
        return;
    }
    if (m_attempts > 0)
        m_pendingBody = m_replayBody;  // a retry sends the whole body again
    connectTo(index, true);
}

bool ProxyExchange::admitByBackendLimit(int backendIndex)
{
    const std::vector<std::shared_ptr<RateLimiter>> &limiters =
        m_request.snapshot->backendRateLimiters(m_request.route->index);
    RateLimiter *limiter = limiters.empty() ? nullptr : limiters[size_t(backendIndex)].get();
    m_rateLimitFields = {};
    if (!limiter)
        return true;
    const RateLimiter::Decision decision =
        limiter->admit(m_request.backendRateKeys[size_t(backendIndex)], RateLimiter::nowNs());
    if (decision.admitted) {
        if (limiter->settings().headers && decision.remaining < m_request.rateLimitRemaining)
            m_rateLimitFields = kairos::rateLimitFields(*limiter, decision);
        return true;
    }
    // Refused here: the next candidate may admit it. If none does, the client is told to come back
    // when the first of them would.
    GatewayError refusal =
        rateLimitedError(*limiter, decision, "backend " + backendState(backendIndex).key.toUtf8() + ", ");
    if (!m_rateLimited || decision.retryAfterSeconds < m_rateLimited->retryAfterSeconds)
        m_rateLimited = std::move(refusal);
    return false;
}

bool ProxyExchange::takeSlot(int backendIndex, bool behindQueue, bool &full)
{
    const std::shared_ptr<BackendState> &state = balancedBackend(backendIndex).state;
    if ((behindQueue && state->maxConnections() > 0) || !state->tryAcquireSlot()) {
        full = true;
        return false;
    }
    InFlightGuard slot(state);
    if (!admit(backendIndex))
        return false;  // the slot goes back with `slot`
    m_inFlight = std::move(slot);
    return true;
}

bool ProxyExchange::admit(int backendIndex)
{
    if (!admitByBackendLimit(backendIndex))
        return false;
    const CircuitBreaker::Admission admission = backendState(backendIndex).circuit.tryAcquire(m_circuit);
    m_probe = admission.probe;
    return admission.admitted;
}

int ProxyExchange::chooseBackend(bool behindQueue, bool &full)
{
    // The balancer's candidates first: a retry goes to a backend not tried yet when there is one.
    // A split route's selection numbers its group's backends from 0; the route's index is after
    // the groups before it. Retries stay in the group.
    for (int index = m_selection.nextAvailable(); index >= 0; index = m_selection.nextAvailable()) {
        if (takeSlot(m_groupFirst + index, behindQueue, full))
            return m_groupFirst + index;
    }
    if (m_attempts == 0)
        return -1;
    // All were tried: try again, preferring another backend than the last one.
    const int count = m_group < 0
                          ? int(m_request.route->route->backends.size())
                          : m_request.snapshot->split(m_request.route->index)->groups[size_t(m_group)].balancer->size();
    for (int step = 1; step <= count; ++step) {
        const int index = m_groupFirst + (m_backendIndex - m_groupFirst + step) % count;
        if (backendState(index).isAvailable() && takeSlot(index, behindQueue, full))
            return index;
    }
    return -1;
}

void ProxyExchange::enterQueue()
{
    if (!m_queue) {
        refuseFromQueue(RequestQueue::Rejection::Full);
        return;
    }
    // The wake comes from whichever thread frees a slot; the pool lives on this worker's thread
    // for as long as the worker, and withdraw() returns only once a wake is posted.
    QObject *thisThread = &m_pool;
    m_waiter = std::make_shared<QueueWaiter>([thisThread](std::shared_ptr<QueueWaiter> waiter) {
        QMetaObject::invokeMethod(
            thisThread,
            [waiter] {
                if (const std::function<void()> deliver = std::move(waiter->deliver))
                    deliver();
            },
            Qt::QueuedConnection);
    });
    m_waiter->deliver = [this] { onQueueWake(); };
    m_phase = Phase::Queued;
    // The route's timeout_ms counts the tries, not the wait, which has its own timeout.
    const qint64 now = Deadlines::nowMs();
    m_routeTimeLeftMs = m_routeDeadline ? std::max<qint64>(m_routeDeadline - now, 1) : m_routeTimeoutMs;
    m_routeDeadline = 0;
    m_queueDeadline = now + m_queue->settings().timeoutMs;
    if (!m_queue->enqueue(m_waiter, m_request.route->route->priority)) {
        m_waiter->deliver = nullptr;
        m_waiter.reset();
        m_queueDeadline = 0;
        refuseFromQueue(RequestQueue::Rejection::Full);
        return;
    }
    m_wasQueued = true;
}

void ProxyExchange::onQueueWake()
{
    if (m_waiter && m_waiter->state() == QueueWaiter::State::Evicted) {
        // A request of a higher priority took its place in the full queue.
        m_queueDeadline = 0;
        refuseFromQueue(RequestQueue::Rejection::Full);
        return;
    }
    const std::shared_ptr<QueueWaiter> waiter = std::move(m_waiter);
    m_queueDeadline = 0;
    const std::shared_ptr<BackendState> granted = waiter ? waiter->takeSlot() : nullptr;
    if (!granted)
        return;
    InFlightGuard slot(granted);
    if (m_phase != Phase::Queued)
        return;
    const qint64 waited = waiter->waitedUs();
    m_queuedUs += waited;
    m_queue->recordWait(waited);
    m_phase = Phase::Idle;
    m_routeDeadline = Deadlines::nowMs() + m_routeTimeLeftMs;
    const auto &backends = m_request.snapshot->balancers[size_t(m_request.route->index)]->backends();
    const auto position = std::find_if(backends.begin(), backends.end(),
                                       [&granted](const BalancedBackend &entry) { return entry.state == granted; });
    if (position == backends.end() || !admit(int(position - backends.begin()))) {
        // Its circuit opened meanwhile: give the slot back and choose again.
        slot.release();
        startAttempt();
        return;
    }
    m_inFlight = std::move(slot);
    if (m_attempts > 0)
        m_pendingBody = m_replayBody;
    connectTo(int(position - backends.begin()), true);
}

void ProxyExchange::leaveQueue()
{
    m_queueDeadline = 0;
    if (!m_waiter)
        return;
    m_waiter->deliver = nullptr;
    m_queue->withdraw(m_waiter);  // a slot granted meanwhile goes back with the waiter
    m_waiter.reset();
}

void ProxyExchange::refuseFromQueue(RequestQueue::Rejection reason)
{
    const bool full = reason == RequestQueue::Rejection::Full;
    if (m_waiter) {
        m_queuedUs += m_waiter->waitedUs();
        m_waiter->deliver = nullptr;
        m_waiter.reset();
    }
    if (m_queue)
        m_queue->countRejection(reason);
    m_phase = Phase::Done;
    m_routeDeadline = 0;
    GatewayError error{503, "service_unavailable", full ? "queue_full" : "queue_timeout"};
    error.attempts = m_attempts;
    error.note = full ? "queue_full" : "queue_timeout";
    const int timeoutMs = m_queue ? m_queue->settings().timeoutMs : 1000;
    error.retryAfterSeconds = std::max(1, (timeoutMs + 999) / 1000);
    m_sink->exchangeFailed(error);
}

void ProxyExchange::failWithoutBackend()
{
    m_phase = Phase::Done;
    m_routeDeadline = 0;
    if (m_lastError) {
        GatewayError error = *m_lastError;
        error.attempts = m_attempts;
        m_sink->exchangeFailed(error);
        return;
    }
    if (m_rateLimited) {
        m_sink->exchangeFailed(*m_rateLimited);
        return;
    }
    const Balancer &balancer = *m_request.snapshot->balancers[size_t(m_request.route->index)];
    if (balancer.size() == 0) {  // its discover entries found nothing (docs/DISCOVERY.md)
        GatewayError error{503, "service_unavailable", "no_backends"};
        error.note = "no_backends";
        m_sink->exchangeFailed(error);
        return;
    }
    bool anyHealthy = false;
    for (const BalancedBackend &backend : balancer.backends())
        anyHealthy = anyHealthy || backend.state->healthy.load(std::memory_order_relaxed);
    // Every backend is down (active checks) or open (circuit): answer at once, without the network.
    m_sink->exchangeFailed(anyHealthy ? GatewayError{503, "service_unavailable", "circuit_open"}
                                      : GatewayError::fromStatus(503, "no healthy backend for this route"));
}

void ProxyExchange::connectTo(int backendIndex, bool allowPooled)
{
    m_backendIndex = backendIndex;
    m_responseBuffer.clear();  // every connection starts with nothing read
    m_responseOffset = 0;
    const Backend &backend = m_request.route->route->backends[backendIndex];
    const BalancedBackend &chosen = balancedBackend(backendIndex);
    chosen.state->requests.fetch_add(1, std::memory_order_relaxed);
    m_tryStartNs = steadyNowNs();
    const qint64 nowMs = m_tryStartNs / 1'000'000;  // Deadlines::nowMs()'s clock
    chosen.state->recentTries.add(nowMs);
    ++m_attempts;

    if (allowPooled)
        m_upstream = m_pool.take(chosen.connectionKey());
    const bool pooled = m_upstream != nullptr;
    if (!pooled)
        m_upstream =
            std::make_unique<UpstreamConnection>(backend, chosen, m_request.snapshot->config->server.maxHeaderBytes);

    m_upstream->transport()->setListener(this);
    m_upstream->parser().setExpectNoBody(m_request.head.method == "HEAD");
    if (m_request.recordTries) {
        ExchangeTry attempt;
        attempt.backend = chosen.state->key;
        attempt.startUs = m_timeline.nsecsElapsed() / 1000;
        attempt.reusedConnection = pooled;
        m_tries.append(std::move(attempt));
    }

    if (pooled) {
        onConnected();
        return;
    }
    m_phase = Phase::Connecting;
    m_connectDeadline = nowMs + m_connectTimeoutMs;
    m_upstream->connectToBackend();
}

void ProxyExchange::onConnected()
{
    m_connectDeadline = 0;
    if (m_request.recordTries && !m_tries.isEmpty() && !m_tries.last().reusedConnection)
        m_tries.last().connectUs = m_timeline.nsecsElapsed() / 1000 - m_tries.last().startUs;
    m_phase = Phase::Waiting;
    ForwardingContext context;
    context.peerText = m_request.peerText;
    context.peerIsTrustedProxy = m_request.peerIsTrustedProxy;
    context.secure = m_request.secure;
    context.requestId = m_request.requestId;
    context.upstreamTarget = m_request.upstreamTarget;
    context.backendAuthority = backendState(m_backendIndex).authority;
    context.preserveHost = m_request.route->route->preserveHost;
    context.upgrade = m_request.upgrade;
    http::RequestHead head = upstreamRequestHead(m_request.head, context);
    using Framing = http::MessageParser::Framing;
    if (m_request.bodyFraming == Framing::ContentLength)
        head.headers.add(QByteArrayLiteral("Content-Length"), QByteArray::number(m_request.contentLength));
    else if (m_request.bodyFraming == Framing::Chunked)
        head.headers.add(QByteArrayLiteral("Transfer-Encoding"), QByteArrayLiteral("chunked"));

    m_upstream->countRequest();
    QByteArray out = serialize(head);
    if (m_request.bodyFraming == Framing::Chunked) {
        if (!m_pendingBody.isEmpty())
            appendChunk(out, m_pendingBody);
        if (m_bodyFinished)
            out += http::lastChunk(m_requestTrailers);
    } else {
        out += m_pendingBody;
    }
    m_pendingBody.clear();
    m_upstream->transport()->writeOwned(std::move(out));
    m_attemptClock.start();
    m_responseDeadline = Deadlines::nowMs() + m_responseTimeoutMs;
}

void ProxyExchange::sendBody(QByteArrayView data)
{
    if (m_mirror)
        m_mirror->addBody(data);
    if (m_phase == Phase::Done || data.isEmpty() || m_request.answer || m_request.staticSite)
        return;  // a route's own answer reads no body
    if (m_replayable) {
        const qint64 limit = m_request.route->route->retry ? m_request.route->route->retry->retryBufferBytes : 0;
        if (m_replayBody.size() + data.size() <= limit) {
            m_replayBody += data;
        } else {
            m_replayable = false;  // too large to send twice: this request is not retried
            m_replayBody.clear();
        }
    }
    if (m_phase != Phase::Waiting && m_phase != Phase::Streaming) {
        m_pendingBody += data;
        if (m_holdRequestDue && m_phase == Phase::Held && m_pendingBody.size() >= Breakpoints::kMaxHeldBodyBytes)
            holdRequest();
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

void ProxyExchange::finishBody(const http::Headers &trailers)
{
    m_bodyFinished = true;
    m_requestTrailers = trailers;
    if (m_mirror)
        m_mirror->finish();
    if (m_answerDue) {
        sendRouteAnswer();
        return;
    }
    if (m_holdRequestDue && m_phase == Phase::Held) {
        holdRequest();
        return;
    }
    if (m_phase != Phase::Waiting && m_phase != Phase::Streaming)
        return;
    if (m_request.bodyFraming == http::MessageParser::Framing::Chunked)
        writeToUpstream(http::lastChunk(m_requestTrailers));
}

void ProxyExchange::writeToUpstream(QByteArrayView data)
{
    if (m_upstream)
        m_upstream->transport()->write(data);
}

bool ProxyExchange::isCongested() const
{
    if (m_phase != Phase::Waiting && m_phase != Phase::Streaming)
        return m_pendingBody.size() >= Transport::kHighWaterBytes;
    return m_upstream && m_upstream->transport()->bytesToWrite() >= Transport::kHighWaterBytes;
}

void ProxyExchange::onBytesWritten()
{
    if (m_upstream && m_upstream->transport()->bytesToWrite() < Transport::kHighWaterBytes / 2 && !m_bodyFinished)
        m_sink->exchangeReadyForBody();
}

void ProxyExchange::onReadyRead()
{
    if (m_readingPaused || m_phase == Phase::Done || m_phase == Phase::BackingOff)
        return;
    processResponse();
}

void ProxyExchange::resumeResponse()
{
    if (!m_readingPaused)
        return;
    m_readingPaused = false;
    if (m_staticFile) {
        pumpStaticFile();
        return;
    }
    if (m_phase == Phase::Streaming)
        m_responseDeadline = Deadlines::nowMs() + m_responseTimeoutMs;
    processResponse();
    if (m_phase != Phase::Done && m_upstream && !m_upstream->transport()->isOpen())
        onDisconnected();  // the backend closed while we were not reading
}

void ProxyExchange::processResponse()
{
    using State = http::MessageParser::State;
    Transport *transport = m_upstream->transport();
    http::MessageParser &parser = m_upstream->parser();
    const auto keep = qScopeGuard([this] { keepUnparsedResponseBytes(); });
    while (m_phase == Phase::Waiting || m_phase == Phase::Streaming) {
        if (!hasUnparsedResponseBytes() && !transport->mayRead())
            break;
        if (m_sink->clientIsCongested()) {
            m_readingPaused = true;
            m_responseDeadline = 0;  // the client is the slow side now; its own deadline covers it
            return;
        }
        if (!hasUnparsedResponseBytes()) {
            QByteArray &buffer = responseReadBuffer();
            const qint64 got = transport->read(buffer.data(), buffer.size());
            m_responseBuffer = QByteArray::fromRawData(buffer.constData(), std::max<qint64>(got, 0));
            m_responseOffset = 0;
            if (got <= 0)
                break;
            if (m_phase == Phase::Streaming)
                m_responseDeadline = Deadlines::nowMs() + m_responseTimeoutMs;
        }
        http::MessageParser::BodyPieces body;
        const qsizetype used = parser.feed(m_responseBuffer.constData() + m_responseOffset,
                                           m_responseBuffer.size() - m_responseOffset, &body);
        m_responseOffset += used;
        for (QByteArrayView piece : body)
            m_sink->exchangeResponseBody(piece);
        switch (parser.state()) {
        case State::Failed:
            failUpstream(502, "invalid response from backend: " + parser.errorMessage(), Failure::BadResponse);
            return;
        case State::HeadDone: handleResponseHead(); break;
        case State::Complete: completeResponse(); return;
        default: break;
        }
        if (used == 0 && parser.state() != State::HeadDone)
            break;
    }
}

void ProxyExchange::keepUnparsedResponseBytes()
{
    // The thread's read buffer is the next read's, whichever exchange makes it.
    if (hasUnparsedResponseBytes())
        m_responseBuffer =
            QByteArray(m_responseBuffer.constData() + m_responseOffset, m_responseBuffer.size() - m_responseOffset);
    else
        m_responseBuffer.clear();
    m_responseOffset = 0;
}

void ProxyExchange::handleResponseHead()
{
    http::MessageParser &parser = m_upstream->parser();
    const int status = parser.response().status;
    if (status == 101
        && !switchesToRequestedProtocol(parser.response().headers.combinedValue("upgrade"), m_request.upgrade)) {
        refuseProtocolSwitch();
        return;
    }
    if (status == 101) {
        m_responseDeadline = m_routeDeadline = 0;
        reportOutcome(status);
        m_phase = Phase::Done;
        http::ResponseHead head = parser.response();
        m_upstream->transport()->setListener(nullptr);
        // A copy: m_responseBuffer may be the thread's read buffer. The tunnel reads the rest.
        QByteArray leftover(m_responseBuffer.constData() + m_responseOffset,
                            m_responseBuffer.size() - m_responseOffset);
        m_inFlight.release();
        m_sink->exchangeUpgraded(std::move(head), std::move(m_upstream), std::move(leftover));
        return;
    }
    if (status >= 100 && status < 200) {
        parser.startNextMessage();  // interim responses (100, 102, 103) are not passed on
        parser.setExpectNoBody(m_request.head.method == "HEAD");
        return;
    }
    m_responseDeadline = 0;
    BackendState &state = backendState(m_backendIndex);
    state.recordResponse(status, m_attemptClock.nsecsElapsed() / 1000);
    if (m_request.recordTries && !m_tries.isEmpty()) {
        m_tries.last().status = status;
        m_tries.last().firstByteUs = m_attemptClock.nsecsElapsed() / 1000;
    }
    if (status >= 500)
        state.failures.fetch_add(1, std::memory_order_relaxed);
    const SharedOptional<RetryPolicy> &policy = m_request.route->route->retry;
    if (policy && isRetryableStatus(*policy, status) && mayRetry(Failure::RetryableStatus)) {
        reportOutcome(status);
        m_lastError = GatewayError::fromStatus(502, "backend answered " + QByteArray::number(status));
        noteTryFailed("retryable status " + QByteArray::number(status));
        releaseUpstream(false);  // its body is not wanted; closing is cheaper than reading it
        retryAfterBackoff();
        return;
    }
    reportOutcome(status);
    m_routeDeadline = 0;  // the deadline bounds the tries, not a long download
    m_phase = Phase::Streaming;
    m_responseStarted = true;
    m_responseDeadline = Deadlines::nowMs() + m_responseTimeoutMs;  // now the longest pause in the body
    parser.continueToBody();
    http::ResponseHead head = parser.response();
    head.headers.fields().reserve(head.headers.size() + http::kAddedFieldsRoom);  // the copy set() makes anyway
    head.headers.set(QByteArrayLiteral("X-Kairos-Attempts"), attemptsText(m_attempts));
    m_sink->exchangeResponseHead(std::move(head), parser.framing(), parser.contentLength());
    if (parser.state() == http::MessageParser::State::Complete)
        completeResponse();
}

void ProxyExchange::completeResponse()
{
    if (m_phase == Phase::Done)
        return;
    m_phase = Phase::Done;
    m_responseDeadline = 0;
    // Bytes after the end of the response are a backend error: never hand that connection on.
    const http::Headers trailers = m_upstream->parser().trailers();  // the parser goes with the connection
    const bool reusable = m_bodyFinished && m_upstream->parser().keepAlive() && m_request.upgrade.isEmpty()
                          && !hasUnparsedResponseBytes();
    releaseUpstream(reusable);
    releaseRequestCopies();
    m_sink->exchangeResponseComplete(trailers);
}

void ProxyExchange::onDisconnected()
{
    if ((m_phase != Phase::Waiting && m_phase != Phase::Streaming) || !m_upstream)
        return;
    // Read whatever arrived before the close, then judge.
    if ((m_upstream->transport()->mayRead() || hasUnparsedResponseBytes()) && !m_readingPaused)
        processResponse();
    if (m_phase == Phase::Done || m_phase == Phase::BackingOff || !m_upstream)
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
    failUpstream(502, "backend closed the connection", Failure::ConnectionLost);
}

void ProxyExchange::transportConnected(Transport &)
{
    if (m_phase == Phase::Connecting)
        onConnected();
}

void ProxyExchange::transportClosed(Transport &transport)
{
    if ((m_phase != Phase::Connecting && m_phase != Phase::Waiting && m_phase != Phase::Streaming) || !m_upstream)
        return;
    const bool connecting = m_phase == Phase::Connecting;
    if (!connecting && (transport.error() == Transport::Error::None || transport.error() == Transport::Error::Reset)) {
        onDisconnected();
        return;
    }
    const QString why = transport.errorString().isEmpty() ? QStringLiteral("closed") : transport.errorString();
    failUpstream(502, "backend connection failed: " + why.toUtf8(),
                 connecting ? Failure::ConnectFailed : Failure::ConnectionLost);
}

void ProxyExchange::onDeadline()
{
    if (m_phase == Phase::Done || m_phase == Phase::Queued || m_responseStarted)
        return;
    m_lastError = GatewayError::fromStatus(504, "no response within the route's timeout_ms of "
                                                    + QByteArray::number(m_routeTimeoutMs) + " ms");
    if (m_phase != Phase::BackingOff) {
        reportOutcome(504);
        noteTryFailed(m_lastError->message);
    }
    ++m_backoffGeneration;
    m_connectDeadline = m_responseDeadline = 0;
    releaseUpstream(false);
    failWithoutBackend();
}

bool ProxyExchange::canRetryOnFreshConnection() const
{
    return !m_retriedFresh && !m_responseStarted && m_upstream && m_upstream->carriedEarlierRequests()
           && m_upstream->parser().state() == http::MessageParser::State::Head
           && !m_upstream->parser().hasStartedMessage() && isIdempotentMethod(m_request.head.method) && m_replayable
           && m_phase == Phase::Waiting;
}

bool ProxyExchange::mayRetry(Failure failure) const
{
    const SharedOptional<RetryPolicy> &policy = m_request.route->route->retry;
    if (!policy || m_responseStarted || m_attempts >= policy->maxAttempts)
        return false;
    if (!m_replayable && (m_request.bodyFraming != http::MessageParser::Framing::None))
        return false;
    const bool neverReachedBackend = failure == Failure::ConnectFailed || failure == Failure::ConnectTimeout;
    if (failure != Failure::RetryableStatus && !policy->retryOnConnectionError)
        return false;
    return neverReachedBackend || isIdempotentMethod(m_request.head.method)
           || m_request.route->route->retryNonIdempotent;
}

void ProxyExchange::retryAfterBackoff()
{
    const RetryPolicy &policy = *m_request.route->route->retry;
    const int delay = backoffDelayMs(policy, m_attempts + 1, threadRandom());
    qCInfo(lcProxy).noquote() << "request" << m_request.requestId << "try" << m_attempts << "to" << backendKey()
                              << "failed (" + (m_lastError ? m_lastError->message : QByteArray()) + "); retrying in"
                              << delay << "ms";
    m_phase = Phase::BackingOff;
    const quint64 generation = ++m_backoffGeneration;
    QTimer::singleShot(delay, this, [this, generation] {
        if (generation == m_backoffGeneration)
            startAttempt();
    });
}

void ProxyExchange::reportOutcome(int status)
{
    if (m_backendIndex < 0)
        return;
    BackendState &state = backendState(m_backendIndex);
    if (status < 500)
        state.circuit.onSuccess(m_circuit, m_probe);
    else
        state.circuit.onFailure(m_circuit, m_probe);
    m_probe = false;
    const int route = m_request.route->index;
    const Balancer &balancer = m_request.snapshot->balancer(route, m_group);
    // Once per try: a body that breaks off after the head was counted says nothing more of the
    // time the backend takes to answer.
    if (balancer.strategy() == LoadBalancingStrategy::PeakEwma && !m_responseStarted) {
        const qint64 now = steadyNowNs();
        static_cast<const PeakEwmaBalancer &>(balancer).observe(state, status, now - m_tryStartNs, now,
                                                                double(m_routeTimeoutMs) * 1e6);
    }
    if (const OutlierDetectionSettings *outlier = m_request.snapshot->outlierDetection(route);
        outlier && state.countOutcome(status, *outlier))
        ejectOutlier(*outlier);
}

void ProxyExchange::ejectOutlier(const OutlierDetectionSettings &settings)
{
    const qint64 now = BackendState::nowMs();
    const Balancer &balancer = *m_request.snapshot->balancers[size_t(m_request.route->index)];
    if (ejectWithinCap(balancer, m_backendIndex, settings, now)) {
        const BackendState &state = backendState(m_backendIndex);
        qCWarning(lcProxy).noquote()
            << "backend" << state.key << "ejected for" << state.ejectedUntilMs() - now
            << QStringLiteral("ms (ejection %1) after consecutive failures on route").arg(state.ejections())
            << m_request.route->route->externalPath;
    } else {
        qCInfo(lcProxy).noquote() << "backend" << backendKey() << "not ejected: route"
                                  << m_request.route->route->externalPath
                                  << "has as many backends ejected as max_ejection_percent allows";
    }
}

void ProxyExchange::failUpstream(int status, const QByteArray &reason, Failure failure)
{
    if (m_phase == Phase::Done || m_phase == Phase::BackingOff)
        return;
    // A pooled connection the backend closed while idle: the request never got there. Replay it
    // once on a fresh connection to the same backend; this says nothing about the backend.
    if (failure == Failure::ConnectionLost && canRetryOnFreshConnection()) {
        noteTryFailed("the pooled connection was closed; resent on a fresh one");
        m_retriedFresh = true;
        m_responseDeadline = 0;
        InFlightGuard slot = std::move(m_inFlight);  // the same request to the same backend: its slot stays
        releaseUpstream(false);
        m_inFlight = std::move(slot);
        --m_attempts;
        m_pendingBody = m_replayBody;
        connectTo(m_backendIndex, false);
        return;
    }
    m_connectDeadline = m_responseDeadline = 0;
    noteTryFailed(reason);
    backendState(m_backendIndex).failures.fetch_add(1, std::memory_order_relaxed);
    reportOutcome(status);
    m_lastError = GatewayError::fromStatus(status, reason);
    releaseUpstream(false);
    if (!m_responseStarted && mayRetry(failure)) {
        retryAfterBackoff();
        return;
    }
    m_phase = Phase::Done;
    m_routeDeadline = 0;
    qCWarning(lcProxy).noquote() << "request" << m_request.requestId << "to" << backendKey() << "failed after"
                                 << m_attempts << "tr" + QByteArray(m_attempts == 1 ? "y:" : "ies:") << reason;
    if (m_responseStarted) {
        m_sink->exchangeAborted(reason);
        return;
    }
    GatewayError error = *m_lastError;
    error.attempts = m_attempts;
    m_sink->exchangeFailed(error);
}

// A 101 to a request that asked for no upgrade the route allows, or to another protocol than
// the ones asked for: what follows on that connection is nothing the gateway agreed to carry.
void ProxyExchange::refuseProtocolSwitch()
{
    const QByteArray switchedTo = m_upstream->parser().response().headers.combinedValue("upgrade");
    m_responseDeadline = m_routeDeadline = 0;
    reportOutcome(502);
    noteTryFailed("switched to a protocol that was not asked for");
    releaseUpstream(false);
    releaseRequestCopies();
    m_phase = Phase::Done;
    qCWarning(lcProxy).noquote() << "request" << m_request.requestId << "to" << backendKey()
                                 << ": the backend switched protocols (101) to"
                                 << (switchedTo.isEmpty() ? QByteArray("nothing named")
                                                          : http::quotedString(switchedTo))
                                 << "which the request did not ask for; answering 502";
    GatewayError error = GatewayError::fromStatus(502, "the backend switched to a protocol that was not asked for");
    error.attempts = m_attempts;
    error.closesConnection = true;
    m_sink->exchangeFailed(error);
}

void ProxyExchange::cancel()
{
    leaveQueue();
    if (m_probe && m_backendIndex >= 0)
        backendState(m_backendIndex).circuit.release(true);
    m_probe = false;
    m_phase = Phase::Done;
    ++m_backoffGeneration;
    m_connectDeadline = m_responseDeadline = m_routeDeadline = 0;
    m_staticFile.reset();
    if (m_heldRequestId)
        m_request.breakpoints->withdraw(m_heldRequestId);
    m_heldRequestId = 0;
    releaseUpstream(false);
}

void ProxyExchange::releaseRequestCopies()
{
    // Kept for retries until now, and of no use once the exchange is done: the request head
    // (1-3 KiB from a browser) and up to retry_buffer_bytes of body. Freed at once, even where
    // the exchange itself lives on for a while (docs/BENCHMARKS.md, idle connections).
    m_request.head = http::RequestHead();
    m_replayBody = QByteArray();
    m_pendingBody = QByteArray();
    m_requestTrailers = http::Headers();
}

void ProxyExchange::releaseUpstream(bool reusable)
{
    m_inFlight.release();
    if (!m_upstream)
        return;
    m_upstream->transport()->setListener(nullptr);
    if (reusable)
        m_pool.giveBack(std::move(m_upstream));
    m_upstream.reset();
}

}  // namespace kairos
