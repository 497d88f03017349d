#!/usr/bin/python3
"""A gRPC unary call through the gateway with Debian's python3-grpcio (h2c, no TLS), bytes in and
out without a schema. Prints "ok REPLY" or the gRPC status code and details, e.g. "14 no backend".

usage: grpc_client.py PORT METHOD_PATH"""

import sys

import grpc

port, method = int(sys.argv[1]), sys.argv[2]
with grpc.insecure_channel("127.0.0.1:%d" % port) as channel:
    call = channel.unary_unary(method)
    try:
        print("ok", call(b"ping", timeout=20).decode(errors="replace"))
    except grpc.RpcError as error:
        print(error.code().value[0], error.details())
