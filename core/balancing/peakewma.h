#pragma once

#include "twochoices.h"

#include <algorithm>
#include <cmath>

namespace kairos {

// Peak EWMA (Finagle's and Linkerd's balancer): two backends at random, as power_of_two, and the
// one with the lower cost wins: its latency estimate (BackendState::latencyEstimate, decayed to
// now) × (in-flight requests + 1) / weight. The estimate jumps to a slower answer at once and
// falls back over the route's ewma_decay_ms, so a backend that slows down loses its traffic
// within a few of its answers, and gets it back as its estimate decays and fresh answers prove it
// fast. A backend without answers yet counts default_rtt_ms from when this balancer was made.
// Fallbacks: the other one, then in order.
class PeakEwmaBalancer final : public TwoChoicesBalancer
{
public:
    PeakEwmaBalancer(const std::vector<BalancedBackend> &backends, const PeakEwmaSettings &settings)
        : TwoChoicesBalancer(LoadBalancingStrategy::PeakEwma, backends),
          m_decayNs(double(settings.decayMs) * 1e6),
          m_inverseDecayNs(1 / m_decayNs),
          m_defaultNs(double(settings.defaultRttMs) * 1e6),
          m_madeNs(steadyNowNs())
    {}

    Choice firstChoice(Selection &selection) const
    {
        if (size() == 1)
            return {0, m_backends[0].state.get()};
        const auto [a, b] = drawPair(selection);
        const BalancedBackend &x = m_backends[a];
        const BalancedBackend &y = m_backends[b];
        const PeakEwmaEstimate::Value ex = estimate(*x.state);
        const PeakEwmaEstimate::Value ey = estimate(*y.state);
        // Both estimates decay toward now by exp(-(now - at) / decay): compared, that is the one
        // factor exp((at_x - at_y) / decay) on x's side, so a pick reads no clock. Weights are
        // crossed to compare without dividing. Beyond kMaxExponent decay times the older estimate
        // is as good as zero next to the other, and the clamp keeps the product finite.
        const double loadX = ex.latencyNs * double(x.state->inFlight.load(std::memory_order_relaxed) + 1) * y.weight;
        const double loadY = ey.latencyNs * double(y.state->inFlight.load(std::memory_order_relaxed) + 1) * x.weight;
        const double exponent = std::clamp(double(ex.atNs - ey.atNs) * m_inverseDecayNs, -kMaxExponent, kMaxExponent);
        // A tie goes to `a`, itself a uniform pick.
        return loadX * std::exp(exponent) <= loadY ? Choice{a, x.state.get()} : Choice{b, y.state.get()};
    }
    int first(Selection &selection) const { return firstChoice(selection).index; }

    // Feeds the outcome of a try of this balancer's route on backend `state`: `status` is the
    // backend's answer, or the 502/504 the gateway made of a failure, `elapsedNs` the time from
    // choosing the backend to its response head or the failure. A failure counts as at least
    // twice the backend's estimate (default_rtt_ms when that is more), so that a backend failing
    // fast looks slower than it did, and more so at each further failure, up to `ceilingNs`, the
    // route's timeout_ms: what a client could have waited on it.
    void observe(BackendState &state, int status, qint64 elapsedNs, qint64 nowNs, double ceilingNs) const
    {
        double latencyNs = double(std::max<qint64>(elapsedNs, 1));
        if (status >= 500) {
            const double penalty = 2 * std::max(estimateNs(state, nowNs), m_defaultNs);
            latencyNs = std::max(latencyNs, std::min(penalty, ceilingNs));
        }
        state.latencyEstimate.observe(latencyNs, nowNs, m_decayNs);
    }

    double decayNs() const { return m_decayNs; }
    double defaultRttNs() const { return m_defaultNs; }
    // What a pick at `nowNs` counts for the backend, before in-flight requests and weight.
    double estimateNs(const BackendState &state, qint64 nowNs) const
    {
        return PeakEwmaEstimate::decayed(estimate(state), nowNs, m_decayNs);
    }

private:
    static constexpr double kMaxExponent = 60;

    PeakEwmaEstimate::Value estimate(const BackendState &state) const
    {
        const PeakEwmaEstimate::Value value = state.latencyEstimate.load();
        return value.atNs != 0 ? value : PeakEwmaEstimate::Value{m_defaultNs, m_madeNs};
    }

    const double m_decayNs;
    const double m_inverseDecayNs;
    const double m_defaultNs;
    const qint64 m_madeNs;
};

}  // namespace kairos
