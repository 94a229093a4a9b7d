#!/usr/bin/env python3
"""A user's terminal for the notices' test: a pty whose slave is owned by
UID and group tty with MODE (0620: mesg y, 0600: mesg n), registered in utmp as NAME's
login (USER_PROCESS, as login(1) would). Writes the slave's name to READY,
then copies whatever reaches the terminal to OUT until SIGTERM, and
removes its utmp record (DEAD_PROCESS) on the way out.

usage: pty-user.py UID NAME MODE OUT READY"""
import ctypes
import grp
import os
import pty
import signal
import sys
import time

libc = ctypes.CDLL("libc.so.6", use_errno=True)


class ExitStatus(ctypes.Structure):
    _fields_ = [("e_termination", ctypes.c_short), ("e_exit", ctypes.c_short)]


class TimeVal(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_int32), ("tv_usec", ctypes.c_int32)]


class Utmpx(ctypes.Structure):  # glibc's struct utmpx on 64-bit Linux
    _fields_ = [("ut_type", ctypes.c_short), ("ut_pid", ctypes.c_int),
                ("ut_line", ctypes.c_char * 32), ("ut_id", ctypes.c_char * 4),
                ("ut_user", ctypes.c_char * 32),
                ("ut_host", ctypes.c_char * 256), ("ut_exit", ExitStatus),
                ("ut_session", ctypes.c_int32), ("ut_tv", TimeVal),
                ("ut_addr_v6", ctypes.c_int32 * 4),
                ("unused", ctypes.c_char * 20)]


USER_PROCESS, DEAD_PROCESS = 7, 8
libc.pututxline.argtypes = [ctypes.POINTER(Utmpx)]
libc.pututxline.restype = ctypes.c_void_p


def record(kind, line, name):
    u = Utmpx()
    u.ut_type = kind
    u.ut_pid = os.getpid()
    u.ut_line = line.encode()
    u.ut_id = line[-4:].encode()
    u.ut_user = name.encode()
    u.ut_tv.tv_sec = int(time.time())
    libc.setutxent()
    if not libc.pututxline(ctypes.byref(u)):
        sys.exit("pututxline: %s" % os.strerror(ctypes.get_errno()))
    libc.endutxent()


class Stop(Exception):
    pass


def stop(*args):
    raise Stop()


def main():
    uid, name, mode, out, ready = sys.argv[1:6]
    master, slave = pty.openpty()
    path = os.ttyname(slave)
    # owned by the user, group tty, as login(1) and sshd leave it
    os.chown(path, int(uid), grp.getgrnam("tty").gr_gid)
    os.chmod(path, int(mode, 8))
    line = path[len("/dev/"):]
    record(USER_PROCESS, line, name)
    signal.signal(signal.SIGTERM, stop)
    try:
        with open(ready, "w") as f:
            f.write(line + "\n")
        with open(out, "ab", buffering=0) as f:
            while True:
                f.write(os.read(master, 4096))
    except (Stop, OSError):
        pass
    finally:
        record(DEAD_PROCESS, line, "")


if __name__ == "__main__":
    main()
