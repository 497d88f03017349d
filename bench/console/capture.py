#!/usr/bin/env python3
"""Proxy throughput with the console open and capturing (headers, and bodies up to
console.capture_body_bytes) against the same binary headless, on one nginx upstream.

usage: capture.py KAIROS_BINARY [--duration 8] [--rounds 3] [--connections 50] [--path /] [--view overview]

The desktop gateway runs under QT_QPA_PLATFORM=offscreen showing the view --view names (overview,
routes, backends, metrics, traffic, config: the console reopens on the view it was closed on, which
the script sets in a settings file of its own); both with server.workers 1. Rounds alternate
(console, headless, console, ...); printed: each mode's median req/s and p99, the median of the
round-by-round ratio console / headless, and the console's longest pause: each pause of its thread
of 100 ms or more is in its log ("the console did not respond for N ms", kairos.console)."""
import argparse, json, os, re, statistics, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "proxy"))
from benchprocess import stop_all, wait_for_http
from compare import nginx_conf, wrk, write, UPSTREAM

PORT = 18090

def start_kairos(binary, work, headless, view="overview"):
    config = {"version": 1, "server": {"host": "127.0.0.1", "port": PORT, "workers": 1},
              "routers": [{"external_path": "/{*rest}", "internal_path": "/{rest}", "methods": ["GET"],
                           "backends": [{"host": "http://127.0.0.1", "port": UPSTREAM, "weight": 1}]}]}
    write(f"{work}/kairos.json", json.dumps(config))
    arguments = [binary, "--config", f"{work}/kairos.json", "--access-log", "none", "--no-watch"]
    if headless:
        arguments.append("--no-gui")
    os.makedirs(f"{work}/settings/Kairos", exist_ok=True)
    write(f"{work}/settings/Kairos/kairos-gateway.conf", f"[window]\nview={view}\n")
    log = open(f"{work}/console.log", "a")
    process = subprocess.Popen(arguments, env=dict(os.environ, QT_QPA_PLATFORM="offscreen",
                                                   XDG_CONFIG_HOME=f"{work}/settings"),
                               stdout=subprocess.DEVNULL, stderr=log)
    wait_for_http(PORT)
    time.sleep(1)
    return process

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("kairos")
    parser.add_argument("--duration", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--path", default="/")
    parser.add_argument("--view", default="overview")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        write(f"{work}/1m", "x" * (1 << 20))
        write(f"{work}/upstream.conf", nginx_conf(work, UPSTREAM, False))
        upstream = subprocess.Popen(["nginx", "-c", f"{work}/upstream.conf", "-p", work],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for_http(UPSTREAM)
            results = {"console": [], "headless": []}
            for _ in range(args.rounds):
                for mode in ("console", "headless"):
                    kairos = start_kairos(args.kairos, work, mode == "headless", args.view)
                    try:
                        results[mode].append(wrk(PORT, args.connections, args.duration, args.path))
                    finally:
                        stop_all([kairos])
            pauses = [int(ms) for ms in re.findall(r"the console did not respond for (\d+) ms",
                                                   open(f"{work}/console.log").read())]
        finally:
            stop_all([upstream])
    for mode, rounds in results.items():
        print(f"{mode:9} req/s {statistics.median(r['rps'] for r in rounds):9.0f}  "
              f"p99 {statistics.median(r['p99_ms'] for r in rounds):6.2f} ms  "
              "rounds " + ", ".join("%.0f" % r["rps"] for r in rounds))
    ratios = [c["rps"] / h["rps"] for c, h in zip(results["console"], results["headless"])]
    print(f"console / headless, round by round: median {statistics.median(ratios):.3f} "
          f"(rounds {min(ratios):.3f}-{max(ratios):.3f})")
    print(f"console ({args.view}): " + (f"{len(pauses)} pause(s) of 100 ms or more, the longest {max(pauses)} ms"
                                        if pauses else "no pause of 100 ms or more"))

if __name__ == "__main__":
    main()
