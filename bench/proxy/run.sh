#!/usr/bin/env bash
# Proxy throughput and latency: Kairos beside nginx and HAProxy (Debian packages, installed if
# missing), 127.0.0.1 only. Arguments go to compare.py (--duration, --rounds, --connections).
set -euo pipefail
cd "$(dirname "$0")/../.."
./scripts/install-deps.sh nginx-light haproxy wrk
systemctl stop nginx haproxy 2>/dev/null || true   # the packages start services of their own
cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DKAIROS_BUILD_GUI=OFF -DKAIROS_BUILD_TESTS=OFF >/dev/null
cmake --build build-bench --target kairos-gateway
python3 bench/proxy/compare.py build-bench/app/kairos-gateway "$@"
