// Live charts of the last five minutes, one point a second: requests per second, error rate
// and latency percentiles, for the whole gateway or one route. Sampled from the gateway's atomic
// counters, so the charts never slow the proxy down.
#pragma once

#include "backend/histogram.h"

#include <QWidget>

#include <deque>

class QComboBox;
class QChart;
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

private:
    struct Totals {
        quint64 requests = 0;
        quint64 errors = 0;
        LatencyHistogram::Counts latency{};
    };
    Totals currentTotals() const;
    void plot(QLineSeries *series, QValueAxis *axis, double value);

    Gateway *m_gateway = nullptr;
    QComboBox *m_scope;
    std::optional<Totals> m_previous;
    std::optional<Totals> m_previousGateway;
    int m_tick = 0;
    QLineSeries *m_rate;
    QLineSeries *m_errors;
    QLineSeries *m_p50;
    QLineSeries *m_p99;
    QList<QValueAxis *> m_xAxes;
    QValueAxis *m_rateAxis;
    QValueAxis *m_errorAxis;
    QValueAxis *m_latencyAxis;
};

}  // namespace kairos
