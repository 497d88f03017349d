#include "routesmodel.h"

namespace kairos {

RoutesModel::RoutesModel(QObject *parent) : QAbstractTableModel(parent) {}

void RoutesModel::setConfig(ConfigSnapshot config)
{
    beginResetModel();
    m_config = std::move(config);
    endResetModel();
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
        QStringList backends;
        for (const Backend &backend : route.backends)
            backends.append(QStringLiteral("%1:%2").arg(backend.host).arg(backend.port));
        return backends.join(QLatin1String(", "));
    }
    case Auth: return route.authRequired ? tr("JWT") : tr("none");
    case Retry:
        return route.retry ? tr("%n attempt(s)", nullptr, route.retry->maxAttempts) : tr("off");
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
    case Auth: return tr("Auth");
    case Retry: return tr("Retry");
    default: return QVariant();
    }
}

}  // namespace kairos
