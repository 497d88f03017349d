#!/usr/bin/env bash
# Every benchmark, in under 10 minutes on a 2-core machine: the micro-benchmarks (on the CPU that
# runs them fastest at the time: bench/fastest-cpu.sh says why; once more on the other if that one
# slowed down meanwhile), the proxy
# comparison with nginx and HAProxy (2-byte answers at 1/50/200 connections, a 1 MiB answer, the
# six strategies over three backends) and the memory of 10,000 idle connections. Shorter runs than
# the defaults of bench/proxy/run.sh (4 s x 3 rounds instead of 10 s), so that a first run, which
# builds the benchmarks, fits the time too; for the same reason the micro-benchmarks run each case
# for 0.2 s instead of 0.5 (38 s less; bench/run-micro.sh keeps 0.5).
# Output goes to the terminal and to build-bench/run-all.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh libbenchmark-dev nginx-light haproxy wrk
systemctl stop nginx haproxy 2>/dev/null || true   # the packages start services of their own
cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DKAIROS_BUILD_BENCH=ON \
      -DKAIROS_BUILD_GUI=OFF -DKAIROS_BUILD_TESTS=OFF >/dev/null
cmake --build build-bench --target kairos-gateway bench_routing bench_core >/dev/null
gateway=build-bench/app/kairos-gateway
speeds=$(mktemp)
trap 'rm -f "$speeds"' EXIT
# bench/fastest-cpu.sh's choice on stdout; its timing of each CPU printed and kept in $speeds.
fastest_cpu() { bench/fastest-cpu.sh build-bench/bench/bench_core 2>"$speeds"; cat "$speeds" >&2; }
speed_of() { awk -v cpu="$1:" '$3 == cpu {print $8}' "$speeds"; }  # "# CPU 0: ... in 2.31 ns"
micro() {
    echo "## micro-benchmarks (medians of 3, on CPU $1)"
    for name in routing core; do
        taskset -c "$1" build-bench/bench/bench_$name --benchmark_min_time=0.2 --benchmark_repetitions=3 --benchmark_report_aggregates_only=true 2>/dev/null |
            grep -E "_median|^-|^Benchmark"
    done
}
{
    echo "# $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(uname -r)"
    cpu=$(fastest_cpu)
    before=$(speed_of "$cpu")
    micro "$cpu"
    echo "# the same timing after them (a vCPU that changed speed meanwhile shows here):"
    now_fastest=$(fastest_cpu)
    after=$(speed_of "$cpu")
    # Once more, on the CPU that is the faster one now, if theirs had slowed down by a third.
    if [ -n "$before" ] && [ -n "$after" ] && awk -v a="$after" -v b="$before" 'BEGIN {exit !(a > 1.33 * b)}'; then
        echo "# CPU $cpu slowed down during them ($before -> $after ns): the micro-benchmarks once more"
        micro "$now_fastest"
        echo "# and the timing after them:"
        fastest_cpu >/dev/null
    fi
    echo "## proxy, 2-byte answers"
    python3 bench/proxy/compare.py "$gateway" --duration 4 --rounds 3 --connections 1,50,200
    echo "## proxy, 1 MiB answers"
    python3 bench/proxy/compare.py "$gateway" --duration 4 --rounds 3 --connections 50 --path /1m
    echo "## proxy, the six strategies over three backends (Kairos with 1 worker)"
    python3 bench/proxy/compare.py "$gateway" --duration 4 --rounds 3 --connections 50 --strategies
    echo "## idle keep-alive connections"
    python3 bench/connections/idle.py "$gateway" --connections 10000
    echo "# run-all took $((SECONDS / 60)) min $((SECONDS % 60)) s, installing and building included"
} 2>&1 | tee build-bench/run-all.txt
