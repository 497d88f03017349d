#!/usr/bin/env python3
"""Fleet mode on loopback (docs/FLEET.md): one etcd (Debian's, data in a temporary folder) and
three Kairos instances, headless, 1 worker each.

- convergence: WRITES routes POSTed to the first instance, one at a time; for each, the time from
  sending the POST until all three instances serve the route (each polled on a keep-alive
  connection until the route answers 200); p50, p99 and the largest.
- initial sync: ROUTES routes put in etcd, then a fourth instance started; the time from its
  start to its log line "applied from etcd with ROUTES route(s)", and from its first log line (the
  local file read) to it.
- throughput: wrk on one route against an instance in fleet mode and a standalone one of the
  same binary and the same routes, rounds interleaved; req/s and p99 of each.

Needs etcd, nginx (the upstream) and wrk: `apt-get install etcd-server etcd-client nginx-light wrk`.

usage: fleet.py KAIROS_BINARY [--writes 200] [--routes 1000] [--rounds 3] [--duration 10]"""
import argparse, base64, http.client, urllib.request, json, os, re, shutil, statistics, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from benchprocess import stop_all, wait_for_http
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "proxy"))
from compare import nginx_conf, write, wrk

ETCD_CLIENT, ETCD_PEER = 18379, 18380
UPSTREAM = 18190
INSTANCES = [18191, 18192, 18193]
LATE, STANDALONE = 18194, 18195
ETCD = f"http://127.0.0.1:{ETCD_CLIENT}"

def route(path):
    return {"external_path": path, "internal_path": "/", "methods": ["GET"],
            "backends": [{"host": "http://127.0.0.1", "port": UPSTREAM}]}

def config_file(work, name, extra=None):
    config = {"version": 1, "server": {"workers": 1}}
    config.update(extra or {})
    path = f"{work}/{name}.json"
    write(path, json.dumps(config))
    return path

def gateway(binary, work, name, port, fleet, log=None):
    command = [binary, "--no-gui", "--no-watch", "--access-log", "none", "--config",
               config_file(work, name, None if fleet else {"routers": [route("/bench")]}),
               "--listen", f"127.0.0.1:{port}"]
    if fleet:
        command += ["--etcd", ETCD]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=log or subprocess.DEVNULL)

def etcdctl(*args, stdin=None):
    return subprocess.run(["etcdctl", "--endpoints", ETCD] + list(args), input=stdin, capture_output=True,
                          text=True, env=dict(os.environ, ETCDCTL_API="3"), check=True).stdout

def served(connection, path):
    connection.request("GET", path)
    response = connection.getresponse()
    response.read()
    return response.status == 200

def convergence(writes):
    connections = [http.client.HTTPConnection("127.0.0.1", port) for port in INSTANCES]
    times = []
    for i in range(writes):
        path = f"/converge-{i}"
        body = json.dumps(route(path))
        start = time.perf_counter()
        connections[0].request("POST", "/api/routes", body, {"Content-Type": "application/json"})
        response = connections[0].getresponse()
        answer = response.read()
        if response.status != 201:
            sys.exit(f"POST {path}: {response.status} {answer.decode(errors='replace')}")
        pending = list(connections)
        deadline = start + 10
        while pending:
            pending = [c for c in pending if not served(c, path)]
            if time.perf_counter() > deadline:
                sys.exit(f"{path} not served everywhere after 10 s")
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return {"p50_ms": statistics.median(times), "p99_ms": times[int(len(times) * 0.99) - 1], "max_ms": times[-1]}

def initial_sync(binary, work, routes):
    # One transaction per 100 routes (etcd's default --max-txn-ops is 128), through its JSON gateway.
    encode = lambda text: base64.b64encode(text.encode()).decode()
    for first in range(0, routes, 100):
        puts = [{"request_put": {"key": encode(f"/kairos/routes/%2Fsync-{i}"),
                                 "value": encode(json.dumps(route(f"/sync-{i}")))}}
                for i in range(first, min(routes, first + 100))]
        request = urllib.request.Request(f"{ETCD}/v3/kv/txn", json.dumps({"success": puts}).encode(),
                                         {"Content-Type": "application/json"})
        urllib.request.urlopen(request, timeout=10).read()
    log_path = f"{work}/late.log"
    with open(log_path, "w") as log:
        start = time.perf_counter()
        process = gateway(binary, work, "late", LATE, True, log)
        pattern = re.compile(rf"(\S+) INFO  kairos.config: config revision \d+ applied from etcd with (\d+) route")
        deadline = start + 30
        while time.perf_counter() < deadline:
            text = open(log_path).read()
            found = [m for m in pattern.finditer(text) if int(m.group(2)) >= routes]
            if found:
                total = (time.perf_counter() - start) * 1000
                first = re.search(r"(\S+) INFO  kairos.config: config revision \d+ applied from file", text)
                stamp = lambda s: time.mktime(time.strptime(s[:19], "%Y-%m-%dT%H:%M:%S")) + float(s[19:])
                sync = (stamp(found[0].group(1)) - stamp(first.group(1))) * 1000
                stop_all([process], graceful=2)
                return {"routes": routes, "start_to_applied_ms": total, "file_read_to_applied_ms": sync}
            time.sleep(0.01)
        stop_all([process])
        sys.exit(f"the late instance did not apply {routes} routes in 30 s:\n{open(log_path).read()[-2000:]}")

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("binary")
    parser.add_argument("--writes", type=int, default=200)
    parser.add_argument("--routes", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="kairos-fleet-bench-")
    processes = []
    try:
        write(f"{work}/upstream.conf", nginx_conf(work, UPSTREAM, False, (UPSTREAM,)))
        processes.append(subprocess.Popen(["nginx", "-c", f"{work}/upstream.conf"]))
        processes.append(subprocess.Popen(
            ["etcd", "--name", "bench", "--data-dir", f"{work}/etcd",
             "--listen-client-urls", ETCD, "--advertise-client-urls", ETCD,
             "--listen-peer-urls", f"http://127.0.0.1:{ETCD_PEER}",
             "--initial-advertise-peer-urls", f"http://127.0.0.1:{ETCD_PEER}",
             "--initial-cluster", f"bench=http://127.0.0.1:{ETCD_PEER}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        for _ in range(100):
            try:
                etcdctl("endpoint", "health")
                break
            except subprocess.CalledProcessError:
                time.sleep(0.1)
        wait_for_http(UPSTREAM)
        etcdctl("put", "/kairos/routes/%2Fbench", json.dumps(route("/bench")))
        for i, port in enumerate(INSTANCES):
            processes.append(gateway(args.binary, work, f"instance-{i}", port, True))
        processes.append(gateway(args.binary, work, "standalone", STANDALONE, False))
        for port in INSTANCES + [STANDALONE]:
            wait_for_http(port)

        print(f"convergence over {args.writes} writes:", json.dumps(convergence(args.writes)))
        print("initial sync:", json.dumps(initial_sync(args.binary, work, args.routes)))
        results = {"fleet": [], "standalone": []}
        for _ in range(args.rounds):
            for name, port in (("fleet", INSTANCES[1]), ("standalone", STANDALONE)):
                results[name].append(wrk(port, 50, args.duration, "/bench"))
        for name, runs in results.items():
            rounds = ", ".join("%.0f" % r["rps"] for r in runs)
            print(f"throughput {name:<10} 50 connections: {statistics.median(r['rps'] for r in runs):8.0f} req/s "
                  f"(rounds: {rounds}), p99 {statistics.median(r['p99_ms'] for r in runs):.2f} ms, "
                  f"errors {sum(r['errors'] for r in runs)}")
    finally:
        stop_all(processes, graceful=lambda p: 2 if p.args[0] != "nginx" else 15)
        shutil.rmtree(work, ignore_errors=True)

if __name__ == "__main__":
    main()
