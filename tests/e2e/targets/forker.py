# SPDX-License-Identifier: Apache-2.0
"""Target: forks and spawns while it is profiled, and checks that none of
its children is traced.

Once the test sets the COMMAND slot, it forks FORKS children 5 ms apart:
the first stays alive, beating, until its parent goes; the others run a
little Python and exit with status 0 when their TracerPid is 0, else TRACED. Then it runs
SPAWNS `cat /proc/self/status` through subprocess (vfork or posix_spawn
where the interpreter uses them) and reads their TracerPid. All the while
the parent beats. Counters in the --report file (board.py):
  0  parent heartbeat          4  PID of the long-lived child
  1  children started          5  long-lived child's heartbeat
  2  forked children untraced  6  spawned commands untraced
  3  forked children traced    7  spawned commands traced
Prints "ready" before it waits for the command.
"""
import os
import subprocess
import time

import board
import common

FORKS = 30
SPAWNS = 10
TRACED = 3


def work(n):
    total = 0
    for i in range(n):
        total += i
    return total


def live_on(counters, parent):
    n = 0
    while os.getppid() == parent:
        work(200)
        n += 1
        counters.set(5, n)
    os._exit(0)


def short_child():
    work(20000)
    os._exit(TRACED if board.tracer_pid() else 0)


def fork_one(counters, first):
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:
        if first:
            live_on(counters, parent)
        short_child()
    if first:
        counters.set(4, pid)
        return
    _, status = os.waitpid(pid, 0)
    slot = 2 if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0 else 3
    counters.set(slot, counters.get(slot) + 1)


def spawn_one(counters):
    out = subprocess.Popen(["cat", "/proc/self/status"],
                           stdout=subprocess.PIPE).communicate()[0]
    fields = dict(line.split(b":", 1) for line in out.splitlines()
                  if b":" in line)
    slot = 6 if int(fields[b"TracerPid"]) == 0 else 7
    counters.set(slot, counters.get(slot) + 1)


def beat_for(counters, seconds, n):
    deadline = time.time() + seconds
    while time.time() < deadline:
        work(200)
        n += 1
        counters.set(0, n)
    return n


def main():
    opts = common.setup()
    counters = board.Board(opts.report)
    common.ready()
    board.wait_command(counters)
    n = beat_for(counters, 0.05, 0)
    for i in range(FORKS + SPAWNS):
        if i < FORKS:
            fork_one(counters, i == 0)
        else:
            spawn_one(counters)
        counters.set(1, i + 1)
        n = beat_for(counters, 0.005, n)
    beat_for(counters, common.SAFETY_SECONDS, n)


if __name__ == "__main__":
    main()
