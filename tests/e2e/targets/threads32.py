# SPDX-License-Identifier: Apache-2.0
"""Target: 32 threads 20 frames deep, 31 of them asleep and one (the main
thread) spinning, for the cost of watching many threads at once. Prints
"ready" once every thread is in place."""
import threading
import time

import common

THREADS = 32
DEPTH = 20
READY = threading.Semaphore(0)


def nap(n):
    if n > 1:
        nap(n - 1)
    else:
        READY.release()
        while True:
            time.sleep(10)


def spin(n):
    if n > 1:
        spin(n - 1)
    else:
        total = 0
        while True:
            total += 1


def main():
    common.setup()
    for _ in range(THREADS - 1):
        t = threading.Thread(target=nap, args=(DEPTH - 3,))
        t.daemon = True
        t.start()
    for _ in range(THREADS - 1):
        READY.acquire()
    common.ready()
    spin(DEPTH - 2)


if __name__ == "__main__":
    main()
