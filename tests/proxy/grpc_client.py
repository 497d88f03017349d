#!/usr/bin/python3
"""gRPC calls through the gateway with Debian's python3-grpcio (h2c, no TLS), bytes in and out
without a schema. Prints "ok REPLY..." or the gRPC status code and details, e.g. "14 no backend".

usage: grpc_client.py PORT METHOD_PATH [unary|bidi|big]  (bidi: one message at a time, each after the last answer;
       big: a 3 MiB request, whose echo must come back whole)"""

import queue
import sys

import grpc

port, method = int(sys.argv[1]), sys.argv[2]
kind = sys.argv[3] if len(sys.argv) > 3 else "unary"
with grpc.insecure_channel("127.0.0.1:%d" % port) as channel:
    try:
        if kind == "bidi":
            # Each message waits for the answer to the one before: a gateway that held either
            # direction until its end would stall the call (DEADLINE_EXCEEDED).
            outgoing = queue.Queue()
            replies = channel.stream_stream(method)(iter(outgoing.get, None), timeout=20)
            answers = []
            for message in (b"one", b"two", b"three"):
                outgoing.put(message)
                answers.append(next(replies).decode())
            outgoing.put(None)
            answers += [reply.decode() for reply in replies]
            print("ok", " ".join(answers))
        elif kind == "big":
            # 3 MB each way: many times the stream windows on both of the gateway's connections.
            payload = bytes(range(256)) * (3 * 1024 * 1024 // 256)
            reply = channel.unary_unary(method)(payload, timeout=60)
            print("ok", len(reply), reply[5:] == payload)
        else:
            print("ok", channel.unary_unary(method)(b"ping", timeout=20).decode(errors="replace"))
    except grpc.RpcError as error:
        print(error.code().value[0], error.details())
