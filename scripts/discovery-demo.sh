#!/usr/bin/env bash
# Service discovery on loopback (docs/DISCOVERY.md): Debian's dnsmasq on 127.0.0.1:5353 serving
# records from files in a temporary folder, and a headless Kairos on 127.0.0.1:5900 running
# examples/discovery.json with the demo backends (127.0.0.1:9101 and :9102). /api/users follows
# SRV records (weights 3 and 1), /api/orders the A records of orders.kairos.test. Ctrl-C stops
# everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/demo-processes.sh
./scripts/install-deps.sh
build_gateway
start_demo discovery

cat >"$work/hosts" <<HOSTS
127.0.0.1 users-1.kairos.test users-2.kairos.test orders.kairos.test
HOSTS
cat >"$work/dnsmasq.conf" <<CONF
srv-host=_http._tcp.users.kairos.test,users-1.kairos.test,9101,10,3
srv-host=_http._tcp.users.kairos.test,users-2.kairos.test,9102,10,1
CONF
# Only these files: no /etc/hosts, no upstream servers; unknown names under kairos.test: NXDOMAIN.
dnsmasq --keep-in-foreground --conf-file="$work/dnsmasq.conf" --no-resolv --no-hosts \
    --bind-interfaces --listen-address=127.0.0.1 --port=5353 --local=/kairos.test/ \
    --addn-hosts="$work/hosts" --local-ttl=5 --user="$(id -un)" --pid-file --log-facility=- \
    >"$work/dnsmasq.log" 2>&1 &
dns=$!
pids+=($dns)
build/app/kairos-gateway --no-gui --demo --config examples/discovery.json >"$work/kairos.log" 2>&1 &
pids+=($!)
sleep 2
cat <<TEXT
dnsmasq on 127.0.0.1:5353 (records in $work/hosts and $work/dnsmasq.conf), Kairos on
http://127.0.0.1:5900 (log in $work/kairos.log). Try:
  for i in 1 2 3 4; do curl -s http://127.0.0.1:5900/api/users; echo; done   # demo-1 three times in four
  curl -s http://127.0.0.1:5900/api/backends | python3 -m json.tool | grep -A12 '"source"'
  sed -i 's/ orders.kairos.test//' $work/hosts && kill -HUP $dns            # orders.kairos.test is gone:
  sleep 2; curl -s http://127.0.0.1:5900/api/orders                         # 503 no_backends
  echo '127.0.0.1 orders.kairos.test' >>$work/hosts && kill -HUP $dns       # and back
Ctrl-C stops them all.
TEXT
wait
