#!/usr/bin/env bash
# Drives the real console on a virtual X display as a person would, and saves a screenshot of
# each view: the pictures in docs/screenshots/ come from it.
#   ./scripts/console-tour.sh [OUTPUT_DIR]      (default: docs/screenshots)
# Starts Xvfb (no window manager: keys go to the focused window) and the desktop gateway on examples/config.json with its demo backends, sends a
# minute of varied traffic with curl (reads, writes, a missing path, a method not allowed,
# answers the demo backends make slow or failing), adds a route with the route editor from the
# keyboard (Ctrl+N, type, Ctrl+Enter) and checks the API serves it, searches the traffic inspector
# (Ctrl+F), and photographs every view (Ctrl+1...). Needs a build in build/ (./scripts/run.sh
# makes one).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/demo-processes.sh
out=${1:-docs/screenshots}
./scripts/install-deps.sh xvfb xdotool imagemagick
binary=build/app/kairos-gateway
[ -x "$binary" ] || { echo "build the gateway first (./scripts/run.sh)" >&2; exit 1; }
mkdir -p "$out"
start_demo tour
cp examples/config.json "$work/config.json"
display=:97

Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
pids+=($!)
export DISPLAY=$display
for _ in $(seq 50); do xdotool getdisplaygeometry >/dev/null 2>&1 && break; sleep 0.1; done
# A settings folder of its own: no remembered geometry or recent files from the user's.
XDG_CONFIG_HOME="$work/settings" "$binary" --demo --config "$work/config.json" --access-log none >"$work/gateway.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do curl -sf http://127.0.0.1:5900/api/users >/dev/null && break; sleep 0.1; done
window=$(xdotool search --sync --name "Kairos Gateway" | head -n1)
xdotool windowsize "$window" 1280 780 windowmove "$window" 0 0 windowfocus --sync "$window"

traffic() {
    local end=$((SECONDS + $1))
    while [ $SECONDS -lt $end ]; do
        curl -s -o /dev/null http://127.0.0.1:5900/api/users
        curl -s -o /dev/null "http://127.0.0.1:5900/api/users/$((RANDOM % 50))"
        curl -s -o /dev/null -X POST -H 'Content-Type: application/json' -d '{"name":"Ada"}' http://127.0.0.1:5900/api/users
        curl -s -o /dev/null "http://127.0.0.1:5900/api/users/7?delay_ms=$((RANDOM % 120))"
        [ $((RANDOM % 8)) -eq 0 ] && curl -s -o /dev/null "http://127.0.0.1:5900/api/users/9?status=503"
        [ $((RANDOM % 10)) -eq 0 ] && curl -s -o /dev/null http://127.0.0.1:5900/nowhere
        [ $((RANDOM % 12)) -eq 0 ] && curl -s -o /dev/null -X DELETE http://127.0.0.1:5900/api/users
        curl -s -o /dev/null "http://127.0.0.1:5900/static/app.js"
    done
}
traffic 45 &
pids+=($!)

# A route added with the editor, from the keyboard.
sleep 2
xdotool windowfocus --sync "$window" key ctrl+n
editor=$(xdotool search --sync --name "Add route" | head -n1)
xdotool windowfocus --sync "$editor"
xdotool key ctrl+a
xdotool type --delay 20 "/api/tour"
xdotool key ctrl+Return
for _ in $(seq 50); do curl -sf http://127.0.0.1:5900/api/routes/api/tour >/dev/null && break; sleep 0.1; done
curl -sf http://127.0.0.1:5900/api/routes/api/tour >/dev/null || { echo "the route editor did not add /api/tour" >&2; exit 1; }
echo "route /api/tour added through the route editor"

wait "${pids[-1]}"
shot() {
    xdotool windowfocus --sync "$window" key "ctrl+$1"
    sleep 1.5
    import -window root -crop 1280x780+0+0 "$out/kairos-$2.png"
    echo "$out/kairos-$2.png"
}
shot 1 overview
shot 2 routes
shot 3 backends
shot 5 metrics
shot 6 traffic
# The inspector searched for the failing answers.
xdotool windowfocus --sync "$window" key ctrl+f
xdotool type --delay 20 "503"
sleep 1
import -window root -crop 1280x780+0+0 "$out/kairos-traffic-search.png"
echo "$out/kairos-traffic-search.png"
shot 8 config
