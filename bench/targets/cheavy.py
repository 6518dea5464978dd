# SPDX-License-Identifier: Apache-2.0
"""Benchmark target: C-heavy work, each from its own Python function:
zlib.compress of 256 KiB at level 9, sha256 of 12 MiB (both release the
GIL), sorted() of 100,000 ints. Prints "ready", then every ROUNDS loops the
loops per second since the last report. Runs on CPython 2.7 and 3.x.

usage: cheavy.py [DEPTH]   (DEPTH Python frames above the work)
"""

import hashlib
import os
import sys
import time
import zlib

CLOCK = getattr(time, "perf_counter", time.time)
DATA = os.urandom(256 * 1024)
BIG = os.urandom(12 * 1024 * 1024)
NUMBERS = list(range(100000, 0, -1))


def compress():
    zlib.compress(DATA, 9)


def digest():
    hashlib.sha256(BIG).digest()


def sort():
    sorted(NUMBERS)


def loop():
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    last, n = CLOCK(), 0
    while True:
        compress()
        digest()
        sort()
        n += 1
        now = CLOCK()
        if now - last >= 0.5:
            sys.stdout.write("rate %f\n" % (n / (now - last)))
            sys.stdout.flush()
            last, n = now, 0


def descend(depth):
    if depth <= 0:
        loop()
    descend(depth - 1)


descend(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
