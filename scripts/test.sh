#!/usr/bin/env bash
# Install what is needed, check the C++ formatting (.clang-format), build, and run the whole
# CTest suite; build, install and check the Debian package; then the same suite again in an
# AddressSanitizer + UndefinedBehaviorSanitizer build (skip that with KAIROS_SKIP_SANITIZE=1);
# then every libFuzzer target for 30 s with ASan + UBSan (KAIROS_SKIP_FUZZ=1 skips,
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

# The Debian package: built, installed, its binary run and its unit verified, then purged with its
# conffiles. A machine where dpkg knows a kairos-gateway package already (deployed there) keeps it.
cmake --build build --target package >/dev/null
if dpkg-query -W -f='${db:Status-Abbrev}' kairos-gateway 2>/dev/null | grep -q '^.[^n]'; then
    echo "kairos-gateway is installed here: the package was built, not installed" >&2
else
    as_root=()
    [ "$(id -u)" -eq 0 ] || as_root=(sudo)
    trap '"${as_root[@]}" dpkg --purge kairos-gateway >/dev/null' EXIT
    "${as_root[@]}" dpkg -i "$(ls -t build/kairos-gateway_*.deb | head -n1)" >/dev/null
    /usr/bin/kairos-gateway --version
    /usr/bin/kairos-gateway --check --config /etc/kairos/config.json
    test -f /usr/share/doc/kairos-gateway/CONFIGURATION.md  # what the console's Help menu opens
    # verify only warns about an unknown or misspelt key: any word about the unit fails here.
    unit_report=$(systemd-analyze verify /usr/lib/systemd/system/kairos-gateway.service 2>&1) \
        && ! grep -q kairos-gateway <<<"$unit_report" || { echo "$unit_report" >&2; exit 1; }
    "${as_root[@]}" dpkg --purge kairos-gateway >/dev/null
    trap - EXIT
fi

if [ "${KAIROS_SKIP_SANITIZE:-0}" != "1" ]; then
    cmake -S . -B build-sanitize -G Ninja -DCMAKE_BUILD_TYPE=Debug -DKAIROS_SANITIZE=ON -DKAIROS_BUILD_TESTS=ON >/dev/null
    cmake --build build-sanitize -j "$jobs"
    (cd build-sanitize && QT_QPA_PLATFORM=offscreen ASAN_OPTIONS=detect_leaks=1 \
        UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j "$jobs")
fi

if [ "${KAIROS_SKIP_FUZZ:-0}" != "1" ]; then
    ./scripts/fuzz.sh all "${KAIROS_FUZZ_SECONDS:-30}"
fi
