// Active health checks: GET each backend's health_check_path every interval_ms; after
// unhealthy_threshold consecutive failures the backend is marked down (every strategy skips it),
// after healthy_threshold consecutive successes it is up again. One loop per distinct backend,
// however many routes use it. A backend starts healthy, so traffic flows before the first check.
#pragma once

#include "backend/backendstate.h"
#include "config/config.h"

#include <QNetworkAccessManager>
#include <QObject>

#include <memory>
#include <unordered_map>

namespace kairos {

class HealthChecker : public QObject
{
    Q_OBJECT

public:
    struct Target {
        std::shared_ptr<BackendState> state;
        Backend backend;
        HealthCheckSettings settings;
    };

    explicit HealthChecker(QObject *parent = nullptr);
    ~HealthChecker() override;

    // Starts loops for new targets, keeps the ones that remain (with their counters), stops the rest.
    void setTargets(const QList<Target> &targets);
    int loopCount() const { return int(m_loops.size()); }

signals:
    void healthChanged(const QString &backendKey, bool healthy, const QString &reason);

private:
    struct Loop;
    void check(Loop &loop);
    void record(Loop &loop, bool success, const QString &detail);

    QNetworkAccessManager m_network;
    std::unordered_map<QString, std::unique_ptr<Loop>> m_loops;
};

}  // namespace kairos
