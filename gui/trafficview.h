// The last requests through the gateway (time, method, path, route, backend, status, duration,
// tries); selecting one shows its request and response headers.
#pragma once

#include "metrics/requestrecord.h"

#include <QAbstractTableModel>
#include <QWidget>

class QPlainTextEdit;
class QTableView;

namespace kairos {

class RecentRequests;

class TrafficModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { Time, Method, Path, Route, Backend, Status, Duration, Attempts, Note, ColumnCount };

    explicit TrafficModel(int capacity, QObject *parent = nullptr);
    void append(const QList<RequestRecord> &records);  // newest last
    const RequestRecord &record(int row) const { return m_records[row]; }
    // The refusal or change the gateway noted (note=) and the time waited in a queue.
    static QString noteText(const RequestRecord &record);

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    int m_capacity;
    QList<RequestRecord> m_records;  // newest first
};

class TrafficView : public QWidget
{
    Q_OBJECT

public:
    TrafficView(RecentRequests *source, QWidget *parent = nullptr);
    void poll();
    TrafficModel *model() const { return m_model; }

private:
    void showDetails();

    RecentRequests *m_source;
    quint64 m_seen = 0;
    TrafficModel *m_model;
    QTableView *m_table;
    QPlainTextEdit *m_details;
};

}  // namespace kairos
