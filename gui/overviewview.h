// The console's first view: the gateway at a glance. State and address, routes, backends up and
// down, requests per second and error rate with a minute of sparkline, p50/p99 over the last
// ten seconds, the busiest routes, the latest errors and, in fleet mode, the fleet. Clicking a
// route or an error asks the window to open it in its own view.
#pragma once

#include "backend/histogram.h"

#include <QHash>
#include <QWidget>

#include <deque>

class QLabel;
class QListWidget;
class QListWidgetItem;
class QTableWidget;

namespace kairos {

class GatewayService;
class Sparkline;

class OverviewView : public QWidget
{
    Q_OBJECT

public:
    explicit OverviewView(GatewayService &service, QWidget *parent = nullptr);

    // Once a second, shown or not: the rates need every second's totals.
    void sample();
    // Shows the latest samples, when the view is on screen.
    void show();
    // What the cards say, for tests.
    QString requestsText() const;
    QString errorsText() const;
    QString backendsText() const;
    QTableWidget *busiestRoutes() const { return m_busiest; }
    QListWidget *latestErrors() const { return m_errors; }

signals:
    void routeActivated(const QString &route);
    void errorActivated();

private:
    struct Second {
        quint64 requests = 0;
        quint64 errors = 0;
        LatencyHistogram::Counts latency{};
    };
    using RouteCounts = std::vector<std::pair<QString, quint64>>;  // requests so far, by route
    Second totals(RouteCounts *byRoute) const;
    void showRates();
    void showBusiest();
    void takeErrors();

    GatewayService &m_service;
    std::deque<Second> m_seconds;           // totals at each of the last 61 samples, oldest first
    std::deque<RouteCounts> m_routeCounts;  // the last 11 samples' counts by route, for the busiest
    quint64 m_seenRecords = 0;
    QLabel *m_state;
    QLabel *m_routes;
    QLabel *m_backends;
    QLabel *m_requests;
    QLabel *m_errorRate;
    QLabel *m_latency;
    QLabel *m_fleet;
    Sparkline *m_requestLine;
    Sparkline *m_errorLine;
    QTableWidget *m_busiest;
    QListWidget *m_errors;
};

}  // namespace kairos
