#!/usr/bin/env python3
"""What a rate limit costs and how exactly it holds, through a running Kairos on 127.0.0.1.

One Kairos (headless, default workers, no access log) in front of an nginx upstream serving a
2-byte body, with three routes on it:
  /free     no limit;
  /high     a per-client limit (key client_ip) set far above what the machine can offer, so that it
            admits everything: the cost of deciding on every request;
  /limited  key "route", at a fifth of /free's measured rate, with a burst of 100.
wrk loads /free and /high in alternating rounds (A B A B ...; drift hits both alike) and prints
the median req/s of each and the ratio round by round; then it loads /limited, which is offered
about 5 times its rate, and compares the requests admitted (200) with what GCRA allows:
burst + rate x duration, the duration wrk measured.

usage: ratelimit.py KAIROS_BINARY [--duration 10] [--rounds 5] [--connections 50]"""
import argparse, json, os, statistics, subprocess, sys, tempfile

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, ".."))
sys.path.insert(0, os.path.join(here, "..", "proxy"))
from benchprocess import stop_all, wait_for_http
from compare import nginx_conf, wrk, write

UPSTREAM, KAIROS = 18180, 18181
BURST = 100


def kairos_config(limited_rate):
    backend = [{"host": "http://127.0.0.1", "port": UPSTREAM}]
    route = lambda path, limit=None: dict(
        {"external_path": path, "internal_path": "/", "methods": ["GET"], "backends": backend},
        **({"rate_limit": limit} if limit else {}))
    return {"version": 1, "server": {"host": "127.0.0.1", "port": KAIROS},
            "routers": [route("/free"),
                        route("/high", {"requests_per_second": 1e9, "burst": 1000000, "key": "client_ip"}),
                        route("/limited", {"requests_per_second": limited_rate, "burst": BURST, "key": "route"})]}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("kairos")
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=50)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="kairos-ratelimit-")
    os.chmod(work, 0o755)
    processes = []

    def start(command, port):
        processes.append(subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        wait_for_http(port)

    def start_kairos(limited_rate):
        write(f"{work}/kairos.json", json.dumps(kairos_config(limited_rate)))
        start([args.kairos, "--no-gui", "--no-watch", "--access-log", "none", "--config", f"{work}/kairos.json"],
              KAIROS)

    try:
        write(f"{work}/upstream.conf", nginx_conf(work, UPSTREAM, False, (UPSTREAM,)))
        start(["nginx", "-c", f"{work}/upstream.conf"], UPSTREAM)
        start_kairos(1000)
        wrk(KAIROS, args.connections, 2, "/free")  # warm-up: connections to the upstream
        free, high = [], []
        for _ in range(args.rounds):
            free.append(wrk(KAIROS, args.connections, args.duration, "/free")["rps"])
            high.append(wrk(KAIROS, args.connections, args.duration, "/high")["rps"])
        ratios = [h / f for f, h in zip(free, high)]
        print(f"{args.connections} connections, {args.rounds} rounds of {args.duration} s")
        print(f"  /free (no limit)          {statistics.median(free):9.0f} req/s  rounds {[round(x) for x in free]}")
        print(f"  /high (client_ip, admits) {statistics.median(high):9.0f} req/s  rounds {[round(x) for x in high]}")
        print(f"  /high / /free per round: median {statistics.median(ratios):.3f}, "
              f"range {min(ratios):.3f}-{max(ratios):.3f}")

        # A limit a fifth of what the machine does: offered about 5x its rate. A fresh process, so
        # that the bucket starts full as the count below assumes.
        stop_all(processes[1:])
        del processes[1:]
        rate = round(statistics.median(free) / 5)
        start_kairos(rate)
        run = wrk(KAIROS, args.connections, args.duration, "/limited")
        admitted = run["requests"] - run["errors"]
        seconds = run["requests"] / run["rps"]
        expected = BURST + rate * seconds
        print(f"  /limited at {rate}/s, burst {BURST}: offered {run['rps']:.0f} req/s "
              f"({run['rps'] / rate:.1f}x) for {seconds:.2f} s; admitted {admitted}, GCRA allows {expected:.0f} "
              f"({100 * (admitted - expected) / expected:+.2f} %)")
    finally:
        stop_all(processes)


if __name__ == "__main__":
    main()
