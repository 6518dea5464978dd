# SPDX-License-Identifier: Apache-2.0
"""Target: shows that it keeps running, and counts the signals it gets.

Counters live in the --report file, which the test creates (board.SLOTS
little-endian 64-bit words) and both sides map:
  0  main thread: rounds of a CPU-bound call chain main -> beat -> work
  1  helper thread: rounds of a 1 ms sleep
  2  SIGUSR1 signals seen by the Python-level handler
  3  SIGRTMIN+1 signals seen by the C-level handler (one byte each on the
     wakeup fd, which Python writes for every delivery, unlike the Python
     handler itself, which merges what arrives before it runs)
Prints "ready" once the helper thread has beaten, just before the main loop.
The main loop ends after --seconds, or as soon as the test sets the COMMAND
slot; the target then ends as common.finish() says (--status, --signal),
its daemon threads still running.
"""
import os
import signal
import sys
import time

import board
import common

RT_SIGNAL = getattr(signal, "SIGRTMIN", 34) + 1


def work():
    total = 0
    for i in range(200):
        total += i  # @mark:work-body
    return total


def beat(counters, deadline):
    n = 0
    while deadline is None or time.time() < deadline:
        work()  # @mark:beat-call
        n += 1
        counters.set(0, n)
        if counters.get(board.COMMAND):
            break


def nap(counters):
    n = 0
    while True:
        time.sleep(0.001)
        n += 1
        counters.set(1, n)


def count_wakeups(counters, fd):
    n = 0
    while True:
        data = os.read(fd, 4096)
        n += sum(1 for b in bytearray(data) if b == RT_SIGNAL)
        counters.set(3, n)


def install_handlers(counters):
    usr1 = [0]

    def on_usr1(signum, frame):
        usr1[0] += 1
        counters.set(2, usr1[0])

    signal.signal(signal.SIGUSR1, on_usr1)
    if sys.version_info[0] < 3:
        return
    signal.signal(RT_SIGNAL, lambda signum, frame: None)
    r, w = os.pipe()
    os.set_blocking(w, False)
    signal.set_wakeup_fd(w)
    board.daemon(count_wakeups, counters, r)


def main():
    opts = common.setup()
    # A process group of its own, under a parent in the same session, is not
    # orphaned; the kernel discards SIGTSTP sent to an orphaned group (as in
    # a CI run without a terminal), which would defeat the job-control test.
    os.setpgid(0, 0)
    counters = board.Board(opts.report)
    install_handlers(counters)
    board.daemon(nap, counters)
    while counters.get(1) == 0:
        time.sleep(0.001)
    deadline = None
    if opts.seconds is not None:
        deadline = time.time() + opts.seconds
    common.ready()
    beat(counters, deadline)  # @mark:main-call
    common.finish(opts)


if __name__ == "__main__":
    main()  # @mark:module-call
