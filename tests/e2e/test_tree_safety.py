# SPDX-License-Identifier: Apache-2.0
"""Target safety over a process tree (--subprocesses, targets/tree.py): the
promises of test_safety.py hold for every process of the tree. pyflame
killed outright at random moments leaves none stopped, traced or killed;
every signal sent to any worker reaches it; a worker killed, workers that
exec into something else and a fork storm (a pool of 16 recycled every
second) during a run end it cleanly with the data so far.

Run on the two interpreters test_safety.py uses: a pyenv 3.x build and
Debian's static, stripped python3.11.
"""

import fcntl
import os
import random
import signal
import time

import pytest

import processes
from profiles import parse_collapsed
from test_safety import on_both, seed_note
from test_subprocesses import (assert_tree_released, profile_tree,
                               report_lines, roots, start_tree)

KILLS = 200  # per interpreter: the goal's count
WORKERS = 8
FAST = "0.0005"
SIGNAL_ROUNDS = 40  # SIGUSR1 to each of the workers, one at a time


def workers_of(report, role="worker"):
    return [p for p, _, r in report_lines(report) if r == role]


def cpu_ticks(pid):
    """utime + stime of a process, in clock ticks; None once it is gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except (IOError, OSError):
        return None
    return int(fields[11]) + int(fields[12])


def any_stopped(pids):
    return any(processes.proc_state(p) == "t" for p in pids)


def wait_traced(pid, timeout):
    return processes.wait_for(
        lambda: processes.proc_status_field(pid, "TracerPid") not in
        ("0", None), timeout, interval=0.0005)


def assert_progress(pids, what):
    """Every process of the tree uses CPU again within 2 s."""
    before = dict((p, cpu_ticks(p)) for p in pids)
    def moved():
        return all((cpu_ticks(p) or 0) > (before[p] or 0) for p in pids)
    assert processes.wait_for(moved, 2.0), \
        "%s: a process of the tree made no progress: %r -> %r" % (
            what, before, dict((p, cpu_ticks(p)) for p in pids))


def kill_once(pyflame, rng, tree):
    """Start pyflame on the tree, SIGKILL it at a random moment; whether a
    process of the tree was held for a sample when it died."""
    proc = pyflame.spawn("--subprocesses", "-r", FAST, "-s", "30",
                         "-p", tree[0])
    if rng.random() < 0.2:
        time.sleep(rng.uniform(0.0, 0.01))  # still attaching, or not yet
    else:
        if not wait_traced(tree[-1], 5.0):
            pytest.fail("pyflame never attached the last worker%s" %
                        pyflame.finish(proc, 5))
        time.sleep(rng.uniform(0.0, 0.03))
    held = any_stopped(tree)
    proc.kill()
    proc.communicate()
    assert proc.returncode == -signal.SIGKILL, \
        "pyflame ended before the SIGKILL (status %d)" % proc.returncode
    return held


@on_both
def test_tree_sigkill_at_random_moments(py, targets, pyflame, tmp_path):
    """200 SIGKILLs of pyflame profiling an 8-worker pool: every process of
    the tree is alive, running and untraced after each, and keeps working."""
    seed = int(os.environ.get("SAFETY_SEED") or
               random.SystemRandom().randrange(1 << 30))
    rng, note = random.Random(seed), seed_note(seed)
    target, report = start_tree(py, targets, tmp_path, "fork", str(WORKERS))
    tree = [target.pid] + workers_of(report)
    held = 0
    for i in range(KILLS):
        held += kill_once(pyflame, rng, tree)
        what = "SIGKILL %d of pyflame" % (i + 1)
        gone = [p for p in tree if processes.proc_state(p) in (None, "Z", "X")]
        assert not gone, "%s: processes %r gone%s" % (what, gone, note)
        assert_tree_released(tree, what)
        if i % 50 == 49:
            assert_progress(tree[1:], what)
    assert held >= KILLS // 10, \
        "only %d of %d kills came while a process was held for a sample%s" % (
            held, KILLS, note)
    target.assert_running()


@on_both
def test_tree_signals_delivered(py, targets, pyflame, tmp_path):
    """SIGUSR1 to each of 8 workers, 40 rounds, while pyflame samples the
    tree fast: each worker's handler counts every one."""
    target, report = start_tree(py, targets, tmp_path, "signals", str(WORKERS))
    workers = workers_of(report)
    proc = pyflame.spawn("--subprocesses", "-r", FAST, "-s", "60",
                         "-p", target.pid)
    assert wait_traced(workers[-1], 5.0), pyflame.finish(proc, 5)
    for k in range(1, SIGNAL_ROUNDS + 1):
        for pid in workers:
            os.kill(pid, signal.SIGUSR1)
        def counted():
            got = workers_of(report, "usr1")
            return all(got.count(p) >= k for p in workers)
        assert processes.wait_for(counted, 5.0, interval=0.001), \
            "round %d: SIGUSR1 counted %r%s" % (
                k, dict((p, workers_of(report, "usr1").count(p))
                        for p in workers), pyflame.finish(proc, 1.0))
    assert proc.poll() is None, "pyflame ended early%s" % \
        pyflame.finish(proc, 1.0)
    processes.send(proc, signal.SIGINT)
    run = pyflame.finish(proc, 10.0)
    assert run.returncode == 0, str(run)
    got = workers_of(report, "usr1")
    assert all(got.count(p) == SIGNAL_ROUNDS for p in workers), \
        "each worker must count exactly %d: %r" % (
            SIGNAL_ROUNDS, dict((p, got.count(p)) for p in workers))
    assert set(workers) <= set(roots(parse_collapsed(run.out))), str(run)
    assert_tree_released([target.pid] + workers)


@on_both
def test_tree_worker_killed(py, targets, pyflame, tmp_path):
    """A worker killed mid-run: the run goes on, ends with exit 0 and the
    profile of every process, the killed one's samples so far included."""
    target, report = start_tree(py, targets, tmp_path, "fork", "4")
    workers = workers_of(report)
    proc = pyflame.spawn("--subprocesses", "-n", "-s", "2", "-p", target.pid)
    assert wait_traced(workers[-1], 5.0), pyflame.finish(proc, 5)
    time.sleep(0.5)
    os.kill(workers[0], signal.SIGKILL)
    run = pyflame.finish(proc, 20.0)
    assert run.returncode == 0 and run.err == "", str(run)
    prof = parse_collapsed(run.out, with_lines=False)
    assert set(workers) <= set(roots(prof)), str(run)
    assert_tree_released([target.pid] + workers)
    target.assert_running()


@on_both
def test_tree_workers_exec(py, targets, pyflame, tmp_path):
    """Workers that exec `sleep` mid-run are dropped cleanly: their Python
    samples so far are kept, the run ends with exit 0, nothing is left
    traced."""
    target, report = start_tree(py, targets, tmp_path, "exec", "4", "0.7")
    workers = workers_of(report)
    try:
        run, prof = profile_tree(pyflame, target, "-s", "2")
        seen = roots(prof)
        assert set(workers) <= set(seen), str(run)
        assert all(processes.proc_status_field(p, "Name") == "sleep"
                   for p in workers), "the workers did not exec"
        assert_tree_released([target.pid] + workers)
    finally:
        for pid in workers:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
    target.assert_running()


BORN_BEFORE_END = 0.3


@on_both
def test_tree_fork_storm(py, targets, pyflame, tmp_path):
    """A pre-fork server of 16 workers, each living 1 s (a pool of 16
    recycled every second), profiled for 3 s: exit 0, the workers born
    during the run in the profile, every process left untraced."""
    target, report = start_tree(py, targets, tmp_path, "prefork", "16", "1.0")
    first = set(p for p, _, _ in report_lines(report))
    run, prof = profile_tree(pyflame, target, "-s", "3", "-x")
    ended = time.time()
    born = dict((p, t) for p, t, _ in report_lines(report) if p not in first)
    assert len(born) >= 16, "the pool was not recycled: %d born%s" % (
        len(born), run)
    # born at least BORN_BEFORE_END s before pyflame ended (it exits once
    # its last sample is written, and a sample or two may miss a birth)
    later = set(p for p, t in born.items() if t <= ended - BORN_BEFORE_END)
    missed = sorted(later - set(roots(prof)))
    assert len(missed) <= 1, "%d of %d workers born during the run not " \
        "in the profile%s" % (len(missed), len(later), run)
    assert_tree_released([target.pid] + sorted(first | set(born)))
    target.assert_running()


F_SETPIPE_SZ = 1031  # fcntl.F_SETPIPE_SZ, Linux


@on_both
def test_stats_blocked_after_detach(py, targets, pyflame, tmp_path):
    """--stats of a recycling tree is a line per process: when nobody reads
    pyflame's standard error (a 4 KiB pipe here), pyflame blocks writing
    it, but only once every process is detached and running."""
    target, report = start_tree(py, targets, tmp_path, "prefork", "16", "0.5")
    proc = pyflame.spawn("--subprocesses", "--stats", "-s", "2", "-o",
                         os.devnull, "-p", target.pid)
    fcntl.fcntl(proc.stderr.fileno(), F_SETPIPE_SZ, 4096)
    blocked = processes.wait_for(lambda: writing_pipe(proc.pid), 30.0)
    try:
        pids = [target.pid] + [p for p, _, _ in report_lines(report)]
        assert_tree_released(pids, "a run whose --stats is not read")
    finally:
        run = pyflame.finish(proc, 10.0)
    assert run.returncode == 0, str(run)
    assert blocked, "pyflame never blocked writing --stats: nothing was " \
        "checked%s" % run
    target.assert_running()


def writing_pipe(pid):
    """Whether process pid sleeps writing to a full pipe."""
    try:
        with open("/proc/%d/wchan" % pid) as f:
            return f.read().strip() in ("pipe_write", "anon_pipe_write")
    except (IOError, OSError):
        return False
