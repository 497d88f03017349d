// Every backend with its routes, health, circuit, outlier ejection (and the time left), slow-start
// progress, requests in flight against max_connections, requests queued for it, request count,
// error rate, latency percentiles and the requests its own rate limit refused, refreshed from the
// running gateway once a second.
//
// When the config has discover entries, the backends are grouped by where they come from: the
// ones the config lists, then one group per discovery source with the source's state (a source
// that found nothing still has its group, with why). Without discovery the list stays flat.
// A refresh that changes only the figures updates the rows in place, so the view keeps its
// selection and what is expanded; a backend found or lost redraws the whole list.
#pragma once

#include <QAbstractItemModel>
#include <QJsonArray>
#include <QJsonObject>
#include <QStringList>

#include <vector>

namespace kairos {

class BackendsModel : public QAbstractItemModel
{
    Q_OBJECT

public:
    enum Column {
        Backend,
        Record,  // a discovered backend's record ("A 10.0.0.5"); hidden while the list is flat
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
        Estimate,  // PeakEwma's latency estimate; "–" when no PeakEwma route lists the backend
        Share,     // of its routes' tries over the last 10 seconds
        Limited,
        ColumnCount
    };
    enum Role {
        BackendKeyRole = Qt::UserRole + 1,  // a backend row's key ("http://10.0.0.5:8080"); none on a group
        SourceKeyRole,                      // a group's source key; "" for the config's own backends
    };

    explicit BackendsModel(QObject *parent = nullptr);
    // `backends`: describeBackends(); `sources`: every discovery source's status by its key
    // (SourceStatus::toJson()), which gives a group to the sources that found no backend.
    void setReport(const QJsonArray &backends, const QJsonObject &sources = {});
    bool grouped() const { return !m_groups.empty(); }
    // A group's title: "Listed in the config", "DNS users.internal:8080", "etcd users".
    static QString sourceTitle(const QString &sourceKey);

    QModelIndex index(int row, int column, const QModelIndex &parent = QModelIndex()) const override;
    QModelIndex parent(const QModelIndex &child) const override;
    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    struct Group {
        QString key;            // "" for the backends the config lists
        QJsonObject status;     // the source's state; empty for the config's group
        std::vector<int> rows;  // into m_backends, in the report's order
    };
    // A group row's internal id is 0; a backend's, its group's row + 1 (0 as well while flat).
    const QJsonObject *backendAt(const QModelIndex &index) const;
    const Group *groupAt(const QModelIndex &index) const;
    QVariant backendData(const QJsonObject &backend, int column, int role) const;
    QVariant groupData(const Group &group, int column, int role) const;

    std::vector<QJsonObject> m_backends;  // the report's entries, unpacked once per refresh
    std::vector<Group> m_groups;          // empty: the flat list
    QStringList m_shape;                  // the groups' and backends' keys: a change means a reset
};

}  // namespace kairos
