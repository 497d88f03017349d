#include "clusterview.h"

#include <QHeaderView>
#include <QJsonArray>
#include <QLabel>
#include <QTableWidget>
#include <QVBoxLayout>

namespace kairos {

namespace {

QTableWidget *table(const QStringList &headers)
{
    auto *widget = new QTableWidget(0, int(headers.size()));
    widget->setHorizontalHeaderLabels(headers);
    widget->verticalHeader()->hide();
    widget->setEditTriggers(QAbstractItemView::NoEditTriggers);
    widget->setSelectionBehavior(QAbstractItemView::SelectRows);
    widget->horizontalHeader()->setStretchLastSection(true);
    return widget;
}

void setRow(QTableWidget *widget, int row, const QStringList &cells)
{
    for (int column = 0; column < cells.size(); ++column) {
        QTableWidgetItem *item = widget->item(row, column);
        if (!item) {
            item = new QTableWidgetItem;
            widget->setItem(row, column, item);
        }
        item->setText(cells[column]);
    }
}

}  // namespace

ClusterView::ClusterView(QWidget *parent)
    : QWidget(parent),
      m_store(new QLabel),
      m_members(table({tr("Instance"), tr("Address"), tr("Revision"), tr("Version"), tr("Started")})),
      m_problemsTitle(new QLabel(tr("Refused documents"))),
      m_problems(table({tr("Key"), tr("Revision"), tr("Why")}))
{
    m_store->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_store->setWordWrap(true);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_store);
    layout->addWidget(m_members, 3);
    layout->addWidget(m_problemsTitle);
    layout->addWidget(m_problems, 1);
}

QString ClusterView::summary(const QJsonObject &status)
{
    const QJsonObject store = status.value(QLatin1String("store")).toObject();
    return tr("Fleet: %n instance(s) · revision %1 · etcd %2", nullptr,
              int(status.value(QLatin1String("members")).toArray().size()))
        .arg(store.value(QLatin1String("revision")).toInteger())
        .arg(store.value(QLatin1String("up")).toBool() ? tr("up") : tr("down"));
}

void ClusterView::setStatus(const QJsonObject &status)
{
    const QJsonObject store = status.value(QLatin1String("store")).toObject();
    const bool up = store.value(QLatin1String("up")).toBool();
    QString text =
        tr("This instance: <b>%1</b> · etcd %2 at %3, prefix %4 · serving revision %5")
            .arg(status.value(QLatin1String("instance")).toString().toHtmlEscaped(),
                 up ? tr("<span style='color:#2e9d4f'>up</span>") : tr("<span style='color:#d03a2f'>down</span>"),
                 store.value(QLatin1String("endpoints"))
                     .toVariant()
                     .toStringList()
                     .join(QLatin1String(", "))
                     .toHtmlEscaped(),
                 store.value(QLatin1String("prefix")).toString().toHtmlEscaped())
            .arg(store.value(QLatin1String("revision")).toInteger());
    if (!up && store.contains(QLatin1String("error")))
        text += QStringLiteral("<br>") + store.value(QLatin1String("error")).toString().toHtmlEscaped();
    if (store.contains(QLatin1String("serving_from_cache")))
        text += QStringLiteral("<br>")
                + tr("Serving the cached config from %1 until etcd answers.")
                      .arg(store.value(QLatin1String("serving_from_cache")).toString().toHtmlEscaped());
    m_store->setText(text);

    const QJsonArray members = status.value(QLatin1String("members")).toArray();
    m_members->setRowCount(int(members.size()));
    for (int row = 0; row < members.size(); ++row) {
        const QJsonObject member = members[row].toObject();
        setRow(m_members, row,
               {member.value(QLatin1String("name")).toString(), member.value(QLatin1String("address")).toString(),
                QString::number(member.value(QLatin1String("revision")).toInteger()),
                member.value(QLatin1String("version")).toString(), member.value(QLatin1String("started")).toString()});
    }
    const QJsonArray problems = status.value(QLatin1String("problems")).toArray();
    m_problems->setRowCount(int(problems.size()));
    for (int row = 0; row < problems.size(); ++row) {
        const QJsonObject problem = problems[row].toObject();
        setRow(m_problems, row,
               {problem.value(QLatin1String("key")).toString(),
                QString::number(problem.value(QLatin1String("revision")).toInteger()),
                problem.value(QLatin1String("error")).toString()});
    }
    m_members->resizeColumnsToContents();
    m_problems->resizeColumnsToContents();
    m_problemsTitle->setVisible(!problems.isEmpty());
    m_problems->setVisible(!problems.isEmpty());
}

}  // namespace kairos
