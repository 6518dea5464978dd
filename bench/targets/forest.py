# SPDX-License-Identifier: Apache-2.0
"""Benchmark target: a parent sleeping in time.sleep and N children, each
DEPTH frames deep. With LIFE > 0 each child spins for LIFE seconds and exits,
and the parent forks a new one at once (a pre-fork server recycling its
workers); with LIFE 0 the children spin until their parent dies; with
"waiting" they work for 1 ms and sleep for 20 ms, over and over (a pool
mostly waiting for work). Prints "ready" once every first child has
started. Runs on CPython 2.7 and 3.x.

usage: forest.py N DEPTH LIFE [waiting]
"""

import os
import sys
import time


WAITING = len(sys.argv) > 4 and sys.argv[4] == "waiting"


def spin(life, parent):
    start = time.time()
    while life <= 0 or time.time() - start < life:
        total = 0
        for i in range(20000 // (20 if WAITING else 1)):
            total += i * i
        if os.getppid() != parent:
            break
        if WAITING:
            time.sleep(0.02)


def descend(levels, life, parent):
    if levels > 0:
        descend(levels - 1, life, parent)
    else:
        spin(life, parent)


def child(depth, life, parent, ready_w):
    if ready_w is not None:
        os.write(ready_w, b"x")
    descend(depth, life, parent)
    os._exit(0)


def fork_child(depth, life, ready_w=None):
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:
        child(depth, life, parent, ready_w)
    return pid


def main():
    n, depth, life = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
    ready_r, ready_w = os.pipe()
    for _ in range(n):
        fork_child(depth, life, ready_w)
    got = 0
    while got < n:
        got += len(os.read(ready_r, n))
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    while True:
        if life > 0:
            os.wait()
            fork_child(depth, life)
        else:
            time.sleep(1)


if __name__ == "__main__":
    main()
