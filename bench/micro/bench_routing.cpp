// ns per route match, static and dynamic, over route tables of 10, 100 and 10,000 routes.
// Each table holds as many static routes ("/svcN/items") as template routes
// ("/svcN/items/{id}/orders/{order}"); the benchmark looks up paths spread over the whole table.
#include "benchconfig.h"
#include "routing/routetable.h"

#include <benchmark/benchmark.h>

#include <memory>

using namespace kairos;

namespace {

std::unique_ptr<RouteTable> makeTable(int routeCount)
{
    return std::make_unique<RouteTable>(bench::routesConfig(routeCount));
}

std::vector<QByteArray> paths(int routeCount, bool dynamic)
{
    std::vector<QByteArray> result;
    for (int i = 0; i < 64; ++i) {
        const int service = (i * 7919) % (routeCount / 2);
        result.push_back(dynamic
                             ? QStringLiteral("/svc%1/items/%2/orders/%3").arg(service).arg(i * 31).arg(i).toLatin1()
                             : QStringLiteral("/svc%1/items").arg(service).toLatin1());
    }
    return result;
}

void matchRoutes(benchmark::State &state, bool dynamic)
{
    const int routeCount = int(state.range(0));
    const auto table = makeTable(routeCount);
    const std::vector<QByteArray> targets = paths(routeCount, dynamic);
    size_t next = 0;
    for (auto _ : state) {
        const RouteMatch match = table->match("GET", targets[next++ & 63]);
        benchmark::DoNotOptimize(match.route);
    }
}

void BM_MatchStatic(benchmark::State &state)
{
    matchRoutes(state, false);
}
void BM_MatchDynamic(benchmark::State &state)
{
    matchRoutes(state, true);
}

void BM_MatchDynamicAndBuildTarget(benchmark::State &state)
{
    const int routeCount = int(state.range(0));
    const auto table = makeTable(routeCount);
    const std::vector<QByteArray> targets = paths(routeCount, true);
    size_t next = 0;
    for (auto _ : state) {
        const RouteMatch match = table->match("GET", targets[next++ & 63]);
        benchmark::DoNotOptimize(table->upstreamTarget(match, "page=2"));
    }
}

}  // namespace

BENCHMARK(BM_MatchStatic)->Arg(10)->Arg(100)->Arg(10000);
BENCHMARK(BM_MatchDynamic)->Arg(10)->Arg(100)->Arg(10000);
BENCHMARK(BM_MatchDynamicAndBuildTarget)->Arg(10)->Arg(100)->Arg(10000);
BENCHMARK_MAIN();
