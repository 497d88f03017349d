#!/usr/bin/env bash
# Install what is needed, check the C++ formatting (.clang-format), build, and run the whole
# CTest suite; then the same suite again in an
# AddressSanitizer + UndefinedBehaviorSanitizer build (skip that with KAIROS_SKIP_SANITIZE=1);
# then every libFuzzer target for 60 s with ASan + UBSan (KAIROS_SKIP_FUZZ=1 skips,
# KAIROS_FUZZ_SECONDS changes the time).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/format.sh --check
jobs=$(nproc)

# Tests ON explicitly: scripts/run.sh configures the same build folder without them.
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DKAIROS_BUILD_TESTS=ON >/dev/null
cmake --build build -j "$jobs"
(cd build && QT_QPA_PLATFORM=offscreen ctest --output-on-failure -j "$jobs")

if [ "${KAIROS_SKIP_SANITIZE:-0}" != "1" ]; then
    cmake -S . -B build-sanitize -G Ninja -DCMAKE_BUILD_TYPE=Debug -DKAIROS_SANITIZE=ON -DKAIROS_BUILD_TESTS=ON >/dev/null
    cmake --build build-sanitize -j "$jobs"
    (cd build-sanitize && QT_QPA_PLATFORM=offscreen ASAN_OPTIONS=detect_leaks=1 \
        UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure)
fi

if [ "${KAIROS_SKIP_FUZZ:-0}" != "1" ]; then
    ./scripts/fuzz.sh all "${KAIROS_FUZZ_SECONDS:-60}"
fi
