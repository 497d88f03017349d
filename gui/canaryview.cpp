#include "canaryview.h"

#include "proxy/gateway.h"
#include "proxy/gatewaysnapshot.h"
#include "service/gatewayservice.h"
#include "shaping/shiftcontroller.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonObject>
#include <QLabel>
#include <QPainter>
#include <QPainterPath>
#include <QPushButton>
#include <QSplitter>
#include <QTableWidget>
#include <QTimer>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace kairos {

namespace {

constexpr size_t kSeconds = 180;
constexpr size_t kShortestAxisSeconds = 60;  // the axis grows with the history up to kSeconds

QString phaseText(const QString &phase)
{
    if (phase == QLatin1String("shifting"))
        return CanaryView::tr("shifting");
    if (phase == QLatin1String("paused"))
        return CanaryView::tr("paused");
    if (phase == QLatin1String("promoted"))
        return CanaryView::tr("promoted");
    if (phase == QLatin1String("rolled_back"))
        return CanaryView::tr("rolled back");
    return phase;
}

QString percentText(double percent)
{
    const double tenths = std::round(percent * 10) / 10;
    return QStringLiteral("%1 %").arg(tenths, 0, 'f', tenths == std::floor(tenths) ? 0 : 1);
}

}  // namespace

SplitShareChart::SplitShareChart(QWidget *parent) : QWidget(parent)
{
    setMinimumHeight(160);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

QColor SplitShareChart::groupColor(int group)
{
    static const QColor colors[] = {QColor(0x42, 0x85, 0xf4), QColor(0xf4, 0x8f, 0x1e), QColor(0x34, 0xa8, 0x53),
                                    QColor(0xa1, 0x42, 0xf4), QColor(0xe5, 0x39, 0x35), QColor(0x00, 0xac, 0xc1)};
    return colors[group % int(std::size(colors))];
}

void SplitShareChart::reset(const QStringList &groups)
{
    m_groups = groups;
    m_points.clear();
    update();
}

void SplitShareChart::add(const std::vector<double> &percents)
{
    m_points.push_back(percents);
    while (m_points.size() > kSeconds)
        m_points.pop_front();
    update();
}

void SplitShareChart::paintEvent(QPaintEvent *)
{
    QPainter painter(this);
    painter.setRenderHint(QPainter::Antialiasing);
    painter.fillRect(rect(), palette().base());
    const QFontMetrics metrics = painter.fontMetrics();
    const int legendHeight = metrics.height() + 8;
    const int axisWidth = metrics.horizontalAdvance(QStringLiteral("100 %")) + 8;
    const QRectF plot(axisWidth, 8, width() - axisWidth - 12, height() - legendHeight - metrics.height() - 16);
    if (plot.width() < 10 || plot.height() < 10)
        return;

    painter.setPen(palette().color(QPalette::Mid));
    for (int percent = 0; percent <= 100; percent += 25) {
        const double y = plot.bottom() - plot.height() * percent / 100;
        painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y));
        painter.setPen(palette().color(QPalette::Text));
        painter.drawText(QRectF(0, y - metrics.height() / 2.0, axisWidth - 4, metrics.height()),
                         Qt::AlignRight | Qt::AlignVCenter, QStringLiteral("%1 %").arg(percent));
        painter.setPen(palette().color(QPalette::Mid));
    }
    painter.setPen(palette().color(QPalette::Text));
    const size_t count = m_points.size();
    const size_t span = std::clamp(count, kShortestAxisSeconds, kSeconds);
    painter.drawText(QRectF(plot.left(), plot.bottom() + 2, plot.width(), metrics.height()), Qt::AlignLeft,
                     tr("%1 s ago").arg(span));
    painter.drawText(QRectF(plot.left(), plot.bottom() + 2, plot.width(), metrics.height()), Qt::AlignRight, tr("now"));

    // The newest second at the right edge; each group's band lies on the ones before it.
    const double step = plot.width() / double(span - 1);
    const auto xOf = [&](size_t index) { return plot.right() - double(count - 1 - index) * step; };
    std::vector<double> below(count, 0.0);
    for (int group = 0; group < m_groups.size() && count > 0; ++group) {
        QPainterPath band;
        std::vector<double> above(count);
        for (size_t i = 0; i < count; ++i) {
            const std::vector<double> &point = m_points[i];
            const double value = size_t(group) < point.size() ? point[size_t(group)] : 0.0;
            above[i] = std::min(100.0, below[i] + value);
        }
        const auto yOf = [&](double percent) { return plot.bottom() - plot.height() * percent / 100; };
        band.moveTo(xOf(0), yOf(above[0]));
        for (size_t i = 1; i < count; ++i)
            band.lineTo(xOf(i), yOf(above[i]));
        if (count == 1)
            band.lineTo(xOf(0) - step, yOf(above[0]));
        for (size_t i = count; i-- > 0;)
            band.lineTo(xOf(i), yOf(below[i]));
        if (count == 1)
            band.lineTo(xOf(0) - step, yOf(below[0]));
        band.closeSubpath();
        QColor fill = groupColor(group);
        painter.setPen(fill.darker(130));
        fill.setAlpha(170);
        painter.setBrush(fill);
        painter.drawPath(band);
        below = above;
    }

    // The legend: each group's colour and its share in the newest second.
    double x = plot.left();
    const double y = height() - legendHeight + 4;
    for (int group = 0; group < m_groups.size(); ++group) {
        QString text = m_groups[group];
        if (count > 0 && size_t(group) < m_points.back().size())
            text += QStringLiteral(" ") + percentText(m_points.back()[size_t(group)]);
        painter.setPen(Qt::NoPen);
        painter.setBrush(groupColor(group));
        painter.drawRect(QRectF(x, y + 2, 12, metrics.height() - 4));
        painter.setPen(palette().color(QPalette::Text));
        painter.drawText(QPointF(x + 16, y + metrics.ascent()), text);
        x += 16 + metrics.horizontalAdvance(text) + 18;
    }
}

CanaryView::CanaryView(GatewayService &service, QWidget *parent)
    : QWidget(parent),
      m_service(service),
      m_route(new QComboBox),
      m_empty(new QLabel(tr("No route splits its traffic. Give a route split groups in its editor (Split tab) to "
                            "roll out a canary."))),
      m_groups(new QTableWidget(0, ColumnCount)),
      m_chart(new SplitShareChart),
      m_shift(new QLabel),
      m_error(new QLabel),
      m_pause(new QPushButton(tr("Pause"))),
      m_resume(new QPushButton(tr("Resume"))),
      m_rollback(new QPushButton(tr("Roll back"))),
      m_promote(new QPushButton(tr("Promote"))),
      m_timer(new QTimer(this))
{
    m_groups->setHorizontalHeaderLabels(
        {tr("Group"), tr("Weight"), tr("Live share"), tr("Served"), tr("Requests"), tr("Errors")});
    m_groups->horizontalHeaderItem(WeightColumn)->setToolTip(tr("The group's weight in the config"));
    m_groups->horizontalHeaderItem(PercentColumn)
        ->setToolTip(tr("The share of new requests the group gets now (a shift moves it)"));
    m_groups->horizontalHeaderItem(ShareColumn)->setToolTip(tr("The group's share of the requests of the last second"));
    m_groups->horizontalHeaderItem(ErrorsColumn)->setToolTip(tr("Answers with a 5xx status"));
    m_groups->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_groups->setSelectionMode(QAbstractItemView::NoSelection);
    m_groups->verticalHeader()->hide();
    m_groups->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    // A stable and a canary group and a third one without scrolling.
    m_groups->setMinimumHeight(m_groups->horizontalHeader()->sizeHint().height()
                               + 3 * m_groups->verticalHeader()->defaultSectionSize() + 4);
    m_empty->setWordWrap(true);
    m_shift->setWordWrap(true);
    m_shift->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_error->setWordWrap(true);
    m_error->setStyleSheet(QStringLiteral("color:#b71c1c;"));
    m_error->hide();
    m_pause->setToolTip(tr("Keep the canary's share where it is"));
    m_resume->setToolTip(tr("Go on shifting (after a rollback: start over from the configured share)"));
    m_rollback->setToolTip(tr("Put the canary's share back to 0 %"));
    m_promote->setToolTip(tr("Give the canary 100 % of the requests"));

    auto *top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("Route")));
    top->addWidget(m_route, 1);
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_shift, 1);
    for (QPushButton *button : {m_pause, m_resume, m_rollback, m_promote})
        buttons->addWidget(button);
    auto *split = new QSplitter(Qt::Vertical);
    split->addWidget(m_groups);
    split->addWidget(m_chart);
    split->setStretchFactor(0, 1);
    split->setStretchFactor(1, 2);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(m_empty);
    layout->addLayout(buttons);
    layout->addWidget(m_error);
    layout->addWidget(split, 1);

    connect(m_route, &QComboBox::currentIndexChanged, this, [this] {
        m_chart->reset({});
        m_error->hide();
        refresh();
    });
    connect(m_pause, &QPushButton::clicked, this, [this] { act(SplitState::Action::Pause); });
    connect(m_resume, &QPushButton::clicked, this, [this] { act(SplitState::Action::Resume); });
    connect(m_rollback, &QPushButton::clicked, this, [this] { act(SplitState::Action::Rollback); });
    connect(m_promote, &QPushButton::clicked, this, [this] { act(SplitState::Action::Promote); });
    connect(m_timer, &QTimer::timeout, this, &CanaryView::refresh);
    setRoutes();
}

QPushButton *CanaryView::button(SplitState::Action action) const
{
    switch (action) {
    case SplitState::Action::Pause: return m_pause;
    case SplitState::Action::Resume: return m_resume;
    case SplitState::Action::Rollback: return m_rollback;
    case SplitState::Action::Promote: return m_promote;
    }
    return nullptr;
}

void CanaryView::setRoutes()
{
    const ConfigSnapshot config = m_service.configStore().current();
    QStringList paths;
    for (const Route &route : config->routes) {
        if (route.split())
            paths.append(route.externalPath);
    }
    QStringList listed;
    for (int i = 0; i < m_route->count(); ++i)
        listed.append(m_route->itemText(i));
    if (listed != paths) {
        const QString selected = selectedRoute();
        const QSignalBlocker blocker(m_route);
        m_route->clear();
        m_route->addItems(paths);
        const int index = paths.indexOf(selected);
        m_route->setCurrentIndex(index >= 0 ? index : 0);
        if (index < 0)
            m_chart->reset({});
    }
    m_empty->setVisible(paths.isEmpty());
    m_route->setEnabled(!paths.isEmpty());
    refresh();
}

bool CanaryView::selectRoute(const QString &externalPath)
{
    const int index = m_route->findText(externalPath);
    if (index < 0)
        return false;
    m_route->setCurrentIndex(index);
    return true;
}

QString CanaryView::selectedRoute() const
{
    return m_route->currentText();
}

void CanaryView::refresh()
{
    Gateway *gateway = m_service.gateway();
    const GatewaySnapshotPtr snapshot = gateway ? gateway->snapshot() : nullptr;
    const int index = snapshot ? snapshot->config->routeIndex(selectedRoute()) : -1;
    const RouteSplit *split = index >= 0 ? snapshot->split(index) : nullptr;
    if (!split) {
        m_groups->setRowCount(0);
        showShift(nullptr);
        return;
    }
    const SplitState &state = *split->state;
    const int count = state.groupCount();
    QStringList names;
    std::vector<SplitState::GroupFigures> groups;
    for (int g = 0; g < count; ++g) {
        names.append(state.groupName(g));
        groups.push_back(state.figures(g));
    }
    if (names != m_chart->groups()) {
        m_chart->reset(names);
        m_lastRequests.assign(size_t(count), 0);
        for (int i = 0; i < count; ++i)
            m_lastRequests[size_t(i)] = groups[size_t(i)].requests;
    }

    // The served share: each group's requests since the previous sample; with none, the live weights.
    quint64 total = 0;
    std::vector<quint64> served(static_cast<size_t>(count));
    for (int i = 0; i < count; ++i) {
        const quint64 requests = groups[size_t(i)].requests;
        served[size_t(i)] = requests - std::min(requests, m_lastRequests[size_t(i)]);
        total += served[size_t(i)];
        m_lastRequests[size_t(i)] = requests;
    }
    std::vector<double> shares(static_cast<size_t>(count));
    for (int i = 0; i < count; ++i)
        shares[size_t(i)] = total > 0 ? 100.0 * double(served[size_t(i)]) / double(total) : groups[size_t(i)].percent;
    m_chart->add(shares);

    m_groups->setRowCount(count);
    for (int i = 0; i < count; ++i) {
        const SplitState::GroupFigures &group = groups[size_t(i)];
        const QString cells[ColumnCount] = {
            names[i],
            QString::number(group.configuredWeight),
            percentText(group.percent),
            total > 0 ? percentText(shares[size_t(i)]) : QStringLiteral("–"),
            QString::number(group.requests),
            QString::number(group.errors),
        };
        for (int column = 0; column < ColumnCount; ++column) {
            QTableWidgetItem *item = m_groups->item(i, column);
            if (!item) {
                item = new QTableWidgetItem;
                item->setTextAlignment(column == GroupColumn ? Qt::AlignLeft | Qt::AlignVCenter
                                                             : Qt::AlignRight | Qt::AlignVCenter);
                m_groups->setItem(i, column, item);
            }
            item->setText(cells[column]);
        }
        m_groups->item(i, GroupColumn)->setForeground(SplitShareChart::groupColor(i).darker(120));
    }
    showShift(split->state.get());
}

void CanaryView::showShift(const SplitState *state)
{
    const QJsonObject shift = state ? state->shiftJson() : QJsonObject();
    const QString phase = shift.value("phase").toString();
    if (!state)
        m_shift->setText(selectedRoute().isEmpty() ? QString() : tr("The route is not running a split."));
    else if (shift.isEmpty())
        m_shift->setText(tr("No gradual shift: the groups keep their configured weights."));
    else
        m_shift->setText(tr("Shift of <b>%1</b>: <b>%2</b> at %3 after %4 steps (%5 rollbacks) — %6")
                             .arg(shift.value("group").toString().toHtmlEscaped(), phaseText(phase),
                                  percentText(shift.value("percent").toDouble()))
                             .arg(shift.value("steps").toInt())
                             .arg(qint64(shift.value("rollbacks").toDouble()))
                             .arg(shift.value("reason").toString().toHtmlEscaped()));
    const bool has = !shift.isEmpty();
    m_pause->setEnabled(has && phase == QLatin1String("shifting"));
    m_resume->setEnabled(has && (phase == QLatin1String("paused") || phase == QLatin1String("rolled_back")));
    m_rollback->setEnabled(has && phase != QLatin1String("rolled_back"));
    m_promote->setEnabled(has && phase != QLatin1String("promoted"));
}

bool CanaryView::act(SplitState::Action action)
{
    QString why = tr("The route is not running a split.");
    Gateway *gateway = m_service.gateway();
    const GatewaySnapshotPtr snapshot = gateway ? gateway->snapshot() : nullptr;
    const int index = snapshot ? snapshot->config->routeIndex(selectedRoute()) : -1;
    const RouteSplit *split = index >= 0 ? snapshot->split(index) : nullptr;
    const bool done = split && gateway->shiftController().act(selectedRoute(), *split->state, action, &why);
    m_error->setText(done ? QString() : tr("Refused: %1").arg(why));
    m_error->setVisible(!done);
    refresh();
    return done;
}

void CanaryView::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    setRoutes();
    m_timer->start(1000);
}

void CanaryView::hideEvent(QHideEvent *event)
{
    QWidget::hideEvent(event);
    m_timer->stop();
}

}  // namespace kairos
