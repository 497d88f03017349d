#!/usr/bin/python3
"""What a route's local-development features cost, through a running Kairos on 127.0.0.1.

One Kairos headless (server.workers 1, no access log) with these routes, an upstream nginx
(1 worker) behind it, and a second nginx (1 worker) as the yardstick:

  /plain/{*rest}  proxied to the upstream, nothing else;
  /rules/{*rest}  the same with "cors" (two origins, expose_headers) and header rules (the request:
                  2 fields set with variables, 1 removed; the response: 1 set, 1 removed);
  /json           proxied to the upstream's data.json (a 1 MiB JSON API answer served uncompressed);
  /json-c         the same with "compression": {} (the defaults: zstd, br, gzip by Accept-Encoding,
                  gzip 6, brotli 4, zstd 3): Kairos compresses what the backend sends;
  /files/{*path}  "static" on the folder holding data.json ("/{*path}" -> "/{path}").

The yardstick nginx serves the same data.json itself: on one port with "sendfile on" and on another
with "gzip on; gzip_comp_level 6;" for application/json. data.json mirrors
tests/support/samplejson.h (user records with ids, names, emails, nested addresses, tags).

Three measurements, wrk -t2 with --connections (default 50), each in rounds whose targets take turns
(A B A B ...; drift hits all alike), and before every round a wait until the 1-minute load average
is below --max-load (at most --patience seconds; a round that started above it is marked disturbed):

  rules        /plain/small against /rules/small, both requests carrying an allowed Origin and a
               Cookie (which the rules remove), an 11-byte answer from the upstream;
  compression  /json (no Accept-Encoding), /json-c with Accept-Encoding gzip, br and zstd (one
               coding a run) and nginx gzip: req/s, MB/s of uncompressed body, the ratio (1 MiB
               over the bytes sent) and Kairos' peak RSS sampled every 50 ms during each run;
  static       /files/data.json against nginx's sendfile: req/s and MB/s.

Then each coding once more on a fresh Kairos: its RSS at rest and its peak (VmHWM) under the same
load, which is what the encoders of that many responses in flight hold together.

Before the load, and once during each compression run, the answers are checked: each coding
decoded (Python's gzip, brotli, zstandard) and compared with the file, the static file and nginx's
compared byte for byte, CORS and the header rules seen by the upstream and by the client. A check
that fails is printed with FAIL and counted at the end (exit status 1). The gateway's log is
appended to kairos-localdev.log in the current directory; if the gateway exits, the script stops.

With root, the script and everything it starts run at nice -5. Needs Debian's python3-brotli and
python3-zstandard, hence /usr/bin/python3.

usage: localdev.py KAIROS_BINARY [--duration 5] [--rounds 3] [--connections 50]
                   [--only rules,compression,static] [--max-load 1.0] [--patience 300] [--json FILE]"""
import argparse, gzip, json, os, random, re, shutil, statistics, subprocess, sys, tempfile, threading, time
import urllib.request

sys.path[0] = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
from benchprocess import stop_all, wait_for_http
from proxy.compare import cpu_seconds, write
from connections.idle import rss_kib
try:
    import brotli, zstandard
except ImportError:
    brotli = zstandard = None

UPSTREAM, NGINX, NGINX_GZIP, KAIROS = 18480, 18481, 18482, 18483
BODY_BYTES = 1 << 20
ORIGIN = "http://localhost:5173"
REQUEST_FIELDS = {"Origin": ORIGIN, "Cookie": "session=4f9d2c; theme=dark"}
CORS = {"allow_origins": [ORIGIN, "https://app.example.com"], "expose_headers": ["x-request-id", "x-served-by"]}
REQUEST_RULES = {"set": {"x-client": "{client_ip}", "x-trace": "{request_id}@{route} {host}{path}"}, "remove": ["cookie"]}
RESPONSE_RULES = {"set": {"x-served-by": "kairos {route}"}, "remove": ["x-powered-by"]}
CODINGS = ("gzip", "br", "zstd")

FIRST_NAMES = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Margaret", "Ken", "Frances", "Niklaus",
               "Radia", "Leslie", "Sophie", "John", "Hedy", "Dennis"]
LAST_NAMES = ["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Hamilton", "Thompson", "Allen",
              "Wirth", "Perlman", "Lamport", "Wilson", "Backus"]
CITIES = ["Lyon", "Porto", "Leeds", "Graz", "Tartu", "Ghent", "Bergen", "Aarhus"]
TAGS = ["admin", "billing", "beta", "support", "ops", "sales", "api", "mobile"]


def sample_json(size, seed=1):
    """tests/support/samplejson.h's records (Python's generator: the same shape, other values)."""
    rng = random.Random(seed)
    pick = lambda names: names[rng.randrange(len(names))]
    parts, total, record = ['{"users":['], 10, 0
    while total < size:
        record += 1
        first, last = pick(FIRST_NAMES), pick(LAST_NAMES)
        text = (f'{"," if record > 1 else ""}{{"id":{100000 + record * 7 + rng.randrange(7)},"name":"{first} {last}",'
                f'"email":"{first.lower()}.{last.lower()}{rng.randrange(1000)}@example.com",'
                f'"active":{"true" if rng.randrange(4) else "false"},"score":{rng.randrange(10000) / 100:g},'
                f'"address":{{"street":"{1 + rng.randrange(200)} Elm Street","city":"{pick(CITIES)}",'
                f'"zip":"{10000 + rng.randrange(89999)}"}},"tags":["{pick(TAGS)}","{pick(TAGS)}"],'
                f'"created_at":"2024-0{1 + rng.randrange(9)}-1{rng.randrange(10)}T{10 + rng.randrange(14)}:'
                f'{10 + rng.randrange(50)}:00Z"}}')
        parts.append(text)
        total += len(text)
    return ("".join(parts) + "]}").encode()


def decode(coding, data):
    if coding == "gzip":
        return gzip.decompress(data)
    if coding == "br":
        return brotli.decompress(data)
    if coding == "zstd":
        return zstandard.ZstdDecompressor().decompressobj().decompress(data)
    return data


def fetch(port, path, fields=None):
    """status, head fields (lower-case names), body as sent (urllib decodes chunked framing only)."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=fields or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


failures = []


def check(what, ok, detail=""):
    print(f"  {'ok  ' if ok else 'FAIL'} {what}{f': {detail}' if detail and not ok else ''}", flush=True)
    if not ok:
        failures.append(f"{what}: {detail}")


def check_coding(name, port, path, coding, body):
    """One answer with Accept-Encoding: coding; decoded and compared with body. The bytes sent."""
    status, fields, data = fetch(port, path, {"Accept-Encoding": coding})
    got = fields.get("content-encoding", "identity")
    try:
        decoded = decode(coding, data) if got == coding else data
    except Exception as error:
        check(f"{name}: {coding} decodes", False, f"{type(error).__name__}: {error} ({len(data)} bytes)")
        return len(data)
    check(f"{name}: {coding}: status 200, Content-Encoding {coding}, decodes to the file",
          status == 200 and got == coding and decoded == body,
          f"status {status}, Content-Encoding {got}, {len(data)} bytes sent, decoded {len(decoded)} of {len(body)}, "
          f"equal {decoded == body}")
    return len(data)


def wrk(port, path, connections, duration, fields=()):
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "10s"]
    for name, value in fields:
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run(command + [f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True).stdout
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


class RssPeak:
    """Samples a process's RSS every 50 ms while a run lasts; with probe, calls it once 1 s in."""
    def __init__(self, pid, probe=None):
        self.pid, self.probe, self.peak, self.done = pid, probe, 0, threading.Event()
        self.thread = threading.Thread(target=self.sample)

    def sample(self):
        start = time.monotonic()
        while not self.done.wait(0.05):
            self.peak = max(self.peak, rss_kib(self.pid))
            if self.probe and time.monotonic() - start > 1:
                self.probe()
                self.probe = None

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.done.set()
        self.thread.join()


def wait_quiet(max_load, patience):
    """Waits until the 1-minute load average is below max_load, at most patience seconds: the load
    when the round starts, the seconds waited and whether it is still above."""
    start = time.monotonic()
    while True:
        load = float(open("/proc/loadavg").read().split()[0])
        waited = time.monotonic() - start
        if load < max_load or waited >= patience:
            return {"load": load, "waited_s": round(waited), "disturbed": load >= max_load}
        time.sleep(min(5, patience - waited))


def run_rounds(title, targets, args, results, rounds_info, reference):
    """targets: name -> (port, path, fields, process whose CPU and RSS are taken, probe or None)."""
    for name, (port, path, fields, _, _) in targets.items():
        wrk(port, path, args.connections, 2, fields)  # warm-up: upstream connections, page cache
    for index in range(args.rounds):
        quiet = wait_quiet(args.max_load, args.patience)
        rounds_info.setdefault(title, []).append(quiet)
        print(f"{title} round {index + 1}: load {quiet['load']:.2f} after waiting {quiet['waited_s']} s"
              f"{' (disturbed)' if quiet['disturbed'] else ''}", flush=True)
        for name, (port, path, fields, process, probe) in targets.items():
            if process.poll() is not None:
                sys.exit(f"{name}: the process serving it exited with status {process.returncode} "
                         f"(the gateway's log: {LOG})")
            before, rest = cpu_seconds(process.pid), rss_kib(process.pid)
            with RssPeak(process.pid, probe) as rss:
                run = wrk(port, path, args.connections, args.duration, fields)
            run["cpu_us"] = (cpu_seconds(process.pid) - before) / max(run["requests"], 1) * 1e6
            run["rss_before_mib"], run["rss_peak_mib"] = rest / 1024, rss.peak / 1024
            run["disturbed"] = quiet["disturbed"]
            results.setdefault((title, name), []).append(run)
            print(f"  {name:<14} {run['rps']:>9.1f} req/s  p99 {run['p99_ms']:>7.2f} ms  errors {run['errors']}", flush=True)
    print(f"\n{title}: wrk -t2 -c{args.connections} -d{args.duration}s, {args.rounds} rounds")
    print(f"{'target':<14} {'req/s':>9} {'MB/s':>7} {'p50 ms':>7} {'p99 ms':>8} {'CPU us/req':>10} "
          f"{'x ' + reference:>14} {'(rounds)':>11} {'errors':>6}  req/s by round")
    for name in targets:
        runs, base = results[(title, name)], results[(title, reference)]
        m = {key: statistics.median(r[key] for r in runs) for key in ("rps", "p50_ms", "p99_ms", "cpu_us")}
        ratios = [a["rps"] / max(b["rps"], 1e-9) for a, b in zip(runs, base)]
        print(f"{name:<14} {m['rps']:>9.1f} {m['rps'] * BODY_BYTES_SENT.get(name, 0) / 1e6:>7.1f} {m['p50_ms']:>7.2f} "
              f"{m['p99_ms']:>8.2f} {m['cpu_us']:>10.1f} {statistics.median(ratios):>14.3f} "
              f"{f'{min(ratios):.3f}-{max(ratios):.3f}':>11} {sum(r['errors'] for r in runs):>6}  "
              f"{' '.join(str(round(r['rps'])) for r in runs)}", flush=True)


BODY_BYTES_SENT = {}  # target name -> uncompressed body bytes per request, for MB/s
LOG = "kairos-localdev.log"  # the gateway's stderr, in the current directory, kept


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("kairos")
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--only", default="rules,compression,static", help="comma-separated measurements")
    parser.add_argument("--max-load", type=float, default=1.0, help="1-minute load average to wait for before a round")
    parser.add_argument("--patience", type=int, default=300, help="seconds to wait for it at most")
    parser.add_argument("--json", metavar="FILE", help="also write every round's figures to FILE")
    args = parser.parse_args()
    if brotli is None:
        sys.exit("needs python3-brotli and python3-zstandard (Debian), run with /usr/bin/python3")
    wanted = args.only.split(",")
    try:
        os.nice(-5)
        print("nice -5: the script and everything it starts")
    except PermissionError:
        print("nice -5 not permitted: default priority")
    work = tempfile.mkdtemp(prefix="kairos-localdev-")
    os.makedirs(f"{work}/site")
    for path in (work, f"{work}/site"):
        os.chmod(path, 0o755)  # nginx's workers run as www-data
    body = sample_json(BODY_BYTES)
    with open(f"{work}/site/data.json", "wb") as f:
        f.write(body)
    os.chmod(f"{work}/site/data.json", 0o644)
    for name in ("kairos-json", "nginx-static", "kairos-static") + tuple(f"kairos-{c}" for c in CODINGS) + ("nginx-gzip",):
        BODY_BYTES_SENT[name] = len(body)
    nginx_head = lambda name: (f"worker_processes 1; daemon off; pid {work}/{name}.pid; error_log {work}/{name}.err;\n"
                               f"events {{ worker_connections 4096; }}\n")
    write(f"{work}/upstream.conf", nginx_head("upstream") + f"""http {{ access_log off; keepalive_requests 1000000;
  types {{ application/json json; }} default_type application/json; gzip off;
  server {{ listen 127.0.0.1:{UPSTREAM};
    location = /small {{ add_header X-Powered-By upstream-nginx; return 200 '{{"ok":true}}'; }}
    location = /echo {{ add_header X-Powered-By upstream-nginx;
      return 200 'x-client=$http_x_client|x-trace=$http_x_trace|cookie=$http_cookie|origin=$http_origin'; }}
    location = /data.json {{ root {work}/site; }} }} }}""")
    write(f"{work}/nginx.conf", nginx_head("nginx") + f"""http {{ access_log off; keepalive_requests 1000000;
  types {{ application/json json; }} default_type application/octet-stream; sendfile on; tcp_nopush on;
  server {{ listen 127.0.0.1:{NGINX}; location / {{ root {work}/site; }} }}
  server {{ listen 127.0.0.1:{NGINX_GZIP}; gzip on; gzip_comp_level 6; gzip_types application/json; gzip_min_length 1024;
    location / {{ root {work}/site; }} }} }}""")
    backend = [{"host": "http://127.0.0.1", "port": UPSTREAM}]
    proxied = lambda external, internal, **more: dict(
        {"external_path": external, "internal_path": internal, "methods": ["GET"], "backends": backend}, **more)
    write(f"{work}/kairos.json", json.dumps({"version": 1, "server": {"host": "127.0.0.1", "port": KAIROS, "workers": 1},
        "routers": [proxied("/plain/{*rest}", "/{rest}"),
                    proxied("/rules/{*rest}", "/{rest}", cors=CORS, request_headers=REQUEST_RULES,
                            response_headers=RESPONSE_RULES),
                    proxied("/json", "/data.json"),
                    proxied("/json-c", "/data.json", compression={}),
                    {"external_path": "/files/{*path}", "internal_path": "/{path}", "methods": ["GET", "HEAD"],
                     "static": {"root": f"{work}/site"}}]}, indent=1))
    kairos_command = [args.kairos, "--no-gui", "--no-watch", "--access-log", "none", "--config", f"{work}/kairos.json"]
    processes = []
    log = open(LOG, "a")
    def start(command, port):
        processes.append(subprocess.Popen(command, stdout=subprocess.DEVNULL,
                                          stderr=log if command is kairos_command else subprocess.DEVNULL))
        wait_for_http(port)
        return processes[-1]
    results, rounds_info, memory, ratios = {}, {}, {}, {}
    try:
        start(["nginx", "-c", f"{work}/upstream.conf"], UPSTREAM)
        nginx = start(["nginx", "-c", f"{work}/nginx.conf"], NGINX)
        gateway = start(kairos_command, KAIROS)
        print(f"data.json: {len(body):,} bytes; checks:")
        status, fields, data = fetch(KAIROS, "/rules/echo", REQUEST_FIELDS)
        text = data.decode(errors="replace")
        check("rules: the upstream sees x-client, x-trace (request id, route, host, path), no cookie, the Origin",
              status == 200 and "x-client=127.0.0.1|" in text and "|cookie=|" in text
              and re.search(r"x-trace=[0-9a-f]+@/rules/\S+ 127\.0\.0\.1:\d+/rules/echo\|", text) is not None and ORIGIN in text, text)
        check("rules: Access-Control-Allow-Origin, -Expose-Headers, x-served-by set, x-powered-by removed",
              fields.get("access-control-allow-origin") == ORIGIN and "x-served-by" in fields.get("access-control-expose-headers", "")
              and fields.get("x-served-by", "").startswith("kairos ") and "x-powered-by" not in fields, str(fields))
        status, fields, _ = fetch(KAIROS, "/plain/small", REQUEST_FIELDS)
        check("plain: no CORS fields, x-powered-by kept", status == 200 and "access-control-allow-origin" not in fields
              and "x-powered-by" in fields, str(fields))
        status, fields, data = fetch(KAIROS, "/json", {"Accept-Encoding": "gzip, br, zstd"})
        check("/json (no compression): identity, the file", status == 200 and "content-encoding" not in fields and data == body,
              f"status {status}, {fields.get('content-encoding')}, {len(data)} bytes")
        for coding in CODINGS:
            ratios[f"kairos-{coding}"] = len(body) / check_coding("kairos /json-c", KAIROS, "/json-c", coding, body)
        ratios["nginx-gzip"] = len(body) / check_coding("nginx gzip", NGINX_GZIP, "/data.json", "gzip", body)
        for name, port, path in (("kairos static", KAIROS, "/files/data.json"), ("nginx sendfile", NGINX, "/data.json")):
            status, fields, data = fetch(port, path)
            check(f"{name}: status 200, Content-Length, application/json, the file", status == 200 and data == body
                  and fields.get("content-length") == str(len(body)) and fields.get("content-type", "").startswith("application/json"),
                  f"status {status}, {fields.get('content-length')}, {fields.get('content-type')}, equal {data == body}")
        print(f"ratios (file / bytes sent): " + ", ".join(f"{name} {ratio:.2f}" for name, ratio in ratios.items()), flush=True)

        def probe(name, port, path, coding):
            return lambda: check_coding(f"{name} under load", port, path, coding, body)
        fields_of = lambda *pairs: tuple(pairs)
        if "rules" in wanted:
            plain_fields = tuple(REQUEST_FIELDS.items())
            run_rounds("rules", {
                "kairos-plain": (KAIROS, "/plain/small", plain_fields, gateway, None),
                "kairos-rules": (KAIROS, "/rules/small", plain_fields, gateway, None),
            }, args, results, rounds_info, "kairos-plain")
        if "compression" in wanted:
            targets = {"kairos-json": (KAIROS, "/json", (), gateway, None)}
            for coding in CODINGS:
                targets[f"kairos-{coding}"] = (KAIROS, "/json-c", fields_of(("Accept-Encoding", coding)), gateway,
                                               probe("kairos", KAIROS, "/json-c", coding))
            targets["nginx-gzip"] = (NGINX_GZIP, "/data.json", fields_of(("Accept-Encoding", "gzip")), nginx,
                                     probe("nginx", NGINX_GZIP, "/data.json", "gzip"))
            run_rounds("compression", targets, args, results, rounds_info, "nginx-gzip")
            print(f"{'target':<14} {'ratio':>6} {'RSS before MiB':>14} {'RSS peak MiB (median, max of rounds)':>37}")
            for name in targets:
                runs = results[("compression", name)]
                print(f"{name:<14} {ratios.get(name, 1.0):>6.2f} {statistics.median(r['rss_before_mib'] for r in runs):>14.1f} "
                      f"{statistics.median(r['rss_peak_mib'] for r in runs):>22.1f} {max(r['rss_peak_mib'] for r in runs):>14.1f}")
            # Each coding on a fresh gateway: its peak is that coding's alone.
            stop_all([gateway])
            processes.remove(gateway)
            print(f"\nfresh gateway per coding, wrk -t2 -c{args.connections} -d{args.duration}s: RSS at rest, VmHWM after")
            for name, path, fields in [("kairos-json", "/json", ())] + [
                    (f"kairos-{c}", "/json-c", fields_of(("Accept-Encoding", c))) for c in CODINGS]:
                wait_quiet(args.max_load, args.patience)
                fresh = start(kairos_command, KAIROS)
                rest = rss_kib(fresh.pid)
                run = wrk(KAIROS, path, args.connections, args.duration, fields)
                hwm = int(re.search(r"VmHWM:\s+(\d+)", open(f"/proc/{fresh.pid}/status").read()).group(1))
                memory[name] = {"rest_mib": rest / 1024, "hwm_mib": hwm / 1024, "rps": run["rps"], "errors": run["errors"]}
                print(f"{name:<14} rest {rest / 1024:6.1f} MiB, peak {hwm / 1024:6.1f} MiB, "
                      f"{(hwm - rest) / args.connections:7.0f} KiB per connection above rest "
                      f"({run['rps']:.1f} req/s, errors {run['errors']})", flush=True)
                stop_all([fresh])
                processes.remove(fresh)
            gateway = start(kairos_command, KAIROS)
        if "static" in wanted:
            run_rounds("static", {
                "nginx-static": (NGINX, "/data.json", (), nginx, None),
                "kairos-static": (KAIROS, "/files/data.json", (), gateway, None),
            }, args, results, rounds_info, "nginx-static")
            status, fields, data = fetch(KAIROS, "/files/data.json")
            check("kairos static after the load: the file", status == 200 and data == body, f"status {status}")
        if args.json:
            with open(args.json, "w") as f:
                json.dump({"rounds": rounds_info, "ratios": ratios, "memory": memory,
                           "runs": [{"measure": title, "target": name, "round": index, **run}
                                    for (title, name), runs in results.items() for index, run in enumerate(runs)]},
                          f, indent=1)
    finally:
        stop_all(processes)
        shutil.rmtree(work, ignore_errors=True)
    if failures:
        print(f"\n{len(failures)} check(s) failed:\n  " + "\n  ".join(failures))
        sys.exit(1)


if __name__ == "__main__":
    main()
