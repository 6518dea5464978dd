#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Measure pyflame's cost: the figures the project's performance goals name.

Each interpreter runs its own targets (bench/targets/): spin.py (THREADS
threads, each DEPTH frames deep, spinning forever), job.py (a fixed CPU-bound
job that times itself) and idle.py (sleeping in time.sleep). With two or more
CPUs the targets are pinned to the first allowed CPU and pyflame (with this
program) to the second. Every figure is taken for each mode: "default" (the
target is stopped while it is read) and "nonblocking" (--nonblocking).

 1. CPU per sample. pyflame runs at -r 0.001 against spin.py at depth
    10/50/200 (one thread) and with 1/8/32 threads at depth 20 (--threads).
    The CPU time of pyflame (ru_utime + ru_stime from wait4; start-up and
    output included) is divided by samples= of its --stats line and, with
    --threads, also by the number of stacks in its output. Median over the
    repetitions. The geometric mean over the six configurations is of the
    CPU per stack (per sample with one thread), which compares across
    profilers: each writes one stack per thread and sample.
 2. Peak rate: samples= / wall seconds of a run at -r 0.000001 (the smallest
    interval pyflame accepts), one thread at depth 10. The wall time includes
    start-up, so the figure errs low.
 3. Target slowdown at 100 Hz, 1 kHz and 10 kHz: job.py's own elapsed time
    with pyflame attached, divided by the elapsed time of the run without it
    just before (runs interleaved), minus one; median over the repetitions.
    pyflame is started with a long -s, given SETTLE_S to attach while the job
    waits for its go line (runs without it wait as long), and stopped with
    SIGINT once the job has finished.
 4. Time the target is held stopped per sample (stopped_us_* of --stats), at
    depth 50 in default mode: median and p99 are medians over the runs of
    figure 1, max is the largest.
 5. Peak RSS of pyflame against 32 threads at 1 kHz, --threads: the largest
    VmHWM of /proc/PID/status, read every TICK_S while it runs. (ru_maxrss
    would not do: Linux carries the RSS this program had at fork through
    exec into the child's figure.)
 6. Time to first sample: wall time of `pyflame -s 0` against idle.py, from
    start to exit, median.
 7. Failed and retried samples: failed= and retries= over samples=, summed
    over the runs of figures 1 and 2.
 8. Validity on a stack that never holds still: recursion.py (a recursion
    17 deep rebuilt millions of times a second) at -r 0.001 for VALID_S
    seconds, --nonblocking and default mode, VALID_REPS runs summed: kept %
    (samples - failed, over samples), torn % (stacks written that cannot be
    real: not rooted at <module> -> main, or with more than 17 frames of
    sum_up_to or another function above it, over the stacks written), and
    pyflame's CPU per kept sample (median of the runs).

--compare runs another profiler on the same targets, for figures 1, 2, 3
and 7. --compare-samples is a regular expression whose group "samples" (and,
if it has one, "failed") reads its sample count (and failed samples) from the
last match in its standard error, else its standard output; for austin 3 in
pipe mode (-P, samples written to standard output) that is
'errors: (?P<failed>\d+)/(?P<samples>\d+)'. Without it the sample count is
unknown: its CPU is divided by the number of samples requested (seconds /
interval), and the peak rate and failed fraction are not measured. The
count must be of stacks written, one per thread and sample (austin's is).

--report FILE prints the report of a run saved with --json, measuring
nothing.

Goals are the project's performance goals (docs/performance.md). Those
relative to austin use the --compare profiler's figures when they were
measured in the same run, else austin's reference figures (measured
elsewhere, on a 2-vCPU VM).

Exit status: 0, 1 if a figure could not be taken, 2 for usage errors, 77 when
ptrace is not permitted.
"""

import argparse
import atexit
import json
import math
import os
import platform
import re
import select
import shlex
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TARGETS = os.path.join(HERE, "targets")
DEFAULT_PYFLAME = "src/pyflame"  # as seen from the build directory
DEBIAN_PYTHON = "/usr/bin/python3.11"
PYENV_VERSIONS = ("3.12.1", "3.13.0")

MODE_FLAGS = {"default": [], "nonblocking": ["--nonblocking"]}
COMPARE = "compare"
CPU_INTERVAL = 0.001
PEAK_INTERVAL = 0.000001
SLOWDOWN_HZ = (100, 1000, 10000)
JOB_DEPTH = 30
THREAD_DEPTH = 20
# (label, threads, depth, --threads)
CPU_CONFIGS = (("depth 10", 1, 10, False), ("depth 50", 1, 50, False),
               ("depth 200", 1, 200, False),
               ("1 thread", 1, THREAD_DEPTH, True),
               ("8 threads", 8, THREAD_DEPTH, True),
               ("32 threads", 32, THREAD_DEPTH, True))
SETTLE_S = 0.3          # for a profiler to attach before the job starts
READY_TIMEOUT_S = 30.0  # for a target to print "ready"
EXIT_MARGIN_S = 30.0    # beyond a profiler's -s before it counts as hung
TICK_S = 0.1            # how often a running profiler's VmHWM is read
LONG_RUN_S = 600        # -s of a profiler stopped by SIGINT

# Reference figures of austin on a 2-vCPU VM (docs/performance.md).
AUSTIN_CPU_US = {"depth 10": 33.0, "depth 50": 54.0, "depth 200": 120.0}
AUSTIN_PEAK_RATE = (128e3, 137e3)
GOAL_STOPPED_US = 60.0
GOAL_SLOWDOWN_PCT = {100: 1.0, 1000: 5.0}
GOAL_RSS_KIB = 2048
GOAL_STARTUP_MS = 2.0
GOAL_KEPT_PCT = {"3.11+": 99.0, "older": 95.0}

QUICK = {"cpu_s": 1.0, "cpu_reps": 1, "peak_s": 1.0, "peak_reps": 1,
         "job_iterations": 10000000, "job_reps": 3, "rss_s": 5.0,
         "startup_reps": 5, "valid_s": 1.0, "valid_reps": 1}
FULL = {"cpu_s": 3.0, "cpu_reps": 3, "peak_s": 3.0, "peak_reps": 3,
        "job_iterations": 30000000, "job_reps": 7, "rss_s": 60.0,
        "startup_reps": 21, "valid_s": 2.0, "valid_reps": 3}
FIGURES = ("startup", "cpu", "peak", "slowdown", "rss", "validity")

LIVE = set()  # every process started and not yet reaped


class BenchError(Exception):
    """A figure could not be taken; the message says why."""


class PtraceDenied(Exception):
    """pyflame may not attach to the targets on this machine."""


# ---------------------------------------------------------------- processes

def kill_all():
    for proc in list(LIVE):
        os.kill(proc.pid, signal.SIGKILL)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        LIVE.discard(proc)


def on_sigterm(signum, frame):
    raise SystemExit(128 + signum)


def spawn(argv, **kwargs):
    try:
        proc = subprocess.Popen(argv, **kwargs)
    except OSError as e:
        raise BenchError("cannot run %s: %s" % (argv[0], e))
    LIVE.add(proc)
    return proc


# Popen.poll(), .kill() and .send_signal() may reap the process and lose its
# rusage, so processes are signalled and reaped here only, with their PID.

def signal_proc(proc, sig):
    """Signal proc unless reaped; an exited, unreaped one keeps its PID."""
    if proc in LIVE:
        os.kill(proc.pid, sig)


def exit_status(proc):
    """proc's exit status if it has exited, else None; it stays unreaped."""
    info = os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    if info is None:
        return None
    return info.si_status if info.si_code == os.CLD_EXITED else -info.si_status


def wait_rusage(proc, timeout, tick=None):
    """Reap proc within timeout seconds, calling tick() every TICK_S while it
    runs. Returns its rusage and sets proc.returncode."""
    deadline = time.monotonic() + timeout
    fd = os.pidfd_open(proc.pid)
    try:
        while not select.select([fd], [], [], TICK_S)[0]:
            if time.monotonic() > deadline:
                raise BenchError("%s did not exit within %.0f s"
                                 % (os.path.basename(proc.args[0]), timeout))
            if tick:
                tick()
    finally:
        os.close(fd)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    LIVE.discard(proc)
    return usage


def vm_hwm_kib(pid):
    """The peak RSS of pid's current program, or 0 once it has exited."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def read_back(f):
    f.seek(0)
    return f.read().decode("utf-8", "replace")


class Target(object):
    """A target script on the interpreter under test, ready once built."""

    def __init__(self, ctx, script, *args):
        argv = [ctx.python, os.path.join(TARGETS, script)]
        argv += [str(a) for a in args]
        self.err = tempfile.TemporaryFile()
        self.buf = b""
        self.proc = spawn(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          stderr=self.err, env=target_env(),
                          preexec_fn=ctx.pin_target)
        self.pid = self.proc.pid
        try:
            self.expect("ready", READY_TIMEOUT_S)
        except BenchError:
            self.close()
            raise

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        if self.proc in LIVE:
            signal_proc(self.proc, signal.SIGKILL)
            wait_rusage(self.proc, 10)
        self.proc.stdin.close()
        self.proc.stdout.close()
        self.err.close()

    def failure(self, what):
        return BenchError("target %s %s (status %s)\n%s" % (
            " ".join(self.proc.args[1:]), what, exit_status(self.proc),
            read_back(self.err).rstrip()))

    def readline(self, timeout):
        deadline = time.monotonic() + timeout
        fd = self.proc.stdout.fileno()
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise self.failure("printed no line within %.0f s" % timeout)
            chunk = os.read(fd, 4096)
            if not chunk:
                raise self.failure("exited")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line.decode().strip()

    def expect(self, word, timeout):
        line = self.readline(timeout)
        if line != word:
            raise self.failure("printed %r instead of %r" % (line, word))

    def send(self, text):
        self.proc.stdin.write(text.encode())
        self.proc.stdin.flush()


def target_env():
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


class Finished(object):
    """What a profiler run left: status, times, peak RSS and output."""

    def __init__(self, status, wall_s, usage, hwm_kib, out, err):
        self.status = status
        self.wall_s = wall_s
        self.cpu_us = (usage.ru_utime + usage.ru_stime) * 1e6
        self.hwm_kib = hwm_kib
        self.out = out
        self.err = err


class Profiler(object):
    """A profiler process; its output goes to anonymous files."""

    def __init__(self, argv):
        self.out = tempfile.TemporaryFile()
        self.err = tempfile.TemporaryFile()
        self.hwm_kib = 0
        self.start = time.perf_counter()
        self.proc = spawn(argv, stdin=subprocess.DEVNULL, stdout=self.out,
                          stderr=self.err)

    def watch(self):
        self.hwm_kib = max(self.hwm_kib, vm_hwm_kib(self.proc.pid))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.proc in LIVE:
            signal_proc(self.proc, signal.SIGKILL)
            wait_rusage(self.proc, 10)
        self.out.close()
        self.err.close()

    def finish(self, timeout):
        try:
            usage = wait_rusage(self.proc, timeout, self.watch)
        except BenchError as e:
            raise BenchError("%s\n%s" % (e, read_back(self.err).rstrip()))
        wall = time.perf_counter() - self.start
        return Finished(self.proc.returncode, wall, usage, self.hwm_kib,
                        read_back(self.out), read_back(self.err))

    def running(self):
        return exit_status(self.proc) is None

    def interrupt(self):
        signal_proc(self.proc, signal.SIGINT)


def command_text(argv):
    return " ".join(shlex.quote(a) for a in argv)


def check_exit(argv, fin, statuses=(0,)):
    if fin.status not in statuses:
        raise BenchError("`%s` exited with status %d:\n%s"
                         % (command_text(argv), fin.status, fin.err.rstrip()))


# ---------------------------------------------------------------- pyflame

STATS_PREFIX = "pyflame: stats:"
STATS_KEYS = ("samples", "idle", "failed", "late", "retries",
              "stopped_us_median", "stopped_us_p99", "stopped_us_max")


def parse_stats(argv, fin):
    lines = [l for l in fin.err.splitlines() if l.startswith(STATS_PREFIX)]
    if not lines:
        raise BenchError("`%s` printed no '%s' line; stderr:\n%s" % (
            command_text(argv), STATS_PREFIX, fin.err.rstrip()))
    stats = {}
    for word in lines[-1][len(STATS_PREFIX):].split():
        key, _, value = word.partition("=")
        try:
            stats[key] = float(value)
        except ValueError:
            pass  # a key this program does not read
    missing = [k for k in STATS_KEYS if k not in stats]
    if missing:
        raise BenchError("stats line without %s: %s"
                         % (", ".join(missing), lines[-1]))
    return stats


def count_stacks(collapsed):
    """Stacks in a collapsed profile; idle and failed are not stacks."""
    total = 0
    for line in collapsed.splitlines():
        stack, _, count = line.rpartition(" ")
        if stack not in ("(idle)", "(failed)"):
            total += int(count)
    return total


class Pyflame(object):
    """The pyflame under test and which of the options it knows."""

    def __init__(self, path):
        self.path = path
        self.missing = set()  # options it rejected
        self.version = self.version_line()

    def version_line(self):
        try:
            r = subprocess.run([self.path, "-v"], capture_output=True,
                               timeout=10, text=True)
        except (OSError, subprocess.TimeoutExpired) as e:
            raise BenchError("cannot run %s: %s" % (self.path, e))
        if r.returncode != 0:
            raise BenchError("%s -v exited %d: %s"
                             % (self.path, r.returncode, r.stderr))
        return r.stdout.strip()

    def options(self, mode, stats):
        """The options of mode, and --stats if asked; an error if pyflame
        lacks one."""
        opts = MODE_FLAGS[mode] + (["--stats"] if stats else [])
        lacking = [o for o in opts if o in self.missing]
        if lacking:
            raise BenchError("this pyflame has no %s option"
                             % " or ".join(lacking))
        return opts

    def argv(self, mode, pid, seconds, interval=None, threads=False,
             stats=True):
        argv = [self.path, "-s", "%g" % seconds] + self.options(mode, stats)
        if interval is not None:
            argv += ["-r", "%.6f" % interval]
        if threads:
            argv.append("--threads")
        return argv + ["-p", str(pid)]

    def one_sample(self, pid, *opts):
        argv = [self.path, "-s", "0"] + list(opts) + ["-p", str(pid)]
        try:
            r = subprocess.run(argv, capture_output=True, text=True,
                               timeout=EXIT_MARGIN_S)
        except subprocess.TimeoutExpired:
            raise BenchError("`%s` did not exit" % command_text(argv))
        if "Failed to seize" in r.stderr and "not permitted" in r.stderr:
            raise PtraceDenied(r.stderr.strip())
        return argv, r

    def probe(self, pid):
        """Learn which options pyflame lacks; fail if it cannot profile pid."""
        argv, r = self.one_sample(pid)
        if r.returncode != 0:
            raise BenchError("`%s` exited with status %d:\n%s" % (
                command_text(argv), r.returncode, r.stderr.rstrip()))
        for opt in ("--stats", "--nonblocking"):
            stderr = self.one_sample(pid, opt)[1].stderr
            if "unrecognized option '%s'" % opt in stderr:
                self.missing.add(opt)


# ---------------------------------------------------------------- runs

def compare_argv(template, pid, interval, seconds):
    values = {"pid": pid, "interval_us": int(round(interval * 1e6)),
              "interval_s": "%g" % interval, "seconds": "%g" % seconds}
    try:
        return [w.format(**values) for w in shlex.split(template)]
    except (KeyError, IndexError, ValueError) as e:
        raise BenchError("bad --compare command %r: %s" % (template, e))


def pyflame_run(ctx, mode, target, seconds, interval, threads=False):
    """One timed pyflame run with --stats; returns its figures."""
    argv = ctx.pyflame.argv(mode, target.pid, seconds, interval, threads)
    with Profiler(argv) as prof:
        fin = prof.finish(seconds + EXIT_MARGIN_S)
    check_exit(argv, fin)
    stats = parse_stats(argv, fin)
    if stats["samples"] == 0:
        raise BenchError("`%s` took no samples" % command_text(argv))
    return {"cpu_us": fin.cpu_us, "wall_s": fin.wall_s,
            "hwm_kib": fin.hwm_kib, "stacks": count_stacks(fin.out),
            "stats": stats}


def compare_counts(ctx, argv, fin):
    """(samples, failed) of a compared run, from --compare-samples; None
    without it."""
    if ctx.compare_samples is None:
        return None
    for text in (fin.err, fin.out):
        matches = list(ctx.compare_samples.finditer(text))
        if matches:
            m = matches[-1].groupdict()
            return int(m["samples"]), int(m.get("failed") or 0)
    raise BenchError("`%s` printed nothing that --compare-samples matches; "
                     "stderr:\n%s" % (command_text(argv), fin.err.rstrip()))


def compare_run(ctx, target, seconds, interval):
    argv = compare_argv(ctx.compare, target.pid, interval, seconds)
    with Profiler(argv) as prof:
        fin = prof.finish(seconds + EXIT_MARGIN_S)
    check_exit(argv, fin)
    run = {"cpu_us": fin.cpu_us, "wall_s": fin.wall_s,
           "requested_samples": seconds / interval}
    counts = compare_counts(ctx, argv, fin)
    if counts is not None:
        if counts[0] == 0:
            raise BenchError("`%s` took no samples" % command_text(argv))
        run["samples"], run["failed"] = counts
    return run


def run_job(job, iterations):
    """Let job.py start its job; returns the elapsed seconds it prints."""
    job.send("go\n")
    line = job.readline(READY_TIMEOUT_S + iterations / 1e5)
    try:
        return float(line)
    except ValueError:
        raise job.failure("printed %r instead of its elapsed time" % line)


def job_elapsed(ctx, iterations, profiler_argv=None, statuses=None):
    """job.py's own elapsed seconds, under the profiler that
    profiler_argv(pid) starts if given; its exit status once interrupted
    must be among statuses (None: any)."""
    with Target(ctx, "job.py", iterations, JOB_DEPTH) as job:
        if profiler_argv is None:
            time.sleep(SETTLE_S)  # as long as a profiled run waits
            return run_job(job, iterations)
        argv = profiler_argv(job.pid)
        with Profiler(argv) as prof:
            time.sleep(SETTLE_S)
            if not prof.running():
                fin = prof.finish(1)
                raise BenchError("`%s` exited (status %d) before the job "
                                 "started:\n%s" % (command_text(argv),
                                                    fin.status,
                                                    fin.err.rstrip()))
            elapsed = run_job(job, iterations)
            prof.interrupt()
            fin = prof.finish(EXIT_MARGIN_S)
    if statuses is not None:
        check_exit(argv, fin, statuses)
    return elapsed


def interleaved(ctx, columns, reps, run_one):
    """run_one(column) for every column, columns interleaved within each
    repetition. Returns {column: [result, ...]} and {column: error number};
    a column whose run fails is not run again."""
    runs = {c: [] for c in columns}
    errors = {}
    for _ in range(reps):
        for col in columns:
            if col in errors:
                continue
            try:
                runs[col].append(run_one(col))
            except BenchError as e:
                errors[col] = ctx.error(e)
    return runs, errors


# ---------------------------------------------------------------- figures

def summarize_pyflame(runs):
    """Medians of CPU-per-sample runs, plus failed, retry and stop figures."""
    samples = sum(r["stats"]["samples"] for r in runs)

    def stat(key):
        return [r["stats"][key] for r in runs]
    return {
        "cpu_us_per_sample": statistics.median(
            r["cpu_us"] / r["stats"]["samples"] for r in runs),
        "cpu_us_per_stack": statistics.median(
            r["cpu_us"] / max(r["stacks"], 1) for r in runs),
        "failed_fraction": sum(stat("failed")) / samples,
        "retries_per_sample": sum(stat("retries")) / samples,
        "stopped_us_median": statistics.median(stat("stopped_us_median")),
        "stopped_us_p99": statistics.median(stat("stopped_us_p99")),
        "stopped_us_max": max(stat("stopped_us_max")),
        "runs": runs,
    }


def summarize_compare(runs):
    """The compared profiler's CPU per sample: per sample taken when its
    count is known ("counted"), else per sample requested."""
    counted = all("samples" in r for r in runs)
    key = "samples" if counted else "requested_samples"
    cell = {"cpu_us_per_sample": statistics.median(
        r["cpu_us"] / r[key] for r in runs), "counted": counted,
        "runs": runs}
    if counted:
        cell["failed_fraction"] = (sum(r["failed"] for r in runs)
                                   / sum(r["samples"] for r in runs))
    return cell


def cells(runs, errors, summarize):
    """{column: summarize(column, runs)}, or {"error": number} for a column
    whose run failed."""
    out = {}
    for col, col_runs in runs.items():
        if col in errors:
            out[col] = {"error": errors[col]}
        elif col_runs:
            out[col] = summarize(col, col_runs)
    return out


def summarize_cpu(col, runs):
    if col == COMPARE:
        return summarize_compare(runs)
    return summarize_pyflame(runs)


def spin_cells(ctx, columns, shape, reps, run_one, summarize):
    """Run run_one(column, target) against spin.py with shape (threads,
    depth), interleaved; returns {column: cell}. A target that does not
    start is an error in every column."""
    try:
        with Target(ctx, "spin.py", *shape) as target:
            runs, errors = interleaved(ctx, columns, reps,
                                       lambda col: run_one(col, target))
    except BenchError as e:
        number = ctx.error(e)
        return {c: {"error": number} for c in columns}
    return cells(runs, errors, summarize)


def cpu_figures(ctx):
    """Figures 1, 4 and 7: {config label: {column: cell}}."""
    secs, reps = ctx.plan["cpu_s"], ctx.plan["cpu_reps"]
    result = {}
    for label, nthreads, depth, threads in CPU_CONFIGS:
        def one(col, target):
            if col == COMPARE:
                return compare_run(ctx, target, secs, CPU_INTERVAL)
            return pyflame_run(ctx, col, target, secs, CPU_INTERVAL, threads)
        result[label] = spin_cells(ctx, ctx.columns, (nthreads, depth), reps,
                                   one, summarize_cpu)
    return result


def peak_rate(ctx):
    """Figure 2: {mode: cell} with samples_per_s."""
    secs = ctx.plan["peak_s"]

    def summarize(col, rs):
        cell = summarize_cpu(col, rs)
        cell["samples_per_s"] = statistics.median(
            (r["samples"] if col == COMPARE else r["stats"]["samples"])
            / r["wall_s"] for r in rs)
        return cell

    def one(col, target):
        if col == COMPARE:
            return compare_run(ctx, target, secs, PEAK_INTERVAL)
        return pyflame_run(ctx, col, target, secs, PEAK_INTERVAL)
    return spin_cells(ctx, ctx.counted_columns, (1, 10),
                      ctx.plan["peak_reps"], one, summarize)


def slowdown(ctx):
    """Figure 3: {hz: {column: cell}} with slowdown_pct."""
    n = ctx.plan["job_iterations"]
    result = {}
    for hz in SLOWDOWN_HZ:
        def attached(col):
            if col == COMPARE:
                return lambda pid: compare_argv(ctx.compare, pid, 1.0 / hz,
                                                LONG_RUN_S)
            return lambda pid: ctx.pyflame.argv(col, pid, LONG_RUN_S, 1.0 / hz,
                                                stats=False)

        def one(col):
            argv = attached(col)
            # pyflame ends with 0 on SIGINT; the compared one as it likes
            statuses = None if col == COMPARE else (0,)
            if col != COMPARE:
                ctx.pyflame.options(col, stats=False)  # before the baseline
            base = job_elapsed(ctx, n)
            return {"without_s": base,
                    "with_s": job_elapsed(ctx, n, argv, statuses)}
        runs, errors = interleaved(ctx, ctx.columns, ctx.plan["job_reps"], one)
        result[hz] = cells(runs, errors, lambda col, rs: {
            "slowdown_pct": 100 * (statistics.median(
                r["with_s"] / r["without_s"] for r in rs) - 1), "runs": rs})
    return result


def peak_rss(ctx):
    """Figure 5: {mode: cell} with hwm_kib."""
    secs = ctx.plan["rss_s"]
    return spin_cells(
        ctx, ctx.modes, (32, THREAD_DEPTH), 1,
        lambda mode, target: pyflame_run(ctx, mode, target, secs, CPU_INTERVAL,
                                         True),
        lambda col, rs: {"hwm_kib": rs[0]["hwm_kib"], "runs": rs})


def startup(ctx, target):
    """Figure 6: {mode: cell} with ms, the median wall time of -s 0."""
    def one(mode):
        argv = ctx.pyflame.argv(mode, target.pid, 0, stats=False)
        with Profiler(argv) as prof:
            fin = prof.finish(EXIT_MARGIN_S)
        check_exit(argv, fin)
        return fin.wall_s * 1e3
    runs, errors = interleaved(ctx, ctx.modes, ctx.plan["startup_reps"], one)
    return cells(runs, errors, lambda col, rs: {"ms": statistics.median(rs),
                                                "runs_ms": rs})


RECURSION_DEPTH = 17


def torn_stack(line):
    """Whether a collapsed line of recursion.py cannot be a real stack."""
    stack = line.rpartition(" ")[0]
    if stack in ("(idle)", "(failed)"):
        return False
    funcs = [frame.split(":")[-2 if frame.count(":") >= 2 else -1]
             for frame in stack.split(";")]
    rest = funcs[2:]
    return funcs[:2] != ["<module>", "main"] or len(rest) > RECURSION_DEPTH \
        or any(f != "sum_up_to" for f in rest)


def validity_run(ctx, mode, target):
    argv = ctx.pyflame.argv(mode, target.pid, ctx.plan["valid_s"], CPU_INTERVAL)
    with Profiler(argv) as prof:
        fin = prof.finish(ctx.plan["valid_s"] + EXIT_MARGIN_S)
    check_exit(argv, fin)
    stats = parse_stats(argv, fin)
    torn = sum(int(l.rpartition(" ")[2]) for l in fin.out.splitlines()
               if torn_stack(l))
    return {"cpu_us": fin.cpu_us, "samples": stats["samples"],
            "failed": stats["failed"], "retries": stats["retries"],
            "written": count_stacks(fin.out), "torn": torn}


def validity(ctx):
    """Figure 8: {mode: cell} with kept_pct, torn_pct, cpu_us_per_kept."""
    def summarize(col, rs):
        samples = sum(r["samples"] for r in rs)
        kept = samples - sum(r["failed"] for r in rs)
        return {"kept_pct": 100.0 * kept / max(samples, 1),
                "torn_pct": 100.0 * sum(r["torn"] for r in rs)
                / max(sum(r["written"] for r in rs), 1),
                "cpu_us_per_kept": statistics.median(
                    r["cpu_us"] / max(r["samples"] - r["failed"], 1)
                    for r in rs),
                "retries_per_sample": sum(r["retries"] for r in rs)
                / max(samples, 1), "runs": rs}
    try:
        with Target(ctx, "recursion.py") as target:
            runs, errors = interleaved(
                ctx, ctx.modes, ctx.plan["valid_reps"],
                lambda mode: validity_run(ctx, mode, target))
    except BenchError as e:
        number = ctx.error(e)
        return {c: {"error": number} for c in ctx.modes}
    return cells(runs, errors, summarize)


def interpreter_figures(ctx):
    """The figures asked for (ctx.figures) for ctx.python; errors are
    recorded in ctx."""
    result = {}
    with Target(ctx, "idle.py") as idle:
        ctx.pyflame.probe(idle.pid)
        if "startup" in ctx.figures:
            result["startup"] = startup(ctx, idle)
    steps = (("cpu", cpu_figures), ("peak", peak_rate), ("slowdown", slowdown),
             ("rss", peak_rss), ("validity", validity))
    for name, measure in steps:
        if name in ctx.figures:
            result[name] = measure(ctx)
    return result


# ---------------------------------------------------------------- context

class Context(object):
    """Settings of the run, the interpreter under test and its errors."""

    def __init__(self, args, pyflame, cpus):
        self.pyflame = pyflame
        self.plan = QUICK if args.quick else FULL
        self.modes = (["default", "nonblocking"] if args.mode == "both"
                      else [args.mode])
        self.compare = args.compare
        self.compare_samples = (re.compile(args.compare_samples)
                                if args.compare_samples else None)
        self.columns = self.modes + ([COMPARE] if args.compare else [])
        # the columns whose sample counts are known
        self.counted_columns = self.modes + (
            [COMPARE] if self.compare_samples else [])
        self.cpus = cpus  # (target CPU, profiler CPU) or None
        self.figures = args.only.split(",") if args.only else FIGURES
        self.python = None
        self.errors = []

    def error(self, exc):
        """The number of exc's message in the list of errors."""
        text = str(exc)
        if text not in self.errors:
            self.errors.append(text)
        return self.errors.index(text) + 1

    def pin_target(self):
        if self.cpus:
            os.sched_setaffinity(0, {self.cpus[0]})


def choose_cpus():
    """(target CPU, profiler CPU) among the allowed ones, or None."""
    allowed = sorted(os.sched_getaffinity(0))
    if len(allowed) < 2:
        return None
    os.sched_setaffinity(0, {allowed[1]})  # profilers inherit it
    return allowed[0], allowed[1]


def default_pythons():
    """The default interpreters: (those found, those missing)."""
    root = pyenv_root() or "(no pyenv root)"
    paths = [DEBIAN_PYTHON] + [
        os.path.join(root, "versions", v, "bin",
                     "python" + v.rsplit(".", 1)[0])
        for v in PYENV_VERSIONS]
    found = [p for p in paths if os.access(p, os.X_OK)]
    return found, [p for p in paths if p not in found]


def pyenv_root():
    try:
        r = subprocess.run(["pyenv", "root"], capture_output=True, text=True,
                           timeout=10)
        if r.returncode == 0 and r.stdout.strip():
            return r.stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        pass
    return os.environ.get("PYENV_ROOT")


def python_version(path):
    code = "import sys; sys.stdout.write(sys.version.split()[0])"
    try:
        r = subprocess.run([path, "-c", code], capture_output=True, text=True,
                           timeout=30, env=target_env())
    except (OSError, subprocess.TimeoutExpired) as e:
        raise BenchError("cannot run %s: %s" % (path, e))
    if r.returncode != 0:
        raise BenchError("%s exited %d: %s" % (path, r.returncode, r.stderr))
    return r.stdout.strip()


def machine():
    model = "unknown CPU"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {"cpu": model, "nproc": os.cpu_count(),
            "allowed_cpus": len(os.sched_getaffinity(0)),
            "kernel": platform.release(), "loadavg_start": loadavg()}


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


# ---------------------------------------------------------------- report

LABEL_W = 30
COL_W = 15


def cell_text(cell, fmt, key):
    if cell is None:
        return "-"
    if "error" in cell:
        return "error [%d]" % cell["error"]
    return fmt % cell[key]


def row(ctx, label, texts, goal=""):
    line = "  %-*s" % (LABEL_W, label)
    line += "".join("%-*s" % (COL_W, texts.get(c, "")) for c in ctx.columns)
    return (line + goal).rstrip()


def verdict(cells_by_col, key, ok, cols):
    """'met'/'not met' per column in cols that has a figure."""
    parts = []
    for col in cols:
        cell = cells_by_col.get(col)
        if cell and "error" not in cell:
            parts.append("%s%s" % (col + " " if len(cols) > 1 else "",
                                   "met" if ok(cell[key]) else "not met"))
    return ", ".join(parts) or "no figure"


def measured(by_col, key):
    """The compared profiler's figure key in by_col, or None."""
    cell = by_col.get(COMPARE)
    if cell is None or "error" in cell:
        return None
    return cell.get(key)


def per_stack(col, cell, threads):
    """CPU per stack written: what compares across profilers, as each
    writes one stack per thread and sample (the compared profiler's count
    must be of stacks too: austin's is)."""
    if cell is None or "error" in cell:
        return None
    if col == COMPARE:
        return cell["cpu_us_per_sample"] if cell.get("counted") else None
    return cell["cpu_us_per_stack" if threads else "cpu_us_per_sample"]


def cpu_goal(ctx, label, threads, by_col):
    """A row's part of the goal: half of austin's CPU per stack, in the
    geometric mean. Against a compared profiler, the row's ratio; else,
    for the depth rows, against austin's reference figures."""
    if "nonblocking" not in ctx.columns:
        return ""
    ours = per_stack("nonblocking", by_col.get("nonblocking"), threads)
    theirs = per_stack(COMPARE, by_col.get(COMPARE), threads)
    if ours is None:
        return ""
    if theirs is not None:
        return "nonblocking/compared %.2f" % (ours / theirs)
    if label not in AUSTIN_CPU_US:
        return ""
    limit = 0.5 * AUSTIN_CPU_US[label]
    return "nonblocking <= %.1f us (0.5 x austin's %g us, reference): %s" % (
        limit, AUSTIN_CPU_US[label], "met" if ours <= limit else "not met")


def cpu_texts(by_col, threads):
    texts = {}
    for col, cell in by_col.items():
        if col == COMPARE:
            texts[col] = cell_text(cell, "%.1f us" if cell.get("counted")
                                   else "%.1f us/req", "cpu_us_per_sample")
        elif threads and "error" not in cell:
            texts[col] = "%.1f/%.1f us" % (cell["cpu_us_per_sample"],
                                           cell["cpu_us_per_stack"])
        else:
            texts[col] = cell_text(cell, "%.1f us", "cpu_us_per_sample")
    return texts


def geomeans(cpu):
    """{column: geometric mean of CPU per stack over the configurations}."""
    means = {}
    for col in set(c for by_col in cpu.values() for c in by_col):
        values = [per_stack(col, cpu[label].get(col), threads)
                  for label, _, _, threads in CPU_CONFIGS]
        if all(values):
            means[col] = math.exp(sum(math.log(v) for v in values)
                                  / len(values))
    return means


def geomean_goal(means):
    if "nonblocking" not in means or COMPARE not in means:
        return ""
    ratio = means["nonblocking"] / means[COMPARE]
    return "nonblocking/compared %.2f, <= 0.5: %s" % (
        ratio, "met" if ratio <= 0.5 else "not met")


def report_cpu(ctx, cpu):
    lines = ["1. CPU per sample (-r %g, %g s, median of %d)"
             % (CPU_INTERVAL, ctx.plan["cpu_s"], ctx.plan["cpu_reps"])]
    for label, _, _, threads in CPU_CONFIGS:
        if threads and label == "1 thread":
            lines.append("  --threads, depth %d: per sample/per stack"
                         % THREAD_DEPTH)
        by_col = cpu[label]
        lines.append(row(ctx, label, cpu_texts(by_col, threads),
                         cpu_goal(ctx, label, threads, by_col)))
    means = geomeans(cpu)
    lines.append(row(ctx, "geometric mean, per stack",
                     {c: "%.1f us" % v for c, v in means.items()},
                     geomean_goal(means)))
    return lines


def report_peak(ctx, peak):
    compared = measured(peak, "samples_per_s")
    if compared is not None:
        low = 2 * compared
        source = "2 x compared, measured"
    else:
        low = 2 * AUSTIN_PEAK_RATE[1]
        source = "2 x austin's %.0f-%.0f k/s, reference" % (
            AUSTIN_PEAK_RATE[0] / 1e3, AUSTIN_PEAK_RATE[1] / 1e3)
    goal = ">= %.0f k/s (%s): %s" % (low / 1e3, source, verdict(
        peak, "samples_per_s", lambda v: v >= low, ctx.modes))
    texts = {}
    for c in ctx.counted_columns:
        cell = peak.get(c)
        texts[c] = ("%.1f k/s" % (cell["samples_per_s"] / 1e3)
                    if cell and "error" not in cell
                    else cell_text(cell, "", ""))
    return ["2. peak rate (-r %g, depth 10, median of %d)"
            % (PEAK_INTERVAL, ctx.plan["peak_reps"]),
            row(ctx, "samples per wall second", texts, goal)]


def report_slowdown(ctx, slow):
    lines = ["3. target slowdown (job.py, %d iterations, median of %d)"
             % (ctx.plan["job_iterations"], ctx.plan["job_reps"])]
    for hz in SLOWDOWN_HZ:
        by_col = slow[hz]
        texts = {c: cell_text(by_col.get(c), "%+.1f %%", "slowdown_pct")
                 for c in ctx.columns}
        goal = ""
        if hz in GOAL_SLOWDOWN_PCT:
            limit = GOAL_SLOWDOWN_PCT[hz]
            goal = "<= %g %%: %s" % (limit, verdict(
                by_col, "slowdown_pct", lambda v: v <= limit, ctx.modes))
        lines.append(row(ctx, "%g Hz" % hz, texts, goal))
    return lines


def report_stopped(ctx, cpu):
    cell = cpu["depth 50"].get("default")
    head = "4. time stopped per sample, depth 50, default mode"
    if cell is None:
        return [head, "  (default mode not measured)"]
    if "error" in cell:
        return [head, "  error [%d]" % cell["error"]]
    return [head, "  median %.1f us, p99 %.1f us, max %.1f us   <= %g us "
            "(median): %s" % (
                cell["stopped_us_median"], cell["stopped_us_p99"],
                cell["stopped_us_max"], GOAL_STOPPED_US,
                "met" if cell["stopped_us_median"] <= GOAL_STOPPED_US
                else "not met")]


def report_rss(ctx, rss):
    texts = {c: cell_text(rss.get(c), "%.0f KiB", "hwm_kib")
             for c in ctx.modes}
    goal = "<= 2 MiB: %s" % verdict(rss, "hwm_kib",
                                    lambda v: v <= GOAL_RSS_KIB, ctx.modes)
    return ["5. peak RSS (32 threads, --threads, -r %g, %g s)"
            % (CPU_INTERVAL, ctx.plan["rss_s"]),
            row(ctx, "VmHWM of pyflame", texts, goal)]


def report_startup(ctx, start):
    texts = {c: cell_text(start.get(c), "%.2f ms", "ms") for c in ctx.modes}
    goal = "<= %g ms: %s" % (GOAL_STARTUP_MS, verdict(
        start, "ms", lambda v: v <= GOAL_STARTUP_MS, ctx.modes))
    return ["6. time to first sample (-s 0 against idle.py, median of %d)"
            % ctx.plan["startup_reps"],
            row(ctx, "wall time", texts, goal)]


def report_failed(ctx, figures):
    lines = ["7. failed % / retries per sample (summed over the runs; "
             "compared: failed %)"]
    sources = [(config[0], figures["cpu"][config[0]])
               for config in CPU_CONFIGS]
    sources.append(("peak rate", figures["peak"]))
    for label, by_col in sources:
        texts = {}
        for c in ctx.counted_columns:
            cell = by_col.get(c)
            if cell is None or "error" in cell:
                texts[c] = cell_text(cell, "", "")
            elif c == COMPARE:
                texts[c] = "%.2f%%" % (100 * cell["failed_fraction"])
            else:
                texts[c] = "%.2f%% / %.3f" % (100 * cell["failed_fraction"],
                                               cell["retries_per_sample"])
        lines.append(row(ctx, label, texts))
    return lines


def report_validity(ctx, version, valid):
    goal = GOAL_KEPT_PCT["3.11+" if version_tuple(version) >= (3, 11)
                         else "older"]
    lines = ["8. a stack that never holds still (recursion.py, -r %g, %g s, "
             "%d runs)" % (CPU_INTERVAL, ctx.plan["valid_s"],
                           ctx.plan["valid_reps"])]
    for key, label, fmt in (("kept_pct", "kept %", "%.1f %%"),
                            ("torn_pct", "torn %", "%.2f %%"),
                            ("retries_per_sample", "retries per sample",
                             "%.2f"),
                            ("cpu_us_per_kept", "CPU per kept sample",
                             "%.1f us")):
        texts = {c: cell_text(valid.get(c), fmt, key) for c in ctx.modes}
        mark = ""
        if key == "kept_pct" and "nonblocking" in ctx.modes:
            mark = ">= %g %% (nonblocking): %s" % (goal, verdict(
                valid, key, lambda v: v >= goal, ["nonblocking"]))
        elif key == "torn_pct":
            mark = "0: %s" % verdict(valid, key, lambda v: v == 0, ctx.modes)
        lines.append(row(ctx, label, texts, mark))
    return lines


def version_tuple(version):
    try:
        return tuple(int(x) for x in version.split(".")[:2])
    except ValueError:
        return (0, 0)


def report_interpreter(ctx, version, figures):
    head = "== Python %s (%s) " % (version, ctx.python)
    lines = [head + "=" * max(0, 78 - len(head))]
    if figures:
        lines.append(row(ctx, "", {c: c for c in ctx.columns}, "goal"))
        parts = (("cpu", lambda f: report_cpu(ctx, f["cpu"])),
                 ("peak", lambda f: report_peak(ctx, f["peak"])),
                 ("slowdown", lambda f: report_slowdown(ctx, f["slowdown"])),
                 ("cpu", lambda f: report_stopped(ctx, f["cpu"])),
                 ("rss", lambda f: report_rss(ctx, f["rss"])),
                 ("startup", lambda f: report_startup(ctx, f["startup"])),
                 ("peak", lambda f: report_failed(ctx, f)),
                 ("validity", lambda f: report_validity(ctx, version,
                                                        f["validity"])))
        for name, part in parts:
            if name in figures and (name != "peak" or "cpu" in figures):
                lines += part(figures)
    for i, err in enumerate(ctx.errors, 1):
        lines.append("error [%d]: %s" % (i, err.replace("\n", "\n    ")))
    return "\n".join(lines) + "\n"


def report_header(ctx, mach, args):
    pin = ("targets pinned to CPU %d, pyflame (and this program) to CPU %d"
           % ctx.cpus if ctx.cpus else "fewer than 2 CPUs: nothing pinned")
    lines = ["pyflame benchmark (%s run)"
             % ("quick" if args.quick else "full"),
             "machine: %s; %d CPUs (%d allowed); kernel %s; load average %s"
             % (mach["cpu"], mach["nproc"], mach["allowed_cpus"],
                mach["kernel"], mach["loadavg_start"]),
             pin,
             "pyflame: %s (%s)" % (ctx.pyflame.path, ctx.pyflame.version),
             "modes: %s" % ", ".join(ctx.modes)]
    if ctx.compare and ctx.compare_samples:
        lines.append("compare: `%s`, samples counted by /%s/" % (
            ctx.compare, ctx.compare_samples.pattern))
    elif ctx.compare:
        lines.append("compare: `%s`: CPU per *requested* sample (us/req: "
                     "its sample count is unknown), slowdown" % ctx.compare)
    lines.append("goals: docs/performance.md; %s" % (
        "relative to the compared profiler, measured here" if ctx.compare
        else "austin figures are reference figures (2-vCPU VM), not "
        "measured here"))
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- main

def parse_args(argv):
    p = argparse.ArgumentParser(description="Measure pyflame's overhead.")
    p.add_argument("--pyflame", default=DEFAULT_PYFLAME,
                   help="the pyflame binary (default: %(default)s)")
    p.add_argument("--python", action="append", metavar="PATH",
                   help="interpreter for the targets (repeatable; default: "
                        "%s and pyenv's %s)" % (DEBIAN_PYTHON,
                                                " and ".join(PYENV_VERSIONS)))
    p.add_argument("--quick", action="store_true",
                   help="short runs: a smoke check")
    p.add_argument("--mode", choices=("default", "nonblocking", "both"),
                   default="both")
    p.add_argument("--compare", metavar="CMD",
                   help="another profiler, with {pid} {interval_us} "
                        "{interval_s} {seconds}")
    p.add_argument("--compare-samples", metavar="REGEX",
                   help="reads the compared profiler's sample count: group "
                        "'samples', optional group 'failed'")
    p.add_argument("--report", metavar="FILE",
                   help="print the report of a run saved with --json, and "
                        "measure nothing")
    p.add_argument("--json", metavar="FILE",
                   help="also write the figures here")
    p.add_argument("--only", metavar="FIGURES",
                   help="measure only these, comma-separated: %s"
                   % ",".join(FIGURES))
    args = p.parse_args(argv)
    if args.only and not set(args.only.split(",")) <= set(FIGURES):
        p.error("--only takes some of %s" % ",".join(FIGURES))
    if args.compare:
        try:
            compare_argv(args.compare, 1, CPU_INTERVAL, 1)
        except BenchError as e:
            p.error(str(e))
    if args.compare_samples:
        if not args.compare:
            p.error("--compare-samples needs --compare")
        try:
            groups = re.compile(args.compare_samples).groupindex
        except re.error as e:
            p.error("bad --compare-samples: %s" % e)
        if "samples" not in groups:
            p.error("--compare-samples needs a group (?P<samples>...)")
    return args


def run_interpreter(ctx, python):
    ctx.python, ctx.errors = python, []
    entry = {"python": python}
    try:
        entry["version"] = python_version(python)
        entry["figures"] = interpreter_figures(ctx)
    except BenchError as e:
        ctx.error(e)
    entry["errors"] = ctx.errors
    sys.stdout.write("\n" + report_interpreter(
        ctx, entry.get("version", "?"), entry.get("figures")))
    sys.stdout.flush()
    return entry


def run(args):
    pythons, missing = (args.python, []) if args.python else default_pythons()
    if not pythons:
        raise BenchError("no interpreter found; give --python PATH")
    mach = machine()  # before choose_cpus() narrows this process's affinity
    ctx = Context(args, Pyflame(os.path.abspath(args.pyflame)), choose_cpus())
    sys.stdout.write(report_header(ctx, mach, args))
    if missing:
        print("not found, skipped: %s" % ", ".join(missing))
    sys.stdout.flush()
    entries = [run_interpreter(ctx, p) for p in pythons]
    mach["loadavg_end"] = loadavg()
    print("\nload average at end: %s" % mach["loadavg_end"])
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"machine": mach, "pyflame": ctx.pyflame.version,
                       "plan": ctx.plan, "modes": ctx.modes,
                       "compare": ctx.compare,
                       "compare_samples": args.compare_samples,
                       "interpreters": entries},
                      f, indent=1, sort_keys=True)
    return 1 if any(e["errors"] for e in entries) else 0


def saved_figures(figures):
    """Figures as saved in JSON, whose keys are strings: slowdown rates
    back to numbers."""
    if figures and "slowdown" in figures:
        figures["slowdown"] = {int(hz): v
                               for hz, v in figures["slowdown"].items()}
    return figures


def report_saved(path):
    """Print the report of a run saved with --json."""
    try:
        with open(path) as f:
            saved = json.load(f)
    except (OSError, ValueError) as e:
        raise BenchError("cannot read %s: %s" % (path, e))
    mach, modes = saved["machine"], saved["modes"]
    compare = [COMPARE] if saved["compare"] else []
    ctx = argparse.Namespace(
        modes=modes, columns=modes + compare, plan=saved["plan"],
        counted_columns=modes + (compare if saved.get("compare_samples")
                                 else []))
    sys.stdout.write(
        "pyflame benchmark, saved run (%s)\nmachine: %s; %d CPUs; kernel %s; "
        "load average %s at start, %s at end\npyflame: %s\n"
        % ("quick" if saved["plan"] == QUICK else "full", mach["cpu"],
           mach["nproc"], mach["kernel"], mach["loadavg_start"],
           mach.get("loadavg_end", "?"), saved["pyflame"]))
    if saved["compare"]:
        sys.stdout.write("compare: `%s`, samples counted by /%s/\n"
                         % (saved["compare"], saved.get("compare_samples")))
    for entry in saved["interpreters"]:
        ctx.python, ctx.errors = entry["python"], entry["errors"]
        sys.stdout.write("\n" + report_interpreter(
            ctx, entry.get("version", "?"),
            saved_figures(entry.get("figures"))))
    return 0


def main(argv):
    if sys.version_info < (3, 9):
        sys.exit("bench.py needs Python 3.9 or later (os.pidfd_open)")
    args = parse_args(argv)
    if args.report:
        try:
            return report_saved(args.report)
        except BenchError as e:
            print("bench: %s" % e, file=sys.stderr)
            return 1
    atexit.register(kill_all)
    signal.signal(signal.SIGTERM, on_sigterm)
    # Even if started with SIGINT ignored: profilers must not inherit that,
    # as they are stopped with SIGINT.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        return run(args)
    except PtraceDenied as e:
        print("ptrace is not permitted here, so nothing can be measured:\n%s"
              % e, file=sys.stderr)
        return 77
    except BenchError as e:
        print("bench: %s" % e, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    finally:
        kill_all()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
