#!/usr/bin/env python3
"""Plays systemd's side of sd_notify for tests/integration/deploy_notifies_systemd.test.mjs:
binds a unix datagram socket at argv[1] and prints each message it receives as one JSON
line, {"pid": sender's pid (SCM_CREDENTIALS, as systemd checks NotifyAccess=main),
"fields": {"READY": "1", ...}}. Node has no unix datagram sockets, hence python3.
Stops when stdin closes or after argv[2] seconds (60 by default)."""
import json
import os
import select
import socket
import struct
import sys
import time

path = sys.argv[1]
limit = float(sys.argv[2]) if len(sys.argv) > 2 else 60.0
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
sock.bind(path)
print(json.dumps({"listening": path}), flush=True)
deadline = time.monotonic() + limit
cred_size = struct.calcsize("3i")
while time.monotonic() < deadline:
    ready, _, _ = select.select([sock, sys.stdin], [], [], 0.2)
    if sys.stdin in ready and not sys.stdin.read(1):
        break
    if sock not in ready:
        continue
    data, ancillary, _, _ = sock.recvmsg(4096, socket.CMSG_SPACE(cred_size))
    pid = None
    for level, kind, payload in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
            pid = struct.unpack("3i", payload[:cred_size])[0]
    fields = dict(line.split("=", 1) for line in data.decode().splitlines() if "=" in line)
    print(json.dumps({"pid": pid, "fields": fields}), flush=True)
os.unlink(path)
