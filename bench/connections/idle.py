#!/usr/bin/env python3
"""Memory of idle keep-alive client connections: RSS of the headless gateway (1 worker) at rest,
then with N client connections that each made one request and stay open; KiB per connection.
--head-bytes pads each request head with fields to about that size (a browser's is 0.5-2 KiB).
nginx (1 worker, proxying to the same upstream) is measured the same way for reference.
127.0.0.1 only; raises this process's descriptor limit to its hard limit.

usage: idle.py KAIROS_BINARY [--connections 10000] [--head-bytes 0]"""
import argparse, json, os, resource, selectors, shutil, socket, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from benchprocess import stop_all

UPSTREAM, NGINX, KAIROS = 18180, 18181, 18182

def write(path, text):
    with open(path, "w") as f:
        f.write(text)

def rss_kib(pid):
    """RSS of the process and its children (nginx's worker is a child of the master)."""
    total = 0
    pids = [pid]
    while pids:
        p = pids.pop()
        try:
            status = open(f"/proc/{p}/status").read()
        except OSError:
            continue
        total += int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:")))
        for task in os.listdir(f"/proc/{p}/task"):
            try:
                pids += [int(c) for c in open(f"/proc/{p}/task/{task}/children").read().split()]
            except OSError:
                pass
    return total

def wait_for(port):
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    sys.exit(f"nothing listens on port {port}")

def request_head(head_bytes):
    head = b"GET / HTTP/1.1\r\nHost: bench\r\n"
    field = 0
    while len(head) + 2 < head_bytes:
        head += b"X-Field-%d: %s\r\n" % (field, b"v" * 60)
        field += 1
    return head + b"\r\n"

def open_idle(port, count, request):
    """count connections, each having sent one request and read its complete (small) answer."""
    sockets, pending = [], {}
    selector = selectors.DefaultSelector()
    for i in range(count):
        s = socket.socket()
        s.setblocking(False)
        s.connect_ex(("127.0.0.1", port))
        selector.register(s, selectors.EVENT_WRITE)
        pending[s] = b""
        sockets.append(s)
        if len(pending) >= 500 or i == count - 1:  # in batches, so the listen backlog keeps up
            while pending:
                for key, events in selector.select(timeout=10):
                    s = key.fileobj
                    if events & selectors.EVENT_WRITE:
                        s.send(request)
                        selector.modify(s, selectors.EVENT_READ)
                    else:
                        data = s.recv(65536)
                        if not data:
                            sys.exit("the server closed an idle connection early")
                        pending[s] += data
                        if pending[s].endswith(b"ok") or b"\r\n\r\n" in pending[s] and pending[s].endswith(b"}"):
                            selector.unregister(s)
                            del pending[s]
    return sockets

def measure(name, pid, port, count, request):
    time.sleep(1)
    idle = rss_kib(pid)
    sockets = open_idle(port, count, request)
    time.sleep(2)
    loaded = rss_kib(pid)
    for s in sockets:
        s.close()
    per = (loaded - idle) / count
    print(f"{name:<8} idle RSS {idle / 1024:7.1f} MiB   with {count} idle connections {loaded / 1024:7.1f} MiB   "
          f"{per:5.1f} KiB per connection", flush=True)

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("kairos")
    parser.add_argument("--connections", type=int, default=10000)
    parser.add_argument("--head-bytes", type=int, default=0)
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if hard < args.connections + 100:
        sys.exit(f"the descriptor limit ({hard}) is below {args.connections} connections")
    work = tempfile.mkdtemp(prefix="kairos-idle-")
    os.chmod(work, 0o755)
    limit = args.connections + 1000
    write(f"{work}/upstream.conf", f"""worker_processes 1; daemon off; pid {work}/up.pid; error_log {work}/up.err;
events {{ worker_connections 1024; }}
http {{ access_log off; server {{ listen 127.0.0.1:{UPSTREAM}; location / {{ return 200 'ok'; }} }} }}""")
    write(f"{work}/proxy.conf", f"""worker_processes 1; daemon off; pid {work}/px.pid; error_log {work}/px.err;
worker_rlimit_nofile {limit}; events {{ worker_connections {limit}; }}
http {{ access_log off; keepalive_timeout 120s; upstream up {{ server 127.0.0.1:{UPSTREAM}; keepalive 64; }}
  server {{ listen 127.0.0.1:{NGINX}; location / {{ proxy_pass http://up; proxy_http_version 1.1;
    proxy_set_header Connection ""; }} }} }}""")
    write(f"{work}/kairos.json", json.dumps({"version": 1, "server": {"host": "127.0.0.1", "port": KAIROS, "workers": 1,
                                                                     "idle_timeout_ms": 120000},
        "routers": [{"external_path": "/", "internal_path": "/", "methods": ["GET"],
                     "backends": [{"host": "http://127.0.0.1", "port": UPSTREAM}]}]}))
    processes = []
    try:
        for command, port in ((["nginx", "-c", f"{work}/upstream.conf"], UPSTREAM),
                              (["nginx", "-c", f"{work}/proxy.conf"], NGINX),
                              ([args.kairos, "--no-gui", "--no-watch", "--access-log", "none", "--config",
                                f"{work}/kairos.json"], KAIROS)):
            processes.append(subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            wait_for(port)
        request = request_head(args.head_bytes)
        measure("kairos", processes[2].pid, KAIROS, args.connections, request)
        measure("nginx", processes[1].pid, NGINX, args.connections, request)
    finally:
        stop_all(processes)
        shutil.rmtree(work, ignore_errors=True)

if __name__ == "__main__":
    main()
