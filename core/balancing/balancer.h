// Load balancing: one interface, one file per strategy (as in Pingora's selection module).
//
// A balancer does not return one backend but a Selection that yields candidates in order of
// preference: the first choice, then fallbacks, each backend at most once. Retries and skipping
// unavailable backends are then just "take the next one". Balancers are shared by all worker
// threads; their mutable state is atomic.
#pragma once

#include "backend/backendstate.h"
#include "config/config.h"

#include <QByteArrayView>
#include <QVarLengthArray>

#include <atomic>
#include <memory>
#include <vector>

namespace kairos {

struct BalancedBackend {
    std::shared_ptr<BackendState> state;
    int weight = 1;
    bool checksCertificate = true;  // Backend::checksCertificate() of the route's entry
    const QString &connectionKey() const { return state->connectionKey(checksCertificate); }
};

// A balancer's backends: a view of a list that its maker keeps for as long as the balancer (a
// snapshot keeps one per distinct list of backends, which routes listing the same ones share).
class BalancedBackendRange
{
public:
    BalancedBackendRange(const BalancedBackend *first, int count) : m_first(first), m_count(count) {}
    const BalancedBackend *begin() const { return m_first; }
    const BalancedBackend *end() const { return m_first + m_count; }
    const BalancedBackend &operator[](size_t index) const { return m_first[index]; }
    size_t size() const { return size_t(m_count); }

private:
    const BalancedBackend *m_first;
    int m_count;
};

class Balancer;

// A PeakEwma route's ewma_decay_ms and default_rtt_ms.
struct PeakEwmaSettings {
    int decayMs = kDefaultEwmaDecayMs;
    int defaultRttMs = kDefaultRttMs;

    static PeakEwmaSettings of(const Route &route)
    {
        return {route.overrides->ewmaDecayMs.value_or(kDefaultEwmaDecayMs),
                route.overrides->defaultRttMs.value_or(kDefaultRttMs)};
    }
};

// Where a route's rotation stands (round_robin and weighted, least_connections' ties). Routes with
// the same backends and strategy share one balancer, and each has a rotation of its own.
using Rotation = std::atomic<quint32>;

// A first choice with its backend's state, from a strategy that has that state at hand
// (power_of_two and peak_ewma read it while choosing, least_connections' scan ends on an entry holding it): the
// availability check then starts from it instead of loading it again from the list.
struct Choice {
    int index;
    const BackendState *state;
};

// Per-request iteration over the candidates of one balancer.
class Selection
{
public:
    // `clientHash` is clientHash() of the client's address, for IpHash. A connection hashes its
    // peer's address once, not each of its requests.
    inline Selection(const Balancer &balancer, Rotation &rotation, quint64 clientHash);
    // Made in place only (C++17 returns it without a copy): its tried bits are not set until a
    // fallback needs them, and a copy would read them unset.
    Selection(const Selection &) = delete;
    Selection &operator=(const Selection &) = delete;
    // The next candidate's index into the route's backends, or -1 when all were yielded.
    int next();
    // The next candidate that is available (healthy, circuit not open, not ejected; one in slow
    // start is taken with its ramp's probability), or -1. When only ejected or ramp-declined
    // backends are left, the first of them: a route never loses all its backends to ejection.
    int nextAvailable();

    quint64 clientHash() const { return m_clientHash; }
    Rotation &rotation() const { return m_rotation; }
    // Whether `index` was yielded already. For the strategies' fallbacks: the bits are made when
    // the first fallback is asked for (most requests take their first choice and need none).
    bool tried(int index) const { return triedWords()[index / 64] & (quint64(1) << (index % 64)); }
    int count() const { return m_count; }
    int previous() const { return m_previous; }
    quint64 cursor = 0;  // strategy-specific position (ring point, schedule slot)

private:
    // Instantiated for each strategy class in balancer.cpp, which switches on the strategy once.
    template <typename Strategy> int nextWith(const Strategy &strategy);
    template <typename Strategy> int firstWith(const Strategy &strategy);
    template <typename Strategy> int nextAvailableWith(const Strategy &strategy);
    template <typename Strategy>
    int fallbackAvailableWith(const Strategy &strategy, int candidate);  // candidate: already taken, or -1
    void prepareTriedBits();
    // What to do with a candidate that is ejected or in slow start.
    enum class OutlierGate { Take, PickAfresh, Fallback };
    OutlierGate outlierGate(int index) const;
    // For the strategies that choose by load: -1 when backend `index` carries less than its ramp's
    // share of the route's in-flight requests, 1 when more, 0 when even (no load at all).
    int comparedToRampedShare(int index, int percent) const;

    const Balancer &m_balancer;
    Rotation &m_rotation;
    const quint64 m_clientHash;
    // A bit per backend, inline up to 128 backends (no allocation per request); left unset until
    // prepareTriedBits().
    const quint64 *triedWords() const { return m_triedHeap ? m_triedHeap.get() : m_triedInline; }
    quint64 *triedWords() { return m_triedHeap ? m_triedHeap.get() : m_triedInline; }
    quint64 m_triedInline[2];
    std::unique_ptr<quint64[]> m_triedHeap;
    int m_count = 0;
    int m_previous = -1;
    int m_skipped = -1;  // the first candidate passed over for ejection or slow start; -2 once taken
};

// The strategies (one class each) provide `int first(Selection &) const`, the first choice (and
// may provide `Choice firstChoice(Selection &) const` beside it), and
// may hide `fallback`, a further choice among the untried ones. Selection reaches them through a
// switch on strategy() rather than virtual calls, so that they inline into it: a whole selection
// takes a few nanoseconds, about what one virtual call and its return cost.
class Balancer
{
public:
    LoadBalancingStrategy strategy() const { return m_strategy; }
    BalancedBackendRange backends() const { return {m_backends, m_size}; }
    const BalancedBackend &backend(int index) const { return m_backends[index]; }
    int size() const { return m_size; }

    // By default, the next untried index after the previous one.
    int fallback(Selection &selection) const;

protected:
    Balancer(LoadBalancingStrategy strategy, const std::vector<BalancedBackend> &backends)
        : m_backends(backends.data()), m_size(int(backends.size())), m_strategy(strategy)
    {}
    // Not virtual: BalancerDeleter destroys each balancer as its own class, which spares every
    // balancer a vtable pointer (a round-robin one is 24 bytes, a block of 32 on the heap).
    ~Balancer() = default;

    const BalancedBackend *const m_backends;
    const int m_size;  // kept apart: computing it from a vector costs a multiplication per use
    const LoadBalancingStrategy m_strategy;
};

struct BalancerDeleter {
    void operator()(const Balancer *balancer) const;
};
using BalancerPtr = std::unique_ptr<const Balancer, BalancerDeleter>;

Selection::Selection(const Balancer &balancer, Rotation &rotation, quint64 clientHash)
    : m_balancer(balancer), m_rotation(rotation), m_clientHash(clientHash)
{}

// Outlier detection's cap: the most of a route's `backendCount` backends that may be ejected at
// once. At least one (as Envoy), never all of them: a route of one backend ejects none.
int maxEjectedBackends(int backendCount, int maxEjectionPercent);
// Ejects backend `index` of a route's balancer unless as many of the route's backends as its cap
// allows are ejected already. Counts over this route's backends only: a backend ejected through
// another route counts here too, since the state is shared. True if it ejected it.
bool ejectWithinCap(const Balancer &balancer, int index, const OutlierDetectionSettings &settings, qint64 nowMs);

// The client address as IpHash places it on its ring: XXH3, which does not change between runs or
// machines (unlike qHash's seeded hash).
quint64 clientHash(QByteArrayView address);

// Over backends that the caller keeps, unchanged, for as long as the balancer. `peakEwma` is read
// by PeakEwma only.
BalancerPtr makeBalancer(LoadBalancingStrategy strategy, const std::vector<BalancedBackend> &backends,
                         const PeakEwmaSettings &peakEwma = {});

// A balancer with its own backends and rotation, for one used on its own (tests, benchmarks).
struct StandaloneBalancer {
    StandaloneBalancer(LoadBalancingStrategy strategy, std::vector<BalancedBackend> list,
                       const PeakEwmaSettings &peakEwma = {})
        : backends(std::move(list)), balancer(makeBalancer(strategy, backends, peakEwma))
    {}
    Selection select(quint64 clientHash) const { return Selection(*balancer, rotation, clientHash); }

    const std::vector<BalancedBackend> backends;
    const BalancerPtr balancer;
    mutable Rotation rotation{0};
};

// Drawn from the system generator when the process starts.
extern const quint64 processRandomSeed;

// wyrand (from wyhash): a state advanced by a constant, mixed by one 64x64->128-bit multiplication.
constexpr quint64 kWyrandIncrement = 0xa0761d6478bd642fULL;
inline quint64 wyrandOutput(quint64 state)
{
    const unsigned __int128 product = static_cast<unsigned __int128>(state) * (state ^ 0xe7037ed1a0b428dbULL);
    return quint64(product >> 64) ^ quint64(product);
}

// Fast per-thread random numbers (request ids, retry jitter; no lock, unlike
// QRandomGenerator::global()). A thread's sequence starts from the process seed and the address
// of its own state, which differs between threads. A constant initializer keeps the thread-local
// access free of a guard call.
inline quint64 threadRandom()
{
    thread_local quint64 state = 0;
    quint64 current = state;
    if (Q_UNLIKELY(current == 0))
        current = processRandomSeed ^ quint64(quintptr(&state));
    current += kWyrandIncrement;
    state = current;
    return wyrandOutput(current);
}

// The same generator over a state shared by all worker threads, for the random strategies: a
// relaxed load and store like advanceRotation() (threads that race draw the same number once,
// which does no harm to a pick). A balancer's own state costs a pick less than the thread-local
// one, whose address and first-use check took GCC six saved registers in the selection function.
inline quint64 sharedRandom(std::atomic<quint64> &state)
{
    const quint64 current = state.load(std::memory_order_relaxed) + kWyrandIncrement;
    state.store(current, std::memory_order_relaxed);
    return wyrandOutput(current);
}

// The next position of a rotation shared by all worker threads. A plain load and store, not an
// atomic increment: a locked add costs more than the rest of a selection, and when two threads
// race they merely start at the same backend once, which keeps the rotation even on average.
// The position wraps at `length` itself, which spares a division per selection.
inline quint32 advanceRotation(std::atomic<quint32> &position, quint32 length)
{
    quint32 current = position.load(std::memory_order_relaxed);
    if (current >= length)
        current = 0;  // the length shrank? never: a balancer's backends are fixed. Stay in range anyway.
    position.store(current + 1 == length ? 0 : current + 1, std::memory_order_relaxed);
    return current;
}

// A random number below `bound` from 64 random bits, by multiplication instead of a division
// (Lemire's reduction; the bias for bounds this small is negligible).
inline quint32 randomBelow(quint64 random, quint32 bound)
{
    return quint32(((random >> 32) * bound) >> 32);
}

}  // namespace kairos
