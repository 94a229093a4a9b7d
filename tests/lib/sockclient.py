#!/usr/bin/env python3
"""Raw clients of cgfaird's socket, for the tests that cgfairctl cannot do
(it is a well-behaved client). Prints what happened, one fact per line.

  sockclient.py PATH send LINE...      send the lines, print every answer
                                        line, then "EOF" if the daemon
                                        closed the connection (3 s timeout)
  sockclient.py PATH raw BYTES         send BYTES as is (Python escapes)
  sockclient.py PATH hold N SECONDS    open N connections at once; print
                                        "refused: <line>" or "open" each
  sockclient.py PATH idle SECONDS      connect, say nothing; print what
                                        came and "EOF" when closed
  sockclient.py PATH stall SECONDS     subscribe to events, never read;
                                        after SECONDS print "dropped" if
                                        the daemon closed the connection
  sockclient.py PATH flood N UID       N penalty/release pairs for UID, a
                                        connection each (one request to
                                        the daemon per connection); "ok N"
  sockclient.py PATH subs N SECONDS    N event subscriptions held for
                                        SECONDS; "following" or "refused:
                                        <line>" for each
  sockclient.py PATH bigline BYTES     one line of BYTES bytes, then what
                                        came and "EOF" if closed
  sockclient.py PATH trickle SECONDS   one byte every 0.2 s (never quiet
                                        long enough to be a seed client's
                                        whole line), never a newline; what
                                        came, "EOF" if closed
"""
import socket
import sys
import time


def connect(path, rcvbuf=None):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.connect(path)
    return s


def read_all(s, timeout=3.0):
    """Everything until EOF or the timeout; (data, eof)."""
    s.settimeout(timeout)
    data = b""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            return data, False
        except ConnectionResetError:
            return data, True
        if not chunk:
            return data, True
        data += chunk
    return data, False


def show(data, eof):
    for line in data.decode(errors="replace").splitlines():
        print(line)
    if eof:
        print("EOF")


def cmd_send(path, lines):
    s = connect(path)
    try:
        for line in lines:
            s.sendall(line.encode() + b"\n")
    except (BrokenPipeError, ConnectionResetError):
        pass  # refused at once: what it said is still to be read
    show(*read_all(s))


def cmd_raw(path, text):
    s = connect(path)
    s.sendall(text.encode().decode("unicode_escape").encode("latin-1"))
    show(*read_all(s))


def cmd_hold(path, n, seconds):
    socks = []
    for _ in range(n):
        s = connect(path)
        socks.append(s)
    time.sleep(0.3)  # a refusal is written at once
    for s in socks:
        s.setblocking(False)
        try:
            line = s.recv(4096)
            print("refused: " + line.decode().strip() if line else "refused: EOF")
        except BlockingIOError:
            print("open")
    time.sleep(seconds)


def cmd_idle(path, seconds):
    s = connect(path)
    show(*read_all(s, seconds))


def cmd_stall(path, seconds):
    s = connect(path, rcvbuf=4096)
    s.sendall(b'{"cmd":"events"}\n')
    time.sleep(seconds)  # never read while the events pile up
    # the daemon dropped us if, after what it had written, comes EOF
    _, eof = read_all(s, 2.0)
    print("dropped" if eof else "still connected")


def cmd_subs(path, n, seconds):
    socks = []
    for _ in range(n):
        s = connect(path)
        try:
            s.sendall(b'{"cmd":"events"}\n')
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused at once: the refusal is still to be read
        socks.append(s)
    for s in socks:
        s.settimeout(3.0)
        line = s.makefile("rb").readline().decode().strip()
        print("following" if "following" in line else "refused: " + line)
    sys.stdout.flush()
    time.sleep(seconds)


def cmd_bigline(path, nbytes):
    s = connect(path)
    try:
        s.sendall(b"x" * nbytes + b"\n")
    except (BrokenPipeError, ConnectionResetError):
        pass  # cut off before the end: what it said is still to be read
    show(*read_all(s))


def cmd_trickle(path, seconds):
    s = connect(path)
    s.setblocking(False)
    data, deadline = b"", time.time() + seconds
    while time.time() < deadline:
        try:
            s.send(b" ")
        except OSError:
            pass
        time.sleep(0.2)
        try:
            chunk = s.recv(4096)
            if not chunk:
                show(data, True)
                return
            data += chunk
        except BlockingIOError:
            pass
        except OSError:
            show(data, True)
            return
    show(data, False)


def cmd_flood(path, n, uid):
    ok = 0
    for _ in range(n):
        for cmd in ("penalty", "release"):
            s = connect(path)
            f = s.makefile("rwb")
            f.write(b'{"cmd":"%s","uid":%d}\n' % (cmd.encode(), uid))
            f.flush()
            line = f.readline()
            if b'"ok":true' in line:
                ok += 1
            elif not line:
                print("EOF after %d" % ok)
                return
            s.close()
    print("ok %d" % ok)


def main():
    path, mode, args = sys.argv[1], sys.argv[2], sys.argv[3:]
    if mode == "send":
        cmd_send(path, args)
    elif mode == "raw":
        cmd_raw(path, args[0])
    elif mode == "hold":
        cmd_hold(path, int(args[0]), float(args[1]))
    elif mode == "idle":
        cmd_idle(path, float(args[0]))
    elif mode == "stall":
        cmd_stall(path, float(args[0]))
    elif mode == "subs":
        cmd_subs(path, int(args[0]), float(args[1]))
    elif mode == "bigline":
        cmd_bigline(path, int(args[0]))
    elif mode == "trickle":
        cmd_trickle(path, float(args[0]))
    elif mode == "flood":
        cmd_flood(path, int(args[0]), int(args[1]))
    else:
        sys.exit("unknown mode " + mode)


if __name__ == "__main__":
    main()
