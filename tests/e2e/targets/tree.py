# SPDX-License-Identifier: Apache-2.0
"""Target: a process tree, in one of these shapes (argv[1]):

  fork N / spawn N  a multiprocessing pool of N workers (start method fork or
                    spawn), each busy in pool_task(); "ready" once every
                    worker is at work.
  prefork N LIFE    a pre-fork server: the master keeps N workers, each
                    busy in serve() for LIFE seconds, then exiting; the
                    master forks a new one at once (recycling).
  births DELAY      the parent idles; DELAY seconds after "ready" it forks a
                    Python child busy in born_child() and starts a `sleep`
                    (not Python); each child's pid and the time it started
                    (time.time(), in the child) go to the report.
  fanout N          N children, each in leaf_work(): a little work, then a
                    sleep, over and over (a pool mostly waiting).

Every worker writes a line "<pid> <time.time()> <role>" to --report (the
file is appended to by each process). The parent exits when killed; its
children with it (they watch their parent).
"""
import os
import signal
import subprocess
import sys
import time

import common


def note(path, role):
    with open(path, "a") as f:
        f.write("%d %.6f %s\n" % (os.getpid(), time.time(), role))


def orphaned(parent):
    return os.getppid() != parent


def spin(seconds, parent):
    """CPU-bound for `seconds` (forever if None) or until orphaned."""
    start = time.time()
    total = 0
    while seconds is None or time.time() - start < seconds:
        for i in range(20000):
            total += i * i
        if orphaned(parent):
            os._exit(0)
    return total


def pool_task(args):
    report, parent = args
    note(report, "worker")
    return spin(3600, parent)


def run_pool(method, n, report):
    import multiprocessing
    if method != "fork" or sys.version_info[0] >= 3:
        multiprocessing.set_start_method(method)
    pool = multiprocessing.Pool(n)
    result = pool.map_async(pool_task, [(report, os.getpid())] * n)
    wait_lines(report, n)
    common.ready()
    result.wait()


def wait_lines(report, n):
    while True:
        try:
            with open(report) as f:
                if len(f.readlines()) >= n:
                    return
        except IOError:
            pass
        time.sleep(0.01)


def serve(report, life, parent):
    note(report, "worker")
    spin(life, parent)
    os._exit(0)


def fork_worker(report, life):
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:
        serve(report, life, parent)
    return pid


def run_prefork(n, life, report):
    workers = set(fork_worker(report, life) for _ in range(n))
    wait_lines(report, n)
    common.ready()
    while True:
        pid, _ = os.wait()
        workers.discard(pid)
        workers.add(fork_worker(report, life))


def born_child(report, parent):
    note(report, "born")
    spin(None, parent)


def run_births(delay, report):
    common.ready()
    time.sleep(delay)
    parent = os.getpid()
    if os.fork() == 0:
        born_child(report, parent)
    sleeper = subprocess.Popen(["sleep", "5"])
    note(report, "sleep %d" % sleeper.pid)
    while True:
        time.sleep(0.05)


def leaf_work(report, parent):
    note(report, "leaf")
    while True:
        spin(0.001, parent)
        time.sleep(0.05)


def run_fanout(n, report):
    parent = os.getpid()
    for _ in range(n):
        if os.fork() == 0:
            leaf_work(report, parent)
    wait_lines(report, n)
    common.ready()
    while True:
        time.sleep(0.05)


def main():
    shape = sys.argv[1]
    count = []
    for a in sys.argv[2:]:
        if a.startswith("--"):
            break
        count.append(a)
    del sys.argv[1:2 + len(count)]
    opts = common.setup()
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    if shape in ("fork", "spawn"):
        run_pool(shape, int(count[0]), opts.report)
    elif shape == "prefork":
        run_prefork(int(count[0]), float(count[1]), opts.report)
    elif shape == "births":
        run_births(float(count[0]), opts.report)
    else:
        run_fanout(int(count[0]), opts.report)


if __name__ == "__main__":
    main()
