#!/usr/bin/env python3
"""Kairos beside nginx and HAProxy as TLS-terminating reverse proxies, same certificate, 127.0.0.1 only.

A throwaway certificate and key (EC P-256, or RSA 2048 with --key rsa) made with the openssl CLI in a
temporary folder; an upstream nginx answering a 2-byte body with keep-alive; in front of it, over
TLS 1.2/1.3 with server defaults otherwise (session tickets on, no shared session cache for nginx,
HAProxy's default cache): nginx (1 worker, upstream keepalive 256), HAProxy (nbthread 1, http-reuse
always) and Kairos headless (server.workers 1, server.tls). Rounds interleaved (A B C A B C), each
figure's median and the ratio to nginx taken round by round (median, lowest and highest round):

- keep-alive: wrk (2 threads, --connections) over https: req/s, p50/p99, proxy CPU µs per request;
- resumed: wrk with "Connection: close": every request a new TCP and TLS connection, which wrk
  resumes with the session ticket of its previous one (TLS 1.3 PSK with a new X25519 exchange);
- full: --clients Python processes, each a loop of new connections without a session (a full
  handshake: X25519 and the certificate's signature), one request each with "Connection: close".
For the last two, handshakes per second and proxy CPU µs per handshake, and "conn/req": new TCP
connections the kernel accepted (/proc/net/snmp PassiveOpens) per request, which shows that each
request had a connection of its own (about 1.0; the whole machine's count).

With --idle N (default 2000; 0: skipped), before the load: the proxy's RSS (all its processes) at
rest, then with N TLS keep-alive connections held by this process, each having made one request.

usage: tls.py KAIROS_BINARY [--duration 5] [--rounds 3] [--connections 50] [--clients 4]
              [--idle 2000] [--key ec|rsa] [--only nginx,haproxy,kairos-1w]"""
import argparse, json, multiprocessing, os, re, resource, shutil, socket, ssl, statistics, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from benchprocess import stop_all, wait_for_http
from proxy.compare import cpu_seconds, write
from connections.idle import rss_kib

UPSTREAM, NGINX, HAPROXY, KAIROS, KAIROS_PLAIN = 18280, 18281, 18282, 18283, 18284
UPSTREAM_KEEPALIVE = 256  # as compare.py: Kairos' default server.max_idle_upstream_connections
IDLE_TIMEOUT_S = 120

def client_context():
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the throwaway certificate; TLS 1.3 still checks its signature
    return context

def request(tls_socket, close=False):
    """One GET and its complete answer (Content-Length framed); the answer's head."""
    tls_socket.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n" + (b"Connection: close\r\n" if close else b"") + b"\r\n")
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = tls_socket.recv(4096)
        if not chunk:
            raise ConnectionError("closed before an answer")
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    length = int(re.search(rb"(?i)\r\ncontent-length:\s*(\d+)", head).group(1))
    while len(body) < length:
        body += tls_socket.recv(4096)
    return head

def wait_for_tls(port):
    for _ in range(100):
        try:
            with client_context().wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=1)) as s:
                request(s)
                return
        except (OSError, ConnectionError):
            time.sleep(0.1)
    sys.exit(f"nothing answers TLS on port {port}")

def describe(port):
    """The protocol and cipher of one connection, and whether a second one resumes its session."""
    context = client_context()
    with context.wrap_socket(socket.create_connection(("127.0.0.1", port))) as s:
        request(s)  # the TLS 1.3 tickets arrive after the handshake
        version, cipher, session = s.version(), s.cipher()[0], s.session
    with context.wrap_socket(socket.create_connection(("127.0.0.1", port)), session=session) as s:
        request(s)
        return f"{version} {cipher}, resumption {'yes' if s.session_reused else 'no'}"

def passive_opens():
    lines = [line.split() for line in open("/proc/net/snmp") if line.startswith("Tcp:")]
    return int(lines[1][lines[0].index("PassiveOpens")])

def wrk(port, connections, duration, close):
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency"]
    if close:
        command += ["-H", "Connection: close"]
    out = subprocess.run(command + [f"https://127.0.0.1:{port}/"], capture_output=True, text=True).stdout
    def latency(pct):
        m = re.search(rf"\s{pct}%\s+([\d.]+)(us|ms|s)\b", out)
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "requests": int(re.search(r"(\d+) requests in", out).group(1)),
            "p50_ms": latency(50), "p99_ms": latency(99),
            "errors": (int(errors.group(1)) if errors else 0) + (sum(map(int, socket_errors.groups())) if socket_errors else 0)}

def full_handshake_loop(port, duration, results):
    context, count, end = client_context(), 0, time.monotonic() + duration
    while time.monotonic() < end:
        try:
            with context.wrap_socket(socket.create_connection(("127.0.0.1", port))) as s:
                request(s, close=True)
                count += 1
        except (OSError, ConnectionError):
            pass
    results.put(count)

def full_handshakes(port, clients, duration):
    results = multiprocessing.Queue()
    workers = [multiprocessing.Process(target=full_handshake_loop, args=(port, duration, results)) for _ in range(clients)]
    start = time.monotonic()
    for worker in workers:
        worker.start()
    total = sum(results.get() for _ in workers)
    for worker in workers:
        worker.join()
    return {"rps": total / (time.monotonic() - start), "requests": total, "p50_ms": 0.0, "p99_ms": 0.0, "errors": 0}

def measure(kind, port, process, args):
    before_cpu, before_opens = cpu_seconds(process.pid), passive_opens()
    if kind == "full":
        run = full_handshakes(port, args.clients, args.duration)
    else:
        run = wrk(port, args.connections, args.duration, close=(kind == "resumed"))
    requests = max(run["requests"], 1)
    run["cpu_us"] = (cpu_seconds(process.pid) - before_cpu) / requests * 1e6
    run["conn_per_req"] = (passive_opens() - before_opens) / requests
    return run

def idle_memory(name, pid, port, count):
    """RSS growth with count idle TLS keep-alive connections, each after one request (full handshakes)."""
    time.sleep(1)
    rest = rss_kib(pid)
    context, sockets = client_context(), []
    for _ in range(count):
        s = context.wrap_socket(socket.create_connection(("127.0.0.1", port)))
        request(s)
        sockets.append(s)
    time.sleep(2)
    held = rss_kib(pid)
    for s in sockets:
        s.close()
    print(f"{name:<10} RSS at rest {rest / 1024:6.1f} MiB, with {count} idle TLS connections {held / 1024:6.1f} MiB: "
          f"{(held - rest) / count:5.1f} KiB per connection", flush=True)

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("kairos")
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=50, help="wrk's connections (keep-alive and resumed)")
    parser.add_argument("--clients", type=int, default=4, help="Python processes making full handshakes")
    parser.add_argument("--idle", type=int, default=2000, help="idle TLS connections for the memory figure; 0: none")
    parser.add_argument("--key", choices=("ec", "rsa"), default="ec", help="EC P-256 or RSA 2048")
    parser.add_argument("--only", help="comma-separated targets (nginx, the yardstick, always runs)")
    parser.add_argument("--json", metavar="FILE", help="also write every round's figures to FILE")
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # the proxies inherit it
    if hard < args.idle + 200:
        sys.exit(f"the descriptor limit ({hard}) is below {args.idle} connections")
    work = tempfile.mkdtemp(prefix="kairos-tls-")
    os.chmod(work, 0o755)  # nginx's workers run as www-data
    cert, key, both = f"{work}/cert.pem", f"{work}/key.pem", f"{work}/both.pem"
    algorithm = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"] if args.key == "ec" else ["-newkey", "rsa:2048"]
    subprocess.run(["openssl", "req", "-x509", *algorithm, "-nodes", "-keyout", key, "-out", cert, "-days", "2",
                    "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                   check=True, capture_output=True)
    write(both, open(cert).read() + open(key).read())
    for path in (cert, key, both):
        os.chmod(path, 0o644)  # a throwaway key, readable by nginx's workers
    limit = args.idle + 1000
    write(f"{work}/upstream.conf", f"""worker_processes 1; daemon off; pid {work}/up.pid; error_log {work}/up.err;
events {{ worker_connections 4096; }}
http {{ access_log off; keepalive_requests 1000000; server {{ listen 127.0.0.1:{UPSTREAM}; location / {{ return 200 'ok'; }} }} }}""")
    write(f"{work}/nginx.conf", f"""worker_processes 1; daemon off; pid {work}/nginx.pid; error_log {work}/nginx.err;
worker_rlimit_nofile {limit + 1000}; events {{ worker_connections {limit}; }}
http {{ access_log off; keepalive_requests 1000000; keepalive_timeout {IDLE_TIMEOUT_S}s;
  upstream up {{ server 127.0.0.1:{UPSTREAM}; keepalive {UPSTREAM_KEEPALIVE}; }}
  server {{ listen 127.0.0.1:{NGINX} ssl; ssl_certificate {cert}; ssl_certificate_key {key}; ssl_protocols TLSv1.2 TLSv1.3;
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
  bind 127.0.0.1:{HAPROXY} ssl crt {both} ssl-min-ver TLSv1.2
  default_backend b
backend b
  http-reuse always
  server s1 127.0.0.1:{UPSTREAM}
""")
    write(f"{work}/kairos.json", json.dumps({"version": 1, "server": {
        "host": "127.0.0.1", "port": KAIROS_PLAIN, "workers": 1, "idle_timeout_ms": IDLE_TIMEOUT_S * 1000,
        "tls": {"port": KAIROS, "cert_file": cert, "key_file": key, "min_version": "1.2"}},
        "routers": [{"external_path": "/{*rest}", "internal_path": "/{rest}", "methods": ["GET"],
                     "backends": [{"host": "http://127.0.0.1", "port": UPSTREAM}]}]}))
    processes = []
    def start(command, port):
        processes.append(subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        wait_for_tls(port)
        return processes[-1]
    try:
        processes.append(subprocess.Popen(["nginx", "-c", f"{work}/upstream.conf"],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        wait_for_http(UPSTREAM)
        commands = {
            "nginx": (NGINX, ["nginx", "-c", f"{work}/nginx.conf"]),
            "haproxy": (HAPROXY, ["haproxy", "-f", f"{work}/haproxy.cfg"]),
            "kairos-1w": (KAIROS, [args.kairos, "--no-gui", "--no-watch", "--access-log", "none",
                                   "--config", f"{work}/kairos.json"]),
        }
        wanted = set(args.only.split(",")) | {"nginx"} if args.only else set(commands)
        targets = {name: (port, start(command, port)) for name, (port, command) in commands.items() if name in wanted}
        print(f"certificate: {'EC P-256' if args.key == 'ec' else 'RSA 2048'}; wrk -t2 -c{args.connections} "
              f"-d{args.duration}s; full handshakes: {args.clients} client processes", flush=True)
        for name, (port, _) in targets.items():
            print(f"{name:<10} {describe(port)}", flush=True)
        if args.idle:
            for name, (port, process) in targets.items():
                idle_memory(name, process.pid, port, args.idle)
        kinds = ("keep-alive", "resumed", "full")
        results = {}
        for _ in range(args.rounds):
            for kind in kinds:
                for name, (port, process) in targets.items():
                    results.setdefault((kind, name), []).append(measure(kind, port, process, args))
        if args.json:
            with open(args.json, "w") as f:
                json.dump([{"measure": kind, "target": name, "round": index, **run}
                           for (kind, name), runs in results.items() for index, run in enumerate(runs)], f, indent=1)
        if not args.rounds:
            return
        print(f"\n{'measure':<11} {'proxy':<10} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'CPU us/req':>10} "
              f"{'x nginx':>7} {'(rounds)':>11} {'p99 x nginx':>11} {'cpu x nginx':>11} {'conn/req':>8} {'errors':>6}")
        for kind in kinds:
            for name in targets:
                runs, reference = results[(kind, name)], results[(kind, "nginx")]
                m = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
                ratio = lambda key: [a[key] / max(b[key], 1e-9) for a, b in zip(runs, reference)]
                rps = ratio("rps")
                p99 = f"{statistics.median(ratio('p99_ms')):>11.2f}" if kind != "full" else f"{'-':>11}"
                print(f"{kind:<11} {name:<10} {m['rps']:>8.0f} {m['p50_ms']:>7.2f} {m['p99_ms']:>7.2f} {m['cpu_us']:>10.1f} "
                      f"{statistics.median(rps):>7.2f} {f'{min(rps):.2f}-{max(rps):.2f}':>11} {p99} "
                      f"{statistics.median(ratio('cpu_us')):>11.2f} {m['conn_per_req']:>8.2f} {sum(r['errors'] for r in runs):>6}")
        print("(full: req/s = full handshakes per second, one request each; wrk's latencies are not measured there)")
    finally:
        stop_all(processes)
        shutil.rmtree(work, ignore_errors=True)

if __name__ == "__main__":
    main()
