"""A backend that accepts HTTP/2 cleartext upgrades (RFC 7540 section 3.2), as Go's, Jetty's and
Node's servers do, built on Debian's python3-h2. It serves every path, /secret.txt included, over
HTTP/1.1 and, after a 101, over HTTP/2. It prints its port, then one line per request it serves:
"http/1.1 GET /public/a.txt upgrade=h2c" or "h2 GET /secret.txt"."""

import socket
import sys
import threading

import h2.config
import h2.connection
import h2.events


def log(line):
    print(line, flush=True)


def body_for(path):
    return ("served " + path + "\n").encode()


def read_head(conn):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None, b""
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    return head.decode("latin-1"), rest


def serve_h2(conn, settings, path, rest):
    h2conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False))
    padded = settings + "=" * (-len(settings) % 4)  # sent without padding (RFC 7540 section 3.2.1)
    h2conn.initiate_upgrade_connection(settings_header=padded.encode())
    respond(h2conn, 1, path)
    conn.sendall(b"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n"
                 + h2conn.data_to_send())
    data = rest
    while True:
        if data:
            for event in h2conn.receive_data(data):
                if isinstance(event, h2.events.RequestReceived):
                    headers = dict(event.headers)
                    respond(h2conn, event.stream_id, headers[b":path"].decode())
            conn.sendall(h2conn.data_to_send())
        data = conn.recv(65536)
        if not data:
            return


def respond(h2conn, stream_id, path):
    log("h2 GET " + path)
    body = body_for(path)
    h2conn.send_headers(stream_id, [(":status", "200"), ("content-length", str(len(body)))])
    h2conn.send_data(stream_id, body, end_stream=True)


def handle(conn):
    with conn:
        while True:
            head, rest = read_head(conn)
            if head is None:
                return
            lines = head.split("\r\n")
            method, path, _ = lines[0].split(" ", 2)
            fields = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                fields.setdefault(name.strip().lower(), []).append(value.strip())
            upgrade = ",".join(fields.get("upgrade", [])) or "none"
            connection = ",".join(fields.get("connection", [])).lower()
            log("http/1.1 %s %s upgrade=%s settings=%s" % (method, path, upgrade,
                                                         "yes" if "http2-settings" in fields else "no"))
            if "h2c" in upgrade and "upgrade" in connection and "http2-settings" in fields:
                serve_h2(conn, fields["http2-settings"][0], path, rest)
                return
            body = body_for(path)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body)


def main():
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    log(str(listener.getsockname()[1]))
    sys.stdin.close()
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=handle, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    main()
