#!/usr/bin/env python3
"""Stand in for systemd's notify socket: write every datagram received on
the AF_UNIX socket argv[1] to the file argv[2], one field per line."""
import socket, sys

sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind(sys.argv[1])
with open(sys.argv[2], "a", buffering=1) as out:
    while True:
        data = sock.recv(4096)
        out.write(data.decode(errors="replace").rstrip("\n") + "\n")
