// The routes of the current config as a table: external path, methods, internal path, strategy,
// backends, health summary, auth, retry, whether faults are injected.
#pragma once

#include "config/config.h"
#include "proxy/gatewaysnapshot.h"

#include <QAbstractTableModel>

namespace kairos {

class RoutesModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { ExternalPath, Methods, InternalPath, Strategy, Backends, Health, Auth, Retry, Faults, ColumnCount };

    explicit RoutesModel(QObject *parent = nullptr);

    // `snapshot` (may be null) gives the backends' live health for the Health column.
    void setConfig(ConfigSnapshot config, GatewaySnapshotPtr snapshot = nullptr);

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QString healthSummary(int row) const;

    ConfigSnapshot m_config;
    GatewaySnapshotPtr m_snapshot;
};

}  // namespace kairos
