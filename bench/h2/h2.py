#!/usr/bin/python3
"""Kairos beside nginx and HAProxy as HTTP/2 reverse proxies, same certificate, 127.0.0.1 only.

As tls.py: a throwaway certificate and key (EC P-256) made with the openssl CLI in a temporary folder;
an upstream nginx answering a 2-byte body with keep-alive (HTTP/1.1); in front of it nginx (1 worker,
"listen ... ssl http2", upstream keepalive 256), HAProxy (nbthread 1, "alpn h2,http/1.1", http-reuse
always) and Kairos headless (server.workers 1, server.tls with alpn h2, http/1.1). Each proxy must
answer curl --http2 with HTTP/2, or the script stops with an error. The load is h2load (-t2, --connections):

- h2 over TLS (ALPN h2), with each count of --streams streams per connection (h2load -m);
- with --h2c, h2c with prior knowledge (an http:// URL) on nginx ("listen ... http2" without ssl)
  and on Kairos (server.http2.cleartext on server.port); HAProxy is not measured there.

Rounds interleaved (A B C A B C); each figure's median and the ratio to nginx taken round by round
(median, lowest and highest round): req/s, h2load's mean "time for request", proxy CPU µs per request.
A round where fewer 2xx statuses than requests done came back is reported as failed and left out of the figures.

With --idle N (default 1000; 0: skipped), before the load: the proxy's RSS (all its processes) at rest,
then with N idle h2-over-TLS connections held by this process (preface, SETTINGS, one GET and its answer).
Needs Debian's python3-h2, hence /usr/bin/python3.

usage: h2.py KAIROS_BINARY [--duration 5] [--rounds 3] [--connections 50] [--streams 1,100]
             [--h2c] [--idle 1000] [--only nginx,haproxy,kairos-1w] [--json FILE]"""
import argparse, json, os, re, resource, shutil, socket, statistics, subprocess, sys, tempfile, time

sys.path[0] = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")  # not bench/h2: "import h2" is the package
from benchprocess import stop_all, wait_for_http
from proxy.compare import cpu_seconds, write
from connections.idle import rss_kib
from tls.tls import UPSTREAM_KEEPALIVE, IDLE_TIMEOUT_S, client_context
try:
    import h2.config, h2.connection, h2.events
except ImportError:
    h2 = None

UPSTREAM, NGINX, HAPROXY, KAIROS, NGINX_H2C, KAIROS_H2C = 18290, 18291, 18292, 18293, 18294, 18295

def check_h2(name, url):
    """Waits up to 10 s for url to answer; exits unless it answers with HTTP/2."""
    version = ""
    for _ in range(100):
        option = "--http2" if url.startswith("https") else "--http2-prior-knowledge"
        version = subprocess.run(["curl", option, "-sk", "-m", "2", "-o", "/dev/null", "-w", "%{http_version}", url],
                                 capture_output=True, text=True).stdout
        if version not in ("", "0"):
            break
        time.sleep(0.1)
    if version != "2":
        sys.exit(f"{name} does not answer HTTP/2 on {url} (curl: HTTP version {version or 'none'})")

def h2load(url, connections, streams, duration):
    out = subprocess.run(["h2load", "-t2", f"-c{connections}", f"-m{streams}", f"-D{duration}", url],
                         capture_output=True, text=True).stdout
    def ms(text):
        value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
        value = float(value)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value
    finished = re.search(r"finished in [\d.]+s, ([\d.]+) req/s", out)
    done = re.search(r"requests: \d+ total, \d+ started, (\d+) done, (\d+) succeeded", out)
    ok = re.search(r"status codes: (\d+) 2xx, \d+ 3xx, (\d+) 4xx, (\d+) 5xx", out)
    latency = re.search(r"time for request:\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)", out)
    if not (finished and done and ok and latency):
        return {"failed": True, "requests": 0, "ok": 0}
    low, high, mean, sd = map(ms, latency.groups())
    requests = int(done.group(1))
    return {"rps": float(finished.group(1)), "requests": requests, "ok": int(ok.group(1)),
            "4xx": int(ok.group(2)), "5xx": int(ok.group(3)),
            "failed": requests == 0 or int(ok.group(1)) < requests,  # more: answers whose stream the end of -D cut
            "min_ms": low, "max_ms": high, "mean_ms": mean, "sd_ms": sd}

def measure(url, process, connections, streams, duration):
    before = cpu_seconds(process.pid)
    run = h2load(url, connections, streams, duration)
    run["cpu_us"] = (cpu_seconds(process.pid) - before) / max(run["requests"], 1) * 1e6
    return run

def open_idle_h2(context, port):
    """A TLS connection with ALPN h2 that made one GET and read its whole answer."""
    s = context.wrap_socket(socket.create_connection(("127.0.0.1", port)))
    if s.selected_alpn_protocol() != "h2":
        raise ConnectionError(f"ALPN gave {s.selected_alpn_protocol()}, not h2")
    connection = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
    connection.initiate_connection()
    connection.send_headers(1, [(":method", "GET"), (":scheme", "https"), (":authority", "localhost"),
                                (":path", "/")], end_stream=True)
    s.sendall(connection.data_to_send())
    status = None
    while True:
        data = s.recv(65536)
        if not data:
            raise ConnectionError("closed before an answer")
        for event in connection.receive_data(data):
            if isinstance(event, h2.events.ResponseReceived):
                status = dict(event.headers).get(b":status")
            elif isinstance(event, h2.events.DataReceived):
                connection.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
            elif isinstance(event, h2.events.StreamReset):
                raise ConnectionError("stream reset")
            elif isinstance(event, h2.events.StreamEnded):
                s.sendall(connection.data_to_send())  # SETTINGS and WINDOW_UPDATE acknowledgements
                if status != b"200":
                    raise ConnectionError(f"status {status}")
                return s
        s.sendall(connection.data_to_send())

def idle_memory(name, pid, port, count):
    time.sleep(1)
    rest = rss_kib(pid)
    context = client_context()
    context.set_alpn_protocols(["h2"])
    sockets = [open_idle_h2(context, port) for _ in range(count)]
    time.sleep(2)
    held = rss_kib(pid)
    for s in sockets:
        s.close()
    print(f"{name:<10} RSS at rest {rest / 1024:6.1f} MiB, with {count} idle h2 connections {held / 1024:6.1f} MiB: "
          f"{(held - rest) / count:5.1f} KiB per connection", flush=True)

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("kairos")
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=50, help="h2load's connections (-c)")
    parser.add_argument("--streams", default="1,100", help="comma-separated streams per connection (h2load -m)")
    parser.add_argument("--h2c", action="store_true", help="also h2c with prior knowledge (nginx and Kairos)")
    parser.add_argument("--idle", type=int, default=1000, help="idle h2 connections for the memory figure; 0: none")
    parser.add_argument("--only", help="comma-separated targets (nginx, the yardstick, always runs)")
    parser.add_argument("--json", metavar="FILE", help="also write every round's figures to FILE")
    args = parser.parse_args()
    streams = [int(m) for m in args.streams.split(",")]
    if args.idle and h2 is None:
        sys.exit("--idle needs the h2 package: apt-get install python3-h2, and run with /usr/bin/python3")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # the proxies inherit it
    if hard < args.idle + 200:
        sys.exit(f"the descriptor limit ({hard}) is below {args.idle} connections")
    work = tempfile.mkdtemp(prefix="kairos-h2-")
    os.chmod(work, 0o755)  # nginx's workers run as www-data
    cert, key, both = f"{work}/cert.pem", f"{work}/key.pem", f"{work}/both.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"], check=True, capture_output=True)
    write(both, open(cert).read() + open(key).read())
    for path in (cert, key, both):
        os.chmod(path, 0o644)  # a throwaway key, readable by nginx's workers
    # connections: the idle ones, and for each stream in flight an upstream connection of its own
    limit = min(hard - 100, args.idle + args.connections * (max(streams) + 1) + 1000)
    write(f"{work}/upstream.conf", f"""worker_processes 1; daemon off; pid {work}/up.pid; error_log {work}/up.err;
worker_rlimit_nofile {hard}; events {{ worker_connections {limit}; }}
http {{ access_log off; keepalive_requests 1000000; server {{ listen 127.0.0.1:{UPSTREAM}; location / {{ return 200 'ok'; }} }} }}""")
    h2c_listen = f"listen 127.0.0.1:{NGINX_H2C} http2;" if args.h2c else ""
    write(f"{work}/nginx.conf", f"""worker_processes 1; daemon off; pid {work}/nginx.pid; error_log {work}/nginx.err;
worker_rlimit_nofile {hard}; events {{ worker_connections {limit}; }}
http {{ access_log off; keepalive_requests 1000000; keepalive_timeout {IDLE_TIMEOUT_S}s;
  upstream up {{ server 127.0.0.1:{UPSTREAM}; keepalive {UPSTREAM_KEEPALIVE}; }}
  server {{ listen 127.0.0.1:{NGINX} ssl http2; {h2c_listen} ssl_certificate {cert}; ssl_certificate_key {key};
    ssl_protocols TLSv1.2 TLSv1.3;
    location / {{ proxy_pass http://up; proxy_http_version 1.1; proxy_set_header Connection ""; }} }} }}""")
    write(f"{work}/haproxy.cfg", f"""global
  nbthread 1
  maxconn {limit}
defaults
  mode http
  timeout connect 5s
  timeout client {IDLE_TIMEOUT_S}s
  timeout server 30s
  timeout http-keep-alive {IDLE_TIMEOUT_S}s
  option http-keep-alive
frontend f
  bind 127.0.0.1:{HAPROXY} ssl crt {both} ssl-min-ver TLSv1.2 alpn h2,http/1.1
  default_backend b
backend b
  http-reuse always
  server s1 127.0.0.1:{UPSTREAM}
""")
    server = {"host": "127.0.0.1", "port": KAIROS_H2C, "workers": 1, "idle_timeout_ms": IDLE_TIMEOUT_S * 1000,
              "tls": {"port": KAIROS, "cert_file": cert, "key_file": key, "min_version": "1.2", "alpn": ["h2", "http/1.1"]}}
    if args.h2c:
        server["http2"] = {"cleartext": True}
    write(f"{work}/kairos.json", json.dumps({"version": 1, "server": server,
        "routers": [{"external_path": "/{*rest}", "internal_path": "/{rest}", "methods": ["GET"],
                     "backends": [{"host": "http://127.0.0.1", "port": UPSTREAM}]}]}))
    processes = []
    try:
        processes.append(subprocess.Popen(["nginx", "-c", f"{work}/upstream.conf"],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        wait_for_http(UPSTREAM)
        commands = {  # name: TLS port, h2c port or None, command
            "nginx": (NGINX, NGINX_H2C, ["nginx", "-c", f"{work}/nginx.conf"]),
            "haproxy": (HAPROXY, None, ["haproxy", "-f", f"{work}/haproxy.cfg"]),
            "kairos-1w": (KAIROS, KAIROS_H2C, [args.kairos, "--no-gui", "--no-watch", "--access-log", "none",
                                               "--config", f"{work}/kairos.json"]),
        }
        wanted = set(args.only.split(",")) | {"nginx"} if args.only else set(commands)
        targets = {}
        for name, (port, h2c_port, command) in commands.items():
            if name in wanted:
                processes.append(subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
                targets[name] = (port, h2c_port, processes[-1])
                check_h2(name, f"https://127.0.0.1:{port}/")
                if args.h2c and h2c_port:
                    check_h2(name, f"http://127.0.0.1:{h2c_port}/")
        print(f"h2load -t2 -c{args.connections} -D{args.duration}, streams per connection: {args.streams}", flush=True)
        if args.idle:
            for name, (port, _, process) in targets.items():
                idle_memory(name, process.pid, port, args.idle)
        cases = [(f"h2 -m{m}", m, "https", 0) for m in streams]
        cases += [(f"h2c -m{m}", m, "http", 1) for m in streams] if args.h2c else []
        results = {}
        for _ in range(args.rounds):
            for case, m, scheme, which in cases:
                for name, (*ports, process) in targets.items():
                    if ports[which]:
                        url = f"{scheme}://127.0.0.1:{ports[which]}/"
                        results.setdefault((case, name), []).append(measure(url, process, args.connections, m, args.duration))
        if args.json:
            with open(args.json, "w") as f:
                json.dump([{"case": case, "target": name, "round": index, **run}
                           for (case, name), runs in results.items() for index, run in enumerate(runs)], f, indent=1)
        if not args.rounds:
            return
        print(f"\n{'case':<10} {'proxy':<10} {'req/s':>8} {'mean ms':>8} {'CPU us/req':>10} "
              f"{'x nginx':>7} {'(rounds)':>11} {'lat x nginx':>11} {'cpu x nginx':>11} {'failed':>6}")
        for case, *_ in cases:
            for name in targets:
                if (case, name) not in results:
                    continue
                runs, reference = results[(case, name)], results[(case, "nginx")]
                good = [r for r in runs if not r["failed"]]
                failed = f"{len(runs) - len(good)}/{len(runs)}"
                if not good:
                    print(f"{case:<10} {name:<10} {'failed':>8} {failed:>77}")
                    continue
                m = {key: statistics.median(r[key] for r in good) for key in ("rps", "mean_ms", "cpu_us")}
                pairs = [(a, b) for a, b in zip(runs, reference) if not a["failed"] and not b["failed"]]
                ratio = lambda key: [a[key] / max(b[key], 1e-9) for a, b in pairs] or [float("nan")]
                rps = ratio("rps")
                print(f"{case:<10} {name:<10} {m['rps']:>8.0f} {m['mean_ms']:>8.2f} {m['cpu_us']:>10.1f} "
                      f"{statistics.median(rps):>7.2f} {f'{min(rps):.2f}-{max(rps):.2f}':>11} "
                      f"{statistics.median(ratio('mean_ms')):>11.2f} {statistics.median(ratio('cpu_us')):>11.2f} {failed:>6}")
        print("(mean ms: h2load's mean \"time for request\"; failed: rounds where not every request got a 2xx, left out)")
    finally:
        stop_all(processes)
        shutil.rmtree(work, ignore_errors=True)

if __name__ == "__main__":
    main()
