#include "backendsmodel.h"

#include <QBrush>
#include <QColor>
#include <QJsonObject>
#include <QtMath>

namespace kairos {

BackendsModel::BackendsModel(QObject *parent) : QAbstractTableModel(parent) {}

void BackendsModel::setReport(const QJsonArray &backends)
{
    if (backends.size() != m_backends.size()) {
        beginResetModel();
        m_backends = backends;
        endResetModel();
        return;
    }
    m_backends = backends;
    if (!m_backends.isEmpty())
        emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
}

int BackendsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_backends.size());
}

int BackendsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant BackendsModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid())
        return QVariant();
    const QJsonObject backend = m_backends[index.row()].toObject();
    const double requests = backend["requests"].toDouble();
    const bool healthy = backend["healthy"].toBool();
    const QString circuit = backend["circuit"].toString();
    const bool ejected = backend["ejected"].toBool();
    const int maxConnections = backend["max_connections"].toInt();
    if (role == Qt::ForegroundRole) {
        if ((index.column() == Health && !healthy) || (index.column() == Circuit && circuit != QLatin1String("closed"))
            || (index.column() == Ejection && ejected)
            || (index.column() == Active && maxConnections > 0 && backend["in_flight"].toInt() >= maxConnections)
            || (index.column() == Queued && backend["queued"].toInt() > 0))
            return QBrush(QColor(0xd0, 0x3a, 0x2f));
        return QVariant();
    }
    const QJsonObject limit = backend["rate_limit"].toObject();
    if (role == Qt::ToolTipRole && index.column() == Limited && !limit.isEmpty())
        return tr("Rate limit %1 per %2 key (%3): %4 key(s) tracked")
            .arg(limit["policy"].toString(), limit["key"].toString(), limit["scope"].toString())
            .arg(qlonglong(limit["tracked_keys"].toDouble()));
    if (role != Qt::DisplayRole)
        return QVariant();
    switch (index.column()) {
    case Backend: return backend["backend"].toString();
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
    case Limited: return tr("Limited");
    default: return QVariant();
    }
}

}  // namespace kairos
