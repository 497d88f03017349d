#include "routesmodel.h"

namespace kairos {

RoutesModel::RoutesModel(QObject *parent) : QAbstractTableModel(parent) {}

void RoutesModel::setConfig(ConfigSnapshot config, GatewaySnapshotPtr snapshot)
{
    if (config == m_config) {
        m_snapshot = std::move(snapshot);
        if (rowCount() > 0)
            emit dataChanged(index(0, Health), index(rowCount() - 1, Health));
        return;
    }
    beginResetModel();
    m_config = std::move(config);
    m_snapshot = std::move(snapshot);
    endResetModel();
}

QString RoutesModel::healthSummary(int row) const
{
    if (!m_snapshot || m_snapshot->written != m_config || size_t(row) >= m_snapshot->balancers.size())
        return QStringLiteral("–");
    int available = 0;
    const auto &backends = m_snapshot->balancers[size_t(row)]->backends();
    for (const BalancedBackend &backend : backends)
        available += backend.state->isAvailable() ? 1 : 0;
    return tr("%1/%2 up").arg(available).arg(backends.size());
}

int RoutesModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() || !m_config ? 0 : int(m_config->routes.size());
}

int RoutesModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant RoutesModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || role != Qt::DisplayRole || !m_config)
        return QVariant();
    const Route &route = m_config->routes[index.row()];
    switch (index.column()) {
    case ExternalPath: return route.externalPath;
    case Methods: return route.methods.join(QLatin1String(", "));
    case InternalPath: return route.internalPath;
    case Strategy: return strategyName(route.strategy);
    case Backends: {
        // A route that answers itself says with what, where its backends would be.
        const RouteOverrides &overrides = *route.overrides;
        if (overrides.redirect)
            return tr("redirect %1 to %2").arg(overrides.redirect->status).arg(overrides.redirect->to);
        if (overrides.mock)
            return tr("mock answer %1").arg(overrides.mock->status);
        if (overrides.staticSite)
            return tr("files under %1").arg(overrides.staticSite->root);
        QStringList backends;
        for (const Backend &backend : route.backends)
            backends.append(QStringLiteral("%1:%2").arg(backend.host).arg(backend.port));
        return backends.join(QLatin1String(", "));
    }
    case Health: return healthSummary(index.row());
    case Auth: return route.authRequired ? tr("JWT") : tr("none");
    case Retry: return route.retry ? tr("%n attempt(s)", nullptr, route.retry->maxAttempts) : tr("off");
    case Faults: return m_config->faultFor(route) ? tr("injected") : QString();
    default: return QVariant();
    }
}

QVariant RoutesModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QVariant();
    switch (section) {
    case ExternalPath: return tr("External path");
    case Methods: return tr("Methods");
    case InternalPath: return tr("Internal path");
    case Strategy: return tr("Strategy");
    case Backends: return tr("Backends");
    case Health: return tr("Health");
    case Auth: return tr("Auth");
    case Retry: return tr("Retry");
    case Faults: return tr("Faults");
    default: return QVariant();
    }
}

}  // namespace kairos
