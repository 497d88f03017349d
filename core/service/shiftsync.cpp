#include "shiftsync.h"

#include "fleet/etcdclient.h"
#include "proxy/gateway.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QUrl>

namespace kairos {

Q_DECLARE_LOGGING_CATEGORY(lcShaping)

namespace {

constexpr int kRetryMs = 1'000;

}  // namespace

ShiftSync::ShiftSync(const EtcdSettings &settings, Gateway &gateway, QObject *parent)
    : QObject(parent),
      m_gateway(gateway),
      m_prefix(settings.prefix.toUtf8() + "/shifts/"),
      m_client(std::make_unique<EtcdClient>(settings, this))
{
    m_retry.setSingleShot(true);
    connect(&m_retry, &QTimer::timeout, this, &ShiftSync::readAll);
    ShiftController &controller = gateway.shiftController();
    connect(&controller, &ShiftController::shiftChanged, this, &ShiftSync::publish);
    // A config change may make new split states (or keep the old ones): they take what is stored.
    connect(&controller, &ShiftController::tracked, this, [this] {
        for (const auto &[route, stored] : m_stored)
            restore(route);
    });
}

ShiftSync::~ShiftSync()
{
    m_client->cancelWatch();
}

void ShiftSync::start()
{
    readAll();
}

QByteArray ShiftSync::keyOf(const QString &routePath) const
{
    return m_prefix + QUrl::toPercentEncoding(routePath);
}

void ShiftSync::readAll()
{
    const QJsonObject range{{"key", EtcdClient::encode(m_prefix)},
                            {"range_end", EtcdClient::encode(EtcdClient::prefixEnd(m_prefix))}};
    m_client->call(QStringLiteral("/v3/kv/range"), range, [this](const EtcdClient::Reply &reply) {
        if (!reply.ok) {
            retryLater(reply.error);
            return;
        }
        for (const QJsonValue &item : reply.body.value(QLatin1String("kvs")).toArray()) {
            const QJsonObject kv = item.toObject();
            take(EtcdClient::decode(kv.value(QLatin1String("key"))), kv);
        }
        watchFrom(
            EtcdClient::number(reply.body.value(QLatin1String("header")).toObject().value(QLatin1String("revision")))
            + 1);
    });
}

void ShiftSync::watchFrom(qint64 revision)
{
    m_client->watchPrefix(
        m_prefix, revision,
        [this](const QByteArray &key, const QJsonObject &kv, bool deleted) {
            if (!deleted)  // a route's shift is never deleted by Kairos; a hand-made deletion changes nothing
                take(key, kv);
        },
        nullptr, [this](const QString &reason) { retryLater(reason); });
}

void ShiftSync::retryLater(const QString &why)
{
    qCWarning(lcShaping).noquote() << "shifts in etcd not followed:" << why << "; reading again in a second";
    m_retry.start(kRetryMs);
}

void ShiftSync::take(const QByteArray &key, const QJsonObject &kv)
{
    if (!key.startsWith(m_prefix))
        return;
    const QString route = QUrl::fromPercentEncoding(key.mid(m_prefix.size()));
    const QJsonDocument document = QJsonDocument::fromJson(EtcdClient::decode(kv.value(QLatin1String("value"))));
    const qint64 modRevision = EtcdClient::number(kv.value(QLatin1String("mod_revision")));
    Stored &stored = m_stored[route];
    if (!document.isObject() || modRevision < stored.modRevision)
        return;
    stored = {document.object(), modRevision};
    restore(route);
}

void ShiftSync::restore(const QString &routePath) const
{
    const auto found = m_stored.find(routePath);
    if (found == m_stored.end())
        return;
    const GatewaySnapshotPtr snapshot = m_gateway.snapshot();
    const int index = snapshot->config->routeIndex(routePath);
    if (const RouteSplit *split = index < 0 ? nullptr : snapshot->split(index))
        split->state->restore(found->second.shift, QDateTime::currentMSecsSinceEpoch());
}

// Written only over the revision this instance saw; when another instance changed it first, the
// transaction's failure branch reads what it wrote, and that is taken instead of the local change.
void ShiftSync::publish(const QString &routePath, const QJsonObject &shift)
{
    const QByteArray key = keyOf(routePath);
    const qint64 seen = m_stored.count(routePath) ? m_stored[routePath].modRevision : 0;
    const QJsonObject txn{
        {"compare", QJsonArray{QJsonObject{{"key", EtcdClient::encode(key)},
                                           {"target", "MOD"},
                                           {"result", "EQUAL"},
                                           {"mod_revision", QString::number(seen)}}}},
        {"success",
         QJsonArray{QJsonObject{{"request_put", QJsonObject{{"key", EtcdClient::encode(key)},
                                                            {"value", EtcdClient::encode(QJsonDocument(shift).toJson(
                                                                          QJsonDocument::Compact))}}}}}},
        {"failure", QJsonArray{QJsonObject{{"request_range", QJsonObject{{"key", EtcdClient::encode(key)}}}}}}};
    m_client->call(
        QStringLiteral("/v3/kv/txn"), txn,
        [this, routePath, key](const EtcdClient::Reply &reply) {
            if (!reply.ok) {
                qCWarning(lcShaping).noquote()
                    << "route" << routePath << "- its shift was not stored in etcd:" << reply.error;
                return;
            }
            if (reply.body.value(QLatin1String("succeeded")).toBool()) {
                const qint64 revision = EtcdClient::number(
                    reply.body.value(QLatin1String("header")).toObject().value(QLatin1String("revision")));
                Stored &stored = m_stored[routePath];
                stored.modRevision = std::max(stored.modRevision, revision);
                return;
            }
            qCInfo(lcShaping).noquote() << "route" << routePath
                                        << "- another instance changed its shift first; taking the stored one";
            const QJsonArray responses = reply.body.value(QLatin1String("responses")).toArray();
            const QJsonArray kvs = responses.first()
                                       .toObject()
                                       .value(QLatin1String("response_range"))
                                       .toObject()
                                       .value(QLatin1String("kvs"))
                                       .toArray();
            if (!kvs.isEmpty())
                take(key, kvs.first().toObject());
        },
        false);
}

}  // namespace kairos
