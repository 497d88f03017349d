#!/usr/bin/env python3
"""The console at rest with a large config: CPU and memory of the desktop gateway (under
QT_QPA_PLATFORM=offscreen, showing its first view) beside the same gateway headless.

usage: idle.py KAIROS_BINARY [--routes 5000] [--seconds 20]

Writes a config of N routes (each on the same two demo backends), starts the gateway with --demo,
waits 8 s for it to settle, then reads its CPU time (/proc/PID/stat) over the given seconds and
its resident memory at the end."""
import argparse, json, os, signal, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from benchprocess import stop_all

def config(routes):
    backends = [{"host": "http://127.0.0.1", "port": port, "weight": 1} for port in (9101, 9102)]
    return {"version": 1, "server": {"host": "127.0.0.1", "port": 5900},
            "routers": [{"external_path": f"/svc{i}/items", "internal_path": "/items", "methods": ["GET"],
                         "backends": backends, "load_balancing_strategy": "round_robin"} for i in range(routes)]}

def measure(binary, path, seconds, headless):
    arguments = [binary, "--demo", "--config", path, "--access-log", "none", "--no-watch"]
    if headless:
        arguments.append("--no-gui")
    environment = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    process = subprocess.Popen(arguments, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(8)
        ticks = lambda: sum(int(v) for v in open(f"/proc/{process.pid}/stat").read().rsplit(")", 1)[1].split()[11:13])
        before = ticks()
        time.sleep(seconds)
        cpu = (ticks() - before) / os.sysconf("SC_CLK_TCK") / seconds * 100
        rss = next(int(line.split()[1]) for line in open(f"/proc/{process.pid}/status") if line.startswith("VmRSS"))
        return cpu, rss / 1024
    finally:
        stop_all([process])

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("kairos")
    parser.add_argument("--routes", type=int, default=5000)
    parser.add_argument("--seconds", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "config.json")
        with open(path, "w") as file:
            json.dump(config(args.routes), file)
        print(f"{'':10} {'routes':>7} {'CPU %':>7} {'RSS MB':>7}")
        for name, headless in (("console", False), ("headless", True)):
            cpu, rss = measure(args.kairos, path, args.seconds, headless)
            print(f"{name:10} {args.routes:7} {cpu:7.2f} {rss:7.1f}")

if __name__ == "__main__":
    main()
