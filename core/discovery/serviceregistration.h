// `kairos-gateway --register users=http://10.0.0.5:8080`: keeps one instance registered in etcd
// under <prefix>/services/<name>/<id> on a lease, for services without a registration agent of
// their own (docs/DISCOVERY.md). The lease is renewed every third of its TTL; when it is lost
// (etcd away longer than the TTL) a new one is granted and the key written again. stop() revokes
// it, so the instance leaves at once; a registrar killed without stop() leaves within the TTL.
#pragma once

#include "config/config.h"
#include "etcdregistry.h"
#include "fleet/etcdclient.h"

#include <QObject>
#include <QTimer>

#include <functional>
#include <memory>

namespace kairos {

class ServiceRegistration : public QObject
{
    Q_OBJECT

public:
    struct Target {
        QString service;  // <name>
        QString id;       // <id>: "10.0.0.5:8080" unless given
        Registration registration;
    };
    // "users=http://10.0.0.5:8080" (the scheme is optional; the host must be an IP address).
    static std::optional<Target> parseTarget(const QString &text, QString *error);

    ServiceRegistration(const EtcdSettings &settings, Target target, int ttlSeconds, QObject *parent = nullptr);
    ~ServiceRegistration() override;

    void start();
    // Revokes the lease (the key goes with it), then calls `done`; at most after the etcd timeout.
    void stop(std::function<void()> done);
    QByteArray key() const { return m_key; }

signals:
    void registered();                // the key is written on a live lease (again, after a loss)
    void failed(const QString &why);  // a grant, put or renewal failed; retried on the next beat

private:
    // One exchange with etcd at a time (grant, renewal, put): while etcd is away the beats would
    // otherwise pile up behind the first, each granting a lease of its own.
    void beat();
    void grant();
    void put();
    void endExchange();
    // Ends the exchange when a step failed (reported) or stop() was called; true then.
    bool endedBy(const EtcdClient::Reply &reply);

    EtcdSettings m_settings;
    Target m_target;
    int m_ttlSeconds;
    QByteArray m_key;
    std::unique_ptr<EtcdClient> m_client;
    QTimer m_timer;
    qint64 m_leaseId = 0;
    bool m_registered = false;
    bool m_busy = false;     // an exchange with etcd is under way
    bool m_stopped = false;  // stop() was called: what is under way writes nothing more
};

}  // namespace kairos
