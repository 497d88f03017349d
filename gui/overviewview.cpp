#include "overviewview.h"

#include "fleet/fleetsync.h"
#include "metrics/recentrequests.h"
#include "proxy/backendreport.h"
#include "proxy/gateway.h"
#include "service/gatewayservice.h"

#include <QGridLayout>
#include <QGroupBox>
#include <QHeaderView>
#include <QJsonObject>
#include <QLabel>
#include <QListWidget>
#include <QPainter>
#include <QPainterPath>
#include <QTableWidget>
#include <QTime>
#include <QVBoxLayout>

#include <algorithm>

namespace kairos {

namespace {
constexpr int kSparklineSeconds = 60;
constexpr int kLatencySeconds = 10;
constexpr int kBusiestShown = 5;
constexpr int kErrorsKept = 20;
}  // namespace

// Up to a minute of one value as a line, scaled to its own maximum.
class Sparkline : public QWidget
{
public:
    explicit Sparkline(QColor color) : m_color(color) { setMinimumSize(160, 36); }
    void setValues(QList<double> values)
    {
        m_values = std::move(values);
        update();
    }

protected:
    void paintEvent(QPaintEvent *) override
    {
        if (m_values.size() < 2)
            return;
        QPainter painter(this);
        painter.setRenderHint(QPainter::Antialiasing);
        const double top = std::max(1.0, *std::max_element(m_values.begin(), m_values.end()));
        const QRectF area = QRectF(rect()).adjusted(1, 2, -1, -2);
        // What was collected spans the width (at least ten seconds' worth), the newest at the right.
        const double span = double(std::max<qsizetype>(m_values.size(), 10) - 1);
        const double first = double(m_values.size() - 1) - span;
        QPainterPath line;
        for (qsizetype i = 0; i < m_values.size(); ++i) {
            const QPointF point(area.left() + area.width() * (double(i) - first) / span,
                                area.bottom() - area.height() * m_values[i] / top);
            i == 0 ? line.moveTo(point) : line.lineTo(point);
        }
        painter.setPen(QPen(m_color, 1.5));
        painter.drawPath(line);
    }

private:
    QColor m_color;
    QList<double> m_values;
};

namespace {

QLabel *cardValue()
{
    auto *label = new QLabel(QStringLiteral("–"));
    QFont font = label->font();
    font.setPointSizeF(font.pointSizeF() * 1.6);
    font.setBold(true);
    label->setFont(font);
    return label;
}

QGroupBox *card(const QString &title, QLabel *value, QWidget *below = nullptr)
{
    auto *box = new QGroupBox(title);
    auto *layout = new QVBoxLayout(box);
    layout->addWidget(value);
    if (below)
        layout->addWidget(below);
    layout->addStretch(1);
    return box;
}

}  // namespace

OverviewView::OverviewView(GatewayService &service, QWidget *parent)
    : QWidget(parent),
      m_service(service),
      m_state(new QLabel),
      m_routes(cardValue()),
      m_backends(cardValue()),
      m_requests(cardValue()),
      m_errorRate(cardValue()),
      m_latency(cardValue()),
      m_fleet(new QLabel),
      m_requestLine(new Sparkline(QColor(0x3a, 0x86, 0xd0))),
      m_errorLine(new Sparkline(QColor(0xd0, 0x3a, 0x2f))),
      m_busiest(new QTableWidget(0, 3)),
      m_errors(new QListWidget)
{
    m_state->setTextFormat(Qt::RichText);
    m_fleet->hide();
    auto *cards = new QGridLayout;
    cards->addWidget(card(tr("Routes"), m_routes), 0, 0);
    cards->addWidget(card(tr("Backends up"), m_backends), 0, 1);
    cards->addWidget(card(tr("Requests per second"), m_requests, m_requestLine), 0, 2);
    cards->addWidget(card(tr("Errors (5xx), last 10 s"), m_errorRate, m_errorLine), 0, 3);
    cards->addWidget(card(tr("p50 / p99, last 10 s"), m_latency), 0, 4);

    m_busiest->setHorizontalHeaderLabels({tr("Route"), tr("req/s"), tr("5xx since start")});
    m_busiest->verticalHeader()->hide();
    m_busiest->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_busiest->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_busiest->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
    m_busiest->setToolTip(tr("Double-click a route to open it"));
    connect(m_busiest, &QTableWidget::cellDoubleClicked, this,
            [this](int row) { emit routeActivated(m_busiest->item(row, 0)->text()); });
    m_errors->setToolTip(tr("Double-click to open the Traffic view"));
    connect(m_errors, &QListWidget::itemDoubleClicked, this, [this] { emit errorActivated(); });

    auto *lists = new QHBoxLayout;
    auto *busiestBox = new QGroupBox(tr("Busiest routes, last 10 s"));
    (new QVBoxLayout(busiestBox))->addWidget(m_busiest);
    auto *errorsBox = new QGroupBox(tr("Latest errors"));
    (new QVBoxLayout(errorsBox))->addWidget(m_errors);
    lists->addWidget(busiestBox, 1);
    lists->addWidget(errorsBox, 1);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_state);
    layout->addLayout(cards);
    layout->addLayout(lists, 1);
    layout->addWidget(m_fleet);
}

OverviewView::Second OverviewView::totals(RouteCounts *byRoute) const
{
    Second second;
    Gateway *gateway = m_service.gateway();
    if (!gateway)
        return second;
    const auto add = [&second](const RouteMetrics &metrics) {
        second.requests += metrics.totalRequests();
        second.errors += metrics.errors();
        const LatencyHistogram::Counts counts = metrics.latency().counts();
        for (size_t i = 0; i < counts.size(); ++i)
            second.latency[i] += counts[i];
    };
    const QList<const RouteMetrics *> all = gateway->routeMetrics().all();
    byRoute->reserve(size_t(all.size()));
    for (const RouteMetrics *metrics : all) {
        add(*metrics);
        byRoute->emplace_back(metrics->route, metrics->totalRequests());
    }
    add(gateway->routeMetrics().unmatched());
    return second;
}

void OverviewView::sample()
{
    RouteCounts byRoute;
    m_seconds.push_back(totals(&byRoute));
    m_routeCounts.push_back(std::move(byRoute));
    while (m_seconds.size() > kSparklineSeconds + 1)
        m_seconds.pop_front();
    while (m_routeCounts.size() > kLatencySeconds + 1)
        m_routeCounts.pop_front();
}

void OverviewView::show()
{
    if (m_seconds.empty())
        sample();
    const bool listening = m_service.isListening();
    m_state->setText(
        listening
            ? tr("<b style='color:#2e9d4f'>● running</b> on %1 · config version %2")
                  .arg(m_service.listenUrl())
                  .arg(m_service.configStore().revision())
            : tr("<b style='color:#d03a2f'>● stopped</b> · config version %1").arg(m_service.configStore().revision()));
    m_routes->setText(QString::number(m_service.configStore().current()->routes.size()));
    const BackendCount backends =
        m_service.gateway() ? countBackends(*m_service.gateway()->snapshot()) : BackendCount();
    m_backends->setText(tr("%1 of %2").arg(backends.healthy).arg(backends.total));
    m_backends->setStyleSheet(backends.healthy < backends.total ? QStringLiteral("color:#d03a2f") : QString());
    showRates();
    showBusiest();
    takeErrors();
    if (FleetSync *fleet = m_service.fleet()) {
        const QJsonObject status = fleet->status();
        QStringList members;
        for (const QJsonValue &member : status.value(QLatin1String("members")).toArray())
            members.append(member[QLatin1String("name")].toString());
        m_fleet->setText(
            tr("Fleet: %n instance(s): %1", nullptr, int(members.size())).arg(members.join(QLatin1String(", "))));
        m_fleet->show();
    }
}

void OverviewView::showRates()
{
    QList<double> requests, errors;
    for (size_t i = 1; i < m_seconds.size(); ++i) {
        requests.append(double(m_seconds[i].requests - m_seconds[i - 1].requests));
        errors.append(double(m_seconds[i].errors - m_seconds[i - 1].errors));
    }
    m_requestLine->setValues(requests);
    m_errorLine->setValues(errors);
    const double rate = requests.isEmpty() ? 0 : requests.last();
    m_requests->setText(QString::number(rate, 'f', 0));

    // The error rate and the percentiles over the last ten seconds: one second holds too few
    // requests to say much, and none at all between bursts.
    const Second &now = m_seconds.back();
    const Second &then = m_seconds[m_seconds.size() > kLatencySeconds ? m_seconds.size() - 1 - kLatencySeconds : 0];
    const quint64 answered = now.requests - then.requests;
    m_errorRate->setText(
        answered ? QStringLiteral("%1 %").arg(100.0 * double(now.errors - then.errors) / double(answered), 0, 'f', 1)
                 : QStringLiteral("–"));
    LatencyHistogram::Counts window{};
    for (size_t i = 0; i < window.size(); ++i)
        window[i] = now.latency[i] - then.latency[i];
    m_latency->setText(answered ? tr("%1 / %2 ms")
                                      .arg(LatencyHistogram::quantileMs(window, 0.5), 0, 'f', 1)
                                      .arg(LatencyHistogram::quantileMs(window, 0.99), 0, 'f', 1)
                                : QStringLiteral("–"));
}

void OverviewView::showBusiest()
{
    const RouteCounts &now = m_routeCounts.back();
    QHash<QString, quint64> before;
    before.reserve(qsizetype(m_routeCounts.front().size()));
    for (const auto &[route, count] : m_routeCounts.front())
        before.insert(route, count);
    const double seconds = std::max<double>(1, double(m_routeCounts.size() - 1));
    QList<std::pair<quint64, QString>> busiest;
    for (const auto &[route, count] : now) {
        const quint64 moved = count - before.value(route, 0);
        if (moved > 0)
            busiest.append({moved, route});
    }
    std::sort(busiest.begin(), busiest.end(), [](const auto &a, const auto &b) { return a.first > b.first; });
    busiest = busiest.mid(0, kBusiestShown);
    m_busiest->setRowCount(int(busiest.size()));
    Gateway *gateway = m_service.gateway();
    for (int row = 0; row < busiest.size(); ++row) {
        quint64 errors = 0;
        for (const RouteMetrics *metrics : gateway ? gateway->routeMetrics().all() : QList<const RouteMetrics *>())
            errors = metrics->route == busiest[row].second ? metrics->errors() : errors;
        m_busiest->setItem(row, 0, new QTableWidgetItem(busiest[row].second));
        m_busiest->setItem(row, 1, new QTableWidgetItem(QString::number(double(busiest[row].first) / seconds, 'f', 1)));
        m_busiest->setItem(row, 2, new QTableWidgetItem(QString::number(errors)));
    }
}

void OverviewView::takeErrors()
{
    RecentRequests *recent = m_service.recentRequests();
    if (!recent)
        return;
    for (const RequestRecord &record : recent->since(m_seenRecords, &m_seenRecords)) {
        if (record.status < 500 && record.status != 0)
            continue;
        const QString time = QDateTime::fromMSecsSinceEpoch(record.finishedAtMs).toString(QStringLiteral("HH:mm:ss"));
        m_errors->insertItem(0, QStringLiteral("%1  %2  %3 %4")
                                    .arg(time)
                                    .arg(record.status)
                                    .arg(QString::fromLatin1(record.method), QString::fromUtf8(record.target)));
    }
    while (m_errors->count() > kErrorsKept)
        delete m_errors->takeItem(m_errors->count() - 1);
}

QString OverviewView::requestsText() const
{
    return m_requests->text();
}

QString OverviewView::errorsText() const
{
    return m_errorRate->text();
}

QString OverviewView::backendsText() const
{
    return m_backends->text();
}

}  // namespace kairos
