// The route editor's Split tab (docs/CONFIGURATION.md, Canary releases): whether the route's
// backends are split into groups, the groups (name, weight, strategy), split_key, canary_header
// and the gradual shift. Which backend belongs to which group is the route editor's backends
// table's; groups are known by an id that stays when they are renamed. What the tab does not
// show (unknown keys of a group or of the shift) is kept.
#pragma once

#include "config/config.h"

#include <QHash>
#include <QWidget>

#include <optional>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QGroupBox;
class QLineEdit;
class QPushButton;
class QSpinBox;
class QTableWidget;

namespace kairos {

class SplitEditor : public QWidget
{
    Q_OBJECT

public:
    enum Column { NameColumn, WeightColumn, StrategyColumn, ColumnCount };

    explicit SplitEditor(const Route &route, QWidget *parent = nullptr);

    bool isSplit() const;
    void setSplit(bool split);
    // The groups' ids in their order, and the group of each of the route's backends when the editor opened.
    QList<int> groupIds() const;
    QList<int> initialBackendGroups() const { return m_initialBackendGroups; }
    QString groupName(int id) const;
    int addGroup(const QString &name, int weight);  // its id
    void removeGroup(int row);
    // The split with `backendCounts` backends in each group (by id); nullopt when the route does not split.
    std::optional<SplitSettings> value(const QHash<int, int> &backendCounts) const;
    // Marks the fields the validator's problems (as seen from the route: "split[1].weight: ...") name.
    void showProblems(const QStringList &problems);

    QCheckBox *splitBox() const { return m_enabled; }
    QTableWidget *groupsTable() const { return m_groups; }
    QPushButton *addGroupButton() const { return m_addGroup; }
    QPushButton *removeGroupButton() const { return m_removeGroup; }
    QComboBox *keyKindChoice() const { return m_keyKind; }
    QLineEdit *keyNameEdit() const { return m_keyName; }
    QLineEdit *canaryHeaderEdit() const { return m_canaryHeader; }
    QGroupBox *shiftBox() const { return m_shift; }
    QComboBox *shiftGroupChoice() const { return m_shiftGroup; }
    QSpinBox *stepBox() const { return m_step; }
    QDoubleSpinBox *intervalBox() const { return m_interval; }
    QDoubleSpinBox *maxErrorRateBox() const { return m_maxErrorRate; }
    QSpinBox *minRequestsBox() const { return m_minRequests; }
    QSpinBox *maxP99Box() const { return m_maxP99; }

signals:
    void changed();
    // Split turned on or off, a group added, removed or renamed: the backends table's group choice follows.
    void groupsChanged();

private:
    void addGroupRow(const SplitGroup &group);
    void fillShiftGroups();
    void mark(QWidget *widget, const QStringList &problems);

    QCheckBox *m_enabled;
    QWidget *m_body;
    QTableWidget *m_groups;
    QHash<int, SplitGroup> m_baseGroups;  // by id: what the table does not show
    int m_nextId = 0;
    QList<int> m_initialBackendGroups;
    QPushButton *m_addGroup;
    QPushButton *m_removeGroup;
    QComboBox *m_keyKind;
    QLineEdit *m_keyName;
    QLineEdit *m_canaryHeader;
    QGroupBox *m_shift;
    ShiftSettings m_baseShift;
    // As the boxes showed the base shift's: a value they round (interval_s 0.125) stays as
    // written until the box is changed.
    double m_shownInterval = 0;
    double m_shownErrorRate = 0;
    QComboBox *m_shiftGroup;
    QSpinBox *m_step;
    QDoubleSpinBox *m_interval;
    QDoubleSpinBox *m_maxErrorRate;
    QSpinBox *m_minRequests;
    QSpinBox *m_maxP99;
};

}  // namespace kairos
