# SPDX-License-Identifier: Apache-2.0
"""Benchmark target: a fixed CPU-bound job, timed by the target itself.
Descends to DEPTH frames, prints "ready", waits for a line on stdin, runs
ITERATIONS loop iterations and prints the job's wall time in seconds.
Runs on CPython 2.7 and 3.x.

usage: job.py ITERATIONS DEPTH
"""

import sys
import time

CLOCK = getattr(time, "perf_counter", time.time)


def work(iterations):
    total = 0
    for _ in range(iterations // 1000):
        for i in range(1000):
            total += i % 7
    return total


def timed(iterations):
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    sys.stdin.readline()
    start = CLOCK()
    work(iterations)
    sys.stdout.write("%.6f\n" % (CLOCK() - start))
    sys.stdout.flush()


def descend(levels, iterations):
    if levels > 0:
        descend(levels - 1, iterations)
    else:
        timed(iterations)


def main():
    iterations, depth = int(sys.argv[1]), int(sys.argv[2])
    # <module>, main, the descend calls, timed and work make DEPTH frames.
    descend(max(depth - 5, 0), iterations)


main()
