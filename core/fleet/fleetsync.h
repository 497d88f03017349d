// Fleet mode (docs/FLEET.md): this instance's end of a config shared through etcd. It reads the
// prefix, applies it through ConfigStore::applyShared() (the one validate-then-swap path), and
// watches it from the revision it applied; writes from the API and the console come to publish()
// and go to etcd in a transaction that compares what they were based on, and come back through
// the watch like anyone else's. A document that does not validate is refused with its key and
// the last good config keeps serving. While etcd is away the instance serves what it has,
// retries with backoff, and answers writes with 503; it starts from its cache file when etcd is
// down at start. It keeps <prefix>/instances/<name> alive on a lease.
// The etcd work runs on a thread of its own; the public methods are thread-safe.
#pragma once

#include "config/configstore.h"
#include "config/sharedconfigstore.h"

#include <QDateTime>
#include <QJsonObject>
#include <QMutex>
#include <QObject>
#include <QThread>

#include "etcdclient.h"

#include <atomic>
#include <map>
#include <memory>
#include <optional>

namespace kairos {

class EtcdClient;

class FleetSync : public QObject, public SharedConfigStore
{
    Q_OBJECT

public:
    struct Options {
        QString instanceName;  // cluster.instance_name, else "<host>:<port>"
        QString address;       // where this instance serves, for the member list
        QString cacheFile;     // resolved: never empty
        bool seed = false;     // --etcd-seed: write the local file's config when the prefix has no routes
    };

    FleetSync(ConfigStore &store, const ClusterSettings &settings, Options options, QObject *parent = nullptr);
    ~FleetSync() override;

    // Reads the shared config (or, when no endpoint answers, the cache file) and applies it,
    // then keeps it current. Blocks until the first config is applied; false with `error` when
    // there is none to serve.
    bool start(const QByteArray &localFileBytes, QString *error);
    // Revokes the membership lease (the instance leaves the member list at once) and stops.
    void stop();

    QJsonObject status() const;      // GET /api/cluster
    QByteArray metricsText() const;  // kairos_config_store_up, kairos_config_revision, ...
    QString instanceName() const { return m_options.instanceName; }
    // Instances in the member list (at least this one): what rate limits of scope "fleet" divide by.
    int memberCount() const;

    // SharedConfigStore
    Publication publish(const Config &current, quint64 currentRevision, const Config &candidate,
                        std::optional<quint64> ifMatch) override;
    ConfigLoadResult compose(const QByteArray *localFileBytes) override;
    void localFileApplied(const QByteArray &localFileBytes) override;

    static QString defaultCacheFile(const QString &configPath);

signals:
    void statusChanged();  // store up/down, members, revision, problems (from the fleet thread)

private:
    struct Document {
        QJsonObject value;
        qint64 modRevision = 0;
        qint64 createRevision = 0;
    };
    struct Refusal {
        QString error;
        qint64 modRevision = 0;
        std::optional<Document> document;  // a JSON object that did not validate: tried again later
    };
    using Changes = std::map<QByteArray, std::optional<Document>>;  // nullopt: deleted

    // On the fleet thread.
    void connectToStore();
    void readAll(std::function<void(bool ok)> done = {});
    void readPage(QByteArray from, qint64 revision, int limit, std::shared_ptr<QJsonArray> kvs,
                  std::function<void(const QJsonArray &kvs, qint64 revision)> done,
                  std::function<void(const EtcdClient::Reply &)> failed);
    void applyFullRead(const QJsonArray &kvs, qint64 revision, std::function<void(bool ok)> done);
    void seedThen(bool settingsExist, std::function<void()> next);
    void watchFrom(qint64 revision);
    void onWatchResponse(const QJsonObject &response);
    // Validates and applies what changed; `force`: apply even when nothing did (the first read
    // replaces the local file's routes, a re-read after the cache replaces the cached config).
    void applyChanges(const Changes &changes, qint64 revision, bool force);
    bool acceptDocuments(Changes changes);
    qint64 configRevisionLocked() const;  // the newest accepted document's, or the removal marker's
    void storeLost(const QString &reason, const char *errorReason);
    void storeReached();
    void scheduleReconnect();
    void keepMemberAlive();
    void putMember();
    void writeCache();
    bool loadCache(QString *error);
    void finishStart(bool ok, const QString &error);

    // Under m_mutex.
    QJsonObject composeLocked() const;
    ConfigLoadResult loadLocked() const;
    void countError(const char *reason);

    ConfigStore &m_store;
    const ClusterSettings m_settings;
    const Options m_options;
    const QDateTime m_started = QDateTime::currentDateTimeUtc();
    QThread m_thread;
    QObject *m_context = nullptr;    // lives on m_thread: the etcd work's timers and replies
    EtcdClient *m_client = nullptr;  // on m_thread
    QObject *m_reconnectTimer = nullptr;
    int m_backoffMs = 0;
    qint64 m_leaseId = 0;
    std::atomic<bool> m_stopping{false};
    bool m_reading = false;  // a full read is under way
    std::function<void(bool, QString)> m_startDone;

    mutable QMutex m_mutex;
    QJsonObject m_local;                         // the local file
    std::map<QByteArray, Document> m_documents;  // accepted: settings and routes
    std::map<QByteArray, Refusal> m_refused;
    std::map<QString, QJsonObject> m_members;
    qint64 m_removedRevision = 0;  // of <prefix>/removed, written with every deletion Kairos makes
    qint64 m_revision = 0;         // the last etcd revision seen
    qint64 m_configRevision = 0;   // the revision of the config applied
    bool m_storeUp = false;
    bool m_fromCache = false;
    QString m_lastError;
    std::map<QByteArray, quint64> m_errors;  // kairos_config_store_errors_total{reason}
};

}  // namespace kairos
