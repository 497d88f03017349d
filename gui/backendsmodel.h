// Every backend with its routes, health, circuit, outlier ejection (and the time left), slow-start
// progress, requests in flight against max_connections, requests queued for it, request count,
// error rate, latency percentiles and the requests its own rate limit refused, refreshed from the
// running gateway once a second.
#pragma once

#include <QAbstractTableModel>
#include <QJsonArray>

namespace kairos {

class BackendsModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column {
        Backend,
        Routes,
        Health,
        Circuit,
        Ejection,
        SlowStart,
        Active,
        Queued,
        Requests,
        ErrorRate,
        P50,
        P99,
        Limited,
        ColumnCount
    };

    explicit BackendsModel(QObject *parent = nullptr);
    void setReport(const QJsonArray &backends);  // describeBackends()

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QJsonArray m_backends;
};

}  // namespace kairos
