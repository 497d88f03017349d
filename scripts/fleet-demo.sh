#!/usr/bin/env bash
# A fleet on loopback (docs/FLEET.md): Debian's etcd on 127.0.0.1:2379 with its data in a
# temporary folder, and three headless Kairos instances on ports 5901, 5902 and 5903 sharing
# their routes through it. The first seeds etcd with examples/config.json's routes and runs the
# demo backends. Ctrl-C stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/demo-processes.sh
./scripts/install-deps.sh etcd-server etcd-client
systemctl stop etcd 2>/dev/null || true   # the package starts a service of its own on 2379
build_gateway
start_demo fleet

etcd --name demo --data-dir "$work/etcd" \
    --listen-client-urls http://127.0.0.1:2379 --advertise-client-urls http://127.0.0.1:2379 \
    --listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
    --initial-cluster demo=http://127.0.0.1:2380 >"$work/etcd.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do
    curl -sf http://127.0.0.1:2379/health >/dev/null && break
    sleep 0.1
done

for n in 1 2 3; do
    cp examples/config.json "$work/instance-$n.json"
    extra=()
    [ "$n" = 1 ] && extra=(--demo --etcd-seed)
    build/app/kairos-gateway --no-gui --config "$work/instance-$n.json" --listen "127.0.0.1:590$n" \
        --etcd http://127.0.0.1:2379 --access-log none "${extra[@]}" >"$work/instance-$n.log" 2>&1 &
    pids+=($!)
    [ "$n" = 1 ] && sleep 1   # the seed goes in before the others read
done
sleep 1
cat <<TEXT
etcd on http://127.0.0.1:2379, Kairos on http://127.0.0.1:5901, :5902 and :5903 (logs in $work).
Try:
  curl http://127.0.0.1:5901/api/cluster
  curl -X POST http://127.0.0.1:5902/api/routes -H 'Content-Type: application/json' \\
       -d '{"external_path": "/hello", "internal_path": "/users", "methods": ["GET"],
            "backends": [{"host": "http://127.0.0.1", "port": 9101}]}'
  curl http://127.0.0.1:5903/hello
  ETCDCTL_API=3 etcdctl --endpoints http://127.0.0.1:2379 get --prefix /kairos --keys-only
Ctrl-C stops them all.
TEXT
wait
