# SPDX-License-Identifier: Apache-2.0
"""Benchmark target: stacks that never repeat. Forty functions call one
another at random to a random depth of 5 to 60 and spin there briefly, so
that nearly every sample is a new stack: the hardest case for the writers
(bench/format-cost.sh). Prints "ready", then runs for SECONDS (default:
until killed). Runs on CPython 2.7 and 3.x.

usage: mixed.py [SECONDS]
"""

import random
import sys
import time

SOURCE = """
def f%02d(depth, rng):
    if depth == 0:
        total = 0
        for i in range(rng.randint(500, 5000)):
            total += i
        return total
    return FUNCS[rng.randrange(len(FUNCS))](depth - 1, rng)
"""
FUNCS = []
for _n in range(40):
    exec(SOURCE % _n)
    FUNCS.append(globals()["f%02d" % _n])


def main():
    end = time.time() + float(sys.argv[1]) if len(sys.argv) > 1 else None
    rng = random.Random(1)
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    while end is None or time.time() < end:
        FUNCS[0](rng.randint(5, 60), rng)


if __name__ == "__main__":
    main()
