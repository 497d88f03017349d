#!/usr/bin/env bash
# Quick start: install what is needed, build in Release, and start the gateway on the shipped
# example config with its two demo backends. Opens the console when a display exists, otherwise
# runs headless. Extra arguments go to kairos-gateway (e.g. --no-gui).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DKAIROS_BUILD_TESTS=OFF >/dev/null
cmake --build build --target kairos-gateway
echo "Starting Kairos on http://127.0.0.1:5900 - try: curl http://127.0.0.1:5900/api/users"
exec build/app/kairos-gateway --demo --config examples/config.json "$@"
