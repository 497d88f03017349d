// The release notes' other micro-benchmarks: one balancer selection per strategy (3 and 100
// backends), one retry backoff computation, a reload (parse + validate + compile) of 100 and
// 10,000 routes, and the heap a config holds per route (1,000 routes × 3 backends).
#include "benchconfig.h"
#include "balancing/balancer.h"
#include "protection/ratelimiter.h"
#include "proxy/gatewaysnapshot.h"
#include "resilience/retrypolicy.h"

#include <benchmark/benchmark.h>
#include <malloc.h>

using namespace kairos;

namespace {

const LoadBalancingStrategy kStrategies[] = {LoadBalancingStrategy::RoundRobin,       LoadBalancingStrategy::Weighted,
                                             LoadBalancingStrategy::LeastConnections, LoadBalancingStrategy::Random,
                                             LoadBalancingStrategy::IpHash,           LoadBalancingStrategy::PowerOfTwo,
                                             LoadBalancingStrategy::PeakEwma};

// One selection as a request makes it: a Selection over the route's balancer and its first
// available candidate.
void BM_Select(benchmark::State &state)
{
    const LoadBalancingStrategy strategy = kStrategies[state.range(0)];
    const int count = int(state.range(1));
    std::vector<BalancedBackend> backends;
    for (int i = 0; i < count; ++i) {
        Backend backend;
        backend.host = QStringLiteral("http://b%1").arg(i);
        backend.port = 80;
        backends.push_back({std::make_shared<BackendState>(backend), 1 + i % 3});
    }
    const StandaloneBalancer balancer(strategy, std::move(backends));
    // Hashed once per connection, as ClientConnection does (BM_ClientHash).
    const quint64 clients[4] = {clientHash("10.0.0.1"), clientHash("10.0.0.2"), clientHash("192.168.1.7"),
                                clientHash("2001:db8::1")};
    size_t next = 0;
    for (auto _ : state) {
        Selection selection = balancer.select(clients[next++ & 3]);
        benchmark::DoNotOptimize(selection.nextAvailable());
    }
    state.SetLabel(strategyName(strategy).toStdString());
}

// What ip_hash needs of a client once per connection (per request when the address comes from a
// trusted proxy's X-Forwarded-For): its address hashed.
void BM_ClientHash(benchmark::State &state)
{
    const QByteArray clients[4] = {"10.0.0.1", "10.0.0.2", "192.168.1.7", "2001:db8::1"};
    size_t next = 0;
    for (auto _ : state)
        benchmark::DoNotOptimize(clientHash(clients[next++ & 3]));
}

void BM_Backoff(benchmark::State &state)
{
    RetryPolicy policy;
    policy.jitter = state.range(0) != 0;
    int attempt = 2;
    quint64 random = 0x9e3779b97f4a7c15ULL;
    for (auto _ : state) {
        benchmark::DoNotOptimize(backoffDelayMs(policy, attempt, random));
        attempt = attempt == 6 ? 2 : attempt + 1;
        random = random * 6364136223846793005ULL + 1;
    }
}

// What a config change costs before the swap: JSON parse, validation, and compiling the snapshot
// (route table, balancers, metrics, trusted proxies, JWT key).
void BM_Reload(benchmark::State &state)
{
    const QByteArray json = bench::routesConfigJson(int(state.range(0)));
    BackendRegistry registry;
    RouteMetricsRegistry metrics;
    for (auto _ : state) {
        const ConfigLoadResult loaded = loadConfig(json);
        GatewaySnapshot snapshot(loaded.config, registry, metrics);
        benchmark::DoNotOptimize(snapshot.routes.routes().size());
    }
}

// Bytes in use on the heap, with the blocks malloc serves by mmap (large vectors, before glibc
// raises its threshold) which mallinfo2's uordblks leaves out.
size_t heapInUse()
{
    const struct mallinfo2 info = mallinfo2();
    return info.uordblks + info.hblkhd;
}

// Heap held by a running config: the model plus its compiled snapshot (and the state of each
// distinct backend), per route. Second argument: 0 when all routes name the same 3 backends, 1
// when every pair of routes has its own 3, 2 when every route has; third: the strategy
// (kStrategies; round robin by default).
// The parts: the config model; the route table (built alone once more to weigh it); the route
// metrics registry (the same); and the rest, the release notes' "load balancer, retry config and
// backend" overhead: balancers, per-route upstream targets and circuit settings, backend states.
void BM_MemoryPerRoute(benchmark::State &state)
{
    const int routes = int(state.range(0));
    const LoadBalancingStrategy strategy = kStrategies[state.range(2)];
    const int routesPerBackendList[] = {0, 2, 1};
    const QByteArray json =
        bench::routesConfigJson(routes, 3, routesPerBackendList[state.range(1)], strategyName(strategy));
    double total = 0, model = 0, table = 0, metricsBytes = 0;
    for (auto _ : state) {
        malloc_trim(0);
        const size_t before = heapInUse();
        BackendRegistry registry;
        RouteMetricsRegistry metrics;
        ConfigSnapshot config = loadConfig(json).config;
        model = double(heapInUse() - before);
        {
            const size_t start = heapInUse();
            const RouteTable alone(config);
            table = double(heapInUse() - start);
        }
        {
            const size_t start = heapInUse();
            RouteMetricsRegistry alone;
            for (const Route &route : config->routes)
                alone.obtain(route.externalPath);
            metricsBytes = double(heapInUse() - start);
        }
        auto snapshot = std::make_unique<GatewaySnapshot>(std::move(config), registry, metrics);
        total = double(heapInUse() - before);
        benchmark::DoNotOptimize(snapshot.get());
    }
    state.counters["bytes_per_route"] = total / routes;
    state.counters["MB_total"] = total / 1e6;
    state.counters["MB_config_model"] = model / 1e6;
    state.counters["MB_route_table"] = table / 1e6;
    state.counters["MB_route_metrics"] = metricsBytes / 1e6;
    state.counters["MB_balancing"] = (total - model - table - metricsBytes) / 1e6;
    state.SetLabel(strategyName(strategy).toStdString());
}

void selectionArguments(benchmark::internal::Benchmark *benchmark)
{
    for (int strategy = 0; strategy < int(std::size(kStrategies)); ++strategy) {
        benchmark->Args({strategy, 3});
        benchmark->Args({strategy, 100});
    }
}

}  // namespace

// One rate-limit decision as a request makes it, the clock read included. Arg 0: key "route"
// (one atomic, compare-and-swap); 1: per client address (a shard's map under its mutex).
// With ->Threads(2), two threads on the same key: the contended case.
void BM_RateLimit(benchmark::State &state)
{
    static RateLimiter *limiter = nullptr;
    if (state.thread_index() == 0) {
        RateLimitSettings settings;
        settings.requestsPerSecond = 1e9;  // admits everything: the cost of deciding, not of refusing
        settings.burst = 1'000'000;
        settings.key = state.range(0) == 0 ? RateLimitSettings::Key::Route : RateLimitSettings::Key::ClientIp;
        limiter = new RateLimiter(settings);
    }
    const QByteArray client = "203.0.113.7";
    for (auto _ : state)
        benchmark::DoNotOptimize(limiter->admit(client, RateLimiter::nowNs()));
    if (state.thread_index() == 0) {
        delete limiter;
        limiter = nullptr;
    }
}

// Heap per tracked key of a per-client limit: `max_keys` distinct client addresses (IPv6 text, 20-
// 39 bytes) fill the limiter, then as many more arrive, which the LRU bound turns away (the heap
// must not grow). Arg: max_keys.
void BM_RateLimitMemoryPerKey(benchmark::State &state)
{
    const int maxKeys = int(state.range(0));
    double perKey = 0, growthAfterFull = 0;
    size_t tracked = 0;
    for (auto _ : state) {
        malloc_trim(0);
        const size_t before = heapInUse();
        RateLimitSettings settings;
        settings.requestsPerSecond = 1;
        settings.maxKeys = maxKeys;
        auto limiter = std::make_unique<RateLimiter>(settings);
        const qint64 now = RateLimiter::nowNs();
        for (int i = 0; i < maxKeys; ++i)
            limiter->admit("2001:db8::" + QByteArray::number(i, 16), now);
        const size_t full = heapInUse();
        for (int i = maxKeys; i < 2 * maxKeys; ++i)
            limiter->admit("2001:db8::" + QByteArray::number(i, 16), now);
        growthAfterFull = double(heapInUse()) - double(full);
        tracked = limiter->trackedKeys();
        perKey = double(full - before) / maxKeys;
        benchmark::DoNotOptimize(limiter.get());
    }
    state.counters["bytes_per_key"] = perKey;
    state.counters["MB_full"] = perKey * maxKeys / 1e6;
    state.counters["bytes_grown_by_as_many_more"] = growthAfterFull;
    state.counters["keys_tracked"] = double(tracked);
}

BENCHMARK(BM_Select)->Apply(selectionArguments);
BENCHMARK(BM_RateLimit)->Arg(0)->Arg(1)->ThreadRange(1, 2);
BENCHMARK(BM_RateLimitMemoryPerKey)->Arg(100'000)->Arg(1'000'000)->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ClientHash);
BENCHMARK(BM_Backoff)->Arg(0)->Arg(1);
BENCHMARK(BM_Reload)->Arg(100)->Arg(10000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_MemoryPerRoute)
    ->Args({1000, 1, 0})
    ->Args({1000, 0, 0})
    ->Args({1000, 2, 0})
    ->Args({1000, 1, 4})
    ->Args({1000, 0, 4})
    ->Iterations(3);
BENCHMARK_MAIN();
