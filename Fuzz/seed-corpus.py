#!/usr/bin/env python3
"""Writes the fuzzers' seed corpora into DIR/<target>/ from
docs/protocol-vectors.json (the frames every test uses) and a few RESP
replies. Usage: Fuzz/seed-corpus.py DIR"""
import json, os, sys

out = sys.argv[1]
vectors = json.load(open(os.path.join(os.path.dirname(__file__), "..", "docs", "protocol-vectors.json")))["vectors"]

def write(target, name, data):
    os.makedirs(os.path.join(out, target), exist_ok=True)
    with open(os.path.join(out, target, name), "wb") as f:
        f.write(data)

frames = {v["name"]: bytes.fromhex(v["hex"]) for v in vectors}
requests = [bytes.fromhex(v["hex"]) for v in vectors if v["direction"] == "request"]
hello = frames["hello_request"]
for name, frame in frames.items():
    write("FuzzWireMessages", name, frame)
    if name != "hello_request":
        # The session fuzzer: a chunk size byte, HELLO, then the frame.
        write("FuzzSession", name, bytes([0xFF]) + hello + frame)
        write("FuzzSession", name + "_bytewise", bytes([0]) + hello + frame)
write("FuzzSession", "every_request", bytes([7]) + b"".join(requests))
for v in vectors:
    if v["direction"] != "request":
        write("fuzz_client_decoder", v["name"], bytes.fromhex(v["hex"])[4:])

resp = [
    b"+OK\r\n", b"-NOSCRIPT No matching script\r\n", b":42\r\n", b"$5\r\nhello\r\n", b"$-1\r\n", b"*-1\r\n",
    b"*2\r\n:1\r\n:7\r\n", b"*3\r\n$7\r\nmessage\r\n$4\r\nchan\r\n$8\r\nreleased\r\n", b"_\r\n",
    b"%1\r\n+key\r\n:1\r\n", b"~2\r\n+a\r\n+b\r\n", b",3.14\r\n", b",nan\r\n", b"#t\r\n", b"(123456789012345678901\r\n",
    b"=7\r\ntxt:abc\r\n", b">3\r\n+message\r\n+chan\r\n+x\r\n", b"|1\r\n+ttl\r\n:3\r\n+OK\r\n", b"!10\r\nERR broken\r\n",
]
for i, reply in enumerate(resp):
    write("FuzzRESP", "reply_%02d" % i, bytes([i % 16]) + reply)
write("FuzzRESP", "pipelined", bytes([3]) + b"".join(resp))
