# SPDX-License-Identifier: Apache-2.0
"""--subprocesses: a process tree profiled as one (targets/tree.py): pools
started by fork and by spawn, a pre-fork server that recycles its workers,
children born mid-run (in the profile within 20 ms of their birth at -r
0.01), a child that is not Python (skipped, released), 64 processes; every
stack rooted at a frame naming its process; every process of the tree left
running and untraced."""

import os
import re

import pytest

import processes
from profiles import parse_collapsed, parse_flamechart

ROOT_RE = re.compile(r'^process (\d+) "(.*)"$')


def report_lines(path):
    """[(pid, time, role)] of the tree's report."""
    with open(path) as f:
        return [(int(p), float(t), r) for p, t, r in
                (line.split(" ", 2) for line in f.read().splitlines())]


def roots_of(stack):
    """The pid a stack (root first) is rooted at."""
    m = ROOT_RE.match(stack[0].func) if stack[0].file is None else None
    assert m, "a stack not rooted at a process: %r" % (stack,)
    return int(m.group(1))


def roots(prof):
    """{pid: samples} of the processes that stacks are rooted at."""
    seen = {}
    for stack, count in prof.stacks:
        pid = roots_of(stack)
        seen[pid] = seen.get(pid, 0) + count
    return seen


def functions_of(prof, pid):
    out = set()
    for stack, _ in prof.stacks:
        if roots_of(stack) == pid:
            out.update(f.func for f in stack[1:])
    return out


def assert_tree_released(pids, after="pyflame"):
    """Every process of the tree still alive is neither stopped nor traced."""
    for pid in pids:
        def settled():
            state = processes.proc_state(pid)
            if state is None:
                return True
            tracer = processes.proc_status_field(pid, "TracerPid")
            return state not in ("t", "T") and tracer in ("0", None)
        assert processes.wait_for(settled, processes.SETTLE_TIMEOUT), \
            "process %d left %s, tracer %s after %s" % (
                pid, processes.proc_state(pid),
                processes.proc_status_field(pid, "TracerPid"), after)


def start_tree(interp, targets, tmp_path, *shape):
    report = str(tmp_path / "tree.txt")
    target = targets.start(interp, "tree.py", *(shape + ("--report", report)))
    return target, report


def profile_tree(pyflame, target, *args):
    run = pyflame.profile(target, "--subprocesses", "-n", *args)
    return run, parse_collapsed(run.out, with_lines=False)


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_pool(interp, targets, pyflame, tmp_path, method):
    """Every worker of a multiprocessing pool shows under its own root,
    busy in pool_task; the master under its own."""
    if method == "spawn" and interp.version < (3, 4):
        pytest.skip("Python %d.%d has no spawn start method" % interp.version[:2])
    if method == "spawn" and len(interp.argv) > 1:
        pytest.skip("%s runs through its own loader, which multiprocessing's "
                    "spawn does not use to start a worker" % interp.label)
    target, report = start_tree(interp, targets, tmp_path, method, "4")
    workers = [p for p, _, r in report_lines(report) if r == "worker"]
    run, prof = profile_tree(pyflame, target, "-s", "2", "-x")
    seen = roots(prof)
    missing = [p for p in workers if p not in seen]
    assert not missing, "workers %r not in the profile%s" % (missing, run)
    for pid in workers:
        assert "pool_task" in functions_of(prof, pid), \
            "worker %d not seen in pool_task%s" % (pid, run)
    assert_tree_released([target.pid] + workers)
    target.assert_running()


def test_prefork_recycling(interp, targets, pyflame, tmp_path):
    """Workers that exit are dropped cleanly; those forked to replace them
    during the run are in the profile."""
    target, report = start_tree(interp, targets, tmp_path, "prefork", "3",
                                "0.4")
    first = set(p for p, _, _ in report_lines(report))
    run, prof = profile_tree(pyflame, target, "-s", "2", "-x")
    later = set(p for p, _, _ in report_lines(report)) - first
    seen = roots(prof)
    assert later, "no worker was recycled during the run%s" % run
    born_seen = [p for p in later if p in seen]
    assert len(born_seen) >= len(later) - 3, \
        "workers born during the run %r, in the profile only %r%s" % (
            sorted(later), sorted(born_seen), run)
    assert_tree_released([target.pid] + sorted(first | later))
    target.assert_running()


def test_born_mid_run(interp, targets, pyflame, tmp_path):
    """A Python child born during the run is sampled within 20 ms of its
    birth at -r 0.01; a child that is not Python never shows and is let go."""
    target, report = start_tree(interp, targets, tmp_path, "births", "1.0")
    run = pyflame.profile(target, "--subprocesses", "-n", "--flamechart",
                          "-s", "2.5", "-r", "0.01")
    events = parse_flamechart(run.out, with_lines=False)
    lines = report_lines(report)
    born = [(p, t) for p, t, r in lines if r == "born"]
    sleeper = [int(r.split()[1]) for _, _, r in lines if r.startswith("sleep")]
    assert born and sleeper, "the target did not fork its children: %r%s" % (
        lines, run)
    pid, birth = born[0]
    firsts = [e.time for e in events if e.frames and
              roots_of(e.frames) == pid]
    assert firsts, "the child born mid-run is not in the profile%s" % run
    delay_ms = (firsts[0] / 1e6 - birth) * 1e3
    assert delay_ms <= 20.0, "first sample %.1f ms after its birth%s" % (
        delay_ms, run)
    # until its exec the sleep child is a copy of the Python parent
    before_exec = [e.frames for e in events if e.frames and
                   roots_of(e.frames) == sleeper[0]]
    assert all(any(f.func == "run_births" for f in s) for s in before_exec), \
        "the child that is not Python was sampled after its exec%s" % run
    assert_tree_released([target.pid, pid] + sleeper)
    target.assert_running()


# Attaching to 65 processes costs seconds on a loaded machine; one
# interpreter with frame objects and one with a data stack cover both walkers.
SIXTY_FOUR_ON = ("py2.7", "py3.9", "py3.12")


def test_sixty_four_processes(interp, targets, pyflame, tmp_path):
    """A tree of 65 processes, mostly waiting: all in the profile, all let
    go."""
    if not interp.label.startswith(SIXTY_FOUR_ON):
        pytest.skip("64 processes are checked on %s only" %
                    ", ".join(SIXTY_FOUR_ON))
    target, report = start_tree(interp, targets, tmp_path, "fanout", "64")
    leaves = [p for p, _, r in report_lines(report) if r == "leaf"]
    run, prof = profile_tree(pyflame, target, "-s", "2", "--threads")
    seen = roots(prof)
    missing = [p for p in leaves if p not in seen]
    assert not missing, "%d of 64 processes missing: %r%s" % (
        len(missing), missing[:8], run)
    assert_tree_released([target.pid] + leaves)
    target.assert_running()


@pytest.mark.parametrize("mode", [(), ("--nonblocking",), ("--threads",)],
                         ids=["paused", "nonblocking", "threads"])
def test_modes_and_dump(interp, targets, pyflame, tmp_path, mode):
    """--subprocesses works with --nonblocking and --threads; -d dumps every
    process under its label."""
    target, report = start_tree(interp, targets, tmp_path, "fork", "2")
    workers = [p for p, _, r in report_lines(report) if r == "worker"]
    run, prof = profile_tree(pyflame, target, "-s", "1", "-x", *mode)
    assert set(workers) <= set(roots(prof)), str(run)
    dump = pyflame.run("-d", "--subprocesses", "-p", target.pid, *mode)
    assert dump.returncode == 0, str(dump)
    labels = [int(m.group(1)) for m in
              (ROOT_RE.match(l.rstrip(":")) for l in dump.out.splitlines())
              if m]
    assert set(workers + [target.pid]) <= set(labels), str(dump)
    assert_tree_released([target.pid] + workers)


def test_trace_exit_status(interp, pyflame, tmp_path):
    """-t --subprocesses: a command whose children are Python ends with its
    own exit status, children profiled, a --stats line for each (the child
    ended before the run did)."""
    out = str(tmp_path / "out.txt")
    code = ("import os, sys\n"
            "pid = os.fork()\n"
            "if pid == 0:\n"
            "    s = 0\n"
            "    for i in range(3000000): s += i\n"
            "    os._exit(0)\n"
            "s = 0\n"
            "for i in range(3000000): s += i\n"
            "os.waitpid(pid, 0)\n"
            "sys.exit(7)\n")
    run = pyflame.run("--subprocesses", "--stats", "-o", out, "-t",
                      *interp.command("-c", code), timeout=60.0)
    assert run.returncode == 7, str(run)
    with open(out) as f:
        prof = parse_collapsed(f.read())
    pids = set(roots(prof))
    assert len(pids) >= 2, "parent and child expected%s" % run
    stats = set(int(p) for p in
                re.findall(r"^pyflame: process (\d+) stats: samples=", run.err, re.M))
    assert pids <= stats, "a --stats line per process expected%s" % run
