# SPDX-License-Identifier: Apache-2.0
"""Processes of the end-to-end tests: targets, pyflame runs, ptrace checks.

Nothing here sleeps blindly: targets announce readiness on stdout, and waits
for a state (attached, detached, running) poll /proc with a deadline.
"""

import os
import select
import signal
import subprocess
import sys
import tempfile
import time

import pytest

import profiles

HERE = os.path.dirname(os.path.abspath(__file__))
TARGETS_DIR = os.path.join(HERE, "targets")

READY_TIMEOUT = 30.0  # interpreter start-up, generous for slow machines
SETTLE_TIMEOUT = 1.0  # how long a detached target may take to resume

# Seizes the PID given as argv[1] from a separate process (a sibling of the
# target, as pyflame is), prints "seized" or the errno, then holds on until
# killed. Used to probe ptrace permission and to make a target untraceable.
SEIZE_SNIPPET = r"""
import ctypes, os, sys, time
libc = ctypes.CDLL(None, use_errno=True)
libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p,
                        ctypes.c_void_p]
if libc.ptrace(0x4206, int(sys.argv[1]), None, None) != 0:
    sys.stdout.write("errno %d\n" % ctypes.get_errno())
    sys.exit(1)
sys.stdout.write("seized\n")
sys.stdout.flush()
if len(sys.argv) > 2:
    time.sleep(float(sys.argv[2]))
"""


def target_path(name):
    return os.path.join(TARGETS_DIR, name)


def proc_status_field(pid, name):
    """A field of /proc/PID/status, or None if the process is gone."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(name + ":"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        return None
    return None


def proc_state(pid):
    """The one-letter state of /proc/PID/stat, or None if it is gone."""
    try:
        with open("/proc/%d/stat" % pid, "rb") as f:
            data = f.read()
    except OSError:
        return None
    return data.rsplit(b")", 1)[1].split()[0].decode()


def proc_syscall(pid):
    """The number of the system call the main thread of pid is in, as
    /proc/PID/syscall gives it ("running" if none), or None if it is gone."""
    try:
        with open("/proc/%d/syscall" % pid) as f:
            return f.read().split()[0]
    except (OSError, IndexError):
        return None


def task_count(pid):
    try:
        return len(os.listdir("/proc/%d/task" % pid))
    except OSError:
        return 0


def wait_for(predicate, timeout, interval=0.01):
    """Poll predicate until it returns a true value or timeout passes."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval)


# x86_64 numbers of the calls time.sleep waits in: pselect6 (2.7 to 3.10
# here), clock_nanosleep (3.11 on), and select and nanosleep, which other
# builds may use.
SLEEP_SYSCALLS = ("270", "230", "23", "35")


class Target(object):
    """A process to profile. Its stdout is a pipe the test reads lines from;
    its stderr goes to a file that failure messages quote."""

    def __init__(self, argv, env=None, label=None):
        self.argv = [str(a) for a in argv]
        self.label = label or os.path.basename(self.argv[0])
        self.errfile = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(self.argv, env=env,
                                     stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE,
                                     stderr=self.errfile)
        self.pid = self.proc.pid
        self.buf = b""

    def __repr__(self):
        return "<Target %s pid %d>" % (self.label, self.pid)

    def stderr_text(self):
        self.errfile.seek(0)
        return self.errfile.read().decode("utf-8", "replace")

    def describe(self):
        status = self.proc.poll()
        text = "target %s (pid %d, %s)" % (
            " ".join(self.argv), self.pid,
            "running" if status is None else "exit status %d" % status)
        err = self.stderr_text().strip()
        return text + ("\ntarget stderr:\n" + err if err else "")

    def read_line(self, timeout):
        """The next line of stdout without its newline; None at EOF/timeout."""
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([self.proc.stdout], [], [], left)
            if not ready:
                return None
            chunk = os.read(self.proc.stdout.fileno(), 4096)
            if not chunk:
                return None
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line.decode("utf-8", "replace")

    def wait_for_line(self, text, timeout=READY_TIMEOUT):
        """Read stdout until a line equals text; fail the test otherwise."""
        seen = []
        deadline = time.monotonic() + timeout
        while True:
            line = self.read_line(max(deadline - time.monotonic(), 0))
            if line == text:
                return
            if line is None:
                pytest.fail("%s never printed %r (got %r)\n%s"
                            % (self.label, text, seen, self.describe()))
            seen.append(line)

    def alive(self):
        return self.proc.poll() is None

    def wait_asleep(self, timeout=READY_TIMEOUT):
        """Wait until the main thread sleeps in a timed wait (time.sleep):
        after "ready" it still runs Python for a moment, longer on a busy
        machine, and holds the GIL meanwhile."""
        def asleep():
            return proc_syscall(self.pid) in SLEEP_SYSCALLS
        assert wait_for(asleep, timeout), \
            "%s never went to sleep\n%s" % (self.label, self.describe())

    def tracer(self):
        value = proc_status_field(self.pid, "TracerPid")
        return int(value) if value else 0

    def assert_running(self, after="pyflame"):
        """The target still runs, is neither stopped nor traced after waiting
        up to SETTLE_TIMEOUT, and was not left in a stopped state."""
        def settled():
            if not self.alive():
                return "exited"
            state = proc_state(self.pid)
            if state not in ("t", "T") and self.tracer() == 0:
                return "ok"
            return None
        verdict = wait_for(settled, SETTLE_TIMEOUT)
        assert verdict == "ok", "%s after %s: state %s, tracer %d\n%s" % (
            "target exited" if verdict else "target left stopped or traced",
            after, proc_state(self.pid), self.tracer(), self.describe())

    def assert_not_stopped(self, after="pyflame"):
        """Like assert_running, for a target that may legitimately be gone."""
        if self.alive():
            self.assert_running(after)

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.proc.stdout.close()
        self.errfile.close()


def cpu_stall_us():
    """Microseconds during which some task waited for a CPU (PSI), or None."""
    try:
        with open("/proc/pressure/cpu") as f:
            for line in f:
                if line.startswith("some "):
                    return int(line.rsplit("total=", 1)[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


class CpuContention(object):
    """Was the machine short of CPU while something ran? Sample counts depend
    on pyflame and its target getting the CPU on time; on a machine busy
    with other work they drop, which says nothing about pyflame."""

    THRESHOLD = 0.10  # fraction of the wall time with tasks kept waiting

    def __init__(self):
        self.start = time.monotonic()
        self.stall0 = cpu_stall_us()

    def stop(self):
        elapsed = max(time.monotonic() - self.start, 1e-3)
        stall1 = cpu_stall_us()
        if self.stall0 is not None and stall1 is not None:
            self.fraction = (stall1 - self.stall0) / 1e6 / elapsed
            self.what = "CPU stall %.0f%% of the run" % (100 * self.fraction)
        else:
            load = os.getloadavg()[0]
            self.fraction = 1.0 if load > (os.cpu_count() or 1) else 0.0
            self.what = "load average %.1f" % load
        self.busy = self.fraction > self.THRESHOLD
        return self


class Run(object):
    """The outcome of one finished pyflame process."""

    def __init__(self, argv, returncode, stdout, stderr, elapsed,
                 contention=None):
        self.argv = argv
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        self.elapsed = elapsed
        self.contention = contention

    @property
    def out(self):
        """stdout as text; a test fails here if it is not valid UTF-8."""
        try:
            return self.stdout.decode("utf-8")
        except UnicodeDecodeError as e:
            pytest.fail("pyflame output is not valid UTF-8 (%s)\n%s"
                        % (e, self))

    @property
    def err(self):
        return self.stderr.decode("utf-8", "replace")

    def __str__(self):
        out = self.stdout.decode("utf-8", "replace")
        lines = out.splitlines()
        if len(lines) > 40:
            lines = lines[:40] + ["... (%d more lines)" % (len(lines) - 40)]
        busy = ""
        if self.contention is not None:
            busy = " (%s)" % self.contention.what
        return ("\n$ %s\nexit status %s after %.2f s%s\n--- stderr ---\n%s"
                "--- stdout ---\n%s\n" % (
                    " ".join(self.argv), self.returncode, self.elapsed, busy,
                    self.err, "\n".join(lines)))

    __repr__ = __str__


class Pyflame(object):
    """Runs the binary under test, always with a time limit."""

    def __init__(self, path):
        self.path = path

    def argv(self, args):
        return [self.path] + [str(a) for a in args]

    def run(self, *args, **kw):
        """Run to completion; fails the test if it outlives `timeout`."""
        timeout = kw.pop("timeout", 20.0)
        proc = self.spawn(*args, **kw)
        return self.finish(proc, timeout)

    def profile(self, target, *args, **kw):
        """Profile target with -p and --stats; a successful run exits 0,
        keeps stderr empty but for the --stats line (parsed into run.stats),
        lasts its -s while the target lives, and leaves the target running."""
        if "--stats" not in args:
            args += ("--stats",)
        run = self.run(*(args + ("-p", target.pid)), **kw)
        assert run.returncode == 0, str(run)
        run.stats, rest = profiles.split_stats(run.stderr)
        assert rest == b"", "stderr must stay empty%s" % run
        assert run.stats is not None, "no --stats line%s" % run
        seconds = float(args[list(args).index("-s") + 1]) \
            if "-s" in args else 1.0
        if target.alive():
            assert run.elapsed >= 0.95 * seconds, "pyflame ended after " \
                "%.2f s of a %g s run while its target still runs%s" % (
                    run.elapsed, seconds, run)
        target.assert_running()
        return run

    def spawn(self, *args, **kw):
        """Start pyflame; its messages in English (strerror, getopt)."""
        env = dict(kw.pop("env", None) or os.environ)
        assert not kw, kw
        env.update(LC_ALL="C", LANGUAGE="")
        # the clock starts before the fork: on a loaded machine Popen can
        # return well after the child began, and its run would look short
        started, contention = time.monotonic(), CpuContention()
        proc = subprocess.Popen(self.argv(args), env=env,
                                stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        proc.started, proc.contention = started, contention
        return proc

    def finish(self, proc, timeout):
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
            run = Run(proc.args, proc.returncode, out, err,
                      time.monotonic() - proc.started,
                      proc.contention.stop())
            pytest.fail("pyflame did not finish within %.0f s%s"
                        % (timeout, run))
        return Run(proc.args, proc.returncode, out, err,
                   time.monotonic() - proc.started, proc.contention.stop())


def wait_attached(target, timeout=10.0):
    """Wait until something traces the target (pyflame has attached)."""
    return wait_for(lambda: target.tracer() != 0 or not target.alive(),
                    timeout)


def seize_from_sibling(pid, hold_seconds=None):
    """Seize pid from a separate process. Returns (Popen, first line)."""
    args = [sys.executable, "-c", SEIZE_SNIPPET, str(pid)]
    if hold_seconds is not None:
        args.append(str(hold_seconds))
    proc = subprocess.Popen(args, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    line = proc.stdout.readline().decode().strip()
    return proc, line


def ptrace_denied():
    """None if a process may ptrace a non-descendant of it here, as pyflame
    does with the suite's targets; otherwise the reason."""
    victim = subprocess.Popen(["sleep", "30"])
    try:
        prober, line = seize_from_sibling(victim.pid)
        prober.wait()
    finally:
        victim.kill()
        victim.wait()
    if line == "seized":
        return None
    reason = "ptrace is not permitted here (%s)" % (
        os.strerror(int(line.split()[1])) if line.startswith("errno ")
        else "probe failed: %r" % line)
    scope = "/proc/sys/kernel/yama/ptrace_scope"
    if os.path.exists(scope):
        with open(scope) as f:
            reason += "; %s is %s" % (scope, f.read().strip())
    return reason + "; run as root or with CAP_SYS_PTRACE"


def reaped_pid():
    """A PID that belonged to a process which has exited and been reaped."""
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def send(proc_or_pid, sig):
    os.kill(getattr(proc_or_pid, "pid", proc_or_pid), sig)


SIGNALS = {"INT": signal.SIGINT, "TERM": signal.SIGTERM, "HUP": signal.SIGHUP,
           "KILL": signal.SIGKILL, "USR1": signal.SIGUSR1}
