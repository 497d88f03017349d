// The Canary tab: a split route's groups (docs/CONFIGURATION.md, Canary releases) with their
// configured weights, live shares and counters, a chart of each group's share of the requests over
// the last minutes, and the gradual shift's phase with buttons to pause, resume, roll back or
// promote it. Sampled once a second while the tab is shown; the buttons drive the gateway's
// ShiftController as POST /api/routes/{path}/shift does.
#pragma once

#include "shaping/splitstate.h"

#include <QWidget>

#include <deque>
#include <vector>

class QComboBox;
class QLabel;
class QPushButton;
class QTableWidget;
class QTimer;

namespace kairos {

class GatewayService;

// Each group's share of a route's requests per second, stacked (painted here: one colour a group).
class SplitShareChart : public QWidget
{
    Q_OBJECT

public:
    explicit SplitShareChart(QWidget *parent = nullptr);
    // Starts over with these groups (another route, or the route's groups changed).
    void reset(const QStringList &groups);
    // One second: each group's percent, in the order reset() named them.
    void add(const std::vector<double> &percents);
    const QStringList &groups() const { return m_groups; }
    // For tests: the seconds kept, oldest first.
    const std::deque<std::vector<double>> &history() const { return m_points; }
    static QColor groupColor(int group);

protected:
    void paintEvent(QPaintEvent *event) override;

private:
    QStringList m_groups;
    std::deque<std::vector<double>> m_points;
};

class CanaryView : public QWidget
{
    Q_OBJECT

public:
    enum Column { GroupColumn, WeightColumn, PercentColumn, ShareColumn, RequestsColumn, ErrorsColumn, ColumnCount };

    explicit CanaryView(GatewayService &service, QWidget *parent = nullptr);

    // The split routes of the running config into the route list (after a config change).
    void setRoutes();
    // Shows `externalPath`'s split; false when it is not a split route.
    bool selectRoute(const QString &externalPath);
    QString selectedRoute() const;
    // Samples the selected route's counters and redraws.
    void refresh();
    // Drives the selected route's shift; false, with the reason shown, when refused.
    bool act(SplitState::Action action);

    // For tests.
    QComboBox *routeBox() const { return m_route; }
    QTableWidget *groupsTable() const { return m_groups; }
    SplitShareChart *chart() const { return m_chart; }
    QLabel *shiftLabel() const { return m_shift; }
    QLabel *errorLabel() const { return m_error; }
    QPushButton *button(SplitState::Action action) const;

protected:
    void showEvent(QShowEvent *event) override;
    void hideEvent(QHideEvent *event) override;

private:
    void showShift(const SplitState *state);

    GatewayService &m_service;
    QComboBox *m_route;
    QLabel *m_empty;
    QTableWidget *m_groups;
    SplitShareChart *m_chart;
    QLabel *m_shift;
    QLabel *m_error;
    QPushButton *m_pause;
    QPushButton *m_resume;
    QPushButton *m_rollback;
    QPushButton *m_promote;
    QTimer *m_timer;
    std::vector<quint64> m_lastRequests;  // the counters at the previous sample, for the chart
};

}  // namespace kairos
