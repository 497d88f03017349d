#!/usr/bin/env bash
# Builds the micro-benchmarks in Release and runs them. Usage: bench/run-micro.sh [benchmark args]
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh libbenchmark-dev
cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DKAIROS_BUILD_BENCH=ON \
      -DKAIROS_BUILD_GUI=OFF -DKAIROS_BUILD_TESTS=OFF >/dev/null
cmake --build build-bench --target bench_routing bench_core bench_compression >/dev/null
cpu=$(bench/fastest-cpu.sh build-bench/bench/bench_core)  # one vCPU is at times much slower: see there
for name in routing core compression; do
    taskset -c "$cpu" build-bench/bench/bench_$name --benchmark_repetitions=3 --benchmark_report_aggregates_only=true "$@"
done
