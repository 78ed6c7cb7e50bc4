#!/usr/bin/env python3
"""Take a lock from deadboltd, hold it until Enter, release it.

A tiny client of the wire protocol (docs/PROTOCOL.md), with no dependencies:
    python3 examples/python/hold.py [--socket PATH] [--shared] [--wait-ms N] [--ttl-ms N] NAME
Run it in two terminals to watch the second one queue behind the first.
"""
import argparse, os, socket, struct, sys

HELLO, ACQUIRE, RELEASE = 0x01, 0x02, 0x03
STATUS = {0: "OK", 1: "NOT_GRANTED", 2: "WAIT_TIMEOUT", 3: "LOCK_UNEXIST", 4: "LOCK_BELONG_TO_OTHERS",
          5: "ALREADY_HELD", 7: "SHUTTING_DOWN", 16: "INVALID_ARGUMENT", 17: "NAME_TOO_LONG",
          18: "QUOTA_EXCEEDED", 19: "PERMISSION_DENIED", 32: "PROTOCOL_ERROR"}

def default_socket():
    if os.environ.get("DEADBOLT_SOCKET"):
        return os.environ["DEADBOLT_SOCKET"]
    if os.getuid() == 0:
        return "/run/deadbolt/deadbolt.sock"
    if os.environ.get("XDG_RUNTIME_DIR"):
        return os.environ["XDG_RUNTIME_DIR"] + "/deadbolt/deadbolt.sock"
    return "/tmp/deadbolt-%d/deadbolt.sock" % os.getuid()

def str16(text):
    data = text.encode()
    return struct.pack(">H", len(data)) + data

class Connection:
    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)

    def request(self, kind, request_id, payload=b""):
        body = struct.pack(">BI", kind, request_id) + payload
        self.sock.sendall(struct.pack(">I", len(body)) + body)

    def read_exactly(self, count):
        data = b""
        while len(data) < count:
            chunk = self.sock.recv(count - len(data))
            if not chunk:
                sys.exit("deadboltd closed the connection")
            data += chunk
        return data

    def answer(self):
        """Returns (type, request id, status, rest of body); LOST events print and are skipped."""
        while True:
            (length,) = struct.unpack(">I", self.read_exactly(4))
            body = self.read_exactly(length)
            kind, request_id = struct.unpack(">BI", body[:5])
            if kind == 0xC1:
                print("LOST: the lock was taken away", file=sys.stderr)
                continue
            (status,) = struct.unpack(">H", body[5:7])
            return kind, request_id, status, body[7:]

def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("name")
    parser.add_argument("--socket", default=default_socket())
    parser.add_argument("--shared", action="store_true")
    parser.add_argument("--wait-ms", type=int, default=0xFFFFFFFF, help="default: wait forever")
    parser.add_argument("--ttl-ms", type=int, default=0, help="default: no lease")
    args = parser.parse_args()

    connection = Connection(args.socket)
    connection.request(HELLO, 1, struct.pack(">H", 1) + str16("hold.py"))
    _, _, status, _ = connection.answer()
    if status != 0:
        sys.exit("HELLO refused: %s" % STATUS.get(status, status))

    mode = 1 if args.shared else 0
    connection.request(ACQUIRE, 2, str16(args.name) + str16("") + struct.pack(">BBII", mode, 0, args.ttl_ms, args.wait_ms))
    print("waiting for %s ..." % args.name)
    _, _, status, rest = connection.answer()
    if status != 0:
        sys.exit("not granted: %s" % STATUS.get(status, status))
    (token,) = struct.unpack(">Q", rest[:8])
    input("holding %s with fencing token %d; press Enter to release " % (args.name, token))

    connection.request(RELEASE, 3, str16(args.name) + str16(""))
    _, _, status, _ = connection.answer()
    print("released" if status == 0 else "release: %s" % STATUS.get(status, status))

if __name__ == "__main__":
    main()
