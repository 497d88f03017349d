#!/usr/bin/env bash
# The soak run (not part of CI): Kairos for 10 minutes at a moderate rate over all six strategies
# with a flapping backend; fails on any failed request or on growth of RSS, descriptors or the
# upstream pool. Arguments go to scripts/soak.py (--duration SECONDS, --connections, --pace-ms).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh nginx-light wrk
systemctl stop nginx 2>/dev/null || true   # the package starts a service of its own
cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DKAIROS_BUILD_GUI=OFF -DKAIROS_BUILD_TESTS=OFF >/dev/null
cmake --build build-bench --target kairos-gateway >/dev/null
exec python3 scripts/soak.py build-bench/app/kairos-gateway "$@"
