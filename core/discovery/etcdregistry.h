// Service registrations in etcd (docs/DISCOVERY.md): every key under <prefix>/services/<name>/<id>
// holds one instance of service <name> as {"host", "port", "weight", "metadata"}, normally on a
// lease so that an instance that dies leaves by itself. Reads the prefix whole, then follows it
// with a watch; when the watch ends or etcd is away, reads it whole again after a pause. The last
// known registrations stay meanwhile.
#pragma once

#include "config/config.h"

#include <QHostAddress>
#include <QObject>
#include <QTimer>

#include <functional>
#include <map>
#include <memory>

namespace kairos {

class EtcdClient;

struct Registration {
    QString scheme;  // "http" or "https" when the host named one; empty: the discover entry's
    QHostAddress address;
    int port = 0;
    int weight = 1;
    QJsonObject metadata;

    bool operator==(const Registration &other) const
    {
        return scheme == other.scheme && address == other.address && port == other.port && weight == other.weight
               && metadata == other.metadata;
    }
    // The JSON a registration is stored as.
    QJsonObject toJson() const;
    // A stored value; nullopt and *error when it is not one (the host must be an IP address: the
    // gateway does not resolve names on the request path).
    static std::optional<Registration> parse(const QByteArray &value, QString *error);
};

class EtcdRegistry : public QObject
{
    Q_OBJECT

public:
    using Instances = std::map<QString, Registration>;  // by <id>

    EtcdRegistry(const EtcdSettings &settings, QObject *parent = nullptr);
    ~EtcdRegistry() override;

    void start();
    // By service name.
    const std::map<QString, Instances> &services() const { return m_services; }
    bool reached() const { return m_reached; }  // the last read or watch answered
    QString error() const { return m_error; }   // why etcd is not followed now; empty when it is
    // Registrations under the prefix that could not be read, by key: "<name>/<id>: why".
    const std::map<QString, QString> &refused() const { return m_refused; }

signals:
    void changed();  // services(), reached(), error() or refused()

private:
    void readAll();
    void watchFrom(qint64 revision);
    void retryLater(const QString &why);
    void apply(const QByteArray &key, const QByteArray *value);  // null: deleted
    qsizetype registrationCount() const;

    EtcdSettings m_settings;
    QByteArray m_prefix;
    std::unique_ptr<EtcdClient> m_client;
    QTimer m_retry;
    std::map<QString, Instances> m_services;
    std::map<QString, QString> m_refused;
    bool m_reached = false;
    QString m_error;
};

}  // namespace kairos
