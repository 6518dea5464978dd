#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Measure --native: pyflame's CPU per sample, the samples it achieves and
the target's slowdown, with and without --native, at 1 kHz.

Targets: bench/targets/cheavy.py (zlib, sha256, sorted: C-heavy) and
spin.py at depth 10, 50 and 200. For each, REPS runs of pyflame -s SECONDS
-r 0.001 --stats, alternating without and with --native, each followed
by a run of a quarter of SECONDS. CPU per sample: pyflame's ru_utime +
ru_stime (wait4), the long run's minus the short run's, over the samples=
of --stats that the long run took more: the cost of a sample once warm,
start-up (attaching, reading symbol tables) and output left out; the
long run's CPU over its samples is shown too. Achieved: samples= over
SECONDS x 1000. Held: the median over the runs of --stats'
stopped_us_median (and of its p99), how long the target was held a
sample. Slowdown
(cheavy only): the median of the loops per second the target reports
while profiled (from 0.6 s after pyflame starts), against those of the
SECONDS just before, minus one; REPS such pairs per mode, alternating,
and their median.

usage: native.py PYFLAME [PYTHON] [--reps N] [--seconds S] [--only cheavy,spin]
PYTHON defaults to pyenv's 3.12, else python3.
"""

import glob
import os
import re
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def start(python, script, *args):
    p = subprocess.Popen([python, os.path.join(HERE, "targets", script)] +
                         [str(a) for a in args], stdout=subprocess.PIPE,
                         universal_newlines=True)
    while p.stdout.readline().strip() != "ready":
        pass
    return p


def profile(pyflame, pid, seconds, native):
    argv = [pyflame, "-s", str(seconds), "-r", "0.001", "--stats", "-o",
            os.devnull, "-p", str(pid)] + (["--native"] if native else [])
    p = subprocess.Popen(argv, stderr=subprocess.PIPE)
    _, status, ru = os.wait4(p.pid, 0)
    err = p.stderr.read().decode()
    p.stderr.close()
    m = re.search(r"stats: samples=(\d+) idle=(\d+) failed=(\d+)", err)
    lost = re.search(r"native_lost=(\d+)$", err.strip())
    held = re.search(r"stopped_us_median=([0-9.]+) stopped_us_p99=([0-9.]+)", err)
    if status != 0 or not m:
        raise SystemExit("pyflame failed: %s" % err)
    samples = int(m.group(1))
    return {"cpu": (ru.ru_utime + ru.ru_stime) * 1e6, "samples": samples,
            "cpu_us": (ru.ru_utime + ru.ru_stime) * 1e6 / max(samples, 1),
            "achieved": samples / (seconds * 1000.0),
            "idle": int(m.group(2)) / max(samples, 1),
            "failed": (int(m.group(3))) / max(samples, 1),
            "lost": int(lost.group(1)) if lost else 0,
            "held_us": float(held.group(1)) if held else 0.0,
            "held_p99_us": float(held.group(2)) if held else 0.0}


class Rates(object):
    """Every "rate" line the target prints, with the time it came: read all
    along, so that a window's rates are that window's, not lines left in
    the pipe from earlier."""

    def __init__(self, target):
        self.seen = []
        self.thread = threading.Thread(target=self.read, args=(target,))
        self.thread.daemon = True
        self.thread.start()

    def read(self, target):
        for line in target.stdout:
            m = re.match(r"rate ([0-9.]+)", line)
            if m:
                self.seen.append((time.monotonic(), float(m.group(1))))

    def between(self, t0, t1):
        """The rates of reports that came in [t0, t1] (each covers the
        half second before it)."""
        return [r for t, r in self.seen if t0 <= t <= t1]


def slowdown_run(pyflame, rates, target, seconds, native):
    t0 = time.monotonic()
    time.sleep(seconds)
    t1 = time.monotonic()
    p = subprocess.Popen([pyflame, "-s", str(seconds), "-r", "0.001", "-o",
                          os.devnull, "-p", str(target.pid)] +
                         (["--native"] if native else []))
    time.sleep(0.6)  # attached, and the first report wholly profiled
    t2 = time.monotonic()
    p.wait()
    t3 = time.monotonic()
    before = statistics.median(rates.between(t0 + 0.5, t1))
    during = statistics.median(rates.between(t2, t3))
    return before / during - 1.0


def median_of(runs, key):
    return statistics.median(r[key] for r in runs)


def default_python():
    root = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    found = sorted(glob.glob(os.path.join(root, "versions", "3.12.*", "bin",
                                          "python3.12")))
    return found[0] if found else "python3"


def main(argv):
    pyflame = argv[1]
    python = argv[2] if len(argv) > 2 and not argv[2].startswith("-") \
        else default_python()
    reps = int(argv[argv.index("--reps") + 1]) if "--reps" in argv else 5
    seconds = float(argv[argv.index("--seconds") + 1]) \
        if "--seconds" in argv else 2.0
    print("python %s, %d runs of %g s each, load average %s" % (
        python, reps, seconds, open("/proc/loadavg").read().split()[0]))
    shapes = [("cheavy", "cheavy.py", ()), ("spin depth 10", "spin.py",
              (1, 10)), ("spin depth 50", "spin.py", (1, 50)),
              ("spin depth 200", "spin.py", (1, 200))]
    if "--only" in argv:
        only = argv[argv.index("--only") + 1].split(",")
        shapes = [s for s in shapes if s[0].split()[0] in only]
    for label, script, args in shapes:
        target = start(python, script, *args)
        rates = Rates(target)
        try:
            runs = {False: [], True: []}
            for _ in range(reps):
                for native in (False, True):
                    long = profile(pyflame, target.pid, seconds, native)
                    short = profile(pyflame, target.pid, seconds / 4, native)
                    long["marginal_us"] = (long["cpu"] - short["cpu"]) / max(
                        1, long["samples"] - short["samples"])
                    runs[native].append(long)
            for native in (False, True):
                r = runs[native]
                print("%-15s %-9s cpu/sample %7.1f us (whole run %7.1f)  "
                      "achieved %5.1f %%  idle %4.1f %%  failed %4.1f %%  "
                      "lost %d  held %5.1f us (p99 %5.1f)" % (
                          label, "--native" if native else "default",
                          median_of(r, "marginal_us"), median_of(r, "cpu_us"),
                          100 * median_of(r, "achieved"),
                          100 * median_of(r, "idle"), 100 * median_of(r, "failed"),
                          sum(x["lost"] for x in r), median_of(r, "held_us"),
                          median_of(r, "held_p99_us")))
            if script == "cheavy.py":
                slow = {False: [], True: []}
                for _ in range(reps):
                    for native in (False, True):
                        slow[native].append(slowdown_run(pyflame, rates, target,
                                                         seconds, native))
                for native in (False, True):
                    print("%-15s %-9s target slowdown %5.1f %% (runs: %s)" % (
                        label, "--native" if native else "default",
                        100 * statistics.median(slow[native]),
                        " ".join("%.1f" % (100 * s) for s in slow[native])))
        finally:
            target.kill()
            target.wait()


if __name__ == "__main__":
    main(sys.argv)
