"""Helpers shared by the benchmark and soak scripts: waiting for a server and stopping what they
started."""
import signal, subprocess, sys, time, urllib.request

def wait_for_http(port):
    """Returns once anything answers HTTP on 127.0.0.1:port (an error status counts); exits after 10 s."""
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1).read()
            return
        except Exception as error:
            if getattr(error, "code", None):
                return
            time.sleep(0.1)
    sys.exit(f"nothing answers on port {port}")

def stop_all(processes, graceful=signal.SIGTERM):
    """Sends each running process `graceful` (a signal, or a function of the process giving one),
    then kills whatever has not exited 10 s later."""
    running = [p for p in processes if p.poll() is None]
    for process in running:
        process.send_signal(graceful(process) if callable(graceful) else graceful)
    for process in running:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
