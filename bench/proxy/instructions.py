#!/usr/bin/env python3
"""User-space instructions Kairos executes per proxied request, counted by callgrind: the steady
measure of the request path's own work on a machine whose timings move from run to run.

Starts an upstream nginx (2-byte answers, keep-alive) on 127.0.0.1 and the gateway under
`valgrind --tool=callgrind` with 1 worker and one route to it, twice: once serving a single request
(start-up and shut-down), once under `wrk -t1 -c10` (--connections) for SECONDS. Instructions per request = (the
second total - the first) / the requests wrk counted. Several binaries are measured one after
another, for a before/after comparison. With --nginx, nginx as the same proxy is measured the same
way (one process, `master_process off`, upstream keepalive as compare.py's), plain and as
"nginx-fwd" (adding the fields Kairos adds by default). Needs valgrind, nginx and wrk
(bench/proxy/run.sh installs the last two; `apt-get install valgrind`).

usage: instructions.py KAIROS_BINARY [KAIROS_BINARY ...] [--seconds 10] [--nginx] [--connections 10]"""
import argparse, json, os, re, shutil, signal, socket, subprocess, sys, tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from benchprocess import stop_all, wait_for_http
from compare import NGINX_FORWARDING, UPSTREAM_KEEPALIVE

UPSTREAM, GATEWAY = 18180, 18183

def kairos_command(binary, work):
    return [binary, "--no-gui", "--no-watch", "--access-log", "none", "--config", f"{work}/kairos.json"]

def nginx_command(forwarding):
    def command(work):
        extra = NGINX_FORWARDING if forwarding else ""
        with open(f"{work}/proxy.conf", "w") as f:
            f.write(f"""master_process off; daemon off; pid {work}/proxy.pid; error_log {work}/proxy.err;
events {{ worker_connections 1024; }}
http {{ access_log off; keepalive_requests 1000000;
  upstream up {{ server 127.0.0.1:{UPSTREAM}; keepalive {UPSTREAM_KEEPALIVE}; }}
  server {{ listen 127.0.0.1:{GATEWAY}; location / {{ proxy_pass http://up; proxy_http_version 1.1;
    proxy_set_header Connection ""; {extra} }} }} }}""")
        return ["nginx", "-c", f"{work}/proxy.conf"]
    return command

def callgrind_total(command, stop_signal, work, load):
    """Instructions of one proxy run under callgrind; `load` runs while it serves. Returns
    (instructions, what load returned)."""
    out = f"{work}/callgrind.out"
    proxy = subprocess.Popen(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}"] + command,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_http(GATEWAY)  # this is the single request of the first run
        result = load()
    finally:
        # A clean exit, so that callgrind writes its totals. Valgrind delivers a signal when the
        # system call it came in returns: a connection ends nginx's epoll_wait.
        proxy.send_signal(stop_signal)
        try:
            socket.create_connection(("127.0.0.1", GATEWAY), timeout=1).close()
        except OSError:
            pass
        stop_all([proxy], graceful=stop_signal)
    with open(out) as f:
        text = f.read()
    found = re.search(r"^summary: (\d+)", text, re.M)
    if not found:
        sys.exit(f"no totals from callgrind for {command}: {text[-300:]!r}")
    total = int(found.group(1))
    os.remove(out)
    return total, result

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("binaries", nargs="*")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--nginx", action="store_true", help="nginx as the same proxy too, plain and nginx-fwd")
    parser.add_argument("--connections", type=int, default=10,
                        help="wrk's connections: 1 makes every request two wakeups of the proxy (its event loop's cost)")
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
            out = subprocess.run(["wrk", "-t1", f"-c{args.connections}", f"-d{args.seconds}s", f"http://127.0.0.1:{GATEWAY}/"],
                                 capture_output=True, text=True, check=True).stdout
            return int(re.search(r"(\d+) requests in", out).group(1))
        print(f"{'binary':<50} {'requests':>9} {'instructions per request':>25}")
        # SIGINT ends Kairos cleanly, SIGTERM nginx.
        proxies = [(binary, lambda work, b=binary: kairos_command(b, work), signal.SIGINT) for binary in args.binaries]
        if args.nginx:
            proxies += [("nginx", nginx_command(False), signal.SIGTERM), ("nginx-fwd", nginx_command(True), signal.SIGTERM)]
        for name, command, stop_signal in proxies:
            baseline, _ = callgrind_total(command(work), stop_signal, work, lambda: None)
            loaded, requests = callgrind_total(command(work), stop_signal, work, wrk)
            print(f"{name:<50} {requests:>9} {(loaded - baseline) / requests:>25,.0f}")
    finally:
        stop_all([upstream])
        shutil.rmtree(work, ignore_errors=True)

if __name__ == "__main__":
    main()
