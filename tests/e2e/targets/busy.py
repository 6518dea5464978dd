# SPDX-License-Identifier: Apache-2.0
"""Target: a CPU-bound call chain <module> -> main -> outer -> inner.

The tests find the lines they expect through the "@mark:" comments, so lines
may move freely. Prints "ready" just before the hot loop starts.
"""
import time

import common


def inner(n):
    total = 0
    for i in range(n):  # @mark:inner-loop
        total += i * i  # @mark:inner-body
    return total


def outer(deadline):
    while deadline is None or time.time() < deadline:
        inner(20000)  # @mark:outer-call


def main():
    opts = common.setup()
    deadline = None
    if opts.seconds is not None:
        deadline = time.time() + opts.seconds
    common.ready()
    outer(deadline)  # @mark:main-call
    common.finish(opts)


if __name__ == "__main__":
    main()  # @mark:module-call
