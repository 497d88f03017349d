#!/usr/bin/python3
"""HTTP/2 clients for tst_http2, on Debian's python3-h2 (and its hyperframe and hpack) over h2c
prior knowledge: well-behaved ones and the known attacks. Prints one line saying what the
gateway did, e.g. "200x100", "goaway 11", "431 then 200", "reset 1".

usage: h2_client.py MODE PORT PATH [COUNT]
modes: streams, idle, rapid-reset, continuation, stalled-headers, hpack-bomb, ping-flood, settings-flood, refused,
       crlf-value, transfer-encoding, content-length-mismatch, host-mismatch, cookies, slow-reader"""

import collections
import socket
import sys

import h2.config
import h2.connection
import h2.events
import h2.exceptions
import h2.settings
import hyperframe.frame


class Client:
    def __init__(self, port, validate=True):
        config = h2.config.H2Configuration(client_side=True, header_encoding=None,
                                           validate_outbound_headers=validate,
                                           normalize_outbound_headers=validate,
                                           validate_inbound_headers=False)
        self.conn = h2.connection.H2Connection(config)
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.conn.initiate_connection()
        self.flush()
        self.responses = {}  # stream id -> status
        self.bodies = {}
        self.ended = set()
        self.resets = {}  # stream id -> error code
        self.goaway = None
        self.closed = False
        self.settings_acked = False
        self.acknowledge = True  # gives the window back as data arrives

    def flush(self):
        data = self.conn.data_to_send()
        if data:
            self.sock.sendall(data)

    def send_raw(self, data):
        self.sock.sendall(data)

    def pump(self, until, timeout=10):
        """Reads events until until() is true, the connection ends or the timeout passes."""
        self.sock.settimeout(timeout)
        while not until() and not self.closed and self.goaway is None:
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                return
            except ConnectionResetError:
                self.closed = True
                return
            if not data:
                self.closed = True
                return
            try:
                events = self.conn.receive_data(data)
            except h2.exceptions.ProtocolError:
                self.closed = True
                return
            for event in events:
                self.handle(event)
            try:
                self.flush()
            except OSError:
                self.closed = True

    def handle(self, event):
        if isinstance(event, h2.events.ResponseReceived):
            self.responses[event.stream_id] = int(dict(event.headers)[b":status"])
        elif isinstance(event, h2.events.DataReceived):
            self.bodies[event.stream_id] = self.bodies.get(event.stream_id, b"") + event.data
            if self.acknowledge:
                self.conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
        elif isinstance(event, h2.events.StreamEnded):
            self.ended.add(event.stream_id)
        elif isinstance(event, h2.events.StreamReset):
            self.resets[event.stream_id] = int(event.error_code)
        elif isinstance(event, h2.events.ConnectionTerminated):
            self.goaway = int(event.error_code)
        elif isinstance(event, h2.events.SettingsAcknowledged):
            self.settings_acked = True

    def request(self, path, extra=(), end=True, method=b"GET"):
        stream = self.conn.get_next_available_stream_id()
        headers = [(b":method", method), (b":scheme", b"http"), (b":authority", b"localhost"),
                   (b":path", path.encode())] + list(extra)
        self.conn.send_headers(stream, headers, end_stream=end)
        try:
            self.flush()
        except OSError:
            self.closed = True
        return stream

    def done(self, stream):
        return stream in self.ended or stream in self.resets

    def outcome(self, stream):
        if stream in self.resets:
            return "reset %d" % self.resets[stream]
        if stream in self.responses:
            return str(self.responses[stream])
        return self.ending()

    def ending(self):
        if self.goaway is not None:
            return "goaway %d" % self.goaway
        return "closed" if self.closed else "open"


def streams(port, path, count):
    client = Client(port)
    ids = [client.request(path) for _ in range(count)]
    client.pump(lambda: all(client.done(s) for s in ids), timeout=30)
    outcomes = {}
    for s in ids:
        outcomes[client.outcome(s)] = outcomes.get(client.outcome(s), 0) + 1
    return " ".join("%sx%d" % item for item in sorted(outcomes.items()))


def then_well_behaved(client, path):
    """A request on the same connection after the attack, or the connection's end."""
    if client.goaway is not None or client.closed:
        return client.ending()
    stream = client.request(path)
    client.pump(lambda: client.done(stream))
    return client.outcome(stream)


def rapid_reset(port, path, count):
    client = Client(port)
    for _ in range(count):
        stream = client.request(path)
        client.conn.reset_stream(stream, error_code=h2.errors.ErrorCodes.CANCEL)
        try:
            client.flush()
        except OSError:
            client.closed = True
            break
        client.pump(lambda: True, timeout=0)  # reads what came, without waiting
    client.pump(lambda: False, timeout=3)
    return client.ending()


def continuation(port, path, count):
    client = Client(port)
    encoder = client.conn.encoder
    block = encoder.encode([(b":method", b"GET"), (b":scheme", b"http"), (b":authority", b"localhost"),
                            (b":path", path.encode())])
    headers = hyperframe.frame.HeadersFrame(1)
    headers.data = block
    headers.flags.add("END_STREAM")  # no END_HEADERS: CONTINUATION frames follow
    client.send_raw(headers.serialize())
    filler = encoder.encode([(b"x-filler", b"a" * 100)])
    try:
        for _ in range(count):
            frame = hyperframe.frame.ContinuationFrame(1)
            frame.data = filler
            client.send_raw(frame.serialize())
    except OSError:
        client.closed = True
    client.pump(lambda: False, timeout=3)
    return client.ending()


def stalled_headers(port, path, count):
    """A HEADERS frame without END_HEADERS, and then nothing."""
    client = Client(port)
    headers = hyperframe.frame.HeadersFrame(1)
    headers.data = client.conn.encoder.encode([(b":method", b"GET"), (b":scheme", b"http"),
                                               (b":authority", b"localhost"), (b":path", path.encode())])
    headers.flags.add("END_STREAM")
    client.send_raw(headers.serialize())
    # Read without answering: inside a header block any frame but CONTINUATION (a SETTINGS ACK)
    # would be the client's own protocol error.
    client.sock.settimeout(count)
    data = b""
    try:
        while True:
            chunk = client.sock.recv(65536)
            if not chunk:
                break
            data += chunk
    except (socket.timeout, ConnectionResetError):
        pass
    while len(data) >= 9:
        frame, length = hyperframe.frame.Frame.parse_frame_header(memoryview(data[:9]))
        frame.parse_body(memoryview(data[9:9 + length]))
        data = data[9 + length:]
        if isinstance(frame, hyperframe.frame.GoAwayFrame):
            return "goaway %d" % frame.error_code
    return "open"


def hpack_bomb(port, path, count):
    client = Client(port)
    # The first field goes into the dynamic table; each repeat is a one-byte reference to it.
    bomb = [(b"x-bomb", b"b" * 4000)] * count
    stream = client.request(path, bomb)
    client.pump(lambda: client.done(stream))
    return "%s then %s" % (client.outcome(stream), then_well_behaved(client, path))


def ping_flood(port, path, count):
    client = Client(port)
    try:
        for i in range(count):
            client.conn.ping(i.to_bytes(8, "big"))
            client.flush()
    except OSError:
        client.closed = True
    client.pump(lambda: False, timeout=3)
    return client.ending()


def settings_flood(port, path, count):
    client = Client(port)
    try:
        for i in range(count):
            client.send_raw(hyperframe.frame.SettingsFrame(0, settings={h2.settings.SettingCodes.ENABLE_PUSH: 0})
                            .serialize())
    except OSError:
        client.closed = True
    client.pump(lambda: False, timeout=3)
    return client.ending()


def refused(port, path, count):
    """count streams whose request bodies never end: those beyond the limit are refused."""
    client = Client(port)
    client.pump(lambda: client.settings_acked)
    # Past the gateway's limit on purpose: h2 would refuse to open more than it announced.
    client.conn.remote_settings._settings[h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS] = collections.deque([count])
    ids = [client.request(path, [(b"content-type", b"text/plain")], end=False, method=b"POST")
           for _ in range(count)]
    client.pump(lambda: False, timeout=2)
    outcomes = {}
    for s in ids:
        outcomes[client.outcome(s)] = outcomes.get(client.outcome(s), 0) + 1
    return " ".join("%sx%d" % item for item in sorted(outcomes.items()))


def malformed(port, path, extra):
    client = Client(port, validate=False)
    stream = client.request(path, extra)
    client.pump(lambda: client.done(stream))
    return "%s then %s" % (client.outcome(stream), then_well_behaved(client, path))


def content_length_mismatch(port, path, count):
    client = Client(port)
    stream = client.request(path, [(b"content-length", b"3")], end=False, method=b"POST")
    client.conn.send_data(stream, b"hello, world", end_stream=True)
    client.flush()
    client.pump(lambda: client.done(stream))
    return client.outcome(stream)


def cookies(port, path, count):
    client = Client(port)
    stream = client.request(path, [(b"cookie", b"a=1"), (b"cookie", b"b=2")])
    client.pump(lambda: client.done(stream))
    return client.bodies.get(stream, b"").decode()


def slow_reader(port, path, count):
    """Asks for count bytes and reads none for a while: the window stops the stream; then reads it all."""
    client = Client(port)
    client.acknowledge = False
    stream = client.request("%s?bytes=%d" % (path, count))
    client.pump(lambda: False, timeout=3)  # up to the initial window, not acknowledged
    stalled = len(client.bodies.get(stream, b""))
    if stalled > 65535:
        return "window ignored: %d bytes" % stalled
    client.acknowledge = True
    client.conn.increment_flow_control_window(count)
    client.conn.increment_flow_control_window(count, stream_id=stream)
    client.flush()
    client.pump(lambda: client.done(stream), timeout=30)
    return "stalled at %d, then %s %d" % (stalled, client.outcome(stream), len(client.bodies.get(stream, b"")))


def idle(port, path, count):
    client = Client(port)
    stream = client.request(path)
    client.pump(lambda: client.done(stream))
    first = client.outcome(stream)
    client.pump(lambda: False, timeout=5)
    return "%s then %s" % (first, client.ending())


MODES = {
    "idle": idle,
    "streams": streams,
    "rapid-reset": rapid_reset,
    "continuation": continuation,
    "hpack-bomb": hpack_bomb,
    "stalled-headers": stalled_headers,
    "ping-flood": ping_flood,
    "settings-flood": settings_flood,
    "refused": refused,
    "crlf-value": lambda port, path, count: malformed(port, path, [(b"x-evil", b"a\r\nx-injected: 1")]),
    "transfer-encoding": lambda port, path, count: malformed(port, path, [(b"transfer-encoding", b"chunked")]),
    "host-mismatch": lambda port, path, count: malformed(port, path, [(b"host", b"elsewhere")]),
    "content-length-mismatch": content_length_mismatch,
    "cookies": cookies,
    "slow-reader": slow_reader,
}

if __name__ == "__main__":
    mode, port, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    count = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    print(MODES[mode](port, path, count))
