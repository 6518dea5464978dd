# SPDX-License-Identifier: Apache-2.0
"""Target: creates and ends threads all the time, four at once, each doing a
little work. Counters in the --report file (board.py): 0 rounds of the main
loop, 1 threads started. Prints "ready" after the first round.
"""
import threading

import board
import common


def short_life():
    total = 0
    for i in range(1000):
        total += i  # @mark:short-body
    return total


def round_of(width):
    threads = [threading.Thread(target=short_life) for _ in range(width)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def main():
    opts = common.setup()
    counters = board.Board(opts.report)
    n = 0
    while True:
        round_of(4)
        n += 1
        counters.set(0, n)
        counters.set(1, 4 * n)
        if n == 1:
            common.ready()


if __name__ == "__main__":
    main()
