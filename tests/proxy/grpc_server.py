#!/usr/bin/python3
"""A gRPC backend for tst_http2 on Debian's python3-grpcio, without TLS (h2c) and without a
schema (bytes in, bytes out). Prints its port, then serves until stdin closes:
  /kairos.Echo/Unary  answers "echo:" + the request;
  /kairos.Echo/Chat   bidirectional: answers each message with "chat:" + it, as it arrives;
  /kairos.Echo/Fail   ends with NOT_FOUND (5) and the message "no such thing", trailers only.

usage: grpc_server.py [CERT_FILE KEY_FILE]   (with them: TLS, ALPN h2)"""

import sys
from concurrent import futures

import grpc


def unary(request, context):
    return b"echo:" + request


def chat(requests, context):
    for message in requests:
        yield b"chat:" + message


def fail(request, context):
    context.abort(grpc.StatusCode.NOT_FOUND, "no such thing")


handlers = {
    "Unary": grpc.unary_unary_rpc_method_handler(unary),
    "Chat": grpc.stream_stream_rpc_method_handler(chat),
    "Fail": grpc.unary_unary_rpc_method_handler(fail),
}
server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler("kairos.Echo", handlers),))
if len(sys.argv) > 2:
    credentials = grpc.ssl_server_credentials([(open(sys.argv[2], "rb").read(), open(sys.argv[1], "rb").read())])
    port = server.add_secure_port("127.0.0.1:0", credentials)
else:
    port = server.add_insecure_port("127.0.0.1:0")
server.start()
print(port, flush=True)
sys.stdin.read()
server.stop(0)
