#include "balancer.h"

#include "iphash.h"
#include "leastconnections.h"
#include "peakewma.h"
#include "poweroftwo.h"
#include "random.h"
#include "roundrobin.h"
#include "weighted.h"

#include <QMutex>
#include <QRandomGenerator>

#include <limits>
#include <numeric>
#include <type_traits>
#include <utility>

namespace kairos {

namespace {
// Calls `visit` with the balancer as its strategy class: one switch, then everything inlines.
template <typename Visit> int visitStrategy(const Balancer &balancer, Visit &&visit)
{
    switch (balancer.strategy()) {
    case LoadBalancingStrategy::RoundRobin: return visit(static_cast<const RoundRobinBalancer &>(balancer));
    case LoadBalancingStrategy::Weighted: return visit(static_cast<const WeightedBalancer &>(balancer));
    case LoadBalancingStrategy::LeastConnections: return visit(static_cast<const LeastConnectionsBalancer &>(balancer));
    case LoadBalancingStrategy::Random: return visit(static_cast<const RandomBalancer &>(balancer));
    case LoadBalancingStrategy::IpHash: return visit(static_cast<const IpHashBalancer &>(balancer));
    case LoadBalancingStrategy::PowerOfTwo: return visit(static_cast<const PowerOfTwoBalancer &>(balancer));
    case LoadBalancingStrategy::PeakEwma: return visit(static_cast<const PeakEwmaBalancer &>(balancer));
    }
    return -1;
}
}  // namespace

// Whether a strategy answers its first choice with the backend's state (`firstChoice`).
template <typename Strategy, typename = void> struct ChoosesWithState : std::false_type {};
template <typename Strategy>
struct ChoosesWithState<
    Strategy, std::void_t<decltype(std::declval<const Strategy &>().firstChoice(std::declval<Selection &>()))>>
    : std::true_type {};

// Called once, when the first fallback is asked for: the first choice is the only one tried.
void Selection::prepareTriedBits()
{
    if (m_balancer.size() > 128)
        m_triedHeap = std::make_unique<quint64[]>(size_t(m_balancer.size() + 63) / 64);  // zeroed
    else
        m_triedInline[0] = m_triedInline[1] = 0;
    triedWords()[m_previous / 64] |= quint64(1) << (m_previous % 64);
}

template <typename Strategy> Q_ALWAYS_INLINE int Selection::nextWith(const Strategy &strategy)
{
    if (m_count == 0)
        return firstWith(strategy);
    if (m_count >= m_balancer.size())
        return -1;
    if (m_count == 1)
        prepareTriedBits();
    const int index = strategy.fallback(*this);
    if (index < 0 || index >= m_balancer.size() || tried(index))
        return -1;
    triedWords()[index / 64] |= quint64(1) << (index % 64);
    ++m_count;
    m_previous = index;
    return index;
}

// The first candidate, when nothing is tried yet: no tried bit to check, and none to set
// (prepareTriedBits() sets it if a fallback follows).
template <typename Strategy> Q_ALWAYS_INLINE int Selection::firstWith(const Strategy &strategy)
{
    if (strategy.size() == 0)  // strategy is m_balancer, as its own class: read through it, GCC
        return -1;             // knows this is the same size nextAvailableWith() checked
    const int index = strategy.first(*this);
    // Each strategy's first() answers an index in range when there are backends (the tests check
    // it in the Debug builds). Assumed rather than checked: the check, and the balancer's size
    // kept for it, cost every selection a few instructions (least_connections a saved register).
    Q_ASSUME(index >= 0);
    Q_ASSUME(index < strategy.size());
    m_count = 1;
    m_previous = index;
    return index;
}

// One function per strategy, so that nextAvailable() is a bare jump. The first choice of a request
// is its only one unless that backend is down, so it has a path that calls nothing; the clock read
// of an open circuit and the search through fallbacks are left to fallbackAvailableWith.
template <typename Strategy> Q_NEVER_INLINE int Selection::nextAvailableWith(const Strategy &strategy)
{
    if (Q_LIKELY(m_count == 0)) {
        if (Q_UNLIKELY(strategy.size() == 0))
            return -1;
        if constexpr (ChoosesWithState<Strategy>::value) {
            // firstWith()'s bookkeeping, with the state the strategy hands over. Not folded into
            // firstWith(): GCC then compiled least_connections' scan differently, 10-25 % slower
            // over 100 backends (bench/micro/bench_core.cpp:BM_Select).
            const Choice choice = strategy.firstChoice(*this);
            Q_ASSUME(choice.index >= 0);
            Q_ASSUME(choice.index < strategy.size());
            m_count = 1;
            m_previous = choice.index;
            if (choice.state->isAvailableNow())
                return choice.index;
            return fallbackAvailableWith(strategy, choice.index);
        } else {
            const int index = firstWith(strategy);  // in range: no check for -1 here
            if (strategy.backend(index).state->isAvailableNow())
                return index;
            return fallbackAvailableWith(strategy, index);
        }
    }
    return fallbackAvailableWith(strategy, -1);
}

// Fresh picks after a first choice passed over for ejection or slow start (see below).
constexpr int kOutlierRedraws = 8;

template <typename Strategy>
Q_NEVER_INLINE int Selection::fallbackAvailableWith(const Strategy &strategy, int candidate)
{
    // A first choice passed over for ejection or slow start may be picked afresh, up to
    // kOutlierRedraws times, before the fallbacks: rejection sampling, so that a ramping backend
    // gets what its weight times the ramp's fraction would give it and the rest spreads over all
    // the others (round_robin's and weighted's fallback is always the next backend, which would
    // get all of it).
    int redraws = candidate >= 0 ? kOutlierRedraws : 0;
    for (int index = candidate >= 0 ? candidate : nextWith(strategy);;) {
        if (index < 0) {
            // Only ejected or ramp-declined backends are left: the first of them rather than none
            // (Envoy's panic routing), so that ejection never empties a route. Once.
            if (m_skipped < 0)
                return -1;
            const int skipped = m_skipped;
            m_skipped = -2;
            return skipped;
        }
        BackendState &state = *m_balancer.backend(index).state;
        if (state.isAvailable()) {
            if (Q_LIKELY(state.isAvailableNow()))
                return index;
            const OutlierGate gate = outlierGate(index);
            if (gate == OutlierGate::Take)
                return index;
            if (m_skipped == -1)
                m_skipped = index;
            if (gate == OutlierGate::PickAfresh && redraws > 0) {
                --redraws;
                m_count = 0;  // nothing tried yet: the passed-over one may come up again
                index = firstWith(strategy);
                continue;
            }
        }
        index = nextWith(strategy);
    }
}

Selection::OutlierGate Selection::outlierGate(int index) const
{
    BackendState &state = *m_balancer.backend(index).state;
    const int percent = state.outlierAdmission(BackendState::nowMs());
    if (percent >= 100)
        return OutlierGate::Take;
    const LoadBalancingStrategy strategy = m_balancer.strategy();
    // ip_hash would pick the same again, and least_connections too while that one is the least
    // loaded: their next choice instead.
    const bool picksTheSame =
        strategy == LoadBalancingStrategy::IpHash || strategy == LoadBalancingStrategy::LeastConnections;
    if (percent == 0)  // ejected
        return picksTheSame ? OutlierGate::Fallback : OutlierGate::PickAfresh;
    // ip_hash keeps a client on its backend: a ramp would move clients back and forth.
    if (strategy == LoadBalancingStrategy::IpHash)
        return OutlierGate::Take;
    // The strategies that choose by load would keep choosing a fresh backend, the least loaded:
    // it takes requests while it carries less than its ramped share of the load (as if its
    // weight were scaled by the ramp, as Envoy does), and none while it carries more.
    if (strategy == LoadBalancingStrategy::LeastConnections || strategy == LoadBalancingStrategy::PowerOfTwo
        || strategy == LoadBalancingStrategy::PeakEwma) {
        const int order = comparedToRampedShare(index, percent);
        if (order != 0)
            return order < 0 ? OutlierGate::Take : OutlierGate::Fallback;
    }
    // Without load to compare, a pick kept with the ramp's probability.
    return int(randomBelow(threadRandom(), 100)) < percent ? OutlierGate::Take : OutlierGate::PickAfresh;
}

int Selection::comparedToRampedShare(int index, int percent) const
{
    // Scans the route's backends: only for a backend in slow start.
    qint64 othersInFlight = 0;
    qint64 othersWeight = 0;
    for (int i = 0; i < m_balancer.size(); ++i) {
        if (i == index)
            continue;
        const BalancedBackend &other = m_balancer.backend(i);
        othersInFlight += other.state->inFlight.load(std::memory_order_relaxed);
        othersWeight += std::max(other.weight, 1);
    }
    const BalancedBackend &mine = m_balancer.backend(index);
    // inFlight / weight against percent / 100 of the others' inFlight / weight, without dividing.
    const qint64 load = qint64(mine.state->inFlight.load(std::memory_order_relaxed)) * 100 * othersWeight;
    const qint64 share = qint64(percent) * othersInFlight * std::max(mine.weight, 1);
    return load < share ? -1 : load > share ? 1 : 0;
}

int Selection::next()
{
    return visitStrategy(m_balancer, [this](const auto &strategy) { return nextWith(strategy); });
}

int Selection::nextAvailable()
{
    return visitStrategy(m_balancer, [this](const auto &strategy) { return nextAvailableWith(strategy); });
}

std::unique_ptr<const LeastConnectionsBalancer::Entry[]>
LeastConnectionsBalancer::entries(const std::vector<BalancedBackend> &backends)
{
    quint64 multiple = 1;
    for (const BalancedBackend &backend : backends) {
        multiple = std::lcm(multiple, quint64(std::max(backend.weight, 1)));
        if (multiple > std::numeric_limits<quint32>::max()) {
            multiple = 0;
            break;
        }
    }
    auto entries = std::make_unique<Entry[]>(backends.size());
    for (size_t i = 0; i < backends.size(); ++i) {
        const int weight = std::max(backends[i].weight, 1);
        entries[i] = {backends[i].state.get(), quint32(multiple / quint64(weight)), weight};
    }
    return entries;
}

LeastConnectionsBalancer::LeastConnectionsBalancer(const std::vector<BalancedBackend> &backends)
    : Balancer(LoadBalancingStrategy::LeastConnections, backends),
      m_entries(entries(backends)),
      m_scaled(backends.empty() || m_entries[0].scale != 0)
{}

int Balancer::fallback(Selection &selection) const
{
    const int n = size();
    for (int step = 1; step <= n; ++step) {
        const int index = (selection.previous() + step) % n;
        if (!selection.tried(index))
            return index;
    }
    return -1;
}

int maxEjectedBackends(int backendCount, int maxEjectionPercent)
{
    if (backendCount <= 1)
        return 0;
    return std::clamp(int(qint64(backendCount) * maxEjectionPercent / 100), 1, backendCount - 1);
}

bool ejectWithinCap(const Balancer &balancer, int index, const OutlierDetectionSettings &settings, qint64 nowMs)
{
    // Ejections are rare (a run of failures ends in one): a lock keeps two of them at once, on
    // different backends of one route, from both passing the cap. No request waits for it.
    static QMutex ejecting;
    QMutexLocker lock(&ejecting);
    int ejected = 0;
    for (const BalancedBackend &backend : balancer.backends())
        ejected += backend.state->isEjected(nowMs) ? 1 : 0;
    if (ejected >= maxEjectedBackends(balancer.size(), settings.maxEjectionPercent))
        return false;
    return balancer.backend(index).state->eject(settings, nowMs);
}

BalancerPtr makeBalancer(LoadBalancingStrategy strategy, const std::vector<BalancedBackend> &backends,
                         const PeakEwmaSettings &peakEwma)
{
    switch (strategy) {
    case LoadBalancingStrategy::RoundRobin: return BalancerPtr(new RoundRobinBalancer(backends));
    case LoadBalancingStrategy::Weighted: return BalancerPtr(new WeightedBalancer(backends));
    case LoadBalancingStrategy::LeastConnections: return BalancerPtr(new LeastConnectionsBalancer(backends));
    case LoadBalancingStrategy::Random: return BalancerPtr(new RandomBalancer(backends));
    case LoadBalancingStrategy::IpHash: return BalancerPtr(new IpHashBalancer(backends));
    case LoadBalancingStrategy::PowerOfTwo: return BalancerPtr(new PowerOfTwoBalancer(backends));
    case LoadBalancingStrategy::PeakEwma: return BalancerPtr(new PeakEwmaBalancer(backends, peakEwma));
    }
    return BalancerPtr(new RoundRobinBalancer(backends));
}

void BalancerDeleter::operator()(const Balancer *balancer) const
{
    if (balancer)
        visitStrategy(*balancer, [](const auto &strategy) {
            delete &strategy;
            return 0;
        });
}

const quint64 processRandomSeed = QRandomGenerator::system()->generate64();

}  // namespace kairos
