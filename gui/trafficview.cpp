#include "trafficview.h"

#include "metrics/recentrequests.h"

#include <QDateTime>
#include <QHeaderView>
#include <QPlainTextEdit>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

namespace kairos {

TrafficModel::TrafficModel(int capacity, QObject *parent) : QAbstractTableModel(parent), m_capacity(capacity) {}

void TrafficModel::append(const QList<RequestRecord> &records)
{
    if (records.isEmpty())
        return;
    beginResetModel();
    for (const RequestRecord &record : records)
        m_records.prepend(record);
    while (m_records.size() > m_capacity)
        m_records.removeLast();
    endResetModel();
}

int TrafficModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_records.size());
}

int TrafficModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

// Why the gateway refused a request or what it changed (the access log's note=), and how long
// the request waited in its route's queue.
QString TrafficModel::noteText(const RequestRecord &record)
{
    QStringList parts;
    if (record.note)
        parts.append(QString::fromLatin1(record.note));
    if (record.queuedUs >= 0)
        parts.append(tr("queued %1 ms").arg(double(record.queuedUs) / 1000.0, 0, 'f', 1));
    return parts.join(QLatin1String(", "));
}

QVariant TrafficModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || role != Qt::DisplayRole)
        return QVariant();
    const RequestRecord &record = m_records[index.row()];
    switch (index.column()) {
    case Time: return QDateTime::fromMSecsSinceEpoch(record.finishedAtMs).toString(QStringLiteral("HH:mm:ss.zzz"));
    case Method: return QString::fromLatin1(record.method);
    case Path: return QString::fromLatin1(record.target);
    case Route: return record.routePath;
    case Backend: return record.backend;
    case Status: return record.status;
    case Duration: return QStringLiteral("%1 ms").arg(double(record.durationUs) / 1000.0, 0, 'f', 2);
    case Attempts: return record.attempts;
    case Note: return noteText(record);
    default: return QVariant();
    }
}

QVariant TrafficModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QVariant();
    switch (section) {
    case Time: return tr("Time");
    case Method: return tr("Method");
    case Path: return tr("Path");
    case Route: return tr("Route");
    case Backend: return tr("Backend");
    case Status: return tr("Status");
    case Duration: return tr("Duration");
    case Attempts: return tr("Tries");
    case Note: return tr("Note");
    default: return QVariant();
    }
}

TrafficView::TrafficView(RecentRequests *source, QWidget *parent)
    : QWidget(parent),
      m_source(source),
      m_model(new TrafficModel(source ? source->capacity() : 500, this)),
      m_table(new QTableView),
      m_details(new QPlainTextEdit)
{
    m_table->setModel(m_model);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setSectionResizeMode(TrafficModel::Path, QHeaderView::Stretch);
    m_details->setReadOnly(true);
    m_details->setPlaceholderText(tr("Select a request to see its headers."));
    auto *splitter = new QSplitter(Qt::Vertical);
    splitter->addWidget(m_table);
    splitter->addWidget(m_details);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(splitter);
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this, &TrafficView::showDetails);
}

void TrafficView::poll()
{
    if (!m_source)
        return;
    quint64 last = m_seen;
    const QList<RequestRecord> records = m_source->since(m_seen, &last);
    m_seen = last;
    m_model->append(records);
}

void TrafficView::showDetails()
{
    const QModelIndexList rows = m_table->selectionModel()->selectedRows();
    if (rows.isEmpty()) {
        m_details->clear();
        return;
    }
    const RequestRecord &record = m_model->record(rows.first().row());
    QString text =
        QStringLiteral("%1 %2\n").arg(QString::fromLatin1(record.method), QString::fromLatin1(record.target));
    for (const auto &field : record.requestHeaders.fields())
        text += QStringLiteral("%1: %2\n").arg(QString::fromLatin1(field.first), QString::fromLatin1(field.second));
    text += QStringLiteral("\n%1 %2\n").arg(tr("Response")).arg(record.status);
    for (const auto &field : record.responseHeaders.fields())
        text += QStringLiteral("%1: %2\n").arg(QString::fromLatin1(field.first), QString::fromLatin1(field.second));
    text += QStringLiteral("\n%1: %2   %3: %4   %5: %6\n")
                .arg(tr("Backend"), record.backend.isEmpty() ? QStringLiteral("–") : record.backend, tr("Tries"))
                .arg(record.attempts)
                .arg(tr("Request id"), QString::fromLatin1(record.requestId));
    if (record.tlsVersion)
        text += QStringLiteral("TLS: %1   ALPN: %2\n")
                    .arg(QString::fromLatin1(record.tlsVersion),
                         record.alpn.isEmpty() ? QStringLiteral("–") : QString::fromLatin1(record.alpn));
    const QString note = TrafficModel::noteText(record);
    if (!note.isEmpty())
        text += QStringLiteral("%1: %2\n").arg(tr("Note"), note);
    m_details->setPlainText(text);
}

}  // namespace kairos
