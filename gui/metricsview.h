// Live charts of up to the last five minutes, one point a second: requests per second, error
// rate and latency percentiles, for the whole gateway or one route. The time axis spans what was
// collected (or the range picked), so a few seconds of data fill the width. Sampled from the gateway's atomic
// counters, so the charts never slow the proxy down.
#pragma once

#include "backend/histogram.h"

#include <QWidget>

#include <deque>

class QComboBox;
class QChart;
class QChartView;
class QLineSeries;
class QValueAxis;

namespace kairos {

class Gateway;

class MetricsView : public QWidget
{
    Q_OBJECT

public:
    explicit MetricsView(QWidget *parent = nullptr);
    void setGateway(Gateway *gateway) { m_gateway = gateway; }
    void setRoutes(const QStringList &routes);
    // Takes one sample (called once a second); returns the gateway's requests per second.
    double sample();
    // For tests.
    QList<QValueAxis *> timeAxes() const { return m_xAxes; }
    QList<QChartView *> chartViews() const { return m_chartViews; }
    QComboBox *rangeBox() const { return m_range; }

private:
    struct Totals {
        quint64 requests = 0;
        quint64 errors = 0;
        LatencyHistogram::Counts latency{};
    };
    Totals currentTotals() const;
    void plot(QLineSeries *series, QValueAxis *axis, double value);
    int shownSeconds() const;
    void updateTimeAxes();

    Gateway *m_gateway = nullptr;
    QComboBox *m_scope;
    QComboBox *m_range;
    std::optional<Totals> m_previous;
    std::optional<Totals> m_previousGateway;
    QLineSeries *m_rate;
    QLineSeries *m_errors;
    QLineSeries *m_p50;
    QLineSeries *m_p99;
    QList<QValueAxis *> m_xAxes;
    QList<QChartView *> m_chartViews;
    QValueAxis *m_rateAxis;
    QValueAxis *m_errorAxis;
    QValueAxis *m_latencyAxis;
};

}  // namespace kairos
