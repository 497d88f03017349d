#!/usr/bin/env python3
"""User-space instructions Kairos executes per proxied request, counted by callgrind: the steady
measure of the request path's own work on a machine whose timings move from run to run.

Starts an upstream nginx (2-byte answers, keep-alive) on 127.0.0.1 and the gateway under
`valgrind --tool=callgrind` with 1 worker and one route to it, twice: once serving a single request
(start-up and shut-down), once under `wrk -t1 -c10` for SECONDS. Instructions per request = (the
second total - the first) / the requests wrk counted. Several binaries are measured one after
another, for a before/after comparison. Needs valgrind, nginx and wrk (bench/proxy/run.sh installs
the last two; `apt-get install valgrind`).

usage: instructions.py KAIROS_BINARY [KAIROS_BINARY ...] [--seconds 10]"""
import argparse, json, os, re, shutil, subprocess, sys, tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from benchprocess import stop_all, wait_for_http

UPSTREAM, GATEWAY = 18180, 18183

def callgrind_total(binary, work, load):
    """Instructions of one gateway run under callgrind; `load` runs while it serves. Returns
    (instructions, what load returned)."""
    out = f"{work}/callgrind.out"
    gateway = subprocess.Popen(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", binary, "--no-gui",
                                "--no-watch", "--access-log", "none", "--config", f"{work}/kairos.json"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_http(GATEWAY)  # this is the single request of the first run
        result = load()
    finally:
        stop_all([gateway], graceful=2)  # SIGINT: a clean exit, so callgrind writes its totals
    with open(out) as f:
        total = int(re.search(r"^summary: (\d+)", f.read(), re.M).group(1))
    os.remove(out)
    return total, result

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("binaries", nargs="+")
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="kairos-instructions-")
    os.chmod(work, 0o755)  # nginx's workers run as www-data
    with open(f"{work}/upstream.conf", "w") as f:
        f.write(f"""worker_processes 1; daemon off; pid {work}/nginx.pid; error_log {work}/nginx.err;
events {{ worker_connections 1024; }}
http {{ access_log off; keepalive_requests 1000000;
  server {{ listen 127.0.0.1:{UPSTREAM}; location / {{ return 200 'ok'; }} }} }}""")
    with open(f"{work}/kairos.json", "w") as f:
        json.dump({"version": 1, "server": {"host": "127.0.0.1", "port": GATEWAY, "workers": 1},
                   "routers": [{"external_path": "/{*rest}", "internal_path": "/{rest}", "methods": ["GET"],
                                "backends": [{"host": "http://127.0.0.1", "port": UPSTREAM}]}]}, f)
    upstream = subprocess.Popen(["nginx", "-c", f"{work}/upstream.conf"], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
    try:
        wait_for_http(UPSTREAM)
        def wrk():
            out = subprocess.run(["wrk", "-t1", "-c10", f"-d{args.seconds}s", f"http://127.0.0.1:{GATEWAY}/"],
                                 capture_output=True, text=True, check=True).stdout
            return int(re.search(r"(\d+) requests in", out).group(1))
        print(f"{'binary':<50} {'requests':>9} {'instructions per request':>25}")
        for binary in args.binaries:
            baseline, _ = callgrind_total(binary, work, lambda: None)
            loaded, requests = callgrind_total(binary, work, wrk)
            print(f"{binary:<50} {requests:>9} {(loaded - baseline) / requests:>25,.0f}")
    finally:
        stop_all([upstream])
        shutil.rmtree(work, ignore_errors=True)

if __name__ == "__main__":
    main()
