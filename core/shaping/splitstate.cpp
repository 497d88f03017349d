#include "splitstate.h"

#include "metrics/prometheus.h"

#include <QDateTime>
#include <QJsonArray>

#include <algorithm>
#include <cmath>

namespace kairos {

namespace {

constexpr double kWhole = 1'000'000;  // live weights are millionths of all traffic

QString percentText(double percent)
{
    return QString::number(percent, 'g', 4) + QLatin1Char('%');
}

QString timeText(qint64 ms)
{
    return ms > 0 ? QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODateWithMs) : QString();
}

}  // namespace

SplitState::SplitState(const SplitSettings &settings) : m_groups(size_t(settings.groups.size()))
{
    for (int g = 0; g < settings.groups.size(); ++g)
        m_groups[size_t(g)].name = settings.groups[g].name;
}

bool SplitState::fits(const SplitSettings &settings) const
{
    if (settings.groups.size() != groupCount())
        return false;
    for (int g = 0; g < groupCount(); ++g) {
        if (settings.groups[g].name != groupName(g))
            return false;
    }
    return true;
}

void SplitState::configure(const SplitSettings &settings, const QStringList &canaryBackends, qint64 nowMs)
{
    QMutexLocker locker(&m_mutex);
    for (int g = 0; g < groupCount(); ++g)
        m_groups[size_t(g)].configuredWeight = settings.groups[g].weight;
    const bool sameShift =
        m_shift && settings.shift && m_shift->group == settings.shift->group && m_canaryBackends == canaryBackends;
    m_shift = settings.shift;
    m_canary = settings.shift ? settings.groupIndex(settings.shift->group) : -1;
    m_canaryBackends = canaryBackends;
    if (!m_shift || m_canary < 0)
        applyConfiguredWeightsLocked();
    else if (!sameShift)
        startShiftLocked(nowMs);
    else
        setCanaryShareLocked(m_percent);  // the other groups' weights may have changed
}

void SplitState::applyConfiguredWeightsLocked()
{
    double total = 0;
    for (const Group &group : m_groups)
        total += group.configuredWeight;
    for (Group &group : m_groups)
        group.liveWeight.store(total > 0 ? quint32(std::lround(group.configuredWeight * kWhole / total)) : 0,
                               std::memory_order_relaxed);
}

void SplitState::setCanaryShareLocked(double percent)
{
    m_percent = std::clamp(percent, 0.0, 100.0);
    const double canary = m_percent / 100 * kWhole;
    double others = 0;
    for (int g = 0; g < groupCount(); ++g) {
        if (g != m_canary)
            others += m_groups[size_t(g)].configuredWeight;
    }
    for (int g = 0; g < groupCount(); ++g) {
        double weight = canary;
        if (g != m_canary) {
            // Other groups share the rest as configured; when they were all configured at 0, the
            // first group takes it (a rollback must send the traffic somewhere).
            const double share = others > 0 ? m_groups[size_t(g)].configuredWeight / others : (g == 0 ? 1 : 0);
            weight = (kWhole - canary) * share;
        }
        m_groups[size_t(g)].liveWeight.store(quint32(std::lround(weight)), std::memory_order_relaxed);
    }
}

void SplitState::startShiftLocked(qint64 nowMs)
{
    double total = 0;
    for (const Group &group : m_groups)
        total += group.configuredWeight;
    m_phase = Phase::Shifting;
    m_steps = 0;
    m_reason = QStringLiteral("started at the configured share");
    m_changedAtMs = nowMs;
    setCanaryShareLocked(total > 0 ? 100.0 * m_groups[size_t(m_canary)].configuredWeight / total : 0);
    resetBaselineLocked(nowMs);
}

void SplitState::resetBaselineLocked(qint64 nowMs)
{
    m_intervalStartMs = nowMs;
    if (m_canary < 0)
        return;
    const Group &canary = m_groups[size_t(m_canary)];
    m_baseline = {canary.answers.load(std::memory_order_relaxed), canary.errors.load(std::memory_order_relaxed),
                  canary.latency.counts()};
}

int SplitState::groupAt(quint32 point) const
{
    quint64 total = 0;
    quint32 weights[kMaxSplitGroups];
    const int count = std::min(groupCount(), kMaxSplitGroups);  // the validator's limit
    for (int g = 0; g < count; ++g) {
        weights[g] = m_groups[size_t(g)].liveWeight.load(std::memory_order_relaxed);
        total += weights[g];
    }
    const quint64 target = (quint64(point) * total) >> 32;
    quint64 end = 0;
    int last = 0;
    for (int g = 0; g < count; ++g) {
        if (weights[g] == 0)
            continue;
        end += weights[g];
        last = g;
        if (target < end)
            return g;
    }
    return last;
}

void SplitState::recordAnswer(int group, int status, qint64 durationUs)
{
    Group &counters = m_groups[size_t(group)];
    counters.answers.fetch_add(1, std::memory_order_relaxed);
    if (status >= 500)
        counters.errors.fetch_add(1, std::memory_order_relaxed);
    counters.latency.observe(durationUs);
}

std::optional<SplitState::Event> SplitState::evaluate(qint64 nowMs)
{
    QMutexLocker locker(&m_mutex);
    if (!m_shift || m_canary < 0 || m_phase != Phase::Shifting)
        return std::nullopt;
    if (nowMs - m_intervalStartMs < qint64(m_shift->intervalS * 1000))
        return std::nullopt;
    const Group &canary = m_groups[size_t(m_canary)];
    const quint64 answers = canary.answers.load(std::memory_order_relaxed) - m_baseline.answers;
    const quint64 errors = canary.errors.load(std::memory_order_relaxed) - m_baseline.errors;
    QString judged = QStringLiteral("nothing to judge at 0%");
    if (m_percent > 0) {
        if (answers < quint64(m_shift->minRequests))
            return std::nullopt;  // too few answers to judge: the interval goes on
        const double errorRate = answers ? double(errors) / double(answers) : 0;
        LatencyHistogram::Counts latency = canary.latency.counts();
        for (size_t i = 0; i < latency.size(); ++i)
            latency[i] -= m_baseline.latency[i];
        const double p99 = LatencyHistogram::quantileMs(latency, 0.99);
        if (errorRate > m_shift->maxErrorRate)
            return rollbackLocked(QStringLiteral("%1 of %2 answers of %3 were 5xx (error rate %4, max_error_rate %5)")
                                      .arg(errors)
                                      .arg(answers)
                                      .arg(canary.name)
                                      .arg(errorRate, 0, 'g', 3)
                                      .arg(m_shift->maxErrorRate),
                                  nowMs);
        if (m_shift->maxP99Ms > 0 && p99 > m_shift->maxP99Ms)
            return rollbackLocked(QStringLiteral("p99 of %1 was %2 ms over %3 answers (max_p99_ms %4)")
                                      .arg(canary.name)
                                      .arg(p99, 0, 'f', 1)
                                      .arg(answers)
                                      .arg(m_shift->maxP99Ms),
                                  nowMs);
        judged = QStringLiteral("%1 of %2 answers were 5xx, p99 %3 ms").arg(errors).arg(answers).arg(p99, 0, 'f', 1);
    }
    const double from = m_percent;
    setCanaryShareLocked(m_percent + m_shift->stepPercent);
    ++m_steps;
    m_changedAtMs = nowMs;
    resetBaselineLocked(nowMs);
    if (m_percent >= 100) {
        m_phase = Phase::Promoted;
        m_reason = QStringLiteral("promoted after %1 step(s); last interval: %2").arg(m_steps).arg(judged);
    } else {
        m_reason = QStringLiteral("stepped up; last interval: %1").arg(judged);
    }
    return Event{
        QStringLiteral("%1's share %2 -> %3 (%4)").arg(canary.name, percentText(from), percentText(m_percent), judged),
        false};
}

SplitState::Event SplitState::rollbackLocked(const QString &why, qint64 nowMs)
{
    const double from = m_percent;
    setCanaryShareLocked(0);
    m_phase = Phase::RolledBack;
    m_reason = why;
    m_changedAtMs = nowMs;
    m_rollbacks.fetch_add(1, std::memory_order_relaxed);
    resetBaselineLocked(nowMs);
    return Event{QStringLiteral("%1 rolled back from %2 to 0%: %3").arg(groupName(m_canary), percentText(from), why),
                 true};
}

std::optional<SplitState::Action> SplitState::actionFromName(const QString &name)
{
    if (name == QLatin1String("pause"))
        return Action::Pause;
    if (name == QLatin1String("resume"))
        return Action::Resume;
    if (name == QLatin1String("rollback"))
        return Action::Rollback;
    if (name == QLatin1String("promote"))
        return Action::Promote;
    return std::nullopt;
}

std::optional<SplitState::Event> SplitState::act(Action action, qint64 nowMs, QString *error)
{
    QMutexLocker locker(&m_mutex);
    if (!m_shift || m_canary < 0) {
        *error = QStringLiteral("the route's split has no shift");
        return std::nullopt;
    }
    const QString canary = groupName(m_canary);
    switch (action) {
    case Action::Pause:
        if (m_phase != Phase::Shifting) {
            *error = QStringLiteral("the shift is %1, not shifting").arg(phaseName(m_phase));
            return std::nullopt;
        }
        m_phase = Phase::Paused;
        m_reason = QStringLiteral("paused by hand");
        m_changedAtMs = nowMs;
        return Event{QStringLiteral("shift of %1 paused at %2").arg(canary, percentText(m_percent)), false};
    case Action::Resume:
        if (m_phase == Phase::Paused) {
            m_phase = Phase::Shifting;
            m_reason = QStringLiteral("resumed by hand");
            m_changedAtMs = nowMs;
            resetBaselineLocked(nowMs);
            return Event{QStringLiteral("shift of %1 resumed at %2").arg(canary, percentText(m_percent)), false};
        }
        if (m_phase == Phase::RolledBack) {
            startShiftLocked(nowMs);
            m_reason = QStringLiteral("restarted by hand after a rollback");
            return Event{QStringLiteral("shift of %1 restarted at %2").arg(canary, percentText(m_percent)), false};
        }
        *error = QStringLiteral("the shift is %1: nothing to resume").arg(phaseName(m_phase));
        return std::nullopt;
    case Action::Rollback:
        if (m_phase == Phase::RolledBack) {
            *error = QStringLiteral("the shift is rolled back already");
            return std::nullopt;
        }
        return rollbackLocked(QStringLiteral("rolled back by hand"), nowMs);
    case Action::Promote: {
        if (m_phase == Phase::Promoted) {
            *error = QStringLiteral("the shift is promoted already");
            return std::nullopt;
        }
        const double from = m_percent;
        setCanaryShareLocked(100);
        m_phase = Phase::Promoted;
        m_reason = QStringLiteral("promoted by hand");
        m_changedAtMs = nowMs;
        return Event{QStringLiteral("%1 promoted from %2 to 100%").arg(canary, percentText(from)), false};
    }
    }
    return std::nullopt;
}

QString SplitState::phaseName(Phase phase)
{
    switch (phase) {
    case Phase::Shifting: return QStringLiteral("shifting");
    case Phase::Paused: return QStringLiteral("paused");
    case Phase::Promoted: return QStringLiteral("promoted");
    case Phase::RolledBack: return QStringLiteral("rolled_back");
    }
    return QString();
}

SplitState::Phase SplitState::phase() const
{
    QMutexLocker locker(&m_mutex);
    return m_phase;
}

bool SplitState::hasShift() const
{
    QMutexLocker locker(&m_mutex);
    return m_shift && m_canary >= 0;
}

double SplitState::intervalS() const
{
    QMutexLocker locker(&m_mutex);
    return m_shift ? m_shift->intervalS : 0;
}

QJsonObject SplitState::shiftJson() const
{
    QMutexLocker locker(&m_mutex);
    if (!m_shift || m_canary < 0)
        return {};
    return QJsonObject{{"group", m_shift->group},
                       {"phase", phaseName(m_phase)},
                       {"percent", m_percent},
                       {"steps", m_steps},
                       {"reason", m_reason},
                       {"changed_at", timeText(m_changedAtMs)},
                       {"changed_at_ms", double(m_changedAtMs)},
                       {"rollbacks", double(m_rollbacks.load(std::memory_order_relaxed))},
                       {"group_backends", QJsonArray::fromStringList(m_canaryBackends)}};
}

void SplitState::restore(const QJsonObject &shift, qint64 nowMs)
{
    QMutexLocker locker(&m_mutex);
    // Another version of the group (other backends) has a shift of its own.
    if (!m_shift || m_canary < 0 || shift.value("group").toString() != m_shift->group
        || shift.value("group_backends").toArray() != QJsonArray::fromStringList(m_canaryBackends))
        return;
    const QString phase = shift.value("phase").toString();
    for (Phase candidate : {Phase::Shifting, Phase::Paused, Phase::Promoted, Phase::RolledBack}) {
        if (phaseName(candidate) == phase)
            m_phase = candidate;
    }
    m_steps = shift.value("steps").toInt(m_steps);
    m_reason = shift.value("reason").toString(m_reason);
    m_changedAtMs = qint64(shift.value("changed_at_ms").toDouble(double(nowMs)));
    setCanaryShareLocked(shift.value("percent").toDouble(m_percent));
    resetBaselineLocked(nowMs);
}

QJsonObject SplitState::liveJson() const
{
    QJsonArray groups;
    for (int g = 0; g < groupCount(); ++g) {
        const GroupFigures group = figures(g);
        groups.append(QJsonObject{{"name", groupName(g)},
                                  {"configured_weight", group.configuredWeight},
                                  {"percent", std::round(group.percent * 1000) / 1000},
                                  {"requests", double(group.requests)},
                                  {"answers", double(group.answers)},
                                  {"errors", double(group.errors)}});
    }
    QJsonObject live{{"groups", groups}};
    const QJsonObject shift = shiftJson();
    if (!shift.isEmpty())
        live.insert("shift", shift);
    return live;
}

SplitState::GroupFigures SplitState::figures(int group) const
{
    const Group &g = m_groups[size_t(group)];
    return {g.configuredWeight, g.liveWeight.load(std::memory_order_relaxed) / kWhole * 100,
            g.requests.load(std::memory_order_relaxed), g.answers.load(std::memory_order_relaxed),
            g.errors.load(std::memory_order_relaxed)};
}

QByteArray splitMetrics(const std::vector<std::pair<QString, std::shared_ptr<SplitState>>> &splits)
{
    if (splits.empty())
        return {};
    const auto labels = [](const QString &route, const QString &group) {
        return "{route=\"" + escapeLabel(route) + "\",group=\"" + escapeLabel(group) + "\"} ";
    };
    QByteArray text = "# HELP kairos_split_requests_total Requests of a split route by the group they went to.\n"
                      "# TYPE kairos_split_requests_total counter\n";
    for (const auto &[route, state] : splits) {
        for (int g = 0; g < state->groupCount(); ++g)
            text += "kairos_split_requests_total" + labels(route, state->groupName(g))
                    + QByteArray::number(state->figures(g).requests) + '\n';
    }
    text += "# HELP kairos_shift_weight A split group's current share of its route's requests, in percent.\n"
            "# TYPE kairos_shift_weight gauge\n";
    for (const auto &[route, state] : splits) {
        for (int g = 0; g < state->groupCount(); ++g)
            text += "kairos_shift_weight" + labels(route, state->groupName(g))
                    + QByteArray::number(state->figures(g).percent, 'g', 6) + '\n';
    }
    text += "# HELP kairos_shift_rollbacks_total Rollbacks of a route's gradual shift, automatic and by hand.\n"
            "# TYPE kairos_shift_rollbacks_total counter\n";
    for (const auto &[route, state] : splits) {
        if (state->hasShift())
            text += "kairos_shift_rollbacks_total{route=\"" + escapeLabel(route) + "\"} "
                    + QByteArray::number(state->rollbacks()) + '\n';
    }
    return text;
}

}  // namespace kairos
