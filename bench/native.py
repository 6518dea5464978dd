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
SECONDS x 1000. Slowdown
(cheavy only): the loops per second the target reports while profiled,
against the reports of the same length just before, minus one. Medians.

usage: native.py PYFLAME [PYTHON] [--reps N] [--seconds S]
PYTHON defaults to pyenv's 3.12, else python3.
"""

import glob
import os
import re
import statistics
import subprocess
import sys
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
    if status != 0 or not m:
        raise SystemExit("pyflame failed: %s" % err)
    samples = int(m.group(1))
    return {"cpu": (ru.ru_utime + ru.ru_stime) * 1e6, "samples": samples,
            "cpu_us": (ru.ru_utime + ru.ru_stime) * 1e6 / max(samples, 1),
            "achieved": samples / (seconds * 1000.0),
            "idle": int(m.group(2)) / max(samples, 1),
            "failed": (int(m.group(3))) / max(samples, 1),
            "lost": int(lost.group(1)) if lost else 0}


def rates(target, seconds):
    """The rates the target reports over the next `seconds`."""
    out, end = [], time.time() + seconds
    while time.time() < end:
        m = re.match(r"rate ([0-9.]+)", target.stdout.readline())
        if m:
            out.append(float(m.group(1)))
    return out


def slowdown_run(pyflame, target, seconds, native):
    before = statistics.median(rates(target, seconds))
    p = subprocess.Popen([pyflame, "-s", str(seconds), "-r", "0.001", "-o",
                          os.devnull, "-p", str(target.pid)] +
                         (["--native"] if native else []))
    during = statistics.median(rates(target, seconds))
    p.wait()
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
    for label, script, args in shapes:
        target = start(python, script, *args)
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
                      "lost %d" % (
                          label, "--native" if native else "default",
                          median_of(r, "marginal_us"), median_of(r, "cpu_us"),
                          100 * median_of(r, "achieved"),
                          100 * median_of(r, "idle"), 100 * median_of(r, "failed"),
                          sum(x["lost"] for x in r)))
            if script == "cheavy.py":
                for native in (False, True):
                    s = [slowdown_run(pyflame, target, seconds, native)
                         for _ in range(max(1, reps // 2))]
                    print("%-15s %-9s target slowdown %5.1f %%" % (
                        label, "--native" if native else "default",
                        100 * statistics.median(s)))
        finally:
            target.kill()
            target.wait()


if __name__ == "__main__":
    main(sys.argv)
