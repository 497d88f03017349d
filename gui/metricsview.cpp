#include "metricsview.h"

#include "proxy/gateway.h"

#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineSeries>
#include <QValueAxis>
#include <QVBoxLayout>

namespace kairos {

namespace {
constexpr int kWindowSeconds = 300;  // what is kept
constexpr int kShortestAxisSeconds = 10;
}  // namespace

MetricsView::MetricsView(QWidget *parent)
    : QWidget(parent),
      m_scope(new QComboBox),
      m_range(new QComboBox),
      m_rate(new QLineSeries),
      m_errors(new QLineSeries),
      m_p50(new QLineSeries),
      m_p99(new QLineSeries),
      m_rateAxis(new QValueAxis),
      m_errorAxis(new QValueAxis),
      m_latencyAxis(new QValueAxis)
{
    m_scope->addItem(tr("Whole gateway"), QString());
    connect(m_scope, &QComboBox::currentIndexChanged, this, [this] { m_previous.reset(); });
    m_range->addItem(tr("What was collected (up to 5 minutes)"), 0);
    m_range->addItem(tr("Last minute"), 60);
    m_range->addItem(tr("Last 5 minutes"), kWindowSeconds);
    connect(m_range, &QComboBox::currentIndexChanged, this, &MetricsView::updateTimeAxes);
    auto *top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("Show")));
    top->addWidget(m_scope, 1);
    top->addWidget(new QLabel(tr("Time")));
    top->addWidget(m_range);

    auto chart = [this](const QString &title, const QList<QLineSeries *> &series, QValueAxis *yAxis,
                        const QString &unit) {
        auto *chart = new QChart;
        chart->setTitle(title);
        chart->legend()->setVisible(series.size() > 1);
        // Beside the plot, not under it: below, it took the latency chart's plot height.
        chart->legend()->setAlignment(Qt::AlignRight);
        auto *x = new QValueAxis;
        x->setRange(-kShortestAxisSeconds, 0);
        x->setLabelFormat(QStringLiteral("%d s"));
        yAxis->setRange(0, 1);
        yAxis->setTitleText(unit);
        chart->addAxis(x, Qt::AlignBottom);
        chart->addAxis(yAxis, Qt::AlignLeft);
        for (QLineSeries *line : series) {
            chart->addSeries(line);
            line->attachAxis(x);
            line->attachAxis(yAxis);
        }
        m_xAxes.append(x);
        auto *view = new QChartView(chart);
        m_chartViews.append(view);
        view->setRenderHint(QPainter::Antialiasing);
        view->setMinimumHeight(160);
        return view;
    };
    m_p50->setName(tr("p50"));
    m_p99->setName(tr("p99"));
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(chart(tr("Requests per second"), {m_rate}, m_rateAxis, tr("req/s")), 1);
    layout->addWidget(chart(tr("Error rate (5xx)"), {m_errors}, m_errorAxis, QStringLiteral("%")), 1);
    layout->addWidget(chart(tr("Latency"), {m_p50, m_p99}, m_latencyAxis, tr("ms")), 1);
}

void MetricsView::setRoutes(const QStringList &routes)
{
    const QString current = m_scope->currentData().toString();
    const QSignalBlocker blocker(m_scope);
    while (m_scope->count() > 1)
        m_scope->removeItem(1);
    for (const QString &route : routes)
        m_scope->addItem(route, route);
    const int index = m_scope->findData(current);
    m_scope->setCurrentIndex(index < 0 ? 0 : index);
}

MetricsView::Totals MetricsView::currentTotals() const
{
    Totals totals;
    if (!m_gateway)
        return totals;
    const QString route = m_scope->currentData().toString();
    auto add = [&totals](const RouteMetrics &metrics) {
        totals.requests += metrics.totalRequests();
        totals.errors += metrics.errors();
        const LatencyHistogram::Counts counts = metrics.latency().counts();
        for (size_t i = 0; i < counts.size(); ++i)
            totals.latency[i] += counts[i];
    };
    for (const auto &metrics : m_gateway->routeMetrics().all()) {
        if (route.isEmpty() || metrics->route == route)
            add(*metrics);
    }
    if (route.isEmpty())
        add(m_gateway->routeMetrics().unmatched());
    return totals;
}

void MetricsView::plot(QLineSeries *series, QValueAxis *axis, double value)
{
    QList<QPointF> points = series->points();
    for (QPointF &point : points)
        point.setX(point.x() - 1);
    points.append(QPointF(0, value));
    while (!points.isEmpty() && points.first().x() < -kWindowSeconds)
        points.removeFirst();
    series->replace(points);
    double top = 1;
    for (const QPointF &point : points)
        top = std::max(top, point.y());
    if (series != m_p50)
        axis->setRange(0, top * 1.15);
}

int MetricsView::shownSeconds() const
{
    const int chosen = m_range->currentData().toInt();
    if (chosen > 0)
        return chosen;
    // What was collected: the oldest point's age, so that the lines span the whole width.
    const qsizetype points = m_rate->count();
    return std::max<int>(kShortestAxisSeconds, int(points) - 1);
}

void MetricsView::updateTimeAxes()
{
    const int seconds = shownSeconds();
    for (QValueAxis *axis : m_xAxes)
        axis->setRange(-seconds, 0);
}

double MetricsView::sample()
{
    const Totals now = currentTotals();
    Totals delta;
    if (m_previous) {
        delta.requests = now.requests - m_previous->requests;
        delta.errors = now.errors - m_previous->errors;
        for (size_t i = 0; i < now.latency.size(); ++i)
            delta.latency[i] = now.latency[i] - m_previous->latency[i];
    }
    m_previous = now;
    plot(m_rate, m_rateAxis, double(delta.requests));
    plot(m_errors, m_errorAxis, delta.requests ? 100.0 * double(delta.errors) / double(delta.requests) : 0);
    plot(m_p50, m_latencyAxis, LatencyHistogram::quantileMs(delta.latency, 0.5));
    plot(m_p99, m_latencyAxis, LatencyHistogram::quantileMs(delta.latency, 0.99));
    updateTimeAxes();

    // The status bar shows the whole gateway's rate whatever the charts show.
    const QString scope = m_scope->currentData().toString();
    if (scope.isEmpty())
        return double(delta.requests);
    quint64 all = 0;
    for (const auto &metrics : m_gateway ? m_gateway->routeMetrics().all() : QList<const RouteMetrics *>())
        all += metrics->totalRequests();
    const double rate = m_previousGateway ? double(all - m_previousGateway->requests) : 0;
    m_previousGateway = Totals{all, 0, {}};
    return rate;
}

}  // namespace kairos
