#include "spliteditor.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QTableWidget>
#include <QVBoxLayout>

namespace kairos {

namespace {
const LoadBalancingStrategy kStrategies[] = {LoadBalancingStrategy::RoundRobin,       LoadBalancingStrategy::Weighted,
                                             LoadBalancingStrategy::LeastConnections, LoadBalancingStrategy::Random,
                                             LoadBalancingStrategy::IpHash,           LoadBalancingStrategy::PowerOfTwo,
                                             LoadBalancingStrategy::PeakEwma};
const QString kMarked = QStringLiteral("background:#ffebee;");
constexpr int kIdRole = Qt::UserRole;
}  // namespace

SplitEditor::SplitEditor(const Route &route, QWidget *parent)
    : QWidget(parent),
      m_enabled(new QCheckBox(tr("Split the backends into groups (canary releases)"))),
      m_body(new QWidget),
      m_groups(new QTableWidget(0, ColumnCount)),
      m_addGroup(new QPushButton(tr("Add group"))),
      m_removeGroup(new QPushButton(tr("Remove group"))),
      m_keyKind(new QComboBox),
      m_keyName(new QLineEdit),
      m_canaryHeader(new QLineEdit),
      m_shift(new QGroupBox(tr("Gradual shift"))),
      m_shiftGroup(new QComboBox),
      m_step(new QSpinBox),
      m_interval(new QDoubleSpinBox),
      m_maxErrorRate(new QDoubleSpinBox),
      m_minRequests(new QSpinBox),
      m_maxP99(new QSpinBox)
{
    const SplitSettings *split = route.split();
    const SplitSettings settings = split ? *split : SplitSettings();
    m_enabled->setChecked(split != nullptr);
    m_enabled->setToolTip(tr("Each group gets a share of the requests by its weight, and balances them over its "
                             "own backends. In the backends table, choose a group to list and edit its backends."));

    m_groups->setHorizontalHeaderLabels({tr("Group"), tr("Weight"), tr("Strategy")});
    m_groups->horizontalHeaderItem(WeightColumn)
        ->setToolTip(tr("The group's share is its weight over the sum of the weights"));
    m_groups->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    m_groups->verticalHeader()->hide();
    m_groups->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_groups->setSelectionMode(QAbstractItemView::SingleSelection);
    m_groups->setMinimumHeight(110);
    for (const SplitGroup &group : settings.groups) {
        const int id = m_nextId;
        addGroupRow(group);
        for (int i = 0; i < group.backendCount; ++i)
            m_initialBackendGroups.append(id);
    }
    connect(m_groups, &QTableWidget::cellChanged, this, [this] {
        fillShiftGroups();
        emit groupsChanged();
        emit changed();
    });
    connect(m_addGroup, &QPushButton::clicked, this, [this] {
        QStringList taken;
        for (int id : groupIds())
            taken.append(groupName(id));
        QString name = taken.isEmpty() ? QStringLiteral("stable") : QStringLiteral("canary");
        for (int n = 2; taken.contains(name); ++n)
            name = QStringLiteral("canary-%1").arg(n);
        addGroup(name, m_groups->rowCount() == 0 ? 100 : 0);
    });
    connect(m_removeGroup, &QPushButton::clicked, this,
            [this] { removeGroup(m_groups->currentRow() >= 0 ? m_groups->currentRow() : m_groups->rowCount() - 1); });
    auto *groupButtons = new QHBoxLayout;
    groupButtons->addWidget(m_addGroup);
    groupButtons->addWidget(m_removeGroup);
    groupButtons->addStretch();

    m_keyKind->addItem(tr("Random"), int(SplitKey::Kind::Random));
    m_keyKind->addItem(tr("Client IP"), int(SplitKey::Kind::ClientIp));
    m_keyKind->addItem(tr("Header"), int(SplitKey::Kind::Header));
    m_keyKind->addItem(tr("Cookie"), int(SplitKey::Kind::Cookie));
    m_keyKind->setCurrentIndex(m_keyKind->findData(int(settings.key.kind)));
    m_keyKind->setToolTip(tr("What keeps a client in its group: nothing (random), its address, or a header or "
                             "cookie of its requests"));
    m_keyName->setText(settings.key.name);
    m_keyName->setPlaceholderText(tr("header or cookie name"));
    const auto showKeyName = [this] {
        const auto kind = SplitKey::Kind(m_keyKind->currentData().toInt());
        m_keyName->setEnabled(kind == SplitKey::Kind::Header || kind == SplitKey::Kind::Cookie);
    };
    showKeyName();
    connect(m_keyKind, &QComboBox::currentIndexChanged, this, showKeyName);
    auto *key = new QHBoxLayout;
    key->addWidget(m_keyKind);
    key->addWidget(m_keyName, 1);
    m_canaryHeader->setText(settings.canaryHeader);
    m_canaryHeader->setPlaceholderText(tr("none"));
    m_canaryHeader->setToolTip(tr("A request header that chooses the group: \"always\" the canary, \"never\" the "
                                  "first group"));

    m_shift->setCheckable(true);
    m_shift->setChecked(settings.shift.has_value());
    m_shift->setToolTip(tr("Every interval the canary's share grows by a step while its errors and p99 stay "
                           "within bounds; the first interval out of bounds puts it back to 0 %."));
    m_baseShift = settings.shift.value_or(ShiftSettings());
    m_step->setRange(1, 100);
    m_step->setSuffix(QStringLiteral(" %"));
    m_step->setValue(m_baseShift.stepPercent);
    m_interval->setRange(0.1, 86400);
    m_interval->setDecimals(2);
    m_interval->setSuffix(QStringLiteral(" s"));
    m_interval->setValue(m_baseShift.intervalS);
    m_maxErrorRate->setRange(0, 1);
    m_maxErrorRate->setDecimals(3);
    m_maxErrorRate->setSingleStep(0.01);
    m_maxErrorRate->setValue(m_baseShift.maxErrorRate);
    m_maxErrorRate->setToolTip(tr("5xx answers over answers in an interval (0.05: 5 %)"));
    m_minRequests->setRange(0, 100'000'000);
    m_minRequests->setValue(m_baseShift.minRequests);
    m_minRequests->setToolTip(tr("With fewer answers the interval is extended, not judged"));
    m_maxP99->setRange(0, 3'600'000);
    m_maxP99->setSuffix(QStringLiteral(" ms"));
    m_maxP99->setSpecialValueText(tr("not judged"));
    m_maxP99->setValue(m_baseShift.maxP99Ms);
    m_shownInterval = m_interval->value();
    m_shownErrorRate = m_maxErrorRate->value();
    fillShiftGroups();
    auto *shiftForm = new QFormLayout(m_shift);
    shiftForm->addRow(tr("Canary group"), m_shiftGroup);
    shiftForm->addRow(tr("Step"), m_step);
    shiftForm->addRow(tr("Interval"), m_interval);
    shiftForm->addRow(tr("Max error rate"), m_maxErrorRate);
    shiftForm->addRow(tr("Min requests"), m_minRequests);
    shiftForm->addRow(tr("Max p99"), m_maxP99);

    auto *bodyLayout = new QVBoxLayout(m_body);
    bodyLayout->setContentsMargins(0, 0, 0, 0);
    bodyLayout->addWidget(m_groups, 1);
    bodyLayout->addLayout(groupButtons);
    auto *form = new QFormLayout;
    form->addRow(tr("Split key"), key);
    form->addRow(tr("Canary header"), m_canaryHeader);
    bodyLayout->addLayout(form);
    bodyLayout->addWidget(m_shift);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_enabled);
    layout->addWidget(m_body, 1);
    m_body->setEnabled(m_enabled->isChecked());

    connect(m_enabled, &QCheckBox::toggled, this, [this](bool on) { setSplit(on); });
    connect(m_keyKind, &QComboBox::currentIndexChanged, this, &SplitEditor::changed);
    connect(m_keyName, &QLineEdit::textChanged, this, &SplitEditor::changed);
    connect(m_canaryHeader, &QLineEdit::textChanged, this, &SplitEditor::changed);
    connect(m_shift, &QGroupBox::toggled, this, &SplitEditor::changed);
    connect(m_shiftGroup, &QComboBox::currentIndexChanged, this, &SplitEditor::changed);
    for (QSpinBox *spin : {m_step, m_minRequests, m_maxP99})
        connect(spin, &QSpinBox::valueChanged, this, &SplitEditor::changed);
    for (QDoubleSpinBox *spin : {m_interval, m_maxErrorRate})
        connect(spin, &QDoubleSpinBox::valueChanged, this, &SplitEditor::changed);
}

bool SplitEditor::isSplit() const
{
    return m_enabled->isChecked();
}

void SplitEditor::setSplit(bool split)
{
    {
        const QSignalBlocker blocker(m_enabled);
        m_enabled->setChecked(split);
    }
    m_body->setEnabled(split);
    // A route that starts splitting has its backends in one group, the stable one, to add a canary to.
    if (split && m_groups->rowCount() == 0)
        addGroup(QStringLiteral("stable"), 100);
    emit groupsChanged();
    emit changed();
}

void SplitEditor::addGroupRow(const SplitGroup &group)
{
    const QSignalBlocker blocker(m_groups);
    const int id = m_nextId++;
    m_baseGroups.insert(id, group);
    const int row = m_groups->rowCount();
    m_groups->insertRow(row);
    auto *name = new QTableWidgetItem(group.name);
    name->setData(kIdRole, id);
    m_groups->setItem(row, NameColumn, name);
    auto *weight = new QSpinBox;
    weight->setRange(0, 1'000'000);
    weight->setValue(group.weight);
    weight->setFrame(false);
    connect(weight, &QSpinBox::valueChanged, this, &SplitEditor::changed);
    m_groups->setCellWidget(row, WeightColumn, weight);
    auto *strategy = new QComboBox;
    strategy->addItem(tr("the route's"), -1);
    for (LoadBalancingStrategy each : kStrategies)
        strategy->addItem(strategyName(each), int(each));
    strategy->setCurrentIndex(group.strategy ? strategy->findData(int(*group.strategy)) : 0);
    strategy->setFrame(false);
    connect(strategy, &QComboBox::currentIndexChanged, this, &SplitEditor::changed);
    m_groups->setCellWidget(row, StrategyColumn, strategy);
}

int SplitEditor::addGroup(const QString &name, int weight)
{
    SplitGroup group;
    group.name = name;
    group.weight = weight;
    const int id = m_nextId;
    addGroupRow(group);
    m_groups->setCurrentCell(m_groups->rowCount() - 1, NameColumn);
    fillShiftGroups();
    emit groupsChanged();
    emit changed();
    return id;
}

void SplitEditor::removeGroup(int row)
{
    if (row < 0 || row >= m_groups->rowCount())
        return;
    m_baseGroups.remove(m_groups->item(row, NameColumn)->data(kIdRole).toInt());
    m_groups->removeRow(row);
    fillShiftGroups();
    emit groupsChanged();
    emit changed();
}

QList<int> SplitEditor::groupIds() const
{
    QList<int> ids;
    for (int row = 0; row < m_groups->rowCount(); ++row)
        ids.append(m_groups->item(row, NameColumn)->data(kIdRole).toInt());
    return ids;
}

QString SplitEditor::groupName(int id) const
{
    for (int row = 0; row < m_groups->rowCount(); ++row) {
        if (m_groups->item(row, NameColumn)->data(kIdRole).toInt() == id)
            return m_groups->item(row, NameColumn)->text().trimmed();
    }
    return QString();
}

// The shift's group is chosen among the groups' names; one the config named that is no group
// (a problem the validator reports) stays listed until another is chosen.
void SplitEditor::fillShiftGroups()
{
    const QSignalBlocker blocker(m_shiftGroup);
    const QString chosen = m_shiftGroup->count() > 0 ? m_shiftGroup->currentText() : m_baseShift.group;
    QStringList names;
    for (int id : groupIds())
        names.append(groupName(id));
    if (!chosen.isEmpty() && !names.contains(chosen) && chosen == m_baseShift.group)
        names.append(chosen);
    m_shiftGroup->clear();
    m_shiftGroup->addItems(names);
    // The canary is usually the last group; the first cannot be one. A choice made for a shift
    // that is on is left alone.
    int index = names.indexOf(chosen);
    if (index < 0 || (index == 0 && !m_shift->isChecked()))
        index = names.size() - 1;
    m_shiftGroup->setCurrentIndex(index);
}

std::optional<SplitSettings> SplitEditor::value(const QHash<int, int> &backendCounts) const
{
    if (!isSplit())
        return std::nullopt;
    SplitSettings split;
    for (int row = 0; row < m_groups->rowCount(); ++row) {
        const int id = m_groups->item(row, NameColumn)->data(kIdRole).toInt();
        SplitGroup group = m_baseGroups.value(id);
        group.name = m_groups->item(row, NameColumn)->text().trimmed();
        group.weight = qobject_cast<QSpinBox *>(m_groups->cellWidget(row, WeightColumn))->value();
        const int strategy =
            qobject_cast<QComboBox *>(m_groups->cellWidget(row, StrategyColumn))->currentData().toInt();
        if (strategy < 0)
            group.strategy.reset();
        else
            group.strategy = LoadBalancingStrategy(strategy);
        group.backendCount = backendCounts.value(id);
        split.groups.append(group);
    }
    split.key.kind = SplitKey::Kind(m_keyKind->currentData().toInt());
    split.key.name = m_keyName->isEnabled() ? m_keyName->text().trimmed() : QString();
    split.canaryHeader = m_canaryHeader->text().trimmed();
    if (m_shift->isChecked()) {
        ShiftSettings shift = m_baseShift;
        shift.group = m_shiftGroup->currentText();
        shift.stepPercent = m_step->value();
        if (m_interval->value() != m_shownInterval)
            shift.intervalS = m_interval->value();
        if (m_maxErrorRate->value() != m_shownErrorRate)
            shift.maxErrorRate = m_maxErrorRate->value();
        shift.minRequests = m_minRequests->value();
        shift.maxP99Ms = m_maxP99->value();
        split.shift = shift;
    }
    return split;
}

void SplitEditor::mark(QWidget *widget, const QStringList &problems)
{
    // The field's own tooltip comes back once its problems are gone.
    const char *own = "ownToolTip";
    if (!widget->property(own).isValid())
        widget->setProperty(own, widget->toolTip());
    widget->setStyleSheet(problems.isEmpty() ? QString() : kMarked);
    widget->setToolTip(problems.isEmpty() ? widget->property(own).toString() : problems.join(QLatin1Char('\n')));
}

void SplitEditor::showProblems(const QStringList &problems)
{
    // "split[1].name: ..." is the group on row 1's name; "split: ..." the groups together.
    QHash<QString, QStringList> byField;
    for (const QString &problem : problems) {
        const int colon = problem.indexOf(QLatin1String(": "));
        if (colon < 0)
            continue;
        const QString path = problem.left(colon);
        if (path.startsWith(QLatin1String("split")) || path == QLatin1String("canary_header")
            || path.startsWith(QLatin1String("shift")))
            byField[path].append(problem.mid(colon + 2));
    }
    const QStringList whole = byField.value(QStringLiteral("split"));
    for (int row = 0; row < m_groups->rowCount(); ++row) {
        const QString group = QStringLiteral("split[%1]").arg(row);
        const QStringList name =
            byField.value(group + QLatin1String(".name")) + byField.value(group + QLatin1String(".backends"));
        QTableWidgetItem *item = m_groups->item(row, NameColumn);
        const QSignalBlocker blocker(m_groups);
        item->setBackground(name.isEmpty() ? QBrush() : QBrush(QColor(0xff, 0xeb, 0xee)));
        item->setToolTip(name.join(QLatin1Char('\n')));
        mark(m_groups->cellWidget(row, WeightColumn), byField.value(group + QLatin1String(".weight")) + whole);
    }
    m_groups->setToolTip(whole.join(QLatin1Char('\n')));
    mark(m_keyName, byField.value(QStringLiteral("split_key")));
    mark(m_canaryHeader, byField.value(QStringLiteral("canary_header")));
    mark(m_shiftGroup, byField.value(QStringLiteral("shift.group")) + byField.value(QStringLiteral("shift")));
    mark(m_interval, byField.value(QStringLiteral("shift.interval_s")));
    mark(m_maxErrorRate, byField.value(QStringLiteral("shift.max_error_rate")));
}

}  // namespace kairos
