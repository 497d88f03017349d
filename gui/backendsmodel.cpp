#include "backendsmodel.h"

#include <QBrush>
#include <QColor>
#include <QDateTime>
#include <QFont>
#include <QJsonObject>
#include <QtMath>

#include <map>

namespace kairos {

namespace {

const QColor kProblem(0xd0, 0x3a, 0x2f);

// "12:00:05" today, with the date otherwise; "" when the source has not answered yet.
QString shortTime(const QJsonValue &iso)
{
    const QDateTime time = QDateTime::fromString(iso.toString(), Qt::ISODateWithMs).toLocalTime();
    if (!time.isValid())
        return QString();
    return time.toString(time.date() == QDate::currentDate() ? QStringLiteral("HH:mm:ss")
                                                             : QStringLiteral("yyyy-MM-dd HH:mm:ss"));
}

bool troubled(const QJsonObject &status)
{
    const QString state = status.value(QLatin1String("state")).toString();
    return state == QLatin1String("failed") || state == QLatin1String("empty");
}

}  // namespace

BackendsModel::BackendsModel(QObject *parent) : QAbstractItemModel(parent) {}

QString BackendsModel::sourceTitle(const QString &sourceKey)
{
    if (sourceKey.isEmpty())
        return tr("Listed in the config");
    const QString kind = sourceKey.section(QLatin1Char(':'), 0, 0);
    const QString name = sourceKey.section(QLatin1Char(':'), 1);
    if (kind == QLatin1String("dns"))
        return tr("DNS %1").arg(name);
    if (kind == QLatin1String("dns_srv"))
        return tr("DNS SRV %1").arg(name);
    if (kind == QLatin1String("etcd"))
        return tr("etcd %1").arg(name);
    return sourceKey;
}

void BackendsModel::setReport(const QJsonArray &backends, const QJsonObject &sources)
{
    std::vector<QJsonObject> rows;
    rows.reserve(size_t(backends.size()));
    // By source key, so that the sources come in a steady order (the config's own first: "").
    std::map<QString, Group> byKey;
    for (const QJsonValue &value : backends) {
        rows.push_back(value.toObject());
        const QJsonObject source = rows.back().value(QLatin1String("source")).toObject();
        const QString key = source.value(QLatin1String("key")).toString();
        Group &group = byKey[key];
        group.key = key;
        if (!key.isEmpty() && group.status.isEmpty())
            group.status = source;
        group.rows.push_back(int(rows.size()) - 1);
    }
    for (auto it = sources.begin(); it != sources.end(); ++it) {
        Group &group = byKey[it.key()];
        group.key = it.key();
        group.status = it.value().toObject();
    }
    std::vector<Group> groups;
    const bool discovers = byKey.size() > 1 || (byKey.size() == 1 && !byKey.begin()->first.isEmpty());
    if (discovers) {
        for (auto &[key, group] : byKey)
            groups.push_back(std::move(group));
    }
    QStringList shape;
    shape.reserve(qsizetype(rows.size() + groups.size()));
    if (groups.empty()) {
        for (const QJsonObject &row : rows)
            shape.append(row.value(QLatin1String("backend")).toString());
    } else {
        for (const Group &group : groups) {
            shape.append(QLatin1Char('#') + group.key);
            for (int row : group.rows)
                shape.append(rows[size_t(row)].value(QLatin1String("backend")).toString());
        }
    }

    if (shape != m_shape) {
        beginResetModel();
        m_backends = std::move(rows);
        m_groups = std::move(groups);
        m_shape = std::move(shape);
        endResetModel();
        return;
    }
    m_backends = std::move(rows);
    m_groups = std::move(groups);
    const int top = rowCount();
    if (top == 0)
        return;
    emit dataChanged(index(0, 0), index(top - 1, ColumnCount - 1));
    for (int g = 0; g < int(m_groups.size()); ++g) {
        const QModelIndex parent = index(g, 0);
        if (const int children = rowCount(parent); children > 0)
            emit dataChanged(index(0, 0, parent), index(children - 1, ColumnCount - 1, parent));
    }
}

QModelIndex BackendsModel::index(int row, int column, const QModelIndex &parent) const
{
    if (!hasIndex(row, column, parent))
        return QModelIndex();
    return createIndex(row, column, parent.isValid() ? quintptr(parent.row() + 1) : quintptr(0));
}

QModelIndex BackendsModel::parent(const QModelIndex &child) const
{
    if (!child.isValid() || child.internalId() == 0)
        return QModelIndex();
    return createIndex(int(child.internalId() - 1), 0, quintptr(0));
}

int BackendsModel::rowCount(const QModelIndex &parent) const
{
    if (!parent.isValid())
        return int(m_groups.empty() ? m_backends.size() : m_groups.size());
    if (const Group *group = groupAt(parent); group && parent.column() == 0)
        return int(group->rows.size());
    return 0;
}

int BackendsModel::columnCount(const QModelIndex &) const
{
    return ColumnCount;
}

const BackendsModel::Group *BackendsModel::groupAt(const QModelIndex &index) const
{
    if (!index.isValid() || index.internalId() != 0 || m_groups.empty() || index.row() >= int(m_groups.size()))
        return nullptr;
    return &m_groups[size_t(index.row())];
}

const QJsonObject *BackendsModel::backendAt(const QModelIndex &index) const
{
    if (!index.isValid())
        return nullptr;
    if (m_groups.empty())
        return index.row() < int(m_backends.size()) ? &m_backends[size_t(index.row())] : nullptr;
    if (index.internalId() == 0 || index.internalId() > m_groups.size())
        return nullptr;
    const Group &group = m_groups[size_t(index.internalId() - 1)];
    return index.row() < int(group.rows.size()) ? &m_backends[size_t(group.rows[size_t(index.row())])] : nullptr;
}

QVariant BackendsModel::data(const QModelIndex &index, int role) const
{
    if (const QJsonObject *backend = backendAt(index))
        return backendData(*backend, index.column(), role);
    if (const Group *group = groupAt(index))
        return groupData(*group, index.column(), role);
    return QVariant();
}

QVariant BackendsModel::groupData(const Group &group, int column, int role) const
{
    if (role == SourceKeyRole)
        return group.key;
    if (role == Qt::FontRole && column == Backend) {
        QFont bold;
        bold.setBold(true);
        return bold;
    }
    const QJsonObject &status = group.status;
    const QString state = status.value(QLatin1String("state")).toString();
    if (role == Qt::ForegroundRole)
        return (column == Health || column == Routes) && troubled(status) ? QBrush(kProblem) : QVariant();
    if (role == Qt::ToolTipRole && !group.key.isEmpty()) {
        QStringList lines{group.key};
        if (!status.value(QLatin1String("error")).toString().isEmpty())
            lines.append(status.value(QLatin1String("error")).toString());
        lines.append(tr("%1 lookup(s), %2 failed")
                         .arg(qlonglong(status.value(QLatin1String("lookups")).toDouble()))
                         .arg(qlonglong(status.value(QLatin1String("failures")).toDouble())));
        if (const QString changed = shortTime(status.value(QLatin1String("last_change"))); !changed.isEmpty())
            lines.append(tr("Backends last changed at %1").arg(changed));
        if (const QString next = shortTime(status.value(QLatin1String("next_refresh"))); !next.isEmpty())
            lines.append(tr("Next lookup at %1").arg(next));
        for (const QJsonValue &refused : status.value(QLatin1String("refused")).toArray())
            lines.append(tr("Refused: %1").arg(refused.toString()));
        return lines.join(QLatin1Char('\n'));
    }
    if (role != Qt::DisplayRole)
        return QVariant();
    if (column == Backend)
        return sourceTitle(group.key);
    if (group.key.isEmpty())
        return column == Routes ? tr("%n backend(s)", nullptr, int(group.rows.size())) : QVariant();
    if (column == Health) {
        if (state == QLatin1String("ok"))
            return tr("ok");
        if (state == QLatin1String("empty"))
            return tr("empty");
        if (state == QLatin1String("failed"))
            return tr("failed");
        return tr("pending");
    }
    if (column != Routes)
        return QVariant();
    // The Routes column is the wide one: what the source found, when, and what went wrong.
    const int found = status.value(QLatin1String("backends")).toInt(int(group.rows.size()));
    QStringList parts;
    if (state == QLatin1String("pending"))
        parts.append(tr("waiting for the first answer"));
    else if (state == QLatin1String("failed"))
        parts.append(status.value(QLatin1String("error")).toString(tr("lookup failed")));
    else if (state == QLatin1String("empty"))
        parts.append(tr("found no backend"));
    if (state == QLatin1String("ok"))
        parts.append(tr("%n backend(s)", nullptr, found));
    else if (state == QLatin1String("failed") && found > 0)
        parts.append(tr("keeps the %n backend(s) found before", nullptr, found));
    if (const QString refreshed = shortTime(status.value(QLatin1String("last_refresh"))); !refreshed.isEmpty())
        parts.append(tr("refreshed %1").arg(refreshed));
    if (const qlonglong ttl = qlonglong(status.value(QLatin1String("ttl_s")).toDouble()); ttl > 0)
        parts.append(tr("TTL %1 s").arg(ttl));
    if (const int refused = int(status.value(QLatin1String("refused")).toArray().size()); refused > 0)
        parts.append(tr("%n registration(s) refused", nullptr, refused));
    return parts.join(QStringLiteral(" · "));
}

QVariant BackendsModel::backendData(const QJsonObject &backend, int column, int role) const
{
    if (role == BackendKeyRole)
        return backend["backend"].toString();
    const QJsonObject source = backend["source"].toObject();
    const double requests = backend["requests"].toDouble();
    const bool healthy = backend["healthy"].toBool();
    const QString circuit = backend["circuit"].toString();
    const bool ejected = backend["ejected"].toBool();
    const int maxConnections = backend["max_connections"].toInt();
    if (role == Qt::ForegroundRole) {
        if ((column == Health && !healthy) || (column == Circuit && circuit != QLatin1String("closed"))
            || (column == Ejection && ejected)
            || (column == Active && maxConnections > 0 && backend["in_flight"].toInt() >= maxConnections)
            || (column == Queued && backend["queued"].toInt() > 0))
            return QBrush(kProblem);
        return QVariant();
    }
    const QJsonObject limit = backend["rate_limit"].toObject();
    if (role == Qt::ToolTipRole && column == Limited && !limit.isEmpty())
        return tr("Rate limit %1 per %2 key (%3): %4 key(s) tracked")
            .arg(limit["policy"].toString(), limit["key"].toString(), limit["scope"].toString())
            .arg(qlonglong(limit["tracked_keys"].toDouble()));
    if (role == Qt::ToolTipRole && (column == Backend || column == Record) && !source.isEmpty())
        return tr("Found by %1: %2; connections go to %3")
            .arg(sourceTitle(source["key"].toString()), source["record"].toString(), backend["address"].toString());
    if (role != Qt::DisplayRole)
        return QVariant();
    switch (column) {
    case Backend: return backend["backend"].toString();
    case Record: return source["record"].toString();
    case Routes: {
        QStringList routes;
        for (const QJsonValue &route : backend["routes"].toArray())
            routes.append(route.toString());
        return routes.join(QLatin1String(", "));
    }
    case Health:
        if (backend["health_check_path"].toString().isEmpty())
            return tr("not checked");
        return healthy ? tr("up") : tr("down");
    case Circuit: return circuit;
    case Ejection: {
        const qlonglong times = qlonglong(backend["ejections"].toDouble());
        if (ejected)
            return tr("ejected, %1 s left").arg(qCeil(backend["ejection_remaining_ms"].toDouble() / 1000.0));
        return times > 0 ? tr("in (ejected %n time(s))", nullptr, int(times)) : tr("in");
    }
    case SlowStart: {
        const int percent = backend["slow_start_percent"].toInt(100);
        return percent < 100 ? QStringLiteral("%1 %").arg(percent) : QStringLiteral("–");
    }
    case Active:
        // In flight against max_connections when the backend has one.
        return maxConnections > 0 ? QStringLiteral("%1 / %2").arg(backend["in_flight"].toInt()).arg(maxConnections)
                                  : QString::number(backend["in_flight"].toInt());
    case Queued: return backend["queued"].toInt();
    case Requests: return qlonglong(requests);
    case ErrorRate:
        return requests > 0 ? QStringLiteral("%1 %").arg(100.0 * backend["failures"].toDouble() / requests, 0, 'f', 1)
                            : QStringLiteral("–");
    case P50: return QStringLiteral("%1 ms").arg(backend["latency_ms"].toObject()["p50"].toDouble(), 0, 'f', 2);
    case P99: return QStringLiteral("%1 ms").arg(backend["latency_ms"].toObject()["p99"].toDouble(), 0, 'f', 2);
    case Estimate: {
        const QJsonValue estimate = backend["latency_estimate_ms"];
        return estimate.isDouble() ? QStringLiteral("%1 ms").arg(estimate.toDouble(), 0, 'f', 2) : QStringLiteral("–");
    }
    case Share: {
        const QJsonValue share = backend["share"];
        return share.isDouble() ? QStringLiteral("%1 %").arg(100.0 * share.toDouble(), 0, 'f', 0) : QStringLiteral("–");
    }
    case Limited:
        // Refused by the backend's own limit (sent to another backend where one admitted them).
        return limit.isEmpty() ? QStringLiteral("–") : QString::number(qlonglong(limit["refused"].toDouble()));
    default: return QVariant();
    }
}

QVariant BackendsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QVariant();
    switch (section) {
    case Backend: return tr("Backend");
    case Record: return tr("Record");
    case Routes: return tr("Routes");
    case Health: return tr("Health");
    case Circuit: return tr("Circuit");
    case Ejection: return tr("Outlier");
    case SlowStart: return tr("Slow start");
    case Active: return tr("Active");
    case Queued: return tr("Queued");
    case Requests: return tr("Requests");
    case ErrorRate: return tr("Errors");
    case P50: return tr("p50");
    case P99: return tr("p99");
    case Estimate: return tr("Estimate");
    case Share: return tr("Share");
    case Limited: return tr("Limited");
    default: return QVariant();
    }
}

}  // namespace kairos
