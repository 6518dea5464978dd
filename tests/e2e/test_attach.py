# SPDX-License-Identifier: Apache-2.0
"""Attach mode around the sampling: failures to attach or to find Python,
-o, a target that exits or dies mid-run, signals to the target and to
pyflame itself. Every target must be left running and not stopped."""

import os
import subprocess
import time

import pytest

import expectations
import processes
from expectations import check_count
from profiles import parse_collapsed


def one_line(run):
    """stderr is exactly one line; return it."""
    lines = run.err.split("\n")
    assert len(lines) == 2 and lines[1] == "", \
        "want a one-line message on stderr%s" % run
    return lines[0]


def test_not_python(targets, pyflame):
    target = targets.start_command(["sleep", "60"])
    run = pyflame.run("-s", "1", "-p", target.pid, timeout=20.0)
    assert run.returncode == 1, str(run)
    assert run.stdout == b"", str(run)
    assert run.err.startswith("Failed to locate libpython"), str(run)
    target.assert_running()


@pytest.mark.parametrize("wait", [0.0, 2.0])
def test_wait_bounds_the_search(targets, pyflame, wait):
    """--wait is how long pyflame looks for an interpreter that may still be
    starting; on a process that never becomes Python it is the time to fail."""
    target = targets.start_command(["sleep", "60"])
    run = pyflame.run("--wait=%g" % wait, "-s", "1", "-p", target.pid,
                      timeout=20.0)
    assert run.returncode == 1, str(run)
    assert run.err.startswith("Failed to locate libpython"), str(run)
    assert wait <= run.elapsed < wait + 1.0, \
        "gave up after %.2f s with --wait=%g%s" % (run.elapsed, wait, run)
    target.assert_running()


def test_no_such_pid(pyflame, ptrace_ok):
    pid = processes.reaped_pid()
    run = pyflame.run("-s", "0", "-p", pid)
    assert run.returncode == 1, str(run)
    assert run.stdout == b"", str(run)
    line = one_line(run)
    assert line.startswith("Failed to seize PID %d" % pid), str(run)
    assert "No such process" in line, str(run)


def test_already_traced(targets, pyflame):
    # A process can have one tracer only: the kernel says EPERM.
    target = targets.start_command(["sleep", "60"])
    holder, line = processes.seize_from_sibling(target.pid, 60)
    try:
        assert line == "seized", line
        run = pyflame.run("-s", "0", "-p", target.pid)
    finally:
        holder.kill()
        holder.wait()
    assert run.returncode == 1, str(run)
    line = one_line(run)
    assert line.startswith("Failed to seize PID %d: Operation not permitted"
                           % target.pid), str(run)
    target.assert_running()


def test_other_user(targets, pyflame):
    if os.geteuid() != 0 or not os.path.exists("/usr/bin/setpriv"):
        pytest.skip("needs root and setpriv to run pyflame as another user")
    target = targets.start_command(["sleep", "60"])
    argv = ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534",
            "--clear-groups", "--inh-caps=-all", pyflame.path,
            "-s", "0", "-p", str(target.pid)]
    proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          env=dict(os.environ, LC_ALL="C"), timeout=20)
    err = proc.stderr.decode("utf-8", "replace")
    if proc.returncode in (126, 127) or err.startswith("setpriv:"):
        pytest.skip("cannot run pyflame as nobody here: %s" % err.strip())
    assert proc.returncode == 1, err
    assert err.startswith("Failed to seize PID %d: Operation not permitted"
                          % target.pid), err
    assert err.count("\n") == 1, err
    target.assert_running()


def test_output_file(interp, targets, pyflame, tmp_path):
    target = targets.start(interp, "busy.py")
    out = tmp_path / "profile.txt"
    out.write_bytes(b"stale content, longer than nothing\n" * 1000)
    run = pyflame.profile(target, "-s", "0.5", "-o", str(out))
    assert run.stdout == b"", str(run)
    prof = parse_collapsed(out.read_bytes().decode("utf-8"))
    check_count(prof.total, 45, 55, run)
    assert expectations.share(prof, expectations.busy_chain()) >= 0.5, str(run)
    target.assert_running()


@pytest.mark.parametrize("kind", ["directory", "missing-parent"])
def test_output_unwritable(interp, targets, pyflame, tmp_path, kind):
    target = targets.start(interp, "busy.py")
    path = str(tmp_path) if kind == "directory" else \
        str(tmp_path / "no" / "such" / "dir" / "out.txt")
    run = pyflame.run("-s", "0.5", "-o", path, "-p", target.pid)
    assert run.returncode == 1, str(run)
    assert run.stdout == b"", str(run)
    line = one_line(run)
    assert line.startswith('cannot open file "%s" as output' % path), str(run)
    target.assert_running()


def test_target_exits_mid_run(interp, targets, pyflame):
    target = targets.start(interp, "exits.py", "--seconds", "0.5")
    run = pyflame.run("-s", "5", "-p", target.pid)
    assert run.returncode == 0, str(run)
    assert run.stderr == b"", str(run)
    assert run.elapsed < 3.0, "pyflame outlived its target%s" % run
    prof = parse_collapsed(run.out)
    check_count(prof.total, 5, 55, run)
    assert expectations.share(prof, expectations.exits_chain()) >= 0.5, \
        str(run)
    processes.wait_for(lambda: not target.alive(), 5.0)
    assert target.proc.poll() == 0, target.describe()


def spawn_attached(pyflame, target, *args):
    """Start pyflame on target; return once it is attached and sampling."""
    proc = pyflame.spawn(*(args + ("-p", target.pid)))
    assert processes.wait_attached(target), "pyflame never attached"
    # let it take some samples (the data the test wants to see written)
    time.sleep(0.3)
    if proc.poll() is not None:
        pytest.fail("pyflame %s ended by itself while its target still "
                    "runs%s" % (" ".join(args), pyflame.finish(proc, 1)))
    return proc


def test_target_killed_mid_run(interp, targets, pyflame):
    target = targets.start(interp, "busy.py")
    proc = spawn_attached(pyflame, target, "-s", "30")
    processes.send(target.proc, processes.SIGNALS["KILL"])
    killed = time.monotonic()
    run = pyflame.finish(proc, 10.0)
    assert run.returncode == 0, str(run)
    assert time.monotonic() - killed < 2.0, \
        "pyflame outlived its target%s" % run
    assert run.stderr == b"", str(run)
    prof = parse_collapsed(run.out)
    check_count(prof.total, 10, 3000, run)
    assert expectations.share(prof, expectations.busy_chain()) >= 0.5, str(run)


@pytest.mark.parametrize("name", ["INT", "TERM", "HUP"])
def test_signal_to_pyflame(interp, targets, pyflame, name):
    target = targets.start(interp, "busy.py")
    proc = spawn_attached(pyflame, target, "-s", "30")
    processes.send(proc, processes.SIGNALS[name])
    sent = time.monotonic()
    run = pyflame.finish(proc, 10.0)
    assert run.returncode == 0, str(run)
    assert time.monotonic() - sent < 2.0, "slow to stop on SIG%s%s" % (
        name, run)
    assert run.stderr == b"", str(run)
    prof = parse_collapsed(run.out)
    check_count(prof.total, 10, 3000, run, "samples written")
    assert expectations.share(prof, expectations.busy_chain()) >= 0.5, str(run)
    target.assert_running("SIG%s to pyflame" % name)


def test_signal_to_target_is_delivered(interp, targets, pyflame):
    # busy.py prints "got SIGUSR1" from its handler: the signal must reach
    # the target while it is being profiled, not be swallowed.
    target = targets.start(interp, "busy.py")
    proc = spawn_attached(pyflame, target, "-s", "1.5")
    processes.send(target.proc, processes.SIGNALS["USR1"])
    line = target.read_line(2.0)
    run = pyflame.finish(proc, 10.0)
    assert line == "got SIGUSR1", "target got no SIGUSR1 (read %r)%s" % (
        line, run)
    assert run.returncode == 0, str(run)
    assert run.stderr == b"", str(run)
    target.assert_running()


def test_sigterm_to_target_ends_it(interp, targets, pyflame):
    target = targets.start(interp, "busy.py")
    proc = spawn_attached(pyflame, target, "-s", "30")
    processes.send(target.proc, processes.SIGNALS["TERM"])
    processes.wait_for(lambda: not target.alive(), 5.0)
    run = pyflame.finish(proc, 10.0)
    assert target.proc.poll() == -processes.SIGNALS["TERM"], \
        "SIGTERM did not reach the target: %s%s" % (target.describe(), run)
    assert run.returncode == 0, str(run)
    check_count(parse_collapsed(run.out).total, 10, 3000, run)
