#include "fleetsync.h"

#include "config/configwriter.h"
#include "config/jsonkeys.h"
#include "etcdclient.h"
#include "fleetlayout.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QRandomGenerator>
#include <QSaveFile>
#include <QSemaphore>
#include <QTimer>

#include <algorithm>
#include <set>

Q_DECLARE_LOGGING_CATEGORY(lcEtcd)

namespace kairos {

namespace {

constexpr int kLeaseTtlSeconds = 10;
constexpr int kKeepAliveMs = kLeaseTtlSeconds * 1000 / 3;
constexpr int kFirstBackoffMs = 200;
constexpr int kMostBackoffMs = 5'000;
constexpr int kPageKeys = 500;                 // keys per range request of a full read
constexpr qsizetype kMostTxnOperations = 120;  // etcd's --max-txn-ops is 128 by default

// Runs `work` on `context`'s thread and waits for it to call its argument, at most `timeoutMs`.
template <typename Result>
std::optional<Result> runAndWait(QObject *context, int timeoutMs,
                                 const std::function<void(std::function<void(Result)>)> &work)
{
    struct Slot {
        QSemaphore done;
        QMutex mutex;
        std::optional<Result> result;
    };
    auto slot = std::make_shared<Slot>();
    QMetaObject::invokeMethod(context, [slot, work] {
        work([slot](Result result) {
            {
                QMutexLocker lock(&slot->mutex);
                if (slot->result)
                    return;
                slot->result = std::move(result);
            }
            slot->done.release();
        });
    });
    if (!slot->done.tryAcquire(1, timeoutMs))
        return std::nullopt;
    QMutexLocker lock(&slot->mutex);
    return slot->result;
}

qint64 number(const QJsonValue &value)
{
    return value.isString() ? value.toString().toLongLong() : qint64(value.toDouble());
}

QJsonObject compare(const QByteArray &key, const char *target, const char *result, qint64 value,
                    const QByteArray &rangeEnd = {})
{
    QJsonObject compare{
        {"key", EtcdClient::encode(key)}, {"target", QLatin1String(target)}, {"result", QLatin1String(result)}};
    compare.insert(QLatin1String(qstrcmp(target, "MOD") == 0 ? "mod_revision" : "create_revision"),
                   QString::number(value));
    if (!rangeEnd.isEmpty())
        compare.insert(QLatin1String("range_end"), EtcdClient::encode(rangeEnd));
    return compare;
}

QJsonObject putRequest(const QByteArray &key, const QJsonObject &value, qint64 lease = 0)
{
    QJsonObject put{{"key", EtcdClient::encode(key)},
                    {"value", EtcdClient::encode(QJsonDocument(value).toJson(QJsonDocument::Compact))}};
    if (lease)
        put.insert(QLatin1String("lease"), QString::number(lease));
    return put;
}

// A document as etcd holds it: a JSON object, each key once.
std::optional<QString> documentProblem(const QByteArray &bytes, QJsonObject *object)
{
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(bytes, &error);
    if (error.error != QJsonParseError::NoError)
        return QStringLiteral("not JSON: %1 at offset %2").arg(error.errorString()).arg(error.offset);
    if (!document.isObject())
        return QStringLiteral("must be a JSON object");
    const QList<ConfigProblem> repeated = repeatedKeys(bytes);
    if (!repeated.isEmpty())
        return repeated.first().toString();
    *object = document.object();
    return std::nullopt;
}

}  // namespace

FleetSync::FleetSync(ConfigStore &store, const ClusterSettings &settings, Options options, QObject *parent)
    : QObject(parent), m_store(store), m_settings(settings), m_options(std::move(options))
{
    m_thread.setObjectName(QStringLiteral("kairos-fleet"));
    m_context = new QObject;
    m_context->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_context, &QObject::deleteLater);
    m_thread.start();
    QMetaObject::invokeMethod(
        m_context,
        [this] {
            m_client = new EtcdClient(m_settings.etcd, m_context);
            auto *timer = new QTimer(m_context);
            timer->setSingleShot(true);
            connect(timer, &QTimer::timeout, m_context, [this] { connectToStore(); });
            m_reconnectTimer = timer;
            auto *keepAlive = new QTimer(m_context);
            keepAlive->setInterval(kKeepAliveMs);
            connect(keepAlive, &QTimer::timeout, m_context, [this] { keepMemberAlive(); });
            keepAlive->start();
        },
        Qt::BlockingQueuedConnection);
}

FleetSync::~FleetSync()
{
    stop();
    m_thread.quit();
    m_thread.wait();
}

QString FleetSync::defaultCacheFile(const QString &configPath)
{
    const QFileInfo config(configPath);
    return config.dir().filePath(config.completeBaseName() + QStringLiteral(".fleet-cache.json"));
}

bool FleetSync::start(const QByteArray &localFileBytes, QString *error)
{
    {
        QMutexLocker lock(&m_mutex);
        m_local = QJsonDocument::fromJson(localFileBytes).object();
        if (!m_local.value(QLatin1String("routers")).toArray().isEmpty())
            qCWarning(lcEtcd).noquote() << "fleet mode: the routes in the local config file are not used; the fleet's"
                                        << "come from etcd under" << m_settings.etcd.prefix
                                        << "(--etcd-seed writes the file's to an empty prefix)";
    }
    const int waitMs =
        m_settings.etcd.timeoutMs * int(std::max<qsizetype>(1, m_settings.etcd.endpoints.size()) + 2) + 1000;
    using Outcome = std::pair<bool, QString>;
    const std::optional<Outcome> outcome =
        runAndWait<Outcome>(m_context, waitMs, [this](std::function<void(Outcome)> done) {
            m_startDone = [done](bool ok, QString reason) { done({ok, reason}); };
            connectToStore();
        });
    QMetaObject::invokeMethod(
        m_context, [this] { m_startDone = nullptr; }, Qt::BlockingQueuedConnection);
    if (outcome && outcome->first)
        return true;
    const QString reason = outcome ? outcome->second : QStringLiteral("no answer in time");
    // etcd is away: the last good config, until it comes back.
    QString cacheError;
    const bool cached =
        QMetaObject::invokeMethod(
            m_context, [this, &cacheError] { return loadCache(&cacheError); }, Qt::BlockingQueuedConnection, nullptr)
        && cacheError.isEmpty();
    if (cached)
        return true;
    *error = QStringLiteral("cannot read the fleet's config from etcd (%1): %2; and no cached config: %3")
                 .arg(m_settings.etcd.endpoints.join(QLatin1String(", ")), reason, cacheError);
    return false;
}

void FleetSync::stop()
{
    if (!m_context || m_stopping)
        return;
    m_stopping = true;
    runAndWait<bool>(m_context, m_settings.etcd.timeoutMs, [this](std::function<void(bool)> done) {
        m_client->cancelWatch();
        if (!m_leaseId) {
            done(true);
            return;
        }
        m_client->call(QStringLiteral("/v3/lease/revoke"), {{"ID", QString::number(m_leaseId)}},
                       [done](const EtcdClient::Reply &) { done(true); });
    });
}

// --- on the fleet thread ---------------------------------------------------------------------

void FleetSync::connectToStore()
{
    if (m_stopping || m_reading)
        return;
    // A range that counts: is etcd there, and did its revision go backwards (a restored backup)?
    const QByteArray prefix = m_settings.etcd.prefix.toUtf8() + '/';
    m_client->call(QStringLiteral("/v3/kv/range"),
                   {{"key", EtcdClient::encode(prefix)},
                    {"range_end", EtcdClient::encode(EtcdClient::prefixEnd(prefix))},
                    {"count_only", true}},
                   [this](const EtcdClient::Reply &reply) {
                       if (!reply.ok) {
                           storeLost(reply.error, reply.unreachable ? "unreachable" : "refused");
                           return;
                       }
                       const qint64 revision = number(reply.body.value("header").toObject().value("revision"));
                       qint64 seen;
                       {
                           QMutexLocker lock(&m_mutex);
                           seen = m_revision;
                       }
                       if (seen == 0 || revision < seen || m_fromCache) {
                           if (seen && revision < seen)
                               qCWarning(lcEtcd).noquote()
                                   << "etcd's revision went back from" << seen << "to" << revision
                                   << "(restored from a backup?): reading the whole config again";
                           readAll();
                       } else {
                           watchFrom(seen + 1);
                       }
                   });
}

void FleetSync::readAll(std::function<void(bool ok)> done)
{
    if (m_reading)
        return;
    m_reading = true;
    const QByteArray prefix = m_settings.etcd.prefix.toUtf8() + '/';
    readPage(
        prefix, 0, kPageKeys, std::make_shared<QJsonArray>(),
        [this, done](const QJsonArray &kvs, qint64 revision) {
            m_reading = false;
            applyFullRead(kvs, revision, done);
        },
        [this, done](const EtcdClient::Reply &reply) {
            m_reading = false;
            storeLost(reply.error, reply.unreachable ? "unreachable" : "refused");
            if (done)
                done(false);
        });
}

// The prefix a page at a time, all at one revision: one answer over the gateway's 4 MiB would be
// refused. A page still too large is asked for again in halves.
void FleetSync::readPage(QByteArray from, qint64 revision, int limit, std::shared_ptr<QJsonArray> kvs,
                         std::function<void(const QJsonArray &kvs, qint64 revision)> done,
                         std::function<void(const EtcdClient::Reply &)> failed)
{
    const QByteArray end = EtcdClient::prefixEnd(m_settings.etcd.prefix.toUtf8() + '/');
    QJsonObject range{
        {"key", EtcdClient::encode(from)}, {"range_end", EtcdClient::encode(end)}, {"limit", QString::number(limit)}};
    if (revision)
        range.insert(QLatin1String("revision"), QString::number(revision));
    m_client->call(QStringLiteral("/v3/kv/range"), range,
                   [this, from, revision, limit, kvs, done, failed](const EtcdClient::Reply &reply) {
                       if (!reply.ok) {
                           constexpr int kResourceExhausted = 8;
                           if (reply.body.value("code").toInt() == kResourceExhausted && limit > 1) {
                               readPage(from, revision, limit / 2, kvs, done, failed);
                               return;
                           }
                           failed(reply);
                           return;
                       }
                       const qint64 at =
                           revision ? revision : number(reply.body.value("header").toObject().value("revision"));
                       const QJsonArray page = reply.body.value("kvs").toArray();
                       for (const QJsonValue &kv : page)
                           kvs->append(kv);
                       if (!reply.body.value("more").toBool() || page.isEmpty()) {
                           done(*kvs, at);
                           return;
                       }
                       const QByteArray next = EtcdClient::decode(page.last().toObject().value("key")) + '\0';
                       readPage(next, at, limit, kvs, done, failed);
                   });
}

void FleetSync::applyFullRead(const QJsonArray &kvs, qint64 revision, std::function<void(bool ok)> done)
{
    const QByteArray routes = fleet::routesPrefix(m_settings.etcd.prefix);
    const QByteArray settings = fleet::settingsKey(m_settings.etcd.prefix);
    const QByteArray instances = fleet::instancesPrefix(m_settings.etcd.prefix);
    const QByteArray removed = fleet::removedKey(m_settings.etcd.prefix);
    Changes changes;
    std::set<QByteArray> present;
    std::map<QString, QJsonObject> members;
    bool anyRoute = false;
    bool anySettings = false;
    qint64 removedRevision = 0;
    std::map<QByteArray, Refusal> refused;
    for (const QJsonValue &item : kvs) {
        const QJsonObject kv = item.toObject();
        const QByteArray key = EtcdClient::decode(kv.value("key"));
        const QByteArray value = EtcdClient::decode(kv.value("value"));
        if (key.startsWith(instances)) {
            members[QString::fromUtf8(key.sliced(instances.size()))] = QJsonDocument::fromJson(value).object();
        } else if (key == removed) {
            removedRevision = number(kv.value("mod_revision"));
        } else if (key.startsWith(routes) || key == settings) {
            anyRoute = anyRoute || key.startsWith(routes);
            anySettings = anySettings || key == settings;
            present.insert(key);
            Document document;
            document.modRevision = number(kv.value("mod_revision"));
            document.createRevision = number(kv.value("create_revision"));
            if (std::optional<QString> problem = documentProblem(value, &document.value))
                refused[key] = {*problem, document.modRevision, std::nullopt};
            else
                changes[key] = document;
        }
    }
    if (!anyRoute && m_options.seed && m_startDone) {
        seedThen(anySettings, [this, done] { readAll(done); });
        return;
    }
    const bool first = m_startDone || m_fromCache;
    {
        QMutexLocker lock(&m_mutex);
        for (const auto &[key, document] : m_documents) {
            if (!present.count(key))
                changes[key] = std::nullopt;  // gone from the store
            else if (changes.count(key) && changes[key]->modRevision == document.modRevision)
                changes.erase(key);  // unchanged
        }
        for (auto &[key, refusal] : refused) {
            const auto known = m_refused.find(key);
            if (known == m_refused.end() || known->second.modRevision != refusal.modRevision) {
                countError("invalid_document");
                qCWarning(lcEtcd).noquote() << "refused" << key << "from etcd:" << refusal.error;
            }
        }
        // Refusals of keys no longer there, or no longer invalid JSON, are decided again below.
        for (auto it = m_refused.begin(); it != m_refused.end();)
            it = present.count(it->first) && !changes.count(it->first) ? std::next(it) : m_refused.erase(it);
        for (auto &[key, refusal] : refused)
            m_refused[key] = refusal;
        m_members = std::move(members);
        m_fromCache = false;
        m_removedRevision = removedRevision;
        m_revision = revision;  // the watch goes on from here
    }
    // Up before applying: the member key goes with the config applied (putMember()), not with
    // the first lease renewal a few seconds later.
    storeReached();
    applyChanges(changes, 0, first);
    watchFrom(revision + 1);
    if (done)
        done(true);
}

void FleetSync::seedThen(bool settingsExist, std::function<void()> next)
{
    QJsonObject local;
    {
        QMutexLocker lock(&m_mutex);
        local = m_local;
    }
    const QByteArray routes = fleet::routesPrefix(m_settings.etcd.prefix);
    const QByteArray settingsKey = fleet::settingsKey(m_settings.etcd.prefix);
    QJsonArray puts;
    const QJsonObject settings = fleet::sharedSettings(local);
    if (!settings.isEmpty() && !settingsExist)
        puts.append(QJsonObject{{"request_put", putRequest(settingsKey, settings)}});
    for (const QJsonValue &route : local.value(QLatin1String("routers")).toArray()) {
        const QString path = route.toObject().value(QLatin1String("external_path")).toString();
        puts.append(
            QJsonObject{{"request_put", putRequest(fleet::routeKey(m_settings.etcd.prefix, path), route.toObject())}});
    }
    // Only into a prefix without routes (a compare over a range holds for every key in it), and
    // settings only where there are none. etcd takes at most 128 operations a transaction
    // (--max-txn-ops): the first holds the compares, the others follow once it succeeded.
    QJsonArray compares{compare(routes, "CREATE", "EQUAL", 0, EtcdClient::prefixEnd(routes))};
    if (!settingsExist)
        compares.append(compare(settingsKey, "CREATE", "EQUAL", 0));
    auto batches = std::make_shared<std::vector<QJsonArray>>();
    for (qsizetype i = 0; i < puts.size(); i += kMostTxnOperations) {
        QJsonArray batch;
        for (qsizetype j = i; j < std::min(puts.size(), i + kMostTxnOperations); ++j)
            batch.append(puts[j]);
        batches->push_back(batch);
    }
    if (batches->empty()) {
        next();
        return;
    }
    auto sendBatch = std::make_shared<std::function<void(size_t)>>();
    *sendBatch = [this, batches, compares, next, sendBatch, count = puts.size()](size_t index) {
        QJsonObject txn{{"success", batches->at(index)}};
        if (index == 0)
            txn.insert(QLatin1String("compare"), compares);
        m_client->call(
            QStringLiteral("/v3/kv/txn"), txn,
            [this, index, batches, next, sendBatch, count](const EtcdClient::Reply &reply) {
                if (!reply.ok) {
                    qCWarning(lcEtcd).noquote()
                        << "--etcd-seed: writing the local config to etcd failed:" << reply.error;
                } else if (index == 0 && !reply.body.value("succeeded").toBool()) {
                    qCInfo(lcEtcd).noquote() << "--etcd-seed: etcd already holds routes under" << m_settings.etcd.prefix
                                             << "; nothing was overwritten";
                } else if (index + 1 < batches->size()) {
                    (*sendBatch)(index + 1);
                    return;
                } else {
                    qCInfo(lcEtcd).noquote() << "--etcd-seed: wrote" << count << "key(s) of the local config under"
                                             << m_settings.etcd.prefix;
                }
                *sendBatch = nullptr;  // the cycle through the captures ends here
                next();
            },
            false);
    };
    (*sendBatch)(0);
}

void FleetSync::watchFrom(qint64 revision)
{
    if (m_stopping)
        return;
    const QByteArray prefix = m_settings.etcd.prefix.toUtf8() + '/';
    m_client->watch(
        prefix, EtcdClient::prefixEnd(prefix), revision,
        [this](const QJsonObject &response) { onWatchResponse(response); },
        [this](const QString &reason) { storeLost(reason, "watch_lost"); });
    if (m_startDone) {
        const auto done = std::move(m_startDone);
        done(true, QString());
    }
}

void FleetSync::onWatchResponse(const QJsonObject &response)
{
    const QJsonObject result = response.value("result").toObject();
    if (result.isEmpty()) {
        const QJsonObject error = response.value("error").toObject();
        storeLost(error.value("message").toString(), "watch_lost");
        return;
    }
    if (result.value("canceled").toBool()) {
        const qint64 compacted = number(result.value("compact_revision"));
        m_client->cancelWatch();
        if (compacted > 0) {
            qCWarning(lcEtcd).noquote() << "etcd compacted past revision" << compacted
                                        << "before this instance saw it: reading the whole config again";
            {
                QMutexLocker lock(&m_mutex);
                countError("compacted");
            }
            readAll();
        } else {
            storeLost(result.value("cancel_reason").toString(QStringLiteral("watch cancelled")), "watch_lost");
        }
        return;
    }
    if (result.value("created").toBool())
        storeReached();
    const QByteArray routes = fleet::routesPrefix(m_settings.etcd.prefix);
    const QByteArray settings = fleet::settingsKey(m_settings.etcd.prefix);
    const QByteArray instances = fleet::instancesPrefix(m_settings.etcd.prefix);
    const QByteArray removed = fleet::removedKey(m_settings.etcd.prefix);
    Changes changes;
    bool membersChanged = false;
    // Resumed from the last event's revision + 1: a header's revision is the store's, which
    // may be ahead of the events this response carries.
    qint64 seen = 0;
    for (const QJsonValue &item : result.value("events").toArray()) {
        const QJsonObject event = item.toObject();
        const bool deleted = event.value("type").toString() == QLatin1String("DELETE");
        const QJsonObject kv = event.value("kv").toObject();
        const QByteArray key = EtcdClient::decode(kv.value("key"));
        const qint64 modRevision = number(kv.value("mod_revision"));
        seen = std::max(seen, modRevision);
        if (key.startsWith(instances)) {
            QMutexLocker lock(&m_mutex);
            const QString name = QString::fromUtf8(key.sliced(instances.size()));
            if (deleted)
                m_members.erase(name);
            else
                m_members[name] = QJsonDocument::fromJson(EtcdClient::decode(kv.value("value"))).object();
            membersChanged = true;
            continue;
        }
        if (key == removed) {
            QMutexLocker lock(&m_mutex);
            m_removedRevision = std::max(m_removedRevision, modRevision);
            continue;
        }
        if (!key.startsWith(routes) && key != settings)
            continue;  // not Kairos' (another tool's keys under the prefix)
        if (deleted) {
            changes[key] = std::nullopt;
            QMutexLocker lock(&m_mutex);
            m_refused.erase(key);
            continue;
        }
        Document document;
        document.modRevision = modRevision;
        document.createRevision = number(kv.value("create_revision"));
        if (std::optional<QString> problem = documentProblem(EtcdClient::decode(kv.value("value")), &document.value)) {
            QMutexLocker lock(&m_mutex);
            m_refused[key] = {*problem, modRevision, std::nullopt};
            countError("invalid_document");
            qCWarning(lcEtcd).noquote() << "refused" << key << "from etcd:" << *problem
                                        << "(the last good config keeps serving)";
            changes.erase(key);
            continue;
        }
        changes[key] = document;
    }
    {
        QMutexLocker lock(&m_mutex);
        m_revision = std::max(m_revision, seen);
    }
    if (!changes.empty())
        applyChanges(changes, seen, false);
    else if (membersChanged || seen)
        emit statusChanged();
}

void FleetSync::applyChanges(const Changes &changes, qint64 revision, bool force)
{
    bool accepted = !changes.empty() && acceptDocuments(changes);
    // Documents refused before may fit now (the route they clashed with is gone, the settings they
    // needed came): each is tried again on its own, so that one cannot hold back another.
    Changes retry;
    {
        QMutexLocker lock(&m_mutex);
        for (const auto &[key, refusal] : m_refused) {
            if (refusal.document && !changes.count(key))
                retry[key] = refusal.document;
        }
    }
    for (const auto &[key, document] : retry)
        accepted = acceptDocuments({{key, document}}) || accepted;
    qint64 configRevision;
    {
        QMutexLocker lock(&m_mutex);
        m_revision = std::max(m_revision, revision);
        configRevision = configRevisionLocked();
    }
    if (accepted || force) {
        // Set first: a write answered as soon as the store applies this may come back at once,
        // based on this revision (publish() compares the two).
        qint64 previous;
        {
            QMutexLocker lock(&m_mutex);
            previous = std::exchange(m_configRevision, configRevision);
        }
        const ConfigStore::Change change = m_store.applyShared(quint64(configRevision));
        if (change.applied()) {
            writeCache();
            putMember();
        } else {
            QMutexLocker lock(&m_mutex);
            m_configRevision = previous;
        }
    }
    emit statusChanged();
}

qint64 FleetSync::configRevisionLocked() const
{
    qint64 newest = m_removedRevision;
    for (const auto &[key, document] : m_documents)
        newest = std::max(newest, document.modRevision);
    return newest;
}

bool FleetSync::acceptDocuments(Changes changes)
{
    QMutexLocker lock(&m_mutex);
    const std::map<QByteArray, Document> before = m_documents;
    // Try all; while the whole does not validate, refuse the changed keys its errors point at
    // (all that are left when they point at none) and try the rest.
    while (!changes.empty()) {
        m_documents = before;
        for (const auto &[key, document] : changes) {
            if (document)
                m_documents[key] = *document;
            else
                m_documents.erase(key);
        }
        const ConfigLoadResult load = loadLocked();
        if (load.ok()) {
            for (const auto &[key, document] : changes)
                m_refused.erase(key);
            return true;
        }
        // routers[i] is the i-th route document in key order (composeLocked()).
        std::vector<QByteArray> routeKeys;
        const QByteArray routes = fleet::routesPrefix(m_settings.etcd.prefix);
        for (const auto &[key, document] : m_documents) {
            if (key.startsWith(routes))
                routeKeys.push_back(key);
        }
        std::map<QByteArray, QStringList> blamed;
        for (const ConfigProblem &problem : load.errors) {
            QByteArray key = fleet::settingsKey(m_settings.etcd.prefix);
            if (problem.path.startsWith(QLatin1String("routers["))) {
                const int index = problem.path.mid(8, problem.path.indexOf(QLatin1Char(']')) - 8).toInt();
                if (index >= 0 && size_t(index) < routeKeys.size())
                    key = routeKeys[size_t(index)];
            }
            if (changes.count(key))
                blamed[key].append(problem.toString());
        }
        if (blamed.empty()) {
            for (const auto &[key, document] : changes)
                blamed[key].append(load.errors.value(0).toString());
        }
        for (const auto &[key, problems] : blamed) {
            const std::optional<Document> &document = changes[key];
            const QString error = document ? problems.join(QLatin1String("; "))
                                           : QStringLiteral("deleting it leaves an invalid config: %1")
                                                 .arg(problems.join(QLatin1String("; ")));
            const auto known = m_refused.find(key);
            const qint64 modRevision = document ? document->modRevision : 0;
            if (known == m_refused.end() || known->second.error != error) {
                countError("invalid_document");
                qCWarning(lcEtcd).noquote()
                    << "refused" << key << "from etcd:" << error << "(the last good config keeps serving)";
            }
            m_refused[key] = {error, modRevision, document};
            changes.erase(key);
        }
    }
    m_documents = before;
    return false;
}

QJsonObject FleetSync::composeLocked() const
{
    QJsonObject settings;
    QList<QJsonObject> routes;
    const QByteArray settingsKey = fleet::settingsKey(m_settings.etcd.prefix);
    for (const auto &[key, document] : m_documents) {
        if (key == settingsKey)
            settings = document.value;
        else
            routes.append(document.value);
    }
    return fleet::composeConfig(m_local, settings, routes);
}

ConfigLoadResult FleetSync::loadLocked() const
{
    return loadConfig(QJsonDocument(composeLocked()).toJson(QJsonDocument::Compact));
}

ConfigLoadResult FleetSync::compose(const QByteArray *localFileBytes)
{
    QMutexLocker lock(&m_mutex);
    if (!localFileBytes)
        return loadLocked();
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(*localFileBytes, &error);
    if (error.error != QJsonParseError::NoError || !document.isObject())
        return loadConfig(*localFileBytes);  // its problems, located
    // Only its machine-local sections are used (composeConfig()); kept once applied.
    const QJsonObject applied = std::exchange(m_local, document.object());
    const ConfigLoadResult load = loadLocked();
    m_local = applied;
    return load;
}

void FleetSync::localFileApplied(const QByteArray &localFileBytes)
{
    QMutexLocker lock(&m_mutex);
    m_local = QJsonDocument::fromJson(localFileBytes).object();
}

void FleetSync::storeLost(const QString &reason, const char *errorReason)
{
    m_client->cancelWatch();
    bool wasUp;
    {
        QMutexLocker lock(&m_mutex);
        wasUp = m_storeUp;
        m_storeUp = false;
        m_lastError = reason;
        countError(errorReason);
    }
    if (m_startDone) {
        const auto done = std::move(m_startDone);
        done(false, reason);
        return;
    }
    if (wasUp) {
        qCWarning(lcEtcd).noquote() << "etcd went away:" << reason
                                    << "- serving the last good config, and retrying; admin writes answer 503";
        emit statusChanged();
    }
    scheduleReconnect();
}

void FleetSync::storeReached()
{
    bool wasUp;
    {
        QMutexLocker lock(&m_mutex);
        wasUp = m_storeUp;
        m_storeUp = true;
    }
    m_backoffMs = 0;  // only once the config was read or the watch is in place
    if (!wasUp) {
        qCInfo(lcEtcd).noquote() << "etcd reached at" << m_client->currentEndpoint();
        emit statusChanged();
    }
}

void FleetSync::scheduleReconnect()
{
    if (m_stopping)
        return;
    auto *timer = static_cast<QTimer *>(m_reconnectTimer);
    if (timer->isActive())
        return;
    m_backoffMs = m_backoffMs ? std::min(kMostBackoffMs, m_backoffMs * 2) : kFirstBackoffMs;
    // Full jitter over the upper half: instances that lost etcd together do not come back together.
    const int delay = m_backoffMs / 2 + int(QRandomGenerator::global()->bounded(m_backoffMs / 2 + 1));
    timer->start(delay);
}

void FleetSync::keepMemberAlive()
{
    if (m_stopping)
        return;
    bool up;
    {
        QMutexLocker lock(&m_mutex);
        up = m_storeUp;
    }
    if (!up)
        return;
    if (!m_leaseId) {
        m_client->call(QStringLiteral("/v3/lease/grant"), {{"TTL", QString::number(kLeaseTtlSeconds)}},
                       [this](const EtcdClient::Reply &reply) {
                           if (!reply.ok) {
                               storeLost(reply.error, reply.unreachable ? "unreachable" : "refused");
                               return;
                           }
                           m_leaseId = number(reply.body.value("ID"));
                           putMember();
                       });
        return;
    }
    m_client->call(QStringLiteral("/v3/lease/keepalive"), {{"ID", QString::number(m_leaseId)}},
                   [this](const EtcdClient::Reply &reply) {
                       if (!reply.ok) {
                           storeLost(reply.error, reply.unreachable ? "unreachable" : "refused");
                           return;
                       }
                       const QJsonObject result = reply.body.value("result").toObject();
                       if (number(result.value("TTL")) <= 0) {
                           m_leaseId = 0;  // expired while etcd was away: a new one, and the key again
                           keepMemberAlive();
                           return;
                       }
                       bool listed;
                       {
                           QMutexLocker lock(&m_mutex);
                           listed = m_members.count(m_options.instanceName) > 0;
                       }
                       if (!listed)
                           putMember();  // a put lost in a blip, or the key deleted by hand
                   });
}

void FleetSync::putMember()
{
    if (!m_leaseId) {
        keepMemberAlive();
        return;
    }
    QJsonObject member;
    {
        QMutexLocker lock(&m_mutex);
        member = QJsonObject{{"name", m_options.instanceName},
                             {"address", m_options.address},
                             {"version", QStringLiteral(KAIROS_VERSION)},
                             {"started", m_started.toString(Qt::ISODate)},
                             {"revision", m_configRevision}};
    }
    const QByteArray key = fleet::instancesPrefix(m_settings.etcd.prefix) + m_options.instanceName.toUtf8();
    m_client->call(QStringLiteral("/v3/kv/put"), putRequest(key, member, m_leaseId),
                   [this](const EtcdClient::Reply &reply) {
                       if (!reply.ok && !reply.unreachable)
                           m_leaseId = 0;  // the lease is gone: granted again on the next beat
                   });
}

void FleetSync::writeCache()
{
    QJsonObject routes;
    QJsonObject cache;
    {
        QMutexLocker lock(&m_mutex);
        for (const auto &[key, document] : m_documents)
            routes.insert(QString::fromUtf8(key), document.value);
        cache = QJsonObject{{"revision", QString::number(m_configRevision)}, {"documents", routes}};
    }
    QSaveFile file(m_options.cacheFile);
    // It holds the fleet's secrets (JWT secret, admin token): owner only.
    if (!file.open(QIODevice::WriteOnly) || !file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner)
        || file.write(QJsonDocument(cache).toJson(QJsonDocument::Compact)) < 0 || !file.commit())
        qCWarning(lcEtcd).noquote() << "cannot write the fleet cache" << m_options.cacheFile << ":"
                                    << file.errorString();
}

bool FleetSync::loadCache(QString *error)
{
    QFile file(m_options.cacheFile);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot read %1: %2").arg(m_options.cacheFile, file.errorString());
        return false;
    }
    QJsonParseError parseError;
    const QJsonObject cache = QJsonDocument::fromJson(file.readAll(), &parseError).object();
    if (parseError.error != QJsonParseError::NoError || !cache.value(QLatin1String("documents")).isObject()) {
        *error = QStringLiteral("%1 is not a fleet cache (damaged?): %2")
                     .arg(m_options.cacheFile, parseError.error != QJsonParseError::NoError
                                                   ? parseError.errorString()
                                                   : QStringLiteral("no \"documents\" object"));
        return false;
    }
    const QJsonObject documents = cache.value(QLatin1String("documents")).toObject();
    const qint64 revision = number(cache.value(QLatin1String("revision")));
    {
        QMutexLocker lock(&m_mutex);
        m_documents.clear();
        for (auto it = documents.begin(); it != documents.end(); ++it)
            m_documents[it.key().toUtf8()] = Document{it.value().toObject(), 0, 0};
        m_configRevision = revision;
        m_fromCache = true;
    }
    const ConfigStore::Change change = m_store.applyShared(quint64(revision));
    if (!change.applied()) {
        *error = QStringLiteral("the cached config in %1 does not validate: %2")
                     .arg(m_options.cacheFile, change.load.errorSummary());
        return false;
    }
    qCWarning(lcEtcd).noquote() << "etcd unreachable: serving the cached config of revision" << revision << "from"
                                << m_options.cacheFile << "until it comes back";
    scheduleReconnect();
    emit statusChanged();
    return true;
}

void FleetSync::countError(const char *reason)
{
    ++m_errors[QByteArray(reason)];
}

// --- any thread ------------------------------------------------------------------------------

SharedConfigStore::Publication FleetSync::publish(const Config &current, quint64 currentRevision,
                                                  const Config &candidate, std::optional<quint64> ifMatch)
{
    Publication publication;
    const QJsonObject before = configToJson(current);
    const QJsonObject after = configToJson(candidate);
    if (fleet::localSections(before) != fleet::localSections(after)) {
        publication.outcome = Publication::Refused;
        publication.refusalCode = 400;
        publication.message = QStringLiteral("in fleet mode server, cluster and admin.listen belong to each machine: "
                                             "edit them in its config file");
        return publication;
    }
    const QString prefix = m_settings.etcd.prefix;
    QJsonArray compares;
    QJsonArray operations;
    {
        QMutexLocker lock(&m_mutex);
        if (!m_storeUp) {
            publication.outcome = Publication::Unavailable;
            publication.message =
                QStringLiteral("the config store (etcd at %1) is unreachable: %2; nothing was changed")
                    .arg(m_settings.etcd.endpoints.join(QLatin1String(", ")), m_lastError);
            return publication;
        }
        // The change was made to the config at currentRevision; the documents below must be that
        // config's, or what it removes or keeps would be decided on another one.
        if (quint64(m_configRevision) != currentRevision) {
            publication.outcome = Publication::Conflict;
            publication.message = QStringLiteral("the config changed while this change was being made (now at "
                                                 "revision %1); read it again and retry")
                                      .arg(m_configRevision);
            return publication;
        }
        // Each key written or deleted must still be as this instance saw it (absent: still absent;
        // refused: as etcd holds it, so that a bad document can be replaced through the API).
        std::set<QByteArray> compared;
        const auto expect = [&](const QByteArray &key) {
            if (!compared.insert(key).second)
                return;
            const auto refused = m_refused.find(key);
            const auto found = m_documents.find(key);
            if (refused != m_refused.end() && refused->second.modRevision > 0)
                compares.append(compare(key, "MOD", "EQUAL", refused->second.modRevision));
            else if (found != m_documents.end())
                compares.append(compare(key, "MOD", "EQUAL", found->second.modRevision));
            else
                compares.append(compare(key, "CREATE", "EQUAL", 0));
        };
        const QByteArray settingsKey = fleet::settingsKey(prefix);
        const QJsonObject settings = fleet::sharedSettings(after);
        if (fleet::sharedSettings(before) != settings) {
            expect(settingsKey);
            operations.append(QJsonObject{{"request_put", putRequest(settingsKey, settings)}});
        }
        // A route's key: where it is stored (anyone may have chosen it); a new route's is derived
        // from its path, or, when that key holds something else, made unique.
        std::map<QString, QByteArray> keyOfPath;
        const QByteArray routes = fleet::routesPrefix(prefix);
        for (const auto &[key, document] : m_documents) {
            if (key.startsWith(routes))
                keyOfPath[document.value.value(QLatin1String("external_path")).toString()] = key;
        }
        std::set<QByteArray> putKeys;
        const auto newKey = [&](const QString &path) {
            const QByteArray derived = fleet::routeKey(prefix, path);
            QByteArray key = derived;
            for (int n = 2; m_documents.count(key) || m_refused.count(key) || putKeys.count(key); ++n)
                key = derived + '~' + QByteArray::number(n);
            return key;
        };
        for (const Route &route : candidate.routes) {
            const Route *old = current.findRoute(route.externalPath);
            const QJsonObject json = routeToJson(route);
            if (old && routeToJson(*old) == json)
                continue;
            const auto stored = keyOfPath.find(route.externalPath);
            const QByteArray key = old && stored != keyOfPath.end() ? stored->second : newKey(route.externalPath);
            expect(key);
            putKeys.insert(key);
            operations.append(QJsonObject{{"request_put", putRequest(key, json)}});
        }
        QJsonArray removedKeys;
        for (const Route &route : current.routes) {
            if (candidate.findRoute(route.externalPath))
                continue;
            const auto stored = keyOfPath.find(route.externalPath);
            if (stored == keyOfPath.end() || putKeys.count(stored->second))
                continue;
            expect(stored->second);
            removedKeys.append(QString::fromUtf8(stored->second));
            operations.append(
                QJsonObject{{"request_delete_range", QJsonObject{{"key", EtcdClient::encode(stored->second)}}}});
        }
        if (!removedKeys.isEmpty())
            operations.append(QJsonObject{
                {"request_put", putRequest(fleet::removedKey(prefix),
                                           QJsonObject{{"keys", removedKeys}, {"by", m_options.instanceName}})}});
        if (ifMatch) {
            // Nothing of the shared config changed after the revision the client read. A deleted
            // route leaves no key to compare: the deletion's <prefix>/removed stands for it.
            compares.append(compare(routes, "MOD", "LESS", qint64(*ifMatch) + 1, EtcdClient::prefixEnd(routes)));
            compares.append(compare(settingsKey, "MOD", "LESS", qint64(*ifMatch) + 1));
            compares.append(compare(fleet::removedKey(prefix), "MOD", "LESS", qint64(*ifMatch) + 1));
        }
        if (operations.isEmpty()) {
            publication.outcome = Publication::Accepted;
            publication.revision = quint64(m_configRevision);
            return publication;
        }
        if (operations.size() > kMostTxnOperations || compares.size() > kMostTxnOperations) {
            publication.outcome = Publication::Refused;
            publication.refusalCode = 413;
            publication.message =
                QStringLiteral("this change writes %1 keys at once; etcd takes at most 128 operations "
                               "in one transaction (its --max-txn-ops): change fewer routes at a "
                               "time, or raise --max-txn-ops on every etcd member")
                    .arg(operations.size());
            return publication;
        }
    }
    const QJsonObject txn{{"compare", compares}, {"success", operations}};
    // Longer than the client may take (an authentication, then each endpoint once), so that the
    // answer is etcd's, not a guess.
    const int endpoints = int(std::max<qsizetype>(1, m_settings.etcd.endpoints.size()));
    const int waitMs = m_settings.etcd.timeoutMs * endpoints * 2 + 2000;
    const std::optional<EtcdClient::Reply> reply =
        runAndWait<EtcdClient::Reply>(m_context, waitMs, [this, txn](std::function<void(EtcdClient::Reply)> done) {
            m_client->call(
                QStringLiteral("/v3/kv/txn"), txn,
                [this, done](const EtcdClient::Reply &reply) {
                    if (!reply.ok && reply.unreachable)
                        storeLost(reply.error, "unreachable");
                    done(reply);
                },
                false);
        });
    QMutexLocker lock(&m_mutex);
    if (!reply || reply->outcomeUnknown) {
        countError("write_failed");
        publication.outcome = Publication::Unavailable;
        publication.message = QStringLiteral("etcd did not answer (%1): the change may or may not have been made; "
                                             "read the config before trying again")
                                  .arg(reply ? reply->error : QStringLiteral("no answer in time"));
        return publication;
    }
    if (!reply->ok) {
        countError("write_failed");
        if (reply->unreachable) {
            publication.outcome = Publication::Unavailable;
            publication.message =
                QStringLiteral("the config store (etcd) is unreachable: %1; nothing was changed").arg(reply->error);
        } else {
            publication.outcome = Publication::Refused;
            publication.refusalCode = 502;
            publication.message = QStringLiteral("etcd refused the change: %1; nothing was changed").arg(reply->error);
        }
        return publication;
    }
    if (!reply->body.value("succeeded").toBool()) {
        countError("conflict");
        publication.outcome = Publication::Conflict;
        publication.message = QStringLiteral("the config changed on another instance since this change was based on "
                                             "it; read it again and retry");
        return publication;
    }
    publication.outcome = Publication::Accepted;
    publication.revision = quint64(number(reply->body.value("header").toObject().value("revision")));
    return publication;
}

int FleetSync::memberCount() const
{
    QMutexLocker lock(&m_mutex);
    return std::max(1, int(m_members.size()));
}

QJsonObject FleetSync::status() const
{
    QMutexLocker lock(&m_mutex);
    QJsonArray members;
    for (const auto &[name, member] : m_members) {
        QJsonObject entry{{"name", name}};
        for (const char *key : {"address", "version", "started"})
            entry.insert(QLatin1String(key), member.value(QLatin1String(key)));
        entry.insert(QLatin1String("revision"), number(member.value(QLatin1String("revision"))));
        members.append(entry);
    }
    QJsonArray problems;
    for (const auto &[key, refusal] : m_refused)
        problems.append(
            QJsonObject{{"key", QString::fromUtf8(key)}, {"revision", refusal.modRevision}, {"error", refusal.error}});
    QJsonObject store{{"up", m_storeUp},
                      {"endpoints", QJsonArray::fromStringList(m_settings.etcd.endpoints)},
                      {"prefix", m_settings.etcd.prefix},
                      {"revision", m_configRevision}};
    if (!m_storeUp && !m_lastError.isEmpty())
        store.insert(QLatin1String("error"), m_lastError);
    if (m_fromCache)
        store.insert(QLatin1String("serving_from_cache"), m_options.cacheFile);
    return QJsonObject{{"mode", "etcd"},
                       {"instance", m_options.instanceName},
                       {"store", store},
                       {"members", members},
                       {"problems", problems}};
}

QByteArray FleetSync::metricsText() const
{
    QMutexLocker lock(&m_mutex);
    QByteArray text;
    text += "# HELP kairos_config_store_up Whether etcd, the fleet's config store, answers (1) or not (0).\n"
            "# TYPE kairos_config_store_up gauge\n"
            "kairos_config_store_up "
            + QByteArray(m_storeUp ? "1" : "0") + "\n";
    text += "# HELP kairos_config_revision The etcd revision of the config this instance serves.\n"
            "# TYPE kairos_config_revision gauge\n"
            "kairos_config_revision "
            + QByteArray::number(m_configRevision) + "\n";
    text += "# HELP kairos_cluster_members Instances in the fleet's member list.\n"
            "# TYPE kairos_cluster_members gauge\n"
            "kairos_cluster_members "
            + QByteArray::number(qulonglong(m_members.size())) + "\n";
    text += "# HELP kairos_config_store_errors_total Failures talking to etcd and documents refused, by reason.\n"
            "# TYPE kairos_config_store_errors_total counter\n";
    for (const auto &[reason, count] : m_errors)
        text += "kairos_config_store_errors_total{reason=\"" + reason + "\"} " + QByteArray::number(count) + "\n";
    return text;
}

}  // namespace kairos
