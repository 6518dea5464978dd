# SPDX-License-Identifier: Apache-2.0
"""Target: 32 threads, each parked 50 frames deep, every frame with a few
variables of the usual kinds (an int, a float, a str, a list, a dict, an
object), for timing a look at all of them. Prints "ready" once every
thread is parked."""
import sys
import threading

import common

THREADS = 32
DEPTH = 50
GATE = threading.Lock()
GATE.acquire()
PARKED = threading.Semaphore(0)


class Item(object):
    pass


def descend(n, tag):
    count = n * 7
    ratio = n / 3.0
    label = "frame %d of %s" % (n, tag)
    items = [n, n + 1, "x"]
    table = {"depth": n, "tag": tag}
    thing = Item()
    if n > 1:
        descend(n - 1, tag)
    else:
        PARKED.release()
        GATE.acquire()


def main():
    common.setup()
    for i in range(THREADS - 1):
        t = threading.Thread(target=descend, args=(DEPTH - 3, "t%d" % i))
        t.daemon = True
        t.start()
    for _ in range(THREADS - 1):
        PARKED.acquire()
    common.ready()
    descend(DEPTH - 2, "main")


if __name__ == "__main__":
    sys.setrecursionlimit(1000)
    main()
