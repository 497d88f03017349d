#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) and fuzzes one of them.
# Usage: scripts/fuzz.sh TARGET SECONDS [libFuzzer options]
#        scripts/fuzz.sh all SECONDS     every target, two at a time
# Targets: request_parser response_parser config route_match jwt http2 staticpath dns_answer (tests/fuzz/fuzz_<target>.cpp).
# New inputs that grow coverage go to build-fuzz/corpus/TARGET (the seeds in tests/fuzz/corpus
# stay as they are); a crash is written to build-fuzz/crashes/TARGET/ and the script fails. Copy
# the crash file into tests/fuzz/regressions/TARGET/ once fixed: CTest replays it from then on.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -lt 2 ]; then
    sed -n '3,9p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
fi
target=$1 seconds=$2
shift 2
targets=(request_parser response_parser config route_match jwt http2 staticpath dns_answer)

./scripts/install-deps.sh clang libclang-rt-14-dev
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DKAIROS_BUILD_FUZZ=ON >/dev/null
cmake --build build-fuzz -j "$(nproc)" >build-fuzz/build.log 2>&1 || { tail -n 40 build-fuzz/build.log; exit 1; }

run_one() {
    local name=$1
    mkdir -p "build-fuzz/corpus/$name" "build-fuzz/crashes/$name"
    echo "fuzzing $name for ${seconds}s"
    # detect_leaks: each input must free what it took, or a long run would not fit in memory.
    ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
        "build-fuzz/tests/fuzz/fuzz_$name" -max_total_time="$seconds" -max_len=8192 -timeout=10 \
        -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="build-fuzz/crashes/$name/" \
        "${@:2}" "build-fuzz/corpus/$name" "tests/fuzz/corpus/$name" \
        >"build-fuzz/fuzz-$name.log" 2>&1 || {
        echo "fuzz_$name FAILED; last lines of build-fuzz/fuzz-$name.log:"
        tail -n 40 "build-fuzz/fuzz-$name.log"
        return 1
    }
    grep -E '^stat::(number_of_executed_units|new_units_added)' "build-fuzz/fuzz-$name.log" |
        sed "s/^/  $name /"
}

if [ "$target" = all ]; then
    status=0 pids=()
    for name in "${targets[@]}"; do
        run_one "$name" "$@" &
        pids+=($!)
        if [ ${#pids[@]} -ge "$(nproc)" ]; then
            wait "${pids[0]}" || status=1
            pids=("${pids[@]:1}")
        fi
    done
    for pid in "${pids[@]}"; do wait "$pid" || status=1; done
    exit $status
fi
run_one "$target" "$@"
