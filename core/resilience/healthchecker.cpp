#include "healthchecker.h"

#include <QLoggingCategory>
#include <QNetworkReply>
#include <QPointer>
#include <QTimer>

Q_DECLARE_LOGGING_CATEGORY(lcResilience)

namespace kairos {

struct HealthChecker::Loop {
    Target target;
    QTimer timer;
    QPointer<QNetworkReply> reply;
    int consecutiveSuccesses = 0;
    int consecutiveFailures = 0;
};

HealthChecker::HealthChecker(QObject *parent) : QObject(parent)
{
    m_network.setRedirectPolicy(QNetworkRequest::ManualRedirectPolicy);
    m_network.setCookieJar(nullptr);
}

HealthChecker::~HealthChecker()
{
    for (auto &entry : m_loops) {
        if (entry.second->reply)
            entry.second->reply->abort();
    }
}

void HealthChecker::setTargets(const QList<Target> &targets)
{
    std::unordered_map<QString, std::unique_ptr<Loop>> loops;
    for (const Target &target : targets) {
        const QString key = target.backend.key();
        if (loops.count(key))
            continue;  // one loop per backend; the first route that names it sets the schedule
        auto existing = m_loops.find(key);
        std::unique_ptr<Loop> loop;
        if (existing != m_loops.end()) {
            loop = std::move(existing->second);
            m_loops.erase(existing);
        } else {
            loop = std::make_unique<Loop>();
            connect(&loop->timer, &QTimer::timeout, this, [this, raw = loop.get()] { check(*raw); });
            QTimer::singleShot(0, this, [this, key] {
                const auto found = m_loops.find(key);
                if (found != m_loops.end())
                    check(*found->second);
            });
        }
        loop->target = target;
        loop->timer.setInterval(target.settings.intervalMs);
        loop->timer.start();
        loops.emplace(key, std::move(loop));
    }
    // Backends no longer checked: nobody will mark them up again, so they count as healthy.
    for (auto &entry : m_loops) {
        if (entry.second->reply)
            entry.second->reply->abort();
        entry.second->target.state->healthy.store(true, std::memory_order_relaxed);
    }
    m_loops = std::move(loops);
}

void HealthChecker::check(Loop &loop)
{
    if (loop.reply)
        return;  // the previous check is still running (its timeout ends it)
    const Backend &backend = loop.target.backend;
    QUrl url;
    url.setScheme(backend.usesTls() ? QStringLiteral("https") : QStringLiteral("http"));
    url.setHost(backend.connectHost());
    url.setPort(backend.port);
    url.setPath(backend.healthCheckPath);
    QNetworkRequest request(url);
    if (backend.discovered)  // checked at its address, named as requests name it
        request.setRawHeader("Host", backend.authority());
    request.setTransferTimeout(loop.target.settings.timeoutMs);
    request.setHeader(QNetworkRequest::UserAgentHeader, QStringLiteral("kairos-health-check/" KAIROS_VERSION));
    request.setAttribute(QNetworkRequest::CookieLoadControlAttribute, QNetworkRequest::Manual);
    request.setAttribute(QNetworkRequest::CookieSaveControlAttribute, QNetworkRequest::Manual);
    QNetworkReply *reply = m_network.get(request);
    if (!backend.tlsVerify) {
        connect(reply, &QNetworkReply::sslErrors, reply, [reply] { reply->ignoreSslErrors(); });
    } else if (backend.discovered) {
        // QNAM cannot name the peer apart from the address it connects to: the chain is verified
        // here, the name by the requests themselves (TlsTransport's peer name).
        connect(reply, &QNetworkReply::sslErrors, reply, [reply](const QList<QSslError> &errors) {
            QList<QSslError> nameOnly;
            for (const QSslError &error : errors) {
                if (error.error() == QSslError::HostNameMismatch)
                    nameOnly.append(error);
            }
            if (nameOnly.size() == errors.size())
                reply->ignoreSslErrors(nameOnly);
        });
    }
    loop.reply = reply;
    const QString key = backend.key();
    connect(reply, &QNetworkReply::finished, this, [this, reply, key] {
        reply->deleteLater();
        const auto found = m_loops.find(key);
        if (found == m_loops.end() || found->second->reply != reply)
            return;
        Loop &current = *found->second;
        current.reply = nullptr;
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        const QList<int> &expected = current.target.settings.expectedStatuses;
        const bool statusOk = expected.isEmpty() ? (status >= 200 && status < 400) : expected.contains(status);
        if (status == 0)
            record(current, false, reply->errorString());
        else
            record(current, statusOk, QStringLiteral("status %1").arg(status));
    });
}

void HealthChecker::record(Loop &loop, bool success, const QString &detail)
{
    HealthFlag &healthy = loop.target.state->healthy;
    const HealthCheckSettings &settings = loop.target.settings;
    if (success) {
        loop.consecutiveFailures = 0;
        ++loop.consecutiveSuccesses;
        if (!healthy.load() && loop.consecutiveSuccesses >= settings.healthyThreshold) {
            // Before it is seen healthy: no request takes it at full share first.
            loop.target.state->beginSlowStart(BackendState::nowMs());
            healthy.store(true);
            qCInfo(lcResilience).noquote() << "backend" << loop.target.backend.key() << "is up again after"
                                           << loop.consecutiveSuccesses << "good health check(s)";
            emit healthChanged(loop.target.backend.key(), true, detail);
        }
        return;
    }
    loop.consecutiveSuccesses = 0;
    ++loop.consecutiveFailures;
    if (healthy.load() && loop.consecutiveFailures >= settings.unhealthyThreshold) {
        healthy.store(false);
        qCWarning(lcResilience).noquote() << "backend" << loop.target.backend.key() << "marked down after"
                                          << loop.consecutiveFailures << "failed health check(s), last:" << detail;
        emit healthChanged(loop.target.backend.key(), false, detail);
    }
}

}  // namespace kairos
