// The Backends view's chart: for the backend selected in the table, its p99 latency and error
// rate each second over up to the last two minutes. Every backend's counters are sampled once
// a second whether the view is shown or not (a few hundred bytes each), so that selecting one
// shows its recent past at once.
#pragma once

#include "backend/histogram.h"
#include "proxy/gatewaysnapshot.h"

#include <QHash>
#include <QWidget>

#include <deque>
#include <memory>

class QLineSeries;
class QValueAxis;
class QChart;

namespace kairos {

class BackendChart : public QWidget
{
    Q_OBJECT

public:
    explicit BackendChart(QWidget *parent = nullptr);
    // Once a second: every backend of the snapshot.
    void sample(const GatewaySnapshot &snapshot);
    // The backend whose history is shown (its key, as the Backends view lists it); empty: none.
    void show(const QString &backendKey);

    struct Point {
        double p99Ms = 0;
        double errorPercent = 0;
    };
    // For tests: the seconds kept for a backend, oldest first.
    std::deque<Point> history(const QString &backendKey) const;

private:
    struct Backend {
        std::shared_ptr<BackendState> state;  // held, so that the key's state is not another one
        quint64 requests = 0;
        quint64 failures = 0;
        LatencyHistogram::Counts latency{};
        std::deque<Point> points;
    };
    void redraw();

    QHash<QString, Backend> m_backends;
    QString m_shown;
    QChart *m_chart;
    QLineSeries *m_p99;
    QLineSeries *m_errors;
    QValueAxis *m_time;
    QValueAxis *m_latencyAxis;
    QValueAxis *m_errorAxis;
};

}  // namespace kairos
