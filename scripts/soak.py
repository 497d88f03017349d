#!/usr/bin/env python3
"""Soak: Kairos headless for a while at a moderate rate across all six strategies, with one backend
of every route flapping (stopped and started every 15 s), on 127.0.0.1 only.

Backends are nginx processes (Debian package): three steady ones and the flapping one. The load is
wrk with a Lua script that spreads requests over the six routes and paces each connection. Every
10 s the gateway's RSS, open descriptors, pooled upstream connections and client connections are
sampled. At the end it fails unless: no request failed (retries cover the flapping backend), RSS
grew by less than 10 % + 5 MB after the first minute, and descriptors and the pool ended where they
were after warm-up (within a margin for connections in flight).

usage: soak.py KAIROS_BINARY [--duration 600] [--connections 8] [--pace-ms 10]"""
import argparse, json, os, re, signal, subprocess, sys, tempfile, time, urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bench"))
from benchprocess import stop_all, wait_for_http

STEADY, FLAPPING, GATEWAY = (19101, 19102, 19103), 19104, 19100
STRATEGIES = ["round_robin", "least_connections", "weighted", "random", "ip_hash", "power_of_two"]

def nginx(work, name, ports):
    listens = " ".join(f"listen 127.0.0.1:{port};" for port in ports)
    path = f"{work}/{name}.conf"
    with open(path, "w") as f:
        f.write(f"""worker_processes 1; daemon off; pid {work}/{name}.pid; error_log {work}/{name}.err;
events {{ worker_connections 4096; }}
http {{ access_log off; keepalive_requests 1000000;
  server {{ {listens} location / {{ return 200 'ok'; }} }} }}""")
    return subprocess.Popen(["nginx", "-c", path, "-p", work], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

def config():
    backends = [{"host": "http://127.0.0.1", "port": p, "weight": w, "health_check_path": "/"}
                for p, w in zip(STEADY + (FLAPPING,), (3, 2, 1, 1))]
    routes = [{"external_path": f"/{name}", "internal_path": "/", "methods": ["GET"],
               "load_balancing_strategy": name, "backends": backends,
               "retry": {"max_attempts": 3, "initial_backoff_ms": 20, "max_backoff_ms": 200}}
              for name in STRATEGIES]
    return {"server": {"host": "127.0.0.1", "port": GATEWAY},
            "health_check": {"interval_ms": 1000, "timeout_ms": 500, "unhealthy_threshold": 2, "healthy_threshold": 2},
            "circuit_breaker": {"failure_threshold": 3, "open_duration_ms": 2000},
            "routers": routes}

def sample(pid):
    status = open(f"/proc/{pid}/status").read()
    rss_kib = int(re.search(r"VmRSS:\s+(\d+)", status).group(1))
    fds = len(os.listdir(f"/proc/{pid}/fd"))
    metrics = urllib.request.urlopen(f"http://127.0.0.1:{GATEWAY}/metrics", timeout=5).read().decode()
    def gauge(name):
        match = re.search(rf"^{name} (\S+)$", metrics, re.M)
        return int(float(match.group(1))) if match else -1
    return {"rss_kib": rss_kib, "fds": fds, "pool": gauge("kairos_upstream_idle_connections"),
            "clients": gauge("kairos_active_connections")}

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("kairos")
    parser.add_argument("--duration", type=int, default=600)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--pace-ms", type=int, default=10)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="kairos-soak-")
    with open(f"{work}/config.json", "w") as f:
        json.dump(config(), f)
    with open(f"{work}/load.lua", "w") as f:
        paths = ", ".join(f'"/{name}"' for name in STRATEGIES)
        f.write(f"""local paths = {{ {paths} }}
local n = 0
request = function() n = n + 1; return wrk.format("GET", paths[n % #paths + 1]) end
delay = function() return {args.pace_ms} end
""")
    processes = [nginx(work, "steady", STEADY)]
    flapper = nginx(work, "flapping", (FLAPPING,))
    gateway = subprocess.Popen([args.kairos, "--no-gui", "--no-watch", "--access-log", "none",
                                "--config", f"{work}/config.json"],
                               stdout=subprocess.DEVNULL, stderr=open(f"{work}/gateway.log", "w"))
    processes.append(gateway)
    try:
        for port in STEADY + (FLAPPING, GATEWAY):
            wait_for_http(port)
        load = subprocess.Popen(["wrk", "-t1", f"-c{args.connections}", f"-d{args.duration}s", "-s", f"{work}/load.lua",
                                 f"http://127.0.0.1:{GATEWAY}/"], stdout=subprocess.PIPE, text=True)
        start = time.time()
        samples, flaps, next_flap = [], 0, start + 15
        print(f"{'s':>5} {'RSS MiB':>8} {'fds':>5} {'pool':>5} {'clients':>7}  flapping backend")
        while load.poll() is None:
            time.sleep(1)
            now = time.time()
            if now >= next_flap and now - start < args.duration - 5:
                if flapper.poll() is None:
                    flapper.send_signal(signal.SIGQUIT)
                    flapper.wait()
                else:
                    flapper = nginx(work, "flapping", (FLAPPING,))
                flaps += 1
                next_flap = now + 15
            if int(now - start) % 10 == 0 and (not samples or now - samples[-1]["t"] > 5) and load.poll() is None:
                s = sample(gateway.pid)
                s["t"] = now
                samples.append(s)
                print(f"{int(now - start):>5} {s['rss_kib'] / 1024:>8.1f} {s['fds']:>5} {s['pool']:>5} {s['clients']:>7}"
                      f"  {'up' if flapper.poll() is None else 'down'}", flush=True)
        out = load.stdout.read()
        if flapper.poll() is None:
            flapper.send_signal(signal.SIGQUIT)
        print(out)
        total = int(re.search(r"(\d+) requests in", out).group(1))
        non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        socket_errors = re.search(r"Socket errors: (.*)", out)
        failed = int(non2xx.group(1)) if non2xx else 0
        time.sleep(1.5)  # let the pool gauge catch up after the load stops
        end = sample(gateway.pid)
        warm = next((s for s in samples if s["t"] - start >= 60), samples[min(1, len(samples) - 1)])
        print(f"{total} requests, {failed} non-2xx, socket errors: {socket_errors.group(1) if socket_errors else 'none'}; "
              f"backend flapped {flaps} times")
        print(f"after warm-up: RSS {warm['rss_kib'] / 1024:.1f} MiB, {warm['fds']} fds, {warm['pool']} pooled; "
              f"at the end (idle): RSS {end['rss_kib'] / 1024:.1f} MiB, {end['fds']} fds, {end['pool']} pooled")
        problems = []
        if failed or socket_errors:
            problems.append("failed requests")
        if end["rss_kib"] > warm["rss_kib"] * 1.10 + 5 * 1024:
            problems.append("RSS grew")
        if end["fds"] > warm["fds"] + 8:
            problems.append("descriptors grew")
        if end["pool"] > max(warm["pool"], 0) + 8:
            problems.append("the pool grew")
        print("SOAK FAILED: " + ", ".join(problems) if problems else "soak passed")
        print(f"gateway log: {work}/gateway.log")
        return 1 if problems else 0
    finally:
        stop_all(processes + [flapper], lambda process: signal.SIGTERM if process is gateway else signal.SIGQUIT)

if __name__ == "__main__":
    sys.exit(main())
