#include "mirror.h"

#include "proxyexchange.h"

#include "resilience/retrypolicy.h"
#include "runtime/deadlines.h"

#include <QLoggingCategory>

#include <algorithm>

Q_DECLARE_LOGGING_CATEGORY(lcProxy)

namespace kairos {

std::vector<MirrorPolicyPtr> compileMirrors(const Config &config, const std::vector<RouteMetrics *> &metrics)
{
    std::vector<MirrorPolicyPtr> policies;
    const bool any = std::any_of(config.routes.cbegin(), config.routes.cend(),
                                 [](const Route &route) { return bool(route.overrides->mirror); });
    if (!any)
        return policies;
    policies.resize(size_t(config.routes.size()));
    for (int i = 0; i < config.routes.size(); ++i) {
        const Route &route = config.routes[i];
        if (!route.overrides->mirror || route.overrides->mirror->backends.isEmpty())
            continue;
        const MirrorSettings &mirror = *route.overrides->mirror;
        auto policy = std::make_shared<MirrorPolicy>();
        policy->targets.reserve(size_t(mirror.backends.size()));
        for (const Backend &backend : mirror.backends)
            policy->targets.push_back(
                {backend, {std::make_shared<BackendState>(backend), 1, backend.checksCertificate()}});
        policy->percent = mirror.percent;
        policy->maxBodyBytes = route.retry ? route.retry->retryBufferBytes : RetryPolicy().retryBufferBytes;
        policy->connectTimeoutMs = route.overrides->connectTimeoutMs.value_or(config.server.connectTimeoutMs);
        policy->timeoutMs = route.timeoutMs;
        policy->maxHeadBytes = config.server.maxHeaderBytes;
        policy->maxIdlePerBackend = config.server.maxIdleUpstreamConnections;
        policy->idleTimeoutMs = config.server.idleTimeoutMs;
        policy->preserveHost = route.preserveHost;
        policy->metrics = size_t(i) < metrics.size() ? metrics[size_t(i)] : nullptr;
        policy->route = route.externalPath;
        policies[size_t(i)] = std::move(policy);
    }
    return policies;
}

QByteArray shadowHost(QByteArrayView host)
{
    // The port is what follows the last ':' after any IPv6 literal's ']'.
    const qsizetype bracket = host.lastIndexOf(']');
    const qsizetype colon = host.lastIndexOf(':');
    const bool hasPort = colon > bracket && (bracket >= 0 || host.indexOf(':') == colon);
    if (!hasPort)
        return host.toByteArray() + "-shadow";
    return host.first(colon).toByteArray() + "-shadow" + host.sliced(colon).toByteArray();
}

namespace {

void count(const MirrorPolicy &policy, RouteMetrics::MirrorResult result)
{
    if (policy.metrics)
        policy.metrics->recordMirror(result);
}

}  // namespace

std::unique_ptr<MirrorCopy> MirrorCopy::make(const ExchangeRequest &request)
{
    const std::vector<MirrorPolicyPtr> &mirrors = request.snapshot->mirrors;
    if (!request.mirror || mirrors.empty())
        return nullptr;
    const MirrorPolicyPtr &policy = mirrors[size_t(request.route->index)];
    // Nothing goes to a backend for a fault's abort: there is nothing to copy.
    if (!policy || request.injectedAbort || request.answer || request.staticSite)
        return nullptr;
    if (policy->percent < 100 && threadRandom() % 100 >= quint64(policy->percent))
        return nullptr;
    using Framing = http::MessageParser::Framing;
    // An upgraded connection's bytes after the head are no request to copy.
    if (!request.upgrade.isEmpty()
        || (request.bodyFraming == Framing::ContentLength && request.contentLength > quint64(policy->maxBodyBytes))) {
        count(*policy, RouteMetrics::MirrorResult::Skipped);
        return nullptr;
    }
    MirrorJob job;
    job.policy = policy;
    job.head = request.head;
    job.context.peerText = request.peerText;
    job.context.peerIsTrustedProxy = request.peerIsTrustedProxy;
    job.context.secure = request.secure;
    job.context.requestId = request.requestId;
    job.context.upstreamTarget = request.upstreamTarget;
    job.context.preserveHost = policy->preserveHost;
    job.hasBody = request.bodyFraming != Framing::None;
    if (request.bodyFraming == Framing::ContentLength)
        job.body.reserve(qsizetype(request.contentLength));
    return std::unique_ptr<MirrorCopy>(new MirrorCopy(*request.mirror, std::move(job)));
}

MirrorCopy::~MirrorCopy()
{
    if (!m_done)
        skip();
}

void MirrorCopy::addBody(QByteArrayView data)
{
    if (m_done)
        return;
    if (m_job.body.size() + data.size() > m_job.policy->maxBodyBytes) {
        skip();
        return;
    }
    m_job.body += data;
}

void MirrorCopy::finish()
{
    if (m_done)
        return;
    m_done = true;
    m_sender.send(std::move(m_job));
}

void MirrorCopy::skip()
{
    m_done = true;
    count(*m_job.policy, RouteMetrics::MirrorResult::Skipped);
    m_job.body = QByteArray();
}

// One copy on its way: a connection (pooled or new), the request written whole, the answer read
// and dropped.
class MirrorSender::Request final : public TransportListener, public DeferredCalls::Owner
{
public:
    Request(MirrorSender &sender, MirrorJob job, const MirrorPolicy::Target &target)
        : m_sender(sender),
          m_job(std::move(job)),
          m_target(target),
          m_deadline(Deadlines::nowMs() + m_job.policy->timeoutMs)
    {}
    ~Request() override { dropConnection(); }

    void start() { connect(true); }
    void checkDeadline(qint64 nowMs)
    {
        if (m_connectDeadline && nowMs >= m_connectDeadline)
            fail("timed out connecting");
        else if (nowMs >= m_deadline)
            fail("no answer within the route's timeout_ms of " + QByteArray::number(m_job.policy->timeoutMs) + " ms");
    }
    const QString &key() const { return m_target.balanced.state->key; }
    const MirrorJob &job() const { return m_job; }
    qint64 bufferedBytes() const { return m_job.body.size(); }
    bool done = false;

private:
    void connect(bool allowPooled)
    {
        const MirrorPolicy &policy = *m_job.policy;
        if (allowPooled)
            m_upstream = m_sender.m_pool.take(m_target.balanced.connectionKey());
        m_pooled = m_upstream != nullptr;
        if (!m_upstream)
            m_upstream = std::make_unique<UpstreamConnection>(m_target.backend, m_target.balanced, policy.maxHeadBytes);
        m_upstream->transport()->setListener(this);
        m_upstream->parser().setExpectNoBody(m_job.head.method == "HEAD");
        if (m_pooled) {
            sendRequest();
            return;
        }
        m_connecting = true;
        m_connectDeadline = Deadlines::nowMs() + policy.connectTimeoutMs;
        m_upstream->connectToBackend();
    }

    void sendRequest()
    {
        m_connecting = false;
        m_connectDeadline = 0;
        ForwardingContext context = m_job.context;
        context.backendAuthority = m_target.balanced.state->authority;
        http::RequestHead head = upstreamRequestHead(m_job.head, context);
        head.headers.set(QByteArrayLiteral("Host"), shadowHost(head.headers.value("host")));
        // The body is here whole, however the client framed it.
        if (m_job.hasBody)
            head.headers.add(QByteArrayLiteral("Content-Length"), QByteArray::number(m_job.body.size()));
        m_upstream->countRequest();
        QByteArray out = serialize(head, m_job.body.size());
        out += m_job.body;
        m_upstream->transport()->writeOwned(std::move(out));
    }

    void transportConnected(Transport &) override
    {
        if (m_connecting && !done)
            sendRequest();
    }
    void transportReadyRead(Transport &) override
    {
        if (!done && !m_connecting)
            readAnswer();
    }
    void transportClosed(Transport &transport) override
    {
        if (done)
            return;
        const QByteArray why = transport.errorString().isEmpty() ? QByteArrayLiteral("the connection closed")
                                                                 : transport.errorString().toUtf8();
        if (m_connecting) {
            fail("cannot connect: " + why);
            return;
        }
        readAnswer();  // what arrived before the close
        if (done)
            return;
        http::MessageParser &parser = m_upstream->parser();
        if (parser.state() == http::MessageParser::State::Body) {
            parser.finish();
            if (parser.state() == http::MessageParser::State::Complete) {
                answered(false);
                return;
            }
        }
        // An idle connection the shadow closed meanwhile: the copy never reached it. Sent again
        // once on a new connection, under the rule for the route's own requests.
        if (m_pooled && !m_retriedFresh && !parser.hasStartedMessage() && isIdempotentMethod(m_job.head.method)) {
            m_retriedFresh = true;
            dropConnection();
            connect(false);
            return;
        }
        fail(why + " before the answer ended");
    }

    void readAnswer()
    {
        using State = http::MessageParser::State;
        Transport *transport = m_upstream->transport();
        http::MessageParser &parser = m_upstream->parser();
        char buffer[16 * 1024];
        while (!done && transport->mayRead()) {
            const qint64 got = transport->read(buffer, sizeof buffer);
            if (got <= 0)
                return;
            for (qsizetype offset = 0; offset < got;) {
                const qsizetype used = parser.feed(buffer + offset, got - offset);  // no body: it is dropped
                offset += used;
                if (parser.state() == State::HeadDone) {
                    const int status = parser.response().status;
                    if (status == 101) {
                        fail("the shadow switched protocols");
                        return;
                    }
                    if (status >= 100 && status < 200) {
                        parser.startNextMessage();
                        parser.setExpectNoBody(m_job.head.method == "HEAD");
                        continue;
                    }
                    parser.continueToBody();
                }
                if (parser.state() == State::Failed) {
                    fail("invalid answer: " + parser.errorMessage());
                    return;
                }
                if (parser.state() == State::Complete) {
                    // Bytes after the answer are a broken backend: never reuse that connection.
                    answered(offset == got && parser.keepAlive());
                    return;
                }
                if (used == 0)
                    break;
            }
        }
    }

    void answered(bool reusable)
    {
        done = true;
        m_upstream->transport()->setListener(nullptr);
        if (reusable)
            m_sender.m_pool.giveBack(std::move(m_upstream));
        m_upstream.reset();
        m_sender.finished(*this, true, {});
    }

    void fail(const QByteArray &reason)
    {
        done = true;
        dropConnection();
        m_sender.finished(*this, false, reason);
    }

    void dropConnection()
    {
        if (!m_upstream)
            return;
        m_upstream->transport()->setListener(nullptr);
        m_upstream.reset();  // discard()s the transport, which may be inside one of its callbacks
    }

    MirrorSender &m_sender;
    MirrorJob m_job;
    const MirrorPolicy::Target &m_target;  // in m_job.policy
    std::unique_ptr<UpstreamConnection> m_upstream;
    qint64 m_deadline;  // Deadlines::nowMs() values
    qint64 m_connectDeadline = 0;
    bool m_connecting = false;
    bool m_pooled = false;
    bool m_retriedFresh = false;
};

MirrorSender::MirrorSender(int maxInFlight, QObject *parent)
    : QObject(parent), m_pool(this), m_maxInFlight(maxInFlight), m_tick(this)
{
    m_tick.setInterval(Deadlines::kTickMs);
    QObject::connect(&m_tick, &QTimer::timeout, this, &MirrorSender::tick);
}

MirrorSender::~MirrorSender()
{
    m_requests.clear();  // before the pool their connections might go back to
}

void MirrorSender::send(MirrorJob job)
{
    const MirrorPolicy &policy = *job.policy;
    if (m_inFlight >= m_maxInFlight || m_bufferedBytes + job.body.size() > kMaxBufferedBytes) {
        count(policy, RouteMetrics::MirrorResult::Dropped);
        qCDebug(lcProxy).noquote() << "copy of request" << job.context.requestId << "for the mirror of route"
                                   << policy.route << "dropped:" << m_inFlight << "copies in flight," << m_bufferedBytes
                                   << "bytes buffered";
        return;
    }
    const MirrorPolicy::Target &target = policy.nextTarget();
    const QString &key = target.balanced.state->key;
    if (!m_shadowKeys.contains(key)) {
        // Connections to shadows no config lists any more close after idle_timeout_ms.
        m_shadowKeys.insert(key);
        m_pool.setLiveBackends(m_shadowKeys);
    }
    m_pool.setLimits(policy.maxIdlePerBackend, policy.idleTimeoutMs);
    m_requests.push_back(std::make_unique<Request>(*this, std::move(job), target));
    Request *request = m_requests.back().get();
    ++m_inFlight;
    m_bufferedBytes += request->bufferedBytes();
    if (!m_tick.isActive())
        m_tick.start();
    DeferredCalls::post(request, [request] { request->start(); });
}

void MirrorSender::finished(Request &request, bool answered, const QByteArray &reason)
{
    --m_inFlight;
    m_bufferedBytes -= request.bufferedBytes();
    const MirrorPolicy &policy = *request.job().policy;
    const QString &key = request.key();
    if (answered) {
        count(policy, RouteMetrics::MirrorResult::Sent);
        if (m_failing.remove(key))
            qCInfo(lcProxy).noquote() << "mirror backend" << key << "of route" << policy.route << "answers again";
    } else {
        count(policy, RouteMetrics::MirrorResult::Failed);
        qCDebug(lcProxy).noquote() << "copy of request" << request.job().context.requestId << "to mirror backend" << key
                                   << "failed:" << reason;
        // Once until it answers again: a shadow that is down must not flood the log.
        if (!m_failing.contains(key)) {
            m_failing.insert(key);
            qCWarning(lcProxy).noquote() << "mirror backend" << key << "of route" << policy.route
                                         << "failed (" + reason + "); further failures are logged at debug level"
                                         << "and counted in kairos_mirror_requests_total";
        }
    }
    if (!m_reapQueued) {
        m_reapQueued = true;
        QMetaObject::invokeMethod(this, &MirrorSender::reap, Qt::QueuedConnection);
    }
}

void MirrorSender::tick()
{
    const qint64 now = Deadlines::nowMs();
    for (const std::unique_ptr<Request> &request : m_requests) {
        if (!request->done)
            request->checkDeadline(now);
    }
}

// Finished requests go from the event loop: each finished inside a callback of its own connection.
void MirrorSender::reap()
{
    m_reapQueued = false;
    m_requests.remove_if([](const std::unique_ptr<Request> &request) { return request->done; });
    if (m_requests.empty())
        m_tick.stop();
}

void MirrorSender::abortAll()
{
    m_requests.clear();
    m_inFlight = 0;
    m_bufferedBytes = 0;
    m_tick.stop();
    m_pool.clear();
}

}  // namespace kairos
