# SPDX-License-Identifier: Apache-2.0
"""Target: once the test sets the COMMAND slot of the --report file, spins
for --seconds, then replaces itself with heartbeat.py (same --report file,
cleared first). A leading --from-thread makes the exec
come from a new thread while three others spin, so the kernel has to end
them and give the exec'ing thread the leader's ID. Prints "ready" before it
waits for the command; heartbeat.py prints its own "ready" after the exec.
"""
import os
import sys
import threading
import time

import board
import common


def spin(deadline):
    n = 0
    while deadline is None or time.time() < deadline:
        n += 1  # @mark:spin-body
    return n


def become_heartbeat(report):
    board.Board(report).clear()
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                          "heartbeat.py")
    os.execv(sys.executable, [sys.executable, script, "--report", report])


def from_thread(report, deadline):
    for _ in range(3):
        board.daemon(spin, None)
    spin(deadline)  # @mark:thread-spin
    board.daemon(become_heartbeat, report)
    threading.Event().wait()


def main():
    threaded = sys.argv[1:2] == ["--from-thread"]
    if threaded:
        del sys.argv[1]
    opts = common.setup()
    common.ready()
    counters = board.Board(opts.report)
    board.wait_command(counters)
    deadline = time.time() + (opts.seconds or 0.0)
    if threaded:
        from_thread(opts.report, deadline)
    spin(deadline)  # @mark:main-spin
    become_heartbeat(opts.report)


if __name__ == "__main__":
    main()  # @mark:module-call
