#!/usr/bin/env bash
# Prints the number of the CPU on which one round-robin selection (BM_Select/0/3, the micro-benchmark
# closest to the harness' floor) runs fastest now, after a line per CPU on stderr.
# Why: on the 2-vCPU virtual machine of docs/BENCHMARKS.md one vCPU at times runs everything at
# less than half the speed of the other (the host's load: /proc/stat shows no steal time), and a
# micro-benchmark that the scheduler happens to place there measures the host, not the code.
# Usage: bench/fastest-cpu.sh build-bench/bench/bench_core
set -euo pipefail
bench=${1:?usage: fastest-cpu.sh BENCH_CORE_BINARY}
best=0
best_ns=
for cpu in $(seq 0 $(($(nproc) - 1))); do
    ns=$(taskset -c "$cpu" "$bench" --benchmark_filter='BM_Select/0/3$' --benchmark_min_time=0.2 2>/dev/null |
         awk '/^BM_/ && $3 == "ns" {print $2}') || continue
    [ -n "$ns" ] || continue
    echo "# CPU $cpu: a round-robin selection in $ns ns" >&2
    if [ -z "$best_ns" ] || awk -v a="$ns" -v b="$best_ns" 'BEGIN {exit !(a < b)}'; then
        best=$cpu
        best_ns=$ns
    fi
done
echo "$best"
