#include "backendsview.h"

#include "backendsmodel.h"

#include <QApplication>
#include <QHeaderView>
#include <QPainter>
#include <QStyledItemDelegate>

namespace kairos {

namespace {

// A group's row spans the columns: the source's name in bold, then its state and what it found
// (the model's Health and Routes cells of that row), in red when the model colours them so. The
// columns stay as wide as the backends need, whatever the length of a name or an error.
class GroupDelegate : public QStyledItemDelegate
{
public:
    using QStyledItemDelegate::QStyledItemDelegate;

    void paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const override
    {
        if (index.column() != BackendsModel::Backend || !index.data(BackendsModel::SourceKeyRole).isValid()) {
            QStyledItemDelegate::paint(painter, option, index);
            return;
        }
        QStyleOptionViewItem item = option;
        initStyleOption(&item, index);
        const QString title = item.text;
        item.text.clear();
        const QWidget *widget = option.widget;
        QStyle *style = widget ? widget->style() : QApplication::style();
        style->drawControl(QStyle::CE_ItemViewItem, &item, painter, widget);
        QRect area = style->subElementRect(QStyle::SE_ItemViewItemText, &item, widget);
        const bool selected = option.state & QStyle::State_Selected;
        const QColor text = option.palette.color(selected ? QPalette::HighlightedText : QPalette::Text);
        QStringList details;
        for (int column : {BackendsModel::Health, BackendsModel::Routes}) {
            const QString cell = index.siblingAtColumn(column).data().toString();
            if (!cell.isEmpty())
                details.append(cell);
        }
        const QVariant problem = index.siblingAtColumn(BackendsModel::Health).data(Qt::ForegroundRole);

        painter->save();
        painter->setFont(item.font);  // bold, from the model
        painter->setPen(text);
        const QString shownTitle = item.fontMetrics.elidedText(title, Qt::ElideMiddle, area.width());
        painter->drawText(area, Qt::AlignVCenter | Qt::AlignLeft, shownTitle);
        area.setLeft(area.left() + item.fontMetrics.horizontalAdvance(shownTitle + QLatin1String("    ")));
        painter->setFont(option.font);
        painter->setPen(!selected && problem.canConvert<QBrush>() ? problem.value<QBrush>().color() : text);
        painter->drawText(
            area, Qt::AlignVCenter | Qt::AlignLeft,
            option.fontMetrics.elidedText(details.join(QStringLiteral(": ")), Qt::ElideRight, area.width()));
        painter->restore();
    }
};

}  // namespace

BackendsView::BackendsView(BackendsModel *model, QWidget *parent) : QTreeView(parent), m_model(model)
{
    setModel(model);
    setUniformRowHeights(true);  // refreshed each second: no per-row size hints to ask for
    setSelectionBehavior(QAbstractItemView::SelectRows);
    setSelectionMode(QAbstractItemView::SingleSelection);
    setAllColumnsShowFocus(true);
    setItemDelegate(new GroupDelegate(this));
    // Fourteen columns: each as wide as what it shows, the routes taking what is left.
    header()->setStretchLastSection(false);
    header()->setSectionResizeMode(QHeaderView::ResizeToContents);
    header()->setSectionResizeMode(BackendsModel::Routes, QHeaderView::Stretch);
    connect(model, &QAbstractItemModel::modelAboutToBeReset, this, &BackendsView::remember);
    connect(model, &QAbstractItemModel::modelReset, this, &BackendsView::restore);
    connect(this, &QTreeView::collapsed, this,
            [this](const QModelIndex &group) { m_folded.insert(group.data(BackendsModel::SourceKeyRole).toString()); });
    connect(this, &QTreeView::expanded, this,
            [this](const QModelIndex &group) { m_folded.remove(group.data(BackendsModel::SourceKeyRole).toString()); });
    connect(selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this](const QModelIndex &current) {
        emit backendSelected(
            current.siblingAtColumn(BackendsModel::Backend).data(BackendsModel::BackendKeyRole).toString());
    });
    restore();
}

void BackendsView::remember()
{
    const QModelIndex current = currentIndex();
    m_hadSelection = current.isValid();
    m_selectedBackend = current.data(BackendsModel::BackendKeyRole).toString();
    m_selectedGroup = current.data(BackendsModel::SourceKeyRole).toString();
}

void BackendsView::restore()
{
    const bool grouped = m_model->grouped();
    setRootIsDecorated(grouped);
    setColumnHidden(BackendsModel::Record, !grouped);  // only discovered backends have a record
    for (int row = 0; grouped && row < m_model->rowCount(); ++row)
        setFirstColumnSpanned(row, QModelIndex(), true);
    QModelIndex reselect;
    const auto matches = [this](const QModelIndex &index) {
        const QString backend = index.data(BackendsModel::BackendKeyRole).toString();
        if (!m_selectedBackend.isEmpty())
            return backend == m_selectedBackend;
        return backend.isEmpty() && index.data(BackendsModel::SourceKeyRole).toString() == m_selectedGroup;
    };
    for (int row = 0; row < m_model->rowCount(); ++row) {
        const QModelIndex top = m_model->index(row, 0);
        if (grouped && !m_folded.contains(top.data(BackendsModel::SourceKeyRole).toString()))
            expand(top);
        if (m_hadSelection && !reselect.isValid() && matches(top))
            reselect = top;
        for (int child = 0; m_hadSelection && !reselect.isValid() && child < m_model->rowCount(top); ++child) {
            if (matches(m_model->index(child, 0, top)))
                reselect = m_model->index(child, 0, top);
        }
    }
    if (reselect.isValid())
        setCurrentIndex(reselect);
    else if (m_hadSelection)
        emit backendSelected(QString());  // the backend it showed is gone
}

}  // namespace kairos
