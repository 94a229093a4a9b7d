#!/usr/bin/env python3
"""A stand-in for cgfaird's socket for cgfairctl tests that need no
daemon: answers a metrics request with a small exposition (its request
count as cgfair_users), anything else with a fixed status (two users);
counts the requests in PATH.count.  fake-status.py PATH"""
import json
import os
import socket
import sys

path = sys.argv[1]
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path)
srv.listen(4)
n = 0
rows = [{"uid": 61001, "name": "light", "procs": 1, "cpu": 0.1,
         "cpu_cap": None, "weight": 100, "memory": 1 << 20,
         "memory_limit": None, "active": False, "throttled": False,
         "penalty": False, "fixed": False},
        {"uid": 61002, "name": "heavy", "procs": 4, "cpu": 1.9,
         "cpu_cap": 1.8, "weight": 100, "memory": 1 << 30,
         "memory_limit": 2 << 30, "active": True, "throttled": True,
         "penalty": False, "fixed": False}]
while True:
    c, _ = srv.accept()
    f = c.makefile("rwb")
    for line in f:
        req = json.loads(line)
        n += 1
        with open(path + ".count", "w") as out:
            out.write(str(n))
        if req.get("cmd") == "metrics":
            ans = {"ok": True, "metrics": "# HELP cgfair_users x\n"
                   "# TYPE cgfair_users gauge\ncgfair_users %d\n" % n}
        else:
            ans = {"ok": True, "see_all": True, "users": rows}
        f.write((json.dumps(ans) + "\n").encode())
        f.flush()
    c.close()
