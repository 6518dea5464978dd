# SPDX-License-Identifier: Apache-2.0
"""Target safety: whatever happens to pyflame or to its target, the target
is never left stopped or traced, keeps making progress and gets every signal
sent to it; pyflame ends in bounded time with well-formed output or one
clear line on stderr.

Run on two interpreters of different shapes: a pyenv build (shared, PIE)
and Debian's python3.11 (static, non-PIE, stripped). The targets prove
their progress through counters in a shared file (targets/board.py).
test_attach.py has the basic cases (one signal to pyflame or the target,
a target that exits or is killed, -o that cannot be opened); these add
random moments at a high sampling rate, many repetitions, every thread's
state, and what it lacks: pyflame killed outright; a closed or full output;
every one of many signals counted by the target; job control; a target
that forks, execs or churns threads; a stack deeper than the depth limit
and names longer than the name limit; a zombie, a kernel thread, pyflame
itself, another user's Python and read-only paths as input.
"""

import json
import mmap
import os
import random
import signal
import struct
import subprocess
import time

import pytest

import interpreters
import processes
import profiles
from profiles import Frame, parse_collapsed, parse_dump, parse_flamechart

FAST = "0.0005"  # -r: a sample every 0.5 ms, so many moments fall in one
KILL_ITERATIONS = 100  # per interpreter
SETTLE = processes.SETTLE_TIMEOUT
PROGRESS_TIMEOUT = 2.0  # for a running target to show progress
END_BOUND = 2.0  # for pyflame to end once its target has gone
MAX_DEPTH = 2048  # PYWALK_MAX_DEPTH, src/pywalk.h
MAX_STRING = 4096  # PYWALK_MAX_STRING, src/pywalk.h, in characters
TRUNCATED = Frame("(truncated)", "(truncated)", 0)

# board.py's layout
SLOTS = 16
COMMAND = SLOTS - 1
MAIN_BEAT, HELPER_BEAT, USR1_SEEN, RT_SEEN = 0, 1, 2, 3
RT_SIGNAL = signal.SIGRTMIN + 1  # heartbeat.py's, the same with glibc

# A zombie, a kernel thread or pyflame itself cannot be traced; the line
# says which, rather than blaming permissions or a security module.
BLAME = "security module"


def pick_interpreters():
    """pytest params: a pyenv 3.x build (3.12 preferred, else the newest)
    and Debian's python3.11; a missing one becomes a skipped param."""
    found = interpreters.discovered().found
    pyenv = sorted((i for i in found if i.origin == "pyenv" and
                    i.version[0] == 3 and len(i.argv) == 1),
                   key=lambda i: (i.major_minor == (3, 12), i.version))
    debian = [i for i in found if i.origin == "debian" and
              i.major_minor == (3, 11)]
    params = []
    for label, pool in (("pyenv", pyenv), ("py3.11-debian", debian)):
        if pool:
            params.append(pytest.param(pool[-1], id=pool[-1].label))
        else:
            params.append(pytest.param(None, id=label, marks=pytest.mark.skip(
                reason="no %s interpreter found" % label)))
    return params


on_both = pytest.mark.parametrize("py", pick_interpreters())


class Counters(object):
    """The test's side of targets/board.py."""

    def __init__(self, path):
        self.path = str(path)
        with open(self.path, "wb") as f:
            f.write(b"\0" * 8 * SLOTS)
        self.file = open(self.path, "r+b")
        self.map = mmap.mmap(self.file.fileno(), 8 * SLOTS)

    def get(self, slot):
        return struct.unpack_from("<Q", self.map, 8 * slot)[0]

    def command(self):
        struct.pack_into("<Q", self.map, 8 * COMMAND, 1)

    def clear(self):
        self.map[:] = b"\0" * 8 * SLOTS

    def close(self):
        self.map.close()
        self.file.close()


@pytest.fixture
def counters(tmp_path):
    c = Counters(tmp_path / "board")
    yield c
    c.close()


# ------------------------------------------------------------- helpers

def thread_states(pid):
    """{tid: (state letter, TracerPid)} of every thread; {} if gone."""
    states = {}
    try:
        tids = os.listdir("/proc/%d/task" % pid)
    except OSError:
        return states
    for tid in tids:
        base = "/proc/%d/task/%s/" % (pid, tid)
        try:
            with open(base + "stat", "rb") as f:
                state = f.read().rsplit(b")", 1)[1].split()[0].decode()
            with open(base + "status") as f:
                tracer = [int(line.split()[1]) for line in f
                          if line.startswith("TracerPid:")][0]
        except (OSError, IndexError):
            continue  # the thread ended meanwhile
        states[int(tid)] = (state, tracer)
    return states


def free(states):
    return bool(states) and all(s not in ("t", "T") and tracer == 0
                                for s, tracer in states.values())


def assert_free(pid, after, extra=""):
    """Every thread of pid runs untraced, at once or within SETTLE."""
    ok = processes.wait_for(lambda: free(thread_states(pid)), SETTLE,
                            interval=0.001)
    assert ok, "after %s, threads of %d left stopped or traced (tid: " \
        "(state, TracerPid)): %r%s" % (after, pid, thread_states(pid), extra)


def assert_progress(counters, slots, after, extra=""):
    """Each counter of `slots` advances."""
    before = [counters.get(s) for s in slots]
    ok = processes.wait_for(
        lambda: all(counters.get(s) > b for s, b in zip(slots, before)),
        PROGRESS_TIMEOUT, interval=0.0005)
    assert ok, "after %s, counters %r stayed at %r for %.1f s%s" % (
        after, slots, before, PROGRESS_TIMEOUT, extra)


def start_heartbeat(targets, py, counters, *args):
    return targets.start(py, "heartbeat.py", "--report", counters.path,
                         *args)


def wait_attached(pid, timeout=10.0):
    """Wait until the leader of pid is traced (polling every 0.2 ms)."""
    return processes.wait_for(lambda: processes.proc_status_field(
        pid, "TracerPid") not in ("0", None), timeout, interval=0.0002)


class StatReader(object):
    """Fast reads of the state letters of the target's threads (those it
    had when the reader was made): a sample may hold one thread alone."""

    def __init__(self, pid):
        self.fds = [os.open("/proc/%d/stat" % pid, os.O_RDONLY)]
        for tid in os.listdir("/proc/%d/task" % pid):
            if int(tid) != pid:
                try:
                    self.fds.append(os.open("/proc/%d/task/%s/stat"
                                            % (pid, tid), os.O_RDONLY))
                except OSError:
                    pass

    @staticmethod
    def one_state(fd):
        try:
            data = os.pread(fd, 1024, 0)
        except OSError:
            return None
        return data.rsplit(b")", 1)[1].split()[0].decode()

    def state(self):
        """"t" if any thread is in a ptrace-stop, else the leader's state."""
        states = [self.one_state(fd) for fd in self.fds]
        return "t" if "t" in states else states[0]

    def wait_stopped(self, timeout):
        """Spin until a thread is in a ptrace-stop (a sample); True if
        seen within timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.state() == "t":
                return True
        return False

    def close(self):
        for fd in self.fds:
            os.close(fd)


# Without --threads, a target whose GIL is free (these mostly sleep) is an
# idle sample that needs no stop at all; with it, every thread is sampled,
# and a free GIL means stopping them all: the tests below need stops.
HOLD = "--threads"


def spawn_sampling(pyflame, target, *args, **kw):
    """Start pyflame at the fast rate; return it once it stops the target
    for samples. With best_effort=S, return after S seconds at most even if
    no stop was seen."""
    best_effort = kw.get("best_effort")
    if HOLD not in args:
        args = (HOLD,) + args
    proc = pyflame.spawn(*(("-r", FAST) + args + ("-p", target.pid)))
    assert wait_attached(target.pid), "pyflame never attached%s" % \
        pyflame.finish(proc, 5.0)
    reader = StatReader(target.pid)
    try:
        # A stop lasts microseconds: on a loaded machine this poller may
        # share a CPU with pyflame and miss stops for a while.
        seen = reader.wait_stopped(best_effort or 20.0)
    finally:
        reader.close()
    if not seen and not best_effort:
        pytest.fail("pyflame never stopped its target for a sample%s"
                    % pyflame.finish(proc, 5.0))
    return proc


def one_line(err, context):
    """stderr is exactly one line; return it."""
    lines = err.split("\n")
    assert len(lines) == 2 and lines[1] == "", \
        "want one line on stderr%s" % context
    return lines[0]


def good_profile(run, flamechart=False):
    """Exit 0, nothing on stderr, output well formed; the profile."""
    assert run.returncode == 0, str(run)
    assert run.stderr == b"", "stderr must stay empty%s" % run
    if flamechart:
        return parse_flamechart(run.out)
    prof = parse_collapsed(run.out)
    profiles.check_collapsed_order(prof)
    return prof


def seed_note(seed):
    return "\n(random seed %d: set SAFETY_SEED=%d to repeat)" % (seed, seed)


def make_rng():
    seed = int(os.environ.get("SAFETY_SEED") or
               random.SystemRandom().randrange(1 << 30))
    return random.Random(seed), seed_note(seed)


# ------------------------------------------------- pyflame is killed

def kill_once(pyflame, target, rng, reader):
    """Start pyflame, SIGKILL it at a random moment; return the kind of
    moment and whether the target was seen in a sample just before."""
    # holds last tens of microseconds: aim for them more often than not
    kind = rng.choice(("starting", "attached") + ("mid-sample",) * 4)
    proc = pyflame.spawn(HOLD, "-r", FAST, "-s", "30", "-p", target.pid)
    if kind == "starting":
        time.sleep(rng.uniform(0.0, 0.01))
    else:
        if not wait_attached(target.pid, 5.0):
            pytest.fail("pyflame never attached%s" % pyflame.finish(proc, 5))
        time.sleep(rng.uniform(0.0, 0.02))
    # A stop lasts microseconds: kill as soon as one is seen, not after
    # another look that would find it over.
    if kind == "mid-sample":
        in_sample = reader.wait_stopped(1.0)
    else:
        in_sample = reader.state() == "t"
    proc.kill()
    proc.communicate()
    assert proc.returncode == -signal.SIGKILL, \
        "pyflame ended before the SIGKILL (status %d)" % proc.returncode
    return kind, in_sample


@on_both
def test_sigkill_at_random_moments(py, targets, pyflame, counters):
    """pyflame dies by SIGKILL while attached, often in the middle of a
    sample: the kernel must release every thread of the target, which runs
    on. One long-lived target, many kills."""
    rng, note = make_rng()
    target = start_heartbeat(targets, py, counters)
    reader = StatReader(target.pid)
    in_sample = 0
    try:
        for i in range(KILL_ITERATIONS):
            kind, seen = kill_once(pyflame, target, rng, reader)
            in_sample += seen
            what = "SIGKILL %d to pyflame (%s)" % (i + 1, kind)
            assert target.alive(), "%s: %s" % (what, target.describe())
            assert_free(target.pid, what, note)
            assert_progress(counters, (MAIN_BEAT, HELPER_BEAT), what, note)
    finally:
        reader.close()
    # the test itself: it must have hit samples in progress
    assert in_sample >= KILL_ITERATIONS // 10, \
        "only %d of %d kills came while the target was held for a " \
        "sample%s" % (in_sample, KILL_ITERATIONS, note)


# ---------------------------------------- pyflame is told to stop

@on_both
@pytest.mark.parametrize("name", ["INT", "TERM", "HUP"])
def test_stop_signal_at_random_moments(py, name, targets, pyflame, counters):
    """SIGINT, SIGTERM, SIGHUP while sampling fast: each time pyflame
    detaches, writes a well-formed profile and exits 0 at once."""
    rng, note = make_rng()
    target = start_heartbeat(targets, py, counters)
    for i in range(8):
        proc = spawn_sampling(pyflame, target, "-s", "30")
        time.sleep(rng.uniform(0.0, 0.02))
        processes.send(proc, processes.SIGNALS[name])
        sent = time.monotonic()
        run = pyflame.finish(proc, 10.0)
        what = "SIG%s %d to pyflame" % (name, i + 1)
        assert time.monotonic() - sent < 1.0, "slow to stop on %s%s%s" % (
            what, run, note)
        prof = good_profile(run)
        assert prof.total >= 1, str(run)
        assert_free(target.pid, what, note)
        assert_progress(counters, (MAIN_BEAT, HELPER_BEAT), what, note)


@on_both
def test_sigpipe_to_pyflame_is_ignored(py, targets, pyflame, counters):
    """A SIGPIPE sent to pyflame changes nothing: it runs its full time."""
    target = start_heartbeat(targets, py, counters)
    # SIGPIPE is ignored from pyflame's start, before it attaches: the
    # signal is sent mid-stop if the poller sees one within 1 s, else
    # anyway, still within the run, whose length is what is checked
    proc = spawn_sampling(pyflame, target, "-s", "1.5", best_effort=1.0)
    processes.send(proc, signal.SIGPIPE)
    run = pyflame.finish(proc, 10.0)
    prof = good_profile(run)
    assert run.elapsed >= 1.45, "pyflame ended early after SIGPIPE%s" % run
    assert prof.total >= 10, str(run)
    assert_free(target.pid, "SIGPIPE to pyflame")


@on_both
def test_output_to_closed_pipe(py, targets, pyflame, counters):
    """stdout is a pipe nobody reads: SIGPIPE is ignored, so the write fails
    with EPIPE after the detach; one line, exit 1, the target runs on."""
    target = start_heartbeat(targets, py, counters)
    r, w = os.pipe()
    os.close(r)
    try:
        proc = subprocess.Popen(pyflame.argv(["-r", "0.001", "-s", "0.3",
                                              "-p", target.pid]),
                                stdin=subprocess.DEVNULL, stdout=w,
                                stderr=subprocess.PIPE,
                                env=dict(os.environ, LC_ALL="C"))
    finally:
        os.close(w)
    err = proc.communicate(timeout=20)[1].decode("utf-8", "replace")
    context = "\nexit status %d, stderr:\n%s" % (proc.returncode, err)
    assert proc.returncode == 1, context
    line = one_line(err, context)
    assert line.startswith("pyflame: cannot write the profile: ") and \
        line.endswith(": Broken pipe"), context
    assert_free(target.pid, "a write to a closed pipe")
    assert_progress(counters, (MAIN_BEAT, HELPER_BEAT), "EPIPE")


@on_both
def test_output_to_full_device(py, targets, pyflame, counters):
    """-o /dev/full: the open succeeds, the write fails (ENOSPC)."""
    target = start_heartbeat(targets, py, counters)
    run = pyflame.run("-r", "0.001", "-s", "0.3", "-o", "/dev/full",
                      "-p", target.pid)
    assert run.returncode == 1, str(run)
    assert run.stdout == b"", str(run)
    line = one_line(run.err, run)
    assert line.startswith("pyflame: cannot write the profile: ") and \
        line.endswith(": No space left on device"), str(run)
    assert_free(target.pid, "a write to /dev/full")
    assert_progress(counters, (MAIN_BEAT, HELPER_BEAT), "ENOSPC")


# ----------------------------------------- signals to the target

@on_both
def test_every_sigusr1_is_delivered(py, targets, pyflame, counters):
    """300 SIGUSR1, each sent once the target's handler has counted the one
    before (so none can merge with another), while pyflame samples fast:
    the handler counts exactly 300."""
    target = start_heartbeat(targets, py, counters)
    proc = spawn_sampling(pyflame, target, "-s", "60")
    total = 300
    for k in range(1, total + 1):
        processes.send(target.proc, signal.SIGUSR1)
        if not processes.wait_for(lambda: counters.get(USR1_SEEN) >= k,
                                  PROGRESS_TIMEOUT, interval=0.0002):
            run = pyflame.finish(proc, 1.0) if proc.poll() is not None \
                else "\npyflame still runs"
            pytest.fail("SIGUSR1 number %d never reached the target's "
                        "handler (it counted %d)%s" % (
                            k, counters.get(USR1_SEEN), run))
    assert proc.poll() is None, "pyflame ended early%s" % \
        pyflame.finish(proc, 1.0)
    processes.send(proc, signal.SIGINT)
    run = pyflame.finish(proc, 10.0)
    prof = good_profile(run)
    assert prof.total >= 50, "too few samples to mean anything%s" % run
    assert counters.get(USR1_SEEN) == total, \
        "handler counted %d SIGUSR1, %d sent" % (
            counters.get(USR1_SEEN), total)
    assert_free(target.pid, "the SIGUSR1 run")


@on_both
def test_queued_realtime_signals_all_delivered(py, targets, pyflame,
                                               counters):
    """300 real-time signals in a burst (the kernel queues each one) while
    pyflame samples fast: the C-level handler runs exactly 300 times."""
    if py.version[0] < 3:
        pytest.skip("heartbeat.py counts real-time signals on Python 3")
    target = start_heartbeat(targets, py, counters)
    proc = spawn_sampling(pyflame, target, "-s", "60")
    total = 300
    for _ in range(total):
        processes.send(target.proc, RT_SIGNAL)
    processes.wait_for(lambda: counters.get(RT_SEEN) >= total, 5.0)
    time.sleep(0.1)  # a surplus would show up now
    seen = counters.get(RT_SEEN)
    processes.send(proc, signal.SIGINT)
    run = pyflame.finish(proc, 10.0)
    assert seen == total, "the target saw %d of %d real-time signals%s" % (
        seen, total, run)
    good_profile(run)
    assert_free(target.pid, "the real-time signal run")


def stopped_window(events, start, end):
    """The events of a flamechart between two time.time() values."""
    lo, hi = int(start * 1e6), int(end * 1e6)
    return [e for e in events if lo <= e.time <= hi]


def beats(counters):
    return [counters.get(MAIN_BEAT), counters.get(HELPER_BEAT)]


def wait_frozen(target, counters, quiet=0.05, timeout=2.0):
    """Wait until every thread is stopped and the heartbeats have not moved
    for `quiet` seconds: a group-stop, not one of pyflame's samples, which
    look the same in /proc (state t) but last well under a millisecond."""
    deadline = time.monotonic() + timeout
    last, since = beats(counters), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.002)
        now = beats(counters)
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet and all(
                s in ("t", "T") for s, _ in
                thread_states(target.pid).values()):
            return True
    return False


def watch_stopped(target, counters, seconds, tracer):
    """Watch the stopped target for `seconds`: no progress, every thread
    always traced by `tracer` (0: untraced) and in a stop. While traced, a
    thread may show R at times: the PTRACE_INTERRUPT of each sample wakes a
    thread held in a group-stop (PTRACE_LISTEN), which goes through the
    kernel and stops again without running any of its own code (the
    heartbeats prove it), so it is R for as long as it waits for a CPU.
    Hence: seen stopped at some poll while traced, at every poll when not."""
    before = beats(counters)
    seen = {}
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for tid, (state, who) in thread_states(target.pid).items():
            assert who == tracer, "thread %d traced by %d, want %d" % (
                tid, who, tracer)
            seen.setdefault(tid, []).append(state)
        time.sleep(0.01)
    after = beats(counters)
    assert before == after, "the stopped target made progress: %r -> %r" \
        % (before, after)
    for tid, states in seen.items():
        stopped = sum(s in ("t", "T") for s in states)
        want = len(states) if tracer == 0 else 1
        assert stopped >= want, "thread %d was in a stop at %d of %d " \
            "polls: %s" % (tid, stopped, len(states), "".join(states))


def stop_and_check(target, counters, sig, tracer):
    """Stop the target with sig and check that it stays stopped (see
    watch_stopped). Returns the time span during which it was stopped."""
    processes.send(target.proc, sig)
    assert wait_frozen(target, counters), \
        "SIG%s did not stop the target: %r, heartbeats still moving: %r" % (
            signal.Signals(sig).name, thread_states(target.pid),
            beats(counters))
    start = time.time()
    watch_stopped(target, counters, 0.3, tracer)
    return start, time.time()


@on_both
@pytest.mark.parametrize("sig", ["STOP", "TSTP"])
def test_job_control_while_profiled(py, sig, targets, pyflame, counters):
    """SIGSTOP (or SIGTSTP) stops the profiled target, which then makes no
    progress while pyflame keeps sampling it; SIGCONT resumes it."""
    stop_sig = getattr(signal, "SIG" + sig)
    target = start_heartbeat(targets, py, counters)
    proc = spawn_sampling(pyflame, target, "--flamechart", "-s", "30")
    try:
        start, end = stop_and_check(target, counters, stop_sig, proc.pid)
    finally:
        processes.send(target.proc, signal.SIGCONT)
    resumed = time.time()
    assert_progress(counters, (MAIN_BEAT, HELPER_BEAT), "SIGCONT")
    time.sleep(0.2)
    assert proc.poll() is None, "pyflame ended%s" % pyflame.finish(proc, 1)
    processes.send(proc, signal.SIGINT)
    events = good_profile(pyflame.finish(proc, 10.0), flamechart=True)
    during = stopped_window(events, start, end)
    after = stopped_window(events, resumed + 0.05, time.time())
    assert len(during) >= 20 and len(after) >= 20, \
        "pyflame took %d samples while the target was stopped and %d " \
        "after SIGCONT" % (len(during), len(after))
    assert sum(e.kind == "failed" for e in during) <= len(during) // 2, \
        "most samples of the stopped target failed"
    assert_free(target.pid, "SIG%s, SIGCONT and the end of pyflame" % sig)


@on_both
def test_detach_keeps_job_control_stop(py, targets, pyflame, counters):
    """pyflame ends while its target is stopped by SIGSTOP: the target
    stays stopped as after any job-control stop (state T, untraced, no
    progress), and SIGCONT resumes it."""
    target = start_heartbeat(targets, py, counters)
    proc = spawn_sampling(pyflame, target, "-s", "30")
    try:
        stop_and_check(target, counters, signal.SIGSTOP, proc.pid)
        processes.send(proc, signal.SIGINT)
        good_profile(pyflame.finish(proc, 10.0))
        # A thread detached from a stop goes back to its group-stop through
        # the kernel, R until it gets a CPU: let that settle first.
        assert processes.wait_for(lambda: all(
            s == "T" and who == 0
            for s, who in thread_states(target.pid).values()),
            SETTLE, interval=0.001), \
            "after detaching, the target did not settle in its stop: %r" % \
            thread_states(target.pid)
        watch_stopped(target, counters, 0.3, 0)
        assert all(s == "T" for s, _ in
                   thread_states(target.pid).values()), \
            thread_states(target.pid)
    finally:
        processes.send(target.proc, signal.SIGCONT)
    assert_progress(counters, (MAIN_BEAT, HELPER_BEAT), "SIGCONT")
    assert_free(target.pid, "SIGCONT")


# ------------------------------------------- the target goes away

EXIT_MODES = {
    # mode: (extra target arguments, how it ends, expected returncode)
    "exits": (("--status", "3"), "command", 3),
    "kills itself": (("--signal", "TERM"), "command", -signal.SIGTERM),
    "SIGTERM": ((), "SIGTERM", -signal.SIGTERM),
    "SIGKILL": ((), "SIGKILL", -signal.SIGKILL),
}


def end_target(target, counters, how, rng):
    """End the target at a random moment, in a sample when one can be
    caught."""
    time.sleep(rng.uniform(0.0, 0.05))
    reader = StatReader(target.pid)
    try:
        if rng.random() < 0.5:
            reader.wait_stopped(0.1)
        if how == "command":
            counters.command()
        else:
            processes.send(target.proc, getattr(signal, how))
    finally:
        reader.close()


@on_both
@pytest.mark.parametrize("mode", sorted(EXIT_MODES))
def test_target_ends_mid_run(py, mode, targets, pyflame, counters):
    """The target exits, kills itself or is killed at random moments while
    pyflame samples fast: pyflame ends at once, exit 0, well-formed output,
    and the target's end is its own (a SIGTERM reached it)."""
    rng, note = make_rng()
    args, how, status = EXIT_MODES[mode]
    for i in range(5):
        target = start_heartbeat(targets, py, counters, *args)
        proc = spawn_sampling(pyflame, target, "-s", "30")
        # A target that dies in pyflame's first sample leaves no sample:
        # let some be taken (about 200 at this rate) before the moment.
        time.sleep(0.1)
        end_target(target, counters, how, rng)
        try:
            target.proc.wait(10.0)
        except subprocess.TimeoutExpired:
            pytest.fail("the target did not end (%s, %r)%s%s" % (
                mode, thread_states(target.pid),
                pyflame.finish(proc, 1.0), note))
        gone = time.monotonic()
        run = pyflame.finish(proc, 10.0)
        assert time.monotonic() - gone < END_BOUND, \
            "pyflame outlived its target by %.1f s%s%s" % (
                time.monotonic() - gone, run, note)
        assert target.proc.returncode == status, "%s%s" % (
            target.describe(), run)
        prof = good_profile(run)
        assert prof.total >= 1, str(run)
        counters.clear()


# ------------------------------------- the target forks and execs

@on_both
def test_target_forks(py, targets, pyflame, counters):
    """The target forks 30 children and spawns 10 commands while pyflame
    samples it fast: no child is traced, the long-lived one runs on, and
    pyflame keeps sampling the parent, which keeps running."""
    target = targets.start(py, "forker.py", "--report", counters.path)
    proc = spawn_sampling(pyflame, target, HOLD, "-s", "30")
    counters.command()
    child = 0
    try:
        done = processes.wait_for(lambda: counters.get(1) == 40, 20.0)
        child = counters.get(4)
        assert done, "the target started %d of 40 children" % \
            counters.get(1)
        assert (counters.get(2), counters.get(3)) == (29, 0), \
            "forked children untraced/traced: %d/%d, want 29/0" % (
                counters.get(2), counters.get(3))
        assert (counters.get(6), counters.get(7)) == (10, 0), \
            "spawned commands untraced/traced: %d/%d, want 10/0" % (
                counters.get(6), counters.get(7))
        assert_free(child, "the fork")
        assert_progress(counters, (0, 5), "the forks")
        assert target.tracer() == proc.pid and proc.poll() is None, \
            "pyflame let go of the parent%s" % pyflame.finish(proc, 1.0)
        processes.send(proc, signal.SIGINT)
        prof = good_profile(pyflame.finish(proc, 10.0))
        assert prof.with_function("fork_one") + \
            prof.with_function("spawn_one") >= 1, \
            "no sample caught the target forking or spawning"
        assert_free(target.pid, "a run with forks")
        assert_free(child, "a run with forks")
        assert_progress(counters, (0, 5), "pyflame ended")
    finally:
        if child:
            os.kill(child, signal.SIGKILL)


def check_exec(py, targets, pyflame, counters, threaded, seconds):
    args = ("--from-thread",) if threaded else ()
    target = targets.start(py, "execer.py", *(args + (
        "--report", counters.path, "--seconds", "%.3f" % seconds)))
    proc = spawn_sampling(pyflame, target, "-s", "30")
    counters.command()
    started = time.monotonic()
    run = pyflame.finish(proc, 20.0)
    assert time.monotonic() - started < seconds + END_BOUND, \
        "pyflame took too long to end after the exec%s" % run
    prof = good_profile(run)
    assert prof.total >= 1, str(run)
    files = set(os.path.basename(f.file) for s, _ in prof.stacks for f in s)
    assert "heartbeat.py" not in files, \
        "pyflame sampled the program after the exec%s" % run
    target.wait_for_line("ready")  # heartbeat.py's, after the exec
    assert_free(target.pid, "an exec")
    assert_progress(counters, (MAIN_BEAT, HELPER_BEAT), "an exec")


@on_both
@pytest.mark.parametrize("where", ["main-thread", "other-thread"])
def test_target_execs(py, where, targets, pyflame, tmp_path):
    """The target calls exec at a random moment, from its main thread or
    from another one while three more run: pyflame ends the run in bounded
    time, exit 0, well-formed output; the new program runs untraced."""
    rng, note = make_rng()
    for i in range(5):
        counters = Counters(tmp_path / ("board%d" % i))
        try:
            check_exec(py, targets, pyflame, counters,
                       where == "other-thread", rng.uniform(0.0, 0.1))
        except AssertionError as e:
            raise AssertionError(str(e) + note)
        finally:
            counters.close()


@on_both
def test_thread_churn(py, targets, pyflame, counters):
    """Threads start and end all the time: pyflame --threads keeps up for
    its whole run, sees them, and leaves every thread running."""
    target = targets.start(py, "churn.py", "--report", counters.path)
    made = counters.get(1)
    run = pyflame.run("--threads", "-r", FAST, "-s", "1.5", "-p", target.pid)
    made = counters.get(1) - made
    prof = good_profile(run)
    assert 1.45 <= run.elapsed < 1.5 + END_BOUND, \
        "a 1.5 s run took %.2f s%s" % (run.elapsed, run)
    assert made >= 200, "the target made only %d threads" % made
    assert prof.count(lambda s: s[0].func == "_bootstrap") >= 1, \
        "no sample saw a thread other than the main one%s" % run
    assert prof.with_function("short_life") >= 1, \
        "no sample saw a short-lived thread at work%s" % run
    assert prof.total >= 150, "too few samples%s" % run
    assert_free(target.pid, "thread churn")
    assert_progress(counters, (0, 1), "thread churn")


# --------------------------------------- deep stacks and long names

def start_extremes(targets, py, tmp_path):
    report = str(tmp_path / "extremes.json")
    target = targets.start(py, "extremes.py", "--depth", "5000",
                           "--name-chars", "100000", "--file-chars", "10000",
                           "--report", report)
    with open(report) as f:
        view = json.load(f)
    # main thread + one per long name; the reporter thread is ending
    want = 1 + len(view["functions"])
    assert processes.wait_for(
        lambda: processes.task_count(target.pid) == want, 10.0), \
        "target still has %d threads" % processes.task_count(target.pid)
    return target, view


def check_deep(frames, context):
    """A stack of the 5000-deep recursion, innermost first."""
    m = profiles.markers(processes.target_path("extremes.py"))
    path = processes.target_path("extremes.py")
    assert len(frames) == MAX_DEPTH, "%d frames, want %d%s" % (
        len(frames), MAX_DEPTH, context)
    assert frames[-1] == TRUNCATED, "outermost frame %r, want %r%s" % (
        frames[-1], TRUNCATED, context)
    assert frames[0] == Frame(path, "park", m["park"]), context
    assert frames[1] == Frame(path, "recurse", m["park-call"]), context
    others = set(frames[2:-1])
    assert others == set([Frame(path, "recurse", m["recurse-call"])]), \
        "unexpected frames: %r%s" % (sorted(others, key=repr)[:3], context)


def check_long_names(leaves, view, context):
    """The leaf frames of the long-named functions, cut at MAX_STRING
    characters."""
    for kind, fn in sorted(view["functions"].items()):
        assert len(fn["name"]) == 100000 and len(fn["file"]) == 10000
        want = Frame(fn["file"][:MAX_STRING], fn["name"][:MAX_STRING], 2)
        found = [f for f in leaves if f.func[:100] == fn["name"][:100]]
        assert found, "no frame for the %s name%s" % (kind, context)
        got = found[0]
        assert (len(got.func), len(got.file)) == (MAX_STRING, MAX_STRING), \
            "%s name: %d and file name %d characters, want %d%s" % (
                kind, len(got.func), len(got.file), MAX_STRING, context)
        assert got == want, "%s name cut wrongly%s" % (kind, context)


@on_both
def test_deep_stack_and_long_names_dump(py, targets, pyflame, tmp_path):
    """-d on a 5000-deep recursion and functions with 100 000-character
    names in 10 000-character files: the stack keeps its innermost 2047
    frames and ends in "(truncated)"; names are cut at 4096 characters."""
    target, view = start_extremes(targets, py, tmp_path)
    run = pyflame.run("-d", "-p", target.pid, timeout=30.0)
    assert run.returncode == 0 and run.stderr == b"", str(run)
    threads = parse_dump(run.out)
    context = "\n(pyflame -d printed %d threads of %s frames)" % (
        len(threads), [len(t.frames) for t in threads])
    deep = [t for t in threads if t.frames[0].func == "park"]
    assert len(deep) == 1, "want one thread in park()" + context
    check_deep(deep[0].frames, context)
    check_long_names([t.frames[0] for t in threads], view, context)
    assert len(threads) == 1 + len(view["functions"]), context
    assert_free(target.pid, "-d")


@on_both
def test_deep_stack_and_long_names_sampled(py, targets, pyflame, tmp_path):
    """The same target sampled with --threads: every sample has the cut
    stack, "(truncated)" at its root end, and the cut names."""
    target, view = start_extremes(targets, py, tmp_path)
    run = pyflame.run("--threads", "-r", "0.002", "-s", "0.4",
                      "-p", target.pid, timeout=30.0)
    prof = good_profile(run)
    context = "\n(%d stacks of %s frames)" % (
        len(prof.stacks), [len(s) for s, _ in prof.stacks])
    assert prof.failed == 0 and prof.idle == 0, context
    deep = [(s, c) for s, c in prof.stacks if s[-1].func == "park"]
    assert len(deep) == 1, context
    # every sample has every thread, each always in the same stack
    assert deep[0][1] * (1 + len(view["functions"])) == prof.total, context
    check_deep(deep[0][0][::-1], context)
    check_long_names([s[-1] for s, _ in prof.stacks], view, context)
    assert_free(target.pid, "sampling")


# ---------------------------------------------------------- bad input

def zombie():
    """A child that has exited and is not reaped: (Popen, pid)."""
    proc = subprocess.Popen(["true"])
    assert processes.wait_for(
        lambda: processes.proc_state(proc.pid) == "Z", 10.0), \
        "true did not become a zombie"
    return proc


def test_zombie_pid(pyflame, ptrace_ok):
    proc = zombie()
    try:
        run = pyflame.run("-s", "0", "-p", proc.pid)
        assert processes.proc_state(proc.pid) == "Z"
    finally:
        proc.wait()
    assert run.returncode == 1 and run.stdout == b"", str(run)
    line = one_line(run.err, run)
    assert line.startswith("Failed to seize PID %d: " % proc.pid), str(run)
    assert "zombie" in line and BLAME not in line, \
        "the line must say the process is a zombie%s" % run


def kernel_thread():
    """PID 2 if it is kthreadd, else any visible kernel thread, or None."""
    pids = [2] + sorted(int(p) for p in os.listdir("/proc") if p.isdigit())
    for pid in pids:
        try:
            with open("/proc/%d/stat" % pid, "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        if int(fields[6]) & 0x00200000:  # PF_KTHREAD in the flags field
            return pid
    return None


def test_kernel_thread_pid(pyflame, ptrace_ok):
    pid = kernel_thread()
    if pid is None:
        pytest.skip("no kernel thread is visible here (PID namespace)")
    run = pyflame.run("-s", "0", "-p", pid)
    assert run.returncode == 1 and run.stdout == b"", str(run)
    line = one_line(run.err, run)
    assert line.startswith("Failed to seize PID %d: " % pid), str(run)
    assert "kernel thread" in line and BLAME not in line, \
        "the line must say PID %d is a kernel thread%s" % (pid, run)


def test_own_pid(pyflame):
    proc = subprocess.Popen(
        ["sh", "-c", 'exec "$0" -s 0 -p $$', pyflame.path],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, env=dict(os.environ, LC_ALL="C"))
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 1 and out == b"", (proc.returncode, out, err)
    assert err.decode() == "Failed to seize PID %d: that is pyflame " \
        "itself\n" % proc.pid, err


def run_as_nobody(argv):
    """Run argv as nobody:nogroup without capabilities; skip if we cannot."""
    if os.geteuid() != 0 or not os.path.exists("/usr/bin/setpriv"):
        pytest.skip("needs root and setpriv to run pyflame as another user")
    proc = subprocess.run(["/usr/bin/setpriv", "--reuid=nobody",
                           "--regid=nogroup", "--clear-groups"] + argv,
                          stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=20,
                          env=dict(os.environ, LC_ALL="C"))
    err = proc.stderr.decode("utf-8", "replace")
    if proc.returncode in (126, 127) or err.startswith("setpriv:"):
        pytest.skip("cannot run pyflame as nobody here: %s" % err.strip())
    return proc, err


@on_both
def test_other_users_python(py, targets, pyflame, counters):
    """A root-owned Python, pyflame as nobody: refused, and the line says
    why (the process belongs to another user)."""
    target = start_heartbeat(targets, py, counters)
    proc, err = run_as_nobody([pyflame.path, "-s", "0", "-p",
                               str(target.pid)])
    context = "\nexit status %d, stderr:\n%s" % (proc.returncode, err)
    assert proc.returncode == 1 and proc.stdout == b"", context
    line = one_line(err, context)
    assert line.startswith("Failed to seize PID %d: Operation not permitted"
                           % target.pid), context
    assert "belongs to another user" in line, context
    assert_free(target.pid, "a refused attach")


def without_dac(argv):
    """argv run without the capabilities that override file permissions,
    so that root meets read-only paths as anyone else does."""
    if os.geteuid() != 0:
        return argv
    if not os.path.exists("/usr/bin/setpriv"):
        pytest.skip("needs setpriv to drop CAP_DAC_OVERRIDE")
    caps = "-dac_override,-dac_read_search"
    return ["/usr/bin/setpriv", "--bounding-set=" + caps,
            "--inh-caps=" + caps] + argv


def output_path(tmp_path, kind):
    """(path for -o, its strerror, check of what must be there after)."""
    if kind == "directory":
        path = tmp_path / "outdir"
        path.mkdir()
        return path, "Is a directory", \
            lambda: path.is_dir() and list(path.iterdir()) == []
    if kind == "missing-directory":
        path = tmp_path / "no" / "such" / "out.txt"
        return path, "No such file or directory", \
            lambda: not (tmp_path / "no").exists()
    ro = tmp_path / "ro"
    ro.mkdir()
    if kind == "read-only-directory":
        path = ro / "out.txt"
        check = lambda: not path.exists()  # noqa: E731
    else:
        path = ro / "old.txt"
        path.write_bytes(b"old content\n")
        path.chmod(0o444)
        check = lambda: path.read_bytes() == b"old content\n"  # noqa: E731
    ro.chmod(0o555)
    return path, "Permission denied", check


@on_both
@pytest.mark.parametrize("kind", ["directory", "missing-directory",
                                  "read-only-directory", "read-only-file"])
def test_unwritable_output(py, kind, targets, pyflame, counters, tmp_path):
    """-o that cannot be opened: one line, exit 1, no file created or
    truncated, and the target (attached to first) runs on."""
    target = start_heartbeat(targets, py, counters)
    path, why, unchanged = output_path(tmp_path, kind)
    try:
        proc = subprocess.run(without_dac(pyflame.argv(
            ["-s", "0.2", "-o", str(path), "-p", target.pid])),
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, timeout=20,
            env=dict(os.environ, LC_ALL="C"))
        err = proc.stderr.decode("utf-8", "replace")
        context = "\nexit status %d, stderr:\n%s" % (proc.returncode, err)
        assert proc.returncode == 1 and proc.stdout == b"", context
        assert one_line(err, context) == \
            'cannot open file "%s" as output: %s' % (path, why), context
        assert unchanged(), "%s: something was left at %s" % (kind, path)
    finally:
        if (tmp_path / "ro").exists():
            (tmp_path / "ro").chmod(0o755)
    assert_free(target.pid, "a failed -o")
    assert_progress(counters, (MAIN_BEAT, HELPER_BEAT), "a failed -o")
