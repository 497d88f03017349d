// The live side of a route's traffic split (docs/CONFIGURATION.md, Canary releases): each group's
// current weight, which a gradual shift moves, the counters the shift judges the canary by, and
// the shift's phase. Kept across config changes under the route's path (SplitStateRegistry) while
// the route has the same groups, so a reload neither restarts a shift nor forgets its counters.
// Workers read weights and bump counters with atomics only; the rest is under a mutex, used by
// the ShiftController's timer and the admin API.
#pragma once

#include "backend/histogram.h"
#include "base/keptbyname.h"
#include "config/config.h"

#include <QJsonObject>
#include <QMutex>
#include <QStringList>

#include <atomic>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

namespace kairos {

class SplitState
{
public:
    enum class Phase { Shifting, Paused, Promoted, RolledBack };
    enum class Action { Pause, Resume, Rollback, Promote };

    // What a shift's interval or a manual action changed, for the log and the fleet.
    struct Event {
        QString message;
        bool rolledBack = false;
    };

    explicit SplitState(const SplitSettings &settings);
    SplitState(const SplitState &) = delete;
    SplitState &operator=(const SplitState &) = delete;

    // Whether the state can go on serving `settings`: the same groups in the same order.
    bool fits(const SplitSettings &settings) const;
    // Takes the config's weights and shift settings. A shift that was not there, names another
    // group, or whose group's backends changed (`canaryBackends`: their keys; a new version to
    // roll out) starts over from the group's configured share; otherwise it goes on where it was.
    void configure(const SplitSettings &settings, const QStringList &canaryBackends, qint64 nowMs);

    int groupCount() const { return int(m_groups.size()); }
    const QString &groupName(int group) const { return m_groups[size_t(group)].name; }

    // The group for a request: `point` in [0, 2^32) from the split key's hash or a random number.
    // The groups own consecutive stretches of that range in proportion to their live weights, so
    // a key keeps its group while the weights stay as they are.
    int groupAt(quint32 point) const;
    // A request chose `group` (kairos_split_requests_total).
    void countRequest(int group) { m_groups[size_t(group)].requests.fetch_add(1, std::memory_order_relaxed); }
    // A request of `group` was answered (any status, the gateway's own errors included).
    void recordAnswer(int group, int status, qint64 durationUs);

    // Called every interval_s by the ShiftController: judges the canary's last interval. Nothing
    // when the split has no shift or the shift is not Shifting.
    std::optional<Event> evaluate(qint64 nowMs);
    // A manual action (POST /api/routes/{path}/shift); the event, or nullopt with `error` set.
    std::optional<Event> act(Action action, qint64 nowMs, QString *error);
    static std::optional<Action> actionFromName(const QString &name);

    // The shift as the fleet stores it and GET /api/routes shows it; restore() takes another
    // instance's (fleet mode), ignoring one for other groups.
    QJsonObject shiftJson() const;
    void restore(const QJsonObject &shift, qint64 nowMs);
    // {"groups": [{name, weight, configured_weight, share, requests}], "shift": {...}} for the API.
    QJsonObject liveJson() const;
    bool hasShift() const;
    double intervalS() const;
    // A group's figures, as GET /api/routes' "live" and the console's Canary tab show them.
    struct GroupFigures {
        int configuredWeight = 0;
        double percent = 0;  // its live share of the route's requests
        quint64 requests = 0;
        quint64 answers = 0;
        quint64 errors = 0;
    };
    GroupFigures figures(int group) const;
    quint64 rollbacks() const { return m_rollbacks.load(std::memory_order_relaxed); }
    Phase phase() const;
    static QString phaseName(Phase phase);

private:
    struct Group {
        QString name;
        int configuredWeight = 0;
        std::atomic<quint32> liveWeight{0};  // in millionths of all traffic
        std::atomic<quint64> requests{0};
        std::atomic<quint64> answers{0};
        std::atomic<quint64> errors{0};
        LatencyHistogram latency;
    };
    // The counters at the start of the interval being judged.
    struct Baseline {
        quint64 answers = 0;
        quint64 errors = 0;
        LatencyHistogram::Counts latency{};
    };

    void startShiftLocked(qint64 nowMs);
    void setCanaryShareLocked(double percent);  // and the other groups by their configured weights
    void applyConfiguredWeightsLocked();
    void resetBaselineLocked(qint64 nowMs);
    Event rollbackLocked(const QString &why, qint64 nowMs);

    std::vector<Group> m_groups;
    std::atomic<quint64> m_rollbacks{0};
    mutable QMutex m_mutex;
    std::optional<ShiftSettings> m_shift;
    int m_canary = -1;
    QStringList m_canaryBackends;
    Phase m_phase = Phase::Shifting;
    double m_percent = 0;  // the canary's share
    int m_steps = 0;
    QString m_reason;  // why the shift is where it is
    qint64 m_changedAtMs = 0;
    Baseline m_baseline;
    qint64 m_intervalStartMs = 0;
};

// kairos_split_requests_total, kairos_shift_weight and kairos_shift_rollbacks_total of the
// routes' splits (by route path).
QByteArray splitMetrics(const std::vector<std::pair<QString, std::shared_ptr<SplitState>>> &splits);

// Where split states are kept across config changes.
class SplitStateRegistry
{
public:
    std::shared_ptr<SplitState> stateFor(const QString &routePath, const SplitSettings &settings)
    {
        return m_states.obtain(
            routePath, [&](const SplitState &kept) { return kept.fits(settings); },
            [&] { return std::make_shared<SplitState>(settings); });
    }
    void retainOnly(const QStringList &routePaths) { m_states.retainOnly(routePaths); }

private:
    KeptByName<SplitState> m_states;
};

}  // namespace kairos
