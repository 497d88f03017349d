#include "backendchart.h"

#include <QChart>
#include <QChartView>
#include <QLineSeries>
#include <QSet>
#include <QValueAxis>
#include <QVBoxLayout>

#include <algorithm>

namespace kairos {

namespace {
constexpr size_t kSeconds = 120;  // 16 bytes a second a backend: 1.9 KB each
constexpr int kShortestAxisSeconds = 10;
}  // namespace

BackendChart::BackendChart(QWidget *parent)
    : QWidget(parent),
      m_chart(new QChart),
      m_p99(new QLineSeries),
      m_errors(new QLineSeries),
      m_time(new QValueAxis),
      m_latencyAxis(new QValueAxis),
      m_errorAxis(new QValueAxis)
{
    m_p99->setName(tr("p99 ms"));
    m_errors->setName(tr("errors %"));
    m_time->setLabelFormat(QStringLiteral("%d s"));
    m_latencyAxis->setTitleText(tr("ms"));
    m_errorAxis->setTitleText(QStringLiteral("%"));
    m_errorAxis->setRange(0, 100);
    m_chart->addAxis(m_time, Qt::AlignBottom);
    m_chart->addAxis(m_latencyAxis, Qt::AlignLeft);
    m_chart->addAxis(m_errorAxis, Qt::AlignRight);
    for (auto [series, axis] : {std::pair{m_p99, m_latencyAxis}, std::pair{m_errors, m_errorAxis}}) {
        m_chart->addSeries(series);
        series->attachAxis(m_time);
        series->attachAxis(axis);
    }
    m_chart->legend()->setAlignment(Qt::AlignRight);
    auto *view = new QChartView(m_chart);
    view->setRenderHint(QPainter::Antialiasing);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(view);
    setMinimumHeight(180);
    show(QString());
}

void BackendChart::sample(const GatewaySnapshot &snapshot)
{
    QSet<QString> present;
    for (const auto &balancer : snapshot.balancers) {
        for (const BalancedBackend &balanced : balancer->backends()) {
            const QString &key = balanced.state->key;
            if (present.contains(key))
                continue;
            present.insert(key);
            Backend &backend = m_backends[key];
            if (backend.state != balanced.state) {  // new, or a new state under the same key
                backend = Backend();
                backend.state = balanced.state;
            }
            const BackendState &state = *backend.state;
            const quint64 requests = state.requests.load();
            const quint64 failures = state.failures.load();
            const LatencyHistogram::Counts latency = state.latency().counts();
            LatencyHistogram::Counts second{};
            for (size_t i = 0; i < latency.size(); ++i)
                second[i] = latency[i] - backend.latency[i];
            const quint64 answered = requests - backend.requests;
            backend.points.push_back({answered ? LatencyHistogram::quantileMs(second, 0.99) : 0,
                                      answered ? 100.0 * double(failures - backend.failures) / double(answered) : 0});
            if (backend.points.size() > kSeconds)
                backend.points.pop_front();
            backend.requests = requests;
            backend.failures = failures;
            backend.latency = latency;
        }
    }
    for (auto it = m_backends.begin(); it != m_backends.end();)
        it = present.contains(it.key()) ? std::next(it) : m_backends.erase(it);
    if (isVisible())
        redraw();
}

void BackendChart::show(const QString &backendKey)
{
    m_shown = backendKey;
    redraw();
}

std::deque<BackendChart::Point> BackendChart::history(const QString &backendKey) const
{
    const auto it = m_backends.constFind(backendKey);
    return it == m_backends.cend() ? std::deque<Point>() : it->points;
}

void BackendChart::redraw()
{
    const std::deque<Point> points = history(m_shown);
    m_chart->setTitle(m_shown.isEmpty() ? tr("Select a backend to see its p99 and error rate")
                                        : tr("%1: p99 latency and errors, each second").arg(m_shown));
    QList<QPointF> latency, errors;
    double top = 1;
    for (size_t i = 0; i < points.size(); ++i) {
        const double x = -double(points.size() - 1 - i);
        latency.append({x, points[i].p99Ms});
        errors.append({x, points[i].errorPercent});
        top = std::max(top, points[i].p99Ms);
    }
    m_p99->replace(latency);
    m_errors->replace(errors);
    m_latencyAxis->setRange(0, top * 1.15);
    m_time->setRange(-std::max<double>(kShortestAxisSeconds, double(points.size()) - 1), 0);
}

}  // namespace kairos
