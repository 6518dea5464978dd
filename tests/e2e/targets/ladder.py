# SPDX-License-Identifier: Apache-2.0
"""Target: a stack that never stops changing, and whose every real state is
known.

Functions step0 .. step<N-1> (N = --levels, default 40) are compiled from
one template into a file of their own, so each has its own code object:
step<k> calls step<k+1> while k is below the depth asked for, else does
some work and returns. The main thread climbs to a new depth each round,
with a short piece of work at the top one round and a long one the next: a
stack that changes every few hundred nanoseconds, then stays for a while.
So every stack that really exists is climb, step0, step1, ..., step<k>, in
order, each step but the last on its call line; a stack read while it
changed shows a gap, a repeat, a wrong line or a wrong order.
Writes {"file": F, "first": [def line of step k], "call": [call line of
step k], "span": L} to --report before printing "ready".
"""
import json
import os
import sys

import common

TEMPLATE = (
    "def step{k}(depth, work):\n"
    "    if depth > {k}:\n"
    "        return step{k1}(depth, work)\n"
    "    total = 0\n"
    "    for i in range(work):\n"
    "        total += i\n"
    "    return total\n"
)
WORK = (30, 3000)
SPAN = TEMPLATE.count("\n")
CALL = 2  # the call line, counted from the def line


def make_steps(levels, path):
    source = "".join(TEMPLATE.format(k=k, k1=k + 1) for k in range(levels))
    namespace = {}
    exec(compile(source, path, "exec"), namespace)
    return namespace["step0"]


def climb(step0, levels):
    depth, rounds = 0, 0
    while True:
        depth = (depth * 7 + 3) % levels
        rounds += 1
        step0(depth, WORK[rounds % 2])  # @mark:climb-call


def own_levels():
    if sys.argv[1:2] == ["--levels"]:
        levels = int(sys.argv[2])
        del sys.argv[1:3]
        return levels
    return 40


def main():
    levels = own_levels()
    opts = common.setup()
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                        "ladder_steps.py")
    step0 = make_steps(levels, path)
    with open(opts.report, "w") as f:
        json.dump({"file": path, "span": SPAN,
                   "first": [1 + k * SPAN for k in range(levels)],
                   "call": [1 + k * SPAN + CALL for k in range(levels)]}, f)
    common.ready()
    climb(step0, levels)  # @mark:main-call


if __name__ == "__main__":
    main()  # @mark:module-call
