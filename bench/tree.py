#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Measure what profiling a process tree (--subprocesses) costs.

 1. CPU per process sample against 1, 8 and 32 children
    (targets/forest.py: a sleeping parent and N children 20 frames deep),
    busy (spinning: with 8 and 32 on two CPUs a stop waits for the
    scheduler) and waiting (1 ms of work, 20 ms asleep, over and over). pyflame runs `--subprocesses -r 0.01` twice on the same tree, for
    SECS and for 3 * SECS; the difference of its CPU time (ru_utime +
    ru_stime from wait4) over the difference of the samples of every
    process together (samples= of its --stats line) is the cost of sampling
    alone, attaching and writing left out. One sampling pass samples each
    process once, so this is the cost of a pass per process. Median over
    REPS pairs, the tree sizes interleaved. The goal: at 8 and 32 children,
    at most 1.1 times the figure with one child (a pass grows linearly with
    the processes).
 2. --soak SECS: a pre-fork tree of 16 waiting children, each living 1 s (16 forks
    and exits a second), profiled for SECS seconds: pyflame's resident set
    (VmRSS) and open descriptors every 10 s, first and last, to show that
    nothing grows with the processes that come and go.

usage: bench/tree.py [--pyflame PATH] [--python PATH] [--seconds S]
                     [--reps N] [--soak SECS]
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
FOREST = os.path.join(HERE, "targets", "forest.py")
SIZES = (1, 8, 32)
GOAL = 1.1
SOAK_TICK = 10.0


def start_forest(python, n, life, shape="busy"):
    proc = subprocess.Popen([python, FOREST, str(n), "20", str(life), shape],
                            stdout=subprocess.PIPE)
    if proc.stdout.readline().strip() != b"ready":
        raise SystemExit("forest.py did not start")
    time.sleep(0.5)
    return proc


def stop(proc):
    proc.kill()
    proc.wait()


def stats_samples(err):
    m = re.search(r"^pyflame: stats: samples=(\d+) .*late=(\d+)", err, re.M)
    if not m:
        raise SystemExit("no --stats line:\n" + err)
    return int(m.group(1)), int(m.group(2))


def profile(args, pid, seconds):
    """(CPU us, samples, late) of one run of pyflame on the tree."""
    argv = [args.pyflame, "--subprocesses", "--stats", "-r", "0.01",
            "-s", str(seconds), "-o", "/dev/null", "-p", str(pid)]
    proc = subprocess.Popen(argv, stderr=subprocess.PIPE)
    err = proc.stderr.read().decode()
    _, status, ru = os.wait4(proc.pid, 0)
    if status != 0:
        raise SystemExit("pyflame failed (%d):\n%s" % (status, err))
    samples, late = stats_samples(err)
    return (ru.ru_utime + ru.ru_stime) * 1e6, samples, late


def one_run(args, n, shape):
    tree = start_forest(args.python, n, 0, shape)
    try:
        short = profile(args, tree.pid, args.seconds)
        long_ = profile(args, tree.pid, 3 * args.seconds)
    finally:
        stop(tree)
    return {"samples": long_[1], "late": long_[2],
            "per_sample_us": (long_[0] - short[0]) /
            max(long_[1] - short[1], 1)}


def per_process(args, shape):
    runs = dict((n, []) for n in SIZES)
    for _ in range(args.reps):
        for n in SIZES:
            runs[n].append(one_run(args, n, shape))
    base = statistics.median(r["per_sample_us"] for r in runs[SIZES[0]])
    print("1. CPU per process sample, %s children, --subprocesses -r 0.01, "
          "-s %g against -s %g, median of %d pairs" % (
              shape, 3 * args.seconds, args.seconds, args.reps))
    print("   children  processes  samples  late  CPU/sample  ratio to 1 child")
    worst = 0.0
    for n in SIZES:
        med = statistics.median(r["per_sample_us"] for r in runs[n])
        samples = statistics.median(r["samples"] for r in runs[n])
        late = statistics.median(r["late"] for r in runs[n])
        ratio = med / base
        worst = max(worst, ratio)
        print("   %8d  %9d  %7d  %4d  %7.1f us  %.2f" % (
            n, n + 1, samples, late, med, ratio))
    print("   goal: <= %.1fx per process at 8 and 32 children: %s" % (
        GOAL, "met" if worst <= GOAL else "NOT met (%.2fx)" % worst))
    return worst <= GOAL


def status_kib(pid, field):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def soak(args):
    tree = start_forest(args.python, 16, 1.0, "waiting")
    try:
        argv = [args.pyflame, "--subprocesses", "--stats", "-r", "0.01",
                "-s", str(args.soak), "-o", "/dev/null", "-p", str(tree.pid)]
        errf = tempfile.TemporaryFile()
        proc = subprocess.Popen(argv, stderr=errf)
        time.sleep(2.0)
        ticks = []
        while proc.poll() is None:
            try:
                ticks.append((status_kib(proc.pid, "VmRSS"),
                              len(os.listdir("/proc/%d/fd" % proc.pid))))
            except OSError:
                break
            time.sleep(SOAK_TICK)
        rc = proc.wait()
        errf.seek(0)
        err = errf.read().decode()
        if rc != 0:
            raise SystemExit("pyflame failed:\n" + err)
    finally:
        stop(tree)
    samples, late = stats_samples(err)
    print("2. soak: %d s on a tree recycling 16 children a second: %d samples,"
          " %d late" % (args.soak, samples, late))
    print("   VmRSS first %d KiB, last %d KiB, max %d KiB; descriptors first "
          "%d, last %d, max %d" % (ticks[0][0], ticks[-1][0],
                                   max(t[0] for t in ticks), ticks[0][1],
                                   ticks[-1][1], max(t[1] for t in ticks)))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--pyflame", default="src/pyflame")
    p.add_argument("--python", default=sys.executable)
    p.add_argument("--seconds", type=float, default=2.0)
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--soak", type=int, default=0)
    args = p.parse_args()
    print("load average at start: %s" % open("/proc/loadavg").read().strip())
    ok = all([per_process(args, shape) for shape in ("busy", "waiting")])
    if args.soak:
        soak(args)
    print("load average at end: %s" % open("/proc/loadavg").read().strip())
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
