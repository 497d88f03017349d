// The routes of the current config as a table: external path, methods, internal path, strategy,
// backends, auth, retry. Refreshed whenever the config changes.
#pragma once

#include "config/config.h"

#include <QAbstractTableModel>

namespace kairos {

class RoutesModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { ExternalPath, Methods, InternalPath, Strategy, Backends, Auth, Retry, ColumnCount };

    explicit RoutesModel(QObject *parent = nullptr);

    void setConfig(ConfigSnapshot config);

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    ConfigSnapshot m_config;
};

}  // namespace kairos
