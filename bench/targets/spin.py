# SPDX-License-Identifier: Apache-2.0
"""Benchmark target: THREADS Python threads (the main thread included), each
DEPTH frames deep, spinning a CPU-bound loop forever. Prints "ready" once
every thread has reached its leaf. Runs on CPython 2.7 and 3.x.

usage: spin.py THREADS DEPTH
"""

import sys
import threading

LOCK = threading.Lock()
ARRIVED = [0]
# Threads wait here until all have started: starting a thread while others
# spin takes a GIL hand-over per thread already running.
START = threading.Event()


def spin(nthreads, is_main):
    with LOCK:
        ARRIVED[0] += 1
    if not is_main:
        START.wait()
    while True:
        total = 0
        for i in range(1000):
            total += i * i
        if is_main and not START.is_set() and ARRIVED[0] == nthreads:
            START.set()
            sys.stdout.write("ready\n")
            sys.stdout.flush()


def descend(levels, nthreads, is_main):
    if levels > 0:
        descend(levels - 1, nthreads, is_main)
    else:
        spin(nthreads, is_main)


def main():
    nthreads, depth = int(sys.argv[1]), int(sys.argv[2])
    # <module>, main, levels + 1 descend calls and spin make DEPTH frames;
    # in other threads, three frames of threading.py take the place of two.
    levels = max(depth - 4, 1)
    for _ in range(nthreads - 1):
        t = threading.Thread(target=descend,
                             args=(levels - 1, nthreads, False))
        t.daemon = True
        t.start()
    descend(levels, nthreads, True)


main()
