#!/usr/bin/env python3
"""Who takes the core from a proxy's worker thread, and whom the worker wakes: nginx (1 worker) and
Kairos (1 worker) in turn under the same wrk load on 127.0.0.1, 2 s of each run recorded with
`perf sched record`.

For each run it prints wrk's req/s and p99, then for the proxy's busiest thread: how often it was
switched out while still runnable (preempted) and by which task, how often it blocked, and the
wakeups it issued itself, by task woken and how many of them onto its own CPU. On a machine where
wrk, the upstream and the proxy share the cores, a wakeup onto the proxy's own CPU is followed by
the wakee taking that CPU (docs/BENCHMARKS.md, Known limits: this script at --connections 50).

Needs perf (Debian: linux-perf), nginx and wrk (bench/proxy/run.sh installs the last two); root or
kernel.perf_event_paranoid <= 0 for the sched tracepoints.

usage: preemption.py KAIROS_BINARY [--connections 50] [--rounds 2]"""
import argparse, collections, json, os, re, shutil, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from benchprocess import stop_all, wait_for_http
from compare import NGINX, KAIROS1, UPSTREAM, nginx_conf, write

RUN_SECONDS, RECORD_AFTER, RECORD_SECONDS = 6, 2, 2
EVENT = re.compile(r"^\s*(.+?)\s+(\d+) \[(\d+)\]\s+[\d.]+:\s+sched:(\w+):\s+(.*)$")
SWITCH = re.compile(r"prev_pid=(\d+) prev_prio=\d+ prev_state=(\S+) ==> next_comm=(\S+) next_pid=\d+")
WAKING = re.compile(r"comm=(\S+) pid=\d+ prio=\d+ target_cpu=(\d+)")

def analyse(data, proxy_comm):
    """The proxy's busiest thread (most run time among threads named proxy_comm) in a recording."""
    out = subprocess.run(["perf", "script", "-i", data, "-F", "comm,tid,cpu,time,event,trace"],
                         capture_output=True, text=True, check=True).stdout
    events = [m.groups() for m in map(EVENT.match, out.splitlines()) if m]
    runtime = collections.Counter()
    for comm, tid, _, name, trace in events:
        if name == "sched_stat_runtime" and comm == proxy_comm:
            runtime[tid] += int(re.search(r"runtime=(\d+)", trace).group(1))
    worker = runtime.most_common(1)[0][0]
    preempted_by, woke, woke_here, blocked = collections.Counter(), collections.Counter(), collections.Counter(), 0
    for comm, tid, cpu, name, trace in events:
        if name == "sched_switch":
            m = SWITCH.search(trace)
            if m and m.group(1) == worker:
                if m.group(2).startswith("R"):
                    preempted_by[m.group(3)] += 1
                else:
                    blocked += 1
        elif name == "sched_waking" and tid == worker:
            m = WAKING.search(trace)
            woke[m.group(1)] += 1
            if int(m.group(2)) == int(cpu):
                woke_here[m.group(1)] += 1
    return runtime[worker] / 1e9, preempted_by, blocked, woke, woke_here

def top(counter, limit=3):
    return ", ".join(f"{name} {count}" for name, count in counter.most_common(limit)) or "-"

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("kairos")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="kairos-preemption-")
    os.chmod(work, 0o755)  # nginx's workers run as www-data
    processes = []
    def start(command, port):
        processes.append(subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        wait_for_http(port)
    try:
        write(f"{work}/upstream.conf", nginx_conf(work, UPSTREAM, False))
        write(f"{work}/proxy.conf", nginx_conf(work, NGINX, True))
        write(f"{work}/kairos.json", json.dumps({"version": 1, "server": {
            "host": "127.0.0.1", "port": KAIROS1, "workers": 1}, "routers": [{
                "external_path": "/{*rest}", "internal_path": "/{rest}", "methods": ["GET"],
                "backends": [{"host": "http://127.0.0.1", "port": UPSTREAM}]}]}))
        start(["nginx", "-c", f"{work}/upstream.conf"], UPSTREAM)
        start(["nginx", "-c", f"{work}/proxy.conf"], NGINX)
        start([args.kairos, "--no-gui", "--no-watch", "--access-log", "none", "--config", f"{work}/kairos.json"], KAIROS1)
        print(f"wrk -t2 -c{args.connections}, {RUN_SECONDS} s runs, {RECORD_SECONDS} s of each recorded")
        for round_number in range(1, args.rounds + 1):
            for name, port, comm in (("nginx", NGINX, "nginx"), ("kairos-1w", KAIROS1, "kairos-worker-0")):
                load = subprocess.Popen(["wrk", "-t2", f"-c{args.connections}", f"-d{RUN_SECONDS}s", "--latency",
                                         f"http://127.0.0.1:{port}/"], stdout=subprocess.PIPE, text=True)
                time.sleep(RECORD_AFTER)
                data = f"{work}/sched.data"
                subprocess.run(["perf", "sched", "record", "-a", "-o", data, "--", "sleep", str(RECORD_SECONDS)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
                report = load.communicate()[0]
                rps = float(re.search(r"Requests/sec:\s+([\d.]+)", report).group(1))
                p99 = re.search(r"\s99%\s+(\S+)", report).group(1)
                ran, preempted_by, blocked, woke, woke_here = analyse(data, comm)
                print(f"round {round_number} {name:<10} {rps:>8.0f} req/s  p99 {p99:>7}  worker ran {ran:.2f} s; "
                      f"preempted {sum(preempted_by.values())} ({top(preempted_by)}), blocked {blocked}; "
                      f"woke {top(woke, 2)}; of those onto its own CPU: {top(woke_here, 2)}")
                time.sleep(1)
    finally:
        stop_all(processes)
        shutil.rmtree(work, ignore_errors=True)

if __name__ == "__main__":
    main()
