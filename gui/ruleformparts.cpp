#include "ruleformparts.h"

#include <QHeaderView>
#include <QRegularExpression>

namespace kairos {

OverrideChoice::OverrideChoice(QWidget *parent) : QComboBox(parent)
{
    addItem(tr("Inherit the top level"), Inherit);
    addItem(tr("Off for this route"), Off);
    addItem(tr("Own settings"), Own);
    setToolTip(tr("Inherit: the top-level block applies (none when there is none). Off: the route writes null, so "
                  "the top level's does not apply here either."));
}

void OverrideChoice::setMode(Mode mode)
{
    setCurrentIndex(findData(mode));
}

NamedValuesTable::NamedValuesTable(const QString &nameTitle, const QString &valueTitle, QWidget *parent)
    : QTableWidget(0, 2, parent)
{
    setHorizontalHeaderLabels({nameTitle, valueTitle});
    horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    verticalHeader()->hide();
    setMinimumHeight(90);
    keepEmptyRow();
    connect(this, &QTableWidget::cellChanged, this, [this] {
        keepEmptyRow();
        emit changed();
    });
}

void NamedValuesTable::setValues(const NamedValues &values)
{
    const QSignalBlocker blocker(this);
    setRowCount(0);
    for (const auto &[name, value] : values) {
        const int row = rowCount();
        insertRow(row);
        setItem(row, 0, new QTableWidgetItem(name));
        setItem(row, 1, new QTableWidgetItem(value));
    }
    keepEmptyRow();
}

NamedValues NamedValuesTable::values() const
{
    NamedValues result;
    for (int row = 0; row < rowCount(); ++row) {
        const QString name = item(row, 0) ? item(row, 0)->text().trimmed() : QString();
        if (!name.isEmpty())
            result.append({name, item(row, 1) ? item(row, 1)->text() : QString()});
    }
    return result;
}

void NamedValuesTable::keepEmptyRow()
{
    const int last = rowCount() - 1;
    if (last >= 0 && (!item(last, 0) || item(last, 0)->text().isEmpty()))
        return;
    const QSignalBlocker blocker(this);
    insertRow(rowCount());
}

QStringList splitList(const QString &text)
{
    QStringList result;
    for (const QString &part : text.split(QRegularExpression(QStringLiteral("[,\\n]")), Qt::SkipEmptyParts)) {
        if (!part.trimmed().isEmpty())
            result.append(part.trimmed());
    }
    return result;
}

}  // namespace kairos
