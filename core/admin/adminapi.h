// The gateway's own HTTP endpoints, served on its port before routing (docs/API.md):
//   /api/routes[/{path}]  route management      /api/config[/reload|/status]  config and hot reload
//   /api/backends         backend states        /metrics                      Prometheus text
//   /api/cluster          fleet mode and members
//   /health /ready /live  probes (open to all)
// /api/* and /metrics answer only clients in admin.allowed_networks (behind a trusted proxy, the
// client it forwards for), or others that present the admin token (admin.token or
// $KAIROS_ADMIN_TOKEN) as a bearer token; nothing a browser page sends (docs/API.md, Access).
// Every change goes through
// ConfigStore (validate, save, swap). Runs on the worker threads; everything it touches is
// thread-safe.
#pragma once

#include "config/configstore.h"
#include "proxy/localhandler.h"

#include <QElapsedTimer>
#include <QJsonObject>
#include <QJsonValue>

#include <atomic>

namespace kairos {

class Gateway;

// What GET /api/cluster and /metrics say of fleet mode (FleetSync, beneath the service).
class ClusterStatus
{
public:
    virtual ~ClusterStatus() = default;
    virtual QJsonObject status() const = 0;
    virtual QByteArray metricsText() const = 0;
};

// Discovery's view of the sources that found backends (docs/DISCOVERY.md), for GET /api/backends
// and the metrics.
class BackendSourceStatus
{
public:
    virtual ~BackendSourceStatus() = default;
    virtual QJsonObject sourceStatus(const QString &source) const = 0;
    virtual QByteArray metricsText() const = 0;
};

class AdminApi : public LocalHandler
{
public:
    AdminApi(ConfigStore &store, Gateway &gateway);
    // Fleet mode; set before the gateway serves, and outliving it.
    void setClusterStatus(const ClusterStatus *cluster) { m_cluster = cluster; }
    // Set before the gateway serves, and outliving it.
    void setBackendSourceStatus(const BackendSourceStatus *sources) { m_sources = sources; }

    bool wantsRequest(const http::RequestHead &head) const override;
    // With admin.listen set, the main port serves only the probes.
    void setServedSeparately(bool separately) { m_servedSeparately = separately; }
    std::optional<Response> refuseBeforeBody(const Request &request) const override;
    qint64 maxBodyBytes() const override;
    Response handle(const Request &request) override;

private:
    Response probe(QByteArrayView path) const;
    // One per resource and verb (docs/API.md).
    Response listRoutes() const;
    Response createRoute(const Request &request);
    Response getRoute(const Request &request, const QString &externalPath) const;
    Response replaceRoute(const Request &request, const QString &externalPath);
    Response deleteRoute(const Request &request, const QString &externalPath);
    Response shiftAction(const Request &request, const QString &externalPath);
    Response replaceConfig(const Request &request);
    Response reloadConfig(const Request &request);
    Response configStatus() const;
    Response backends() const;
    Response cluster() const;
    Response metrics() const;
    std::optional<Response> denyAccess(const Request &request) const;
    std::optional<Response> denyFromBrowser(const Request &request) const;
    Response withEtag(Response response) const;  // the running config's revision
    Response answerChange(const Request &request, const ConfigStore::Change &change, int successStatus,
                          const QJsonValue &body, const QString &location = QString(),
                          const QList<ConfigProblem> &bodyWarnings = {});

    ConfigStore &m_store;
    Gateway &m_gateway;
    QElapsedTimer m_uptime;
    std::atomic<bool> m_servedSeparately{false};
    const ClusterStatus *m_cluster = nullptr;
    const BackendSourceStatus *m_sources = nullptr;
};

// "********" in place of the JWT secret and the admin token.
QJsonObject redactedConfig(const Config &config);
extern const char kRedacted[];

}  // namespace kairos
