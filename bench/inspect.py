#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The goals of the inspection features, measured through pyflame itself:

  dump  pyflame -d --locals on a target of 32 threads parked 50 frames deep,
        each frame with six variables (tests/e2e/targets/deep_locals.py):
        per run, from --stats, how long the process was held (held_us:
        first interrupt to resume) and the dump itself (total_us: thread
        list, stop, copies, resume, every variable's text, the model), each in
        wall time and in pyflame's CPU time; and
        the whole command's wall time (attach, locate, dump, write, detach).
        The goal: dump < 20 ms, held <= 5 ms.
  top   pyflame --top --stats -r 0.01 (100 Hz) on 32 threads 20 frames deep,
        one spinning (tests/e2e/targets/threads32.py), in a pseudo-terminal
        of 120x40: redraws per second and pyflame's CPU time over the run
        (sampling and view), from its "view stats" line; and, run after each,
        the same sampling without the view (pyflame -o /dev/null, its CPU
        from wait4 over its wall time), which tells the view's part from the
        sampling's. Modes: the GIL holder (default), --nonblocking and
        --threads. The goal: >= 1 redraw a second, < 2 % of one CPU.

Prints a line per run and the medians. Usage:

  bench/inspect.py [--pyflame PATH] [--python PATH] [--runs N] [--seconds S]
                   [--only dump,top]
"""
import argparse
import fcntl
import os
import pty
import re
import statistics
import struct
import subprocess
import sys
import termios
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TARGETS = os.path.join(HERE, "..", "tests", "e2e", "targets")
STATS_RE = re.compile(r"(\w+)=([0-9.]+)")


def start_target(python, script):
    proc = subprocess.Popen([python, os.path.join(TARGETS, script)],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    line = proc.stdout.readline()
    if b"ready" not in line:
        proc.kill()
        sys.exit("%s did not start: %r" % (script, line))
    return proc


def stats_of(text, marker):
    """The key=value figures of the first stderr line holding `marker`."""
    for line in text.splitlines():
        if marker in line:
            return dict((k, float(v)) for k, v in STATS_RE.findall(line.split(":", 2)[2]))
    return None


def dump_once(pyflame, pid):
    start = time.monotonic()
    run = subprocess.run([pyflame, "-d", "--locals", "--stats", "-p", str(pid)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wall_ms = (time.monotonic() - start) * 1e3
    out, err = run.stdout.decode(errors="replace"), run.stderr.decode(errors="replace")
    fig = stats_of(err, "dump stats")
    if run.returncode != 0 or fig is None:
        sys.exit("pyflame -d --locals failed (%d): %s" % (run.returncode, err))
    threads = sum(1 for line in out.splitlines() if re.match(r"^\d+\*?:$", line))
    frames = sum(1 for line in out.splitlines() if ":descend:" in line)
    variables = sum(1 for line in out.splitlines() if line.startswith("    "))
    return {"held_ms": fig["held_us"] / 1e3, "dump_ms": fig["total_us"] / 1e3,
            "held_cpu_ms": fig["held_cpu_us"] / 1e3, "dump_cpu_ms": fig["total_cpu_us"] / 1e3,
            "wall_ms": wall_ms, "threads": threads, "frames": frames,
            "variables": variables}


def bench_dump(args):
    target = start_target(args.python, "deep_locals.py")
    try:
        runs = []
        for i in range(args.runs):
            r = dump_once(args.pyflame, target.pid)
            runs.append(r)
            print("dump run %d: held %.2f ms (CPU %.2f), dump %.2f ms (CPU %.2f), command "
                  "%.1f ms (%d threads, %d descend frames, %d variables)" % (
                      i + 1, r["held_ms"], r["held_cpu_ms"], r["dump_ms"], r["dump_cpu_ms"],
                      r["wall_ms"], r["threads"], r["frames"], r["variables"]))
        med = dict((k, statistics.median(r[k] for r in runs))
                   for k in ("held_ms", "dump_ms", "wall_ms", "held_cpu_ms", "dump_cpu_ms"))
        print("dump median of %d: held %.2f ms (goal <= 5; CPU %.2f), dump %.2f ms "
              "(goal < 20; CPU %.2f), whole command %.1f ms" % (
                  len(runs), med["held_ms"], med["held_cpu_ms"], med["dump_ms"],
                  med["dump_cpu_ms"], med["wall_ms"]))
    finally:
        target.kill()
        target.wait()


def drain(fd):
    try:
        while os.read(fd, 65536):
            pass
    except OSError:
        pass


def top_once(pyflame, pid, seconds, extra):
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    env = dict(os.environ, TERM="xterm-256color")
    reader = threading.Thread(target=drain, args=(master,))
    reader.daemon = True
    reader.start()
    run = subprocess.run([pyflame, "--top", "--stats", "-r", "0.01", "-s", str(seconds)] +
                         extra + ["-p", str(pid)], stdin=slave, stdout=slave,
                         stderr=subprocess.PIPE, env=env, timeout=seconds + 30)
    os.close(slave)
    os.close(master)
    err = run.stderr.decode(errors="replace")
    fig = stats_of(err, "view stats")
    if run.returncode != 0 or fig is None:
        sys.exit("pyflame --top failed (%d): %s" % (run.returncode, err))
    return fig


def profile_share(pyflame, pid, seconds, extra):
    """pyflame's CPU share, in %, profiling the same way without the view
    (its whole run: attach and locate included)."""
    start = time.monotonic()
    proc = subprocess.Popen([pyflame, "-r", "0.01", "-s", str(seconds), "-o", os.devnull] +
                            extra + ["-p", str(pid)], stderr=subprocess.DEVNULL)
    _, status, ru = os.wait4(proc.pid, 0)
    proc.returncode = status
    return 100.0 * (ru.ru_utime + ru.ru_stime) / (time.monotonic() - start)


def bench_top(args):
    target = start_target(args.python, "threads32.py")
    try:
        for label, extra in (("GIL holder", []), ("--nonblocking", ["--nonblocking"]),
                             ("--threads", ["--threads"])):
            runs, plain = [], []
            for i in range(args.top_runs):
                fig = top_once(args.pyflame, target.pid, args.seconds, extra)
                runs.append(fig)
                plain.append(profile_share(args.pyflame, target.pid, args.seconds, extra))
                print("top %s run %d: %.2f redraws/s, %.2f %% of a CPU over %.1f s; "
                      "the same profile without --top %.2f %%" % (
                          label, i + 1, fig["draws_per_s"], fig["cpu_share"], fig["seconds"],
                          plain[-1]))
            print("top %s median of %d: %.2f redraws/s (goal >= 1), %.2f %% of a CPU "
                  "(goal < 2); without --top %.2f %%" % (
                      label, len(runs), statistics.median(f["draws_per_s"] for f in runs),
                      statistics.median(f["cpu_share"] for f in runs),
                      statistics.median(plain)))
    finally:
        target.kill()
        target.wait()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--pyflame", default=os.path.join(HERE, "..", "src", "pyflame"))
    p.add_argument("--python", default="/usr/bin/python3")
    p.add_argument("--runs", type=int, default=21, help="dumps (default 21)")
    p.add_argument("--top-runs", type=int, default=3, help="--top runs per mode (default 3)")
    p.add_argument("--seconds", type=float, default=10.0, help="each --top run (default 10)")
    p.add_argument("--only", default="dump,top")
    args = p.parse_args()
    print("pyflame %s, %s, %d CPUs, load %s" % (
        args.pyflame, args.python, os.cpu_count(), open("/proc/loadavg").read().split()[0]))
    only = args.only.split(",")
    if "dump" in only:
        bench_dump(args)
    if "top" in only:
        bench_top(args)


if __name__ == "__main__":
    main()
