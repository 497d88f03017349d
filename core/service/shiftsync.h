// Fleet mode: the split routes' shifts shared through etcd, so that every instance sends the same
// share to a canary (docs/CONFIGURATION.md, Gradual shift). Each change an instance makes (a
// judged interval, a manual action) is written to <prefix>/shifts/<route path, percent-encoded>
// only if that key is still at the revision the instance last saw; when another instance wrote
// first, the stored state wins and is taken instead. Every instance takes what the watch brings.
#pragma once

#include "config/config.h"

#include <QJsonObject>
#include <QObject>
#include <QTimer>

#include <map>
#include <memory>

namespace kairos {

class EtcdClient;
class Gateway;

class ShiftSync : public QObject
{
    Q_OBJECT

public:
    ShiftSync(const EtcdSettings &settings, Gateway &gateway, QObject *parent = nullptr);
    ~ShiftSync() override;
    void start();

private:
    struct Stored {
        QJsonObject shift;
        qint64 modRevision = 0;
    };
    void readAll();
    void watchFrom(qint64 revision);
    void retryLater(const QString &why);
    void take(const QByteArray &key, const QJsonObject &kv);
    void restore(const QString &routePath) const;  // the stored state into the running snapshot
    void publish(const QString &routePath, const QJsonObject &shift);
    QByteArray keyOf(const QString &routePath) const;

    Gateway &m_gateway;
    const QByteArray m_prefix;
    std::unique_ptr<EtcdClient> m_client;
    std::map<QString, Stored> m_stored;  // by route path
    QTimer m_retry;
};

}  // namespace kairos
