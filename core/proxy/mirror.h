// Request mirroring: a route's `mirror` sends a copy of some of its requests to a shadow group and
// drops the answers. The exchange collects the copy as the body passes (MirrorCopy) and hands it,
// once whole, to its worker's MirrorSender, which sends it on a connection of its own. Nothing a
// shadow does reaches the client: the copy goes out from the event loop, after what the exchange
// does in the same event, its answer is read and dropped, and a failure is counted, not retried.
#pragma once

#include "balancing/balancer.h"
#include "config/config.h"
#include "forwarding.h"
#include "http/httpmessage.h"
#include "metrics/routemetrics.h"
#include "upstreampool.h"

#include <QHash>
#include <QObject>
#include <QSet>
#include <QTimer>

#include <atomic>
#include <list>
#include <memory>
#include <vector>

namespace kairos {

struct ExchangeRequest;

// A route's mirror, compiled with the snapshot.
struct MirrorPolicy {
    struct Target {
        Backend backend;
        // A state of its own, outside the BackendRegistry: a shadow takes no part in balancing,
        // health checks or circuits, and its keys and Host value are made once here.
        BalancedBackend balanced;
    };
    std::vector<Target> targets;
    int percent = 100;
    qint64 maxBodyBytes = 0;  // the route's retry_buffer_bytes: larger bodies are not copied
    int connectTimeoutMs = 0;
    int timeoutMs = 0;  // the route's timeout_ms, for the whole copy: connecting, sending, the answer
    qsizetype maxHeadBytes = 0;
    int maxIdlePerBackend = 0;
    int idleTimeoutMs = 0;
    bool preserveHost = false;
    RouteMetrics *metrics = nullptr;
    QString route;  // external_path, for the log

    // The targets take copies in turn.
    const Target &nextTarget() const
    {
        return targets[m_next.fetch_add(1, std::memory_order_relaxed) % targets.size()];
    }

private:
    mutable std::atomic<quint32> m_next{0};
};

using MirrorPolicyPtr = std::shared_ptr<const MirrorPolicy>;

// By route index; empty when no route has a mirror. `metrics`: the snapshot's, by route index.
std::vector<MirrorPolicyPtr> compileMirrors(const Config &config, const std::vector<RouteMetrics *> &metrics);

// "api-shadow:8080" for "api:8080", "api-shadow" for "api": the Host a copy carries (Envoy's
// suffix), so that a shadow can tell copies from its own traffic; the port stays a port.
QByteArray shadowHost(QByteArrayView host);

// A copy ready to send: the request as it would go to a backend, less the backend's Host.
struct MirrorJob {
    MirrorPolicyPtr policy;
    http::RequestHead head;     // as the exchange has it (request_headers applied)
    ForwardingContext context;  // backendAuthority is the target's, filled in when it is sent
    bool hasBody = false;       // sent with Content-Length
    QByteArray body;
};

class MirrorSender;

// What an exchange holds while the request body passes: the copy being collected.
class MirrorCopy
{
public:
    // A copy of `request` for its route's mirror, or null: no mirror or no sender, not among the
    // route's percent, or not to be copied (an upgrade, a fault's abort). A Content-Length over
    // the limit is counted as skipped at once.
    static std::unique_ptr<MirrorCopy> make(const ExchangeRequest &request);
    // Counted as skipped when the body never came whole.
    ~MirrorCopy();
    MirrorCopy(const MirrorCopy &) = delete;
    MirrorCopy &operator=(const MirrorCopy &) = delete;

    void addBody(QByteArrayView data);
    // The body is whole (or there is none): the copy goes to the sender.
    void finish();

private:
    MirrorCopy(MirrorSender &sender, MirrorJob job) : m_sender(sender), m_job(std::move(job)) {}
    void skip();

    MirrorSender &m_sender;
    MirrorJob m_job;
    bool m_done = false;
};

// The copies of one worker thread in flight to shadow backends, on connections of their own (a
// pool apart from the worker's, so that shadows never take an idle connection a backend's request
// could use). Lives on the worker's thread.
class MirrorSender : public QObject
{
    Q_OBJECT

public:
    // Each copy's body waits here until the shadow answered: this bounds the memory they hold.
    static constexpr qint64 kMaxBufferedBytes = 64 * 1024 * 1024;

    explicit MirrorSender(int maxInFlight = kMaxMirrorRequestsInFlight, QObject *parent = nullptr);
    ~MirrorSender() override;

    // Sends the copy from the event loop, after what the current event does (the exchange starts
    // its own request first), or drops it when the sender is at its limits.
    void send(MirrorJob job);
    int inFlight() const { return m_inFlight; }
    // Stops every copy in flight (uncounted) and closes the idle connections: the worker stops.
    void abortAll();

private:
    class Request;
    friend class Request;

    void finished(Request &request, bool answered, const QByteArray &reason);
    void tick();
    void reap();

    UpstreamPool m_pool;
    QSet<QString> m_shadowKeys;  // every shadow seen: the pool keeps connections to these
    QSet<QString> m_failing;     // shadows whose last copy failed (warned once)
    std::list<std::unique_ptr<Request>> m_requests;
    int m_inFlight = 0;
    qint64 m_bufferedBytes = 0;
    const int m_maxInFlight;
    QTimer m_tick;
    bool m_reapQueued = false;
};

}  // namespace kairos
