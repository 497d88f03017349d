#!/usr/bin/env python3
"""Kairos side by side with nginx and HAProxy as reverse proxies, on 127.0.0.1 only.

Starts an upstream nginx serving a 2-byte body with keep-alive, nginx as a reverse proxy (1 worker,
upstream keepalive 256, as Kairos keeps by default), the same nginx doing what Kairos does to every
request by default ("nginx-fwd": X-Forwarded-For/-Proto/-Host and X-Request-Id sent upstream,
X-Request-Id and an attempts field sent back), HAProxy (1 thread) and Kairos headless
(server.workers = 1, then the default); runs wrk at each connection count, rounds interleaved (A B C A B C) so drift hits all
alike; prints median req/s, p50/p99 latency and proxy CPU microseconds per request (from
/proc/PID/stat), and the ratio to nginx (and HAProxy) taken round by round: its median and, for
nginx, the lowest and highest round, which shows how much the shared machine moved; the p99 too
is compared round by round ("p99 x nginx", below 1 is better), and both against nginx-fwd ("x fwd",
"p99 x fwd"). Stops everything it started.

With --path /1m every proxy fetches a 1 MiB body instead (MB/s is printed too). With
--strategies, Kairos (1 worker) spreads over three upstream ports with each of its six strategies,
beside nginx's round robin over the same three.

usage: compare.py KAIROS_BINARY [--duration 10] [--rounds 3] [--connections 1,50,200]
                  [--path /|/1m] [--strategies] [--access-log] [--pin] [--baseline OTHER_BINARY]
                  [--only kairos-1w,...] [--json FILE]

With --access-log, nginx and Kairos each append an access log line per request to a file, as a
production setup would (HAProxy logs only to syslog; it stays without a log).

With --pin, the proxies run on CPU 1 and wrk and the upstream on CPU 0 (taskset), so that a proxy
does not share its core with the load it serves; Kairos then runs with 1 worker only.

With --baseline, another Kairos build runs beside the first with 1 worker ("baseline-1w", its own
port), in the same rounds: an A/B of two builds with nginx as the yardstick of both.

With --only, just the named targets and nginx take turns (the others are started but not loaded):
more rounds in the same time, for a p99 ratio whose spread ("(rounds)" beside it) is worth reading.

"p99 <=" and "cpu <=" count the rounds in which a target's p99 (CPU per request) was at most
nginx's, followed by the two-sided sign test's p-value: with a dozen rounds or more, a small value
says one of the two is better, a large one that the rounds do not tell them apart. "x nginx CI"
and "p99 CI" bound the median of the per-round ratios (req/s and p99) with 95 % confidence, the
same test inverted (needs 6 rounds or more): a p99 interval of 0.90-1.04 says that in the median
round Kairos' p99 is at most 4 % above nginx's, which "at or below in 11 of 20" cannot say."""
import argparse, json, math, os, re, shutil, statistics, subprocess, sys, tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from benchprocess import stop_all, wait_for_http

UPSTREAM, NGINX, HAPROXY, KAIROS1, KAIROS = 18080, 18081, 18082, 18083, 18084
EXTRA_UPSTREAMS = (18085, 18086)  # with UPSTREAM, the three backends of --strategies
NGINX_FWD = 18087
BASELINE = 18088  # --baseline: a second Kairos build, 1 worker
# What Kairos adds by default, for nginx-fwd: the request fields a backend gets and the response
# fields a client gets (nginx's $request_id has 32 hex digits, Kairos' 16).
NGINX_FORWARDING = ("proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for; "
                    "proxy_set_header X-Forwarded-Proto $scheme; proxy_set_header X-Forwarded-Host $http_host; "
                    "proxy_set_header X-Request-Id $request_id; "
                    "add_header X-Request-Id $request_id; add_header X-Kairos-Attempts 1;")
# nginx keeps as many idle upstream connections per worker as Kairos does by default
# (server.max_idle_upstream_connections); HAProxy's "http-reuse always" keeps them all.
UPSTREAM_KEEPALIVE = 256
STRATEGIES = ["round_robin", "weighted", "least_connections", "random", "ip_hash", "power_of_two"]

def write(path, text):
    with open(path, "w") as f:
        f.write(text)

def nginx_conf(work, port, proxy, upstreams=(UPSTREAM,), access_log=False, forwarding=False):
    extra = NGINX_FORWARDING if forwarding else ""
    body = (f"location / {{ proxy_pass http://up; proxy_http_version 1.1; proxy_set_header Connection \"\"; {extra} }}"
            if proxy else f"location / {{ return 200 'ok'; }} location = /1m {{ alias {work}/1m; }}")
    servers = " ".join(f"server 127.0.0.1:{p};" for p in upstreams)
    upstream = f"upstream up {{ {servers} keepalive {UPSTREAM_KEEPALIVE}; }}" if proxy else ""
    listens = " ".join(f"listen 127.0.0.1:{p};" for p in ((port,) if proxy else upstreams))
    log = f"{work}/access-{port}.log" if access_log else "off"
    return f"""worker_processes 1; daemon off; pid {work}/nginx-{port}.pid; error_log {work}/nginx-{port}.err;
events {{ worker_connections 4096; }}
http {{ access_log {log}; keepalive_requests 1000000; {upstream}
  server {{ {listens} {body} }} }}"""

def cpu_seconds(pid):
    """User + system CPU of the process and all its descendants (nginx's worker is a child)."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    total = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            children = open(f"/proc/{pid}/task/{task}/children").read().split()
        except OSError:
            continue
        total += sum(cpu_seconds(int(child)) for child in children)
    return total

LOAD_CPU, PROXY_CPU = "0", "1"  # with --pin
pinned = False

def on_cpu(cpu, command):
    return ["taskset", "-c", cpu] + command if pinned else command

def wrk(port, connections, duration, path):
    threads = 1 if connections < 2 else 2
    out = subprocess.run(on_cpu(LOAD_CPU, ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency",
                          f"http://127.0.0.1:{port}{path}"]), capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    def latency(pct):
        m = re.search(rf"\s{pct}%\s+([\d.]+)(us|ms|s)\b", out)
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    transfer = re.search(r"Transfer/sec:\s+([\d.]+)(B|KB|MB|GB)", out)
    scale = {"B": 1e-6, "KB": 1024 / 1e6, "MB": 1024 ** 2 / 1e6, "GB": 1024 ** 3 / 1e6}
    return {"rps": rps, "requests": total, "p50_ms": latency(50), "p99_ms": latency(99),
            "mb_s": float(transfer.group(1)) * scale[transfer.group(2)] if transfer else 0.0,
            "errors": int(errors.group(1)) if errors else 0}

def coin_tail(n, k):
    """The chance of at most k heads in n fair coin tosses: the sign test's one tail."""
    return sum(math.comb(n, j) for j in range(k + 1)) / 2 ** n

def sign_test(ratios):
    """Rounds in which the target did at least as well as nginx (ratio <= 1), and the two-sided sign
    test's p-value: the chance of a split at least this uneven if neither were better."""
    wins, n = sum(r <= 1 for r in ratios), len(ratios)
    return f"{wins}/{n} {min(1.0, 2 * coin_tail(n, min(wins, n - wins))):.2f}"

def median_interval(ratios, confidence=0.95):
    """A distribution-free interval for the median of the per-round ratios: the order statistics k
    and n + 1 - k, with k the largest for which fewer than k rounds fall below the median with a
    chance of at most (1 - confidence) / 2 (the sign test inverted). "-" with too few rounds."""
    n, k = len(ratios), 0
    while k < n and 2 * coin_tail(n, k) <= 1 - confidence:
        k += 1
    if k == 0:
        return "-"
    ordered = sorted(ratios)
    return f"{ordered[k - 1]:.2f}-{ordered[n - k]:.2f}"

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("kairos")
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", default="1,50,200")
    parser.add_argument("--path", default="/")
    parser.add_argument("--strategies", action="store_true")
    parser.add_argument("--access-log", action="store_true",
                        help="nginx and Kairos write an access log line per request to a file (HAProxy logs only to syslog: left off)")
    parser.add_argument("--pin", action="store_true",
                        help="proxies on CPU 1, wrk and the upstream on CPU 0 (Kairos with 1 worker only)")
    parser.add_argument("--baseline", help="another Kairos binary, run with 1 worker beside the first (A/B; not with --strategies)")
    parser.add_argument("--only", help="comma-separated targets to run (nginx, the yardstick, always runs), for more "
                                       "rounds in the same time: --only kairos-1w")
    parser.add_argument("--json", metavar="FILE", help="also write every round's figures to FILE, for a closer look")
    args = parser.parse_args()
    global pinned
    pinned = args.pin
    work = tempfile.mkdtemp(prefix="kairos-bench-")
    with open(f"{work}/1m", "wb") as f:
        f.write(os.urandom(1 << 20))
    os.chmod(work, 0o755)  # nginx's workers run as www-data
    os.chmod(f"{work}/1m", 0o644)
    processes = []
    def start(command, port, cpu=PROXY_CPU):
        processes.append(subprocess.Popen(on_cpu(cpu, command), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        wait_for_http(port)
        return processes[-1]
    try:
        write(f"{work}/upstream.conf", nginx_conf(work, UPSTREAM, False))
        write(f"{work}/proxy.conf", nginx_conf(work, NGINX, True, access_log=args.access_log))
        write(f"{work}/proxy-fwd.conf", nginx_conf(work, NGINX_FWD, True, access_log=args.access_log, forwarding=True))
        write(f"{work}/haproxy.cfg", f"""global
  nbthread 1
  maxconn 5000
defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s
  option http-keep-alive
frontend f
  bind 127.0.0.1:{HAPROXY}
  default_backend b
backend b
  http-reuse always
  server s1 127.0.0.1:{UPSTREAM}
""")
        kairos = lambda port, binary=args.kairos: start([binary, "--no-gui", "--no-watch", "--access-log",
                                     f"{work}/access-{port}.log" if args.access_log else "none",
                                     "--config", f"{work}/kairos-{port}.json"], port)
        if args.strategies:
            upstreams = (UPSTREAM,) + EXTRA_UPSTREAMS
            write(f"{work}/upstream.conf", nginx_conf(work, UPSTREAM, False, upstreams))
            write(f"{work}/proxy.conf", nginx_conf(work, NGINX, True, upstreams))
            backends = [{"host": "http://127.0.0.1", "port": p, "weight": w} for p, w in zip(upstreams, (1, 1, 2))]
            routes = [{"external_path": f"/{name}", "internal_path": "/", "methods": ["GET"],
                       "load_balancing_strategy": name, "backends": backends} for name in STRATEGIES]
            write(f"{work}/kairos-{KAIROS1}.json", json.dumps({"version": 1, "server": {
                "host": "127.0.0.1", "port": KAIROS1, "workers": 1}, "routers": routes}))
            start(["nginx", "-c", f"{work}/upstream.conf"], UPSTREAM, LOAD_CPU)
            nginx = start(["nginx", "-c", f"{work}/proxy.conf"], NGINX)
            gateway = kairos(KAIROS1)
            targets = {"nginx-rr": (NGINX, nginx, "/")}
            targets.update({f"kairos-{name}": (KAIROS1, gateway, f"/{name}") for name in STRATEGIES})
        else:
            route = {"external_path": "/{*rest}", "internal_path": "/{rest}", "methods": ["GET"],
                     "backends": [{"host": "http://127.0.0.1", "port": UPSTREAM}]}
            for port, workers in ((KAIROS1, 1), (KAIROS, 0), (BASELINE, 1)):
                write(f"{work}/kairos-{port}.json", json.dumps({"version": 1, "server": {
                    "host": "127.0.0.1", "port": port, "workers": workers}, "routers": [route]}))
            upstream = start(["nginx", "-c", f"{work}/upstream.conf"], UPSTREAM, LOAD_CPU)
            targets = {
                "direct": (UPSTREAM, upstream, args.path),
                "nginx": (NGINX, start(["nginx", "-c", f"{work}/proxy.conf"], NGINX), args.path),
                "nginx-fwd": (NGINX_FWD, start(["nginx", "-c", f"{work}/proxy-fwd.conf"], NGINX_FWD), args.path),
                "haproxy": (HAPROXY, start(["haproxy", "-f", f"{work}/haproxy.cfg"], HAPROXY), args.path),
                "kairos-1w": (KAIROS1, kairos(KAIROS1), args.path),
            }
            if args.baseline:
                targets["baseline-1w"] = (BASELINE, kairos(BASELINE, args.baseline), args.path)
            if not args.pin:  # its default is a worker per core; pinned, the proxies have one
                targets["kairos"] = (KAIROS, kairos(KAIROS), args.path)
        reference = "nginx-rr" if args.strategies else "nginx"
        if args.only:
            wanted = set(args.only.split(",")) | {reference}
            targets = {name: target for name, target in targets.items() if name in wanted}
        results = {}
        for connections in [int(c) for c in args.connections.split(",")]:
            for _ in range(args.rounds):
                for name, (port, process, path) in targets.items():
                    before = cpu_seconds(process.pid)
                    run = wrk(port, connections, args.duration, path)
                    run["cpu_us_per_request"] = (cpu_seconds(process.pid) - before) / max(run["requests"], 1) * 1e6
                    results.setdefault((name, connections), []).append(run)
        if args.json:
            with open(args.json, "w") as f:
                json.dump([{"target": name, "connections": connections, "round": index, **run}
                           for (name, connections), runs in results.items() for index, run in enumerate(runs)], f, indent=1)
        print(f"{'proxy':<24} {'conns':>5} {'req/s':>9} {'MB/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'CPU us/req':>10} "
              f"{'x nginx':>7} {'(rounds)':>11} {'x nginx CI':>11} {'x haproxy':>9} {'p99 x nginx':>11} {'(rounds)':>11} {'p99 CI':>11} "
              f"{'p99 <=':>10} {'cpu <=':>10} "
              f"{'x fwd':>6} {'p99 x fwd':>9} {'errors':>6}")
        for connections in [int(c) for c in args.connections.split(",")]:
            def ratios(name, versus, key="rps"):
                """This target's figure over the other's, round by round (they ran back to back)."""
                return [a[key] / max(b[key], 1e-9)
                        for a, b in zip(results[(name, connections)], results[(versus, connections)])]
            for name in targets:
                runs = results[(name, connections)]
                m = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
                versus_nginx = ratios(name, reference)
                span = f"{min(versus_nginx):.2f}-{max(versus_nginx):.2f}"
                versus_haproxy = (f"{statistics.median(ratios(name, 'haproxy')):>9.2f}" if "haproxy" in targets
                                  else f"{'-':>9}")
                p99_rounds = ratios(name, reference, "p99_ms")
                p99_span = f"{min(p99_rounds):.2f}-{max(p99_rounds):.2f}"
                cpu_rounds = ratios(name, reference, "cpu_us_per_request")
                p99_wins, cpu_wins, rps_interval, p99_interval = (
                    (sign_test(p99_rounds), sign_test(cpu_rounds), median_interval(versus_nginx), median_interval(p99_rounds))
                    if name != reference else ("-", "-", "-", "-"))
                versus_fwd = (f"{statistics.median(ratios(name, 'nginx-fwd')):>6.2f} "
                              f"{statistics.median(ratios(name, 'nginx-fwd', 'p99_ms')):>9.2f}"
                              if "nginx-fwd" in targets else f"{'-':>6} {'-':>9}")
                print(f"{name:<24} {connections:>5} {m['rps']:>9.0f} {m['mb_s']:>7.1f} {m['p50_ms']:>7.2f} {m['p99_ms']:>7.2f} "
                      f"{m['cpu_us_per_request']:>10.1f} {statistics.median(versus_nginx):>7.2f} {span:>11} {rps_interval:>11} "
                      f"{versus_haproxy} {statistics.median(p99_rounds):>11.2f} {p99_span:>11} {p99_interval:>11} "
                      f"{p99_wins:>10} {cpu_wins:>10} {versus_fwd} {m['errors']:>6.0f}")
    finally:
        stop_all(processes)
        shutil.rmtree(work, ignore_errors=True)

if __name__ == "__main__":
    main()
