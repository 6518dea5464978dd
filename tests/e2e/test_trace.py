# SPDX-License-Identifier: Apache-2.0
"""-t: profile a child from its start until it exits, and exit with the
child's status (128 + N for a child killed by signal N)."""

import os
import select
import signal

import pytest

import expectations
import processes
from expectations import check_count
from profiles import parse_collapsed


def trace(pyflame, interp, out, *command, **kw):
    """pyflame -o OUT -t <interpreter> COMMAND..."""
    timeout = kw.pop("timeout", 30.0)
    args = ["-o", out, "-t"] + interp.command(*command)
    return pyflame.run(*args, env=interp.environ(), timeout=timeout)


def read_profile(path, run):
    with open(path, "rb") as f:
        data = f.read()
    try:
        return parse_collapsed(data.decode("utf-8"))
    except AssertionError as e:
        raise AssertionError("%s\nprofile file:\n%s%s" % (e, data, run))


def check_hottest(prof, chain, run):
    """The child's own work is its hottest stack (start-up comes first in
    trace mode, so it cannot be every sample)."""
    hot, _ = prof.hottest()
    assert chain.matches(hot), "hottest stack %r is not %s%s" % (
        hot, chain, run)


@pytest.fixture
def out(tmp_path, ptrace_ok):
    return str(tmp_path / "profile.txt")


def test_trace_profiles_until_exit(interp, pyflame, out):
    busy = processes.target_path("busy.py")
    run = trace(pyflame, interp, out, busy, "--seconds", "1")
    assert run.returncode == 0, str(run)
    assert run.stderr == b"", str(run)
    # the child inherits stdout; the profile went to the file
    assert run.stdout == b"ready\n", str(run)
    assert 1.0 <= run.elapsed < 8.0, str(run)
    prof = read_profile(out, run)
    check_count(prof.total, 90, 120, run)
    check_hottest(prof, expectations.busy_chain(), run)


def test_trace_through_exec_wrapper(interp, pyflame, out):
    """A wrapper that execs Python (sh -c 'exec python app.py') is followed:
    an exec before the interpreter is found is the program starting up."""
    busy = processes.target_path("busy.py")
    wrapper = ["sh", "-c", 'sleep 0.3; exec "$@"', "sh"]
    args = ["-o", out, "-t"] + wrapper + interp.command(busy, "--seconds", "1")
    run = pyflame.run(*args, env=interp.environ(), timeout=30.0)
    assert run.returncode == 0, str(run)
    assert run.stderr == b"", str(run)
    prof = read_profile(out, run)
    check_count(prof.total, 90, 160, run)
    check_hottest(prof, expectations.busy_chain(), run)


def test_trace_child_keeps_its_priority(interp, pyflame, out):
    """pyflame runs ahead of its targets where it may (a lower nice value),
    but only once the traced command has started: the command keeps the
    priority it was given."""
    code = "import os, sys; sys.stdout.write('nice %d\\n' % os.nice(0))"
    run = trace(pyflame, interp, out, "-c", code)
    assert run.returncode == 0, str(run)
    assert run.stdout == ("nice %d\n" % os.nice(0)).encode(), str(run)


def test_trace_exit_status(interp, pyflame, out):
    exits = processes.target_path("exits.py")
    run = trace(pyflame, interp, out, exits, "--seconds", "0.5",
                "--status", "3")
    assert run.returncode == 3, "want the child's status%s" % run
    prof = read_profile(out, run)
    check_hottest(prof, expectations.exits_chain(), run)


@pytest.mark.parametrize("name", ["TERM", "KILL"])
def test_trace_child_killed_by_signal(interp, pyflame, out, name):
    exits = processes.target_path("exits.py")
    run = trace(pyflame, interp, out, exits, "--seconds", "0.5",
                "--signal", name)
    sig = processes.SIGNALS[name]
    assert run.returncode == 128 + sig, \
        "want 128 + SIG%s = %d%s" % (name, 128 + sig, run)
    prof = read_profile(out, run)
    check_hottest(prof, expectations.exits_chain(), run)


def test_trace_child_that_exits_at_once(interp, pyflame, out):
    # The child may end before the interpreter is even found. Either way
    # pyflame must neither hang nor crash: the child's status 0, or 1 with a
    # message saying the interpreter could not be found.
    run = trace(pyflame, interp, out, "-c", "pass", timeout=20.0)
    assert run.returncode in (0, 1), str(run)
    if run.returncode == 1:
        assert "Failed to locate libpython" in run.err or \
            "Child process exited" in run.err, str(run)
    else:
        assert run.stderr == b"", str(run)


def test_trace_missing_command(pyflame, out):
    # As the original: the child's line, then the parent's.
    run = pyflame.run("-o", out, "-t", "/no/such/file", timeout=20.0)
    assert run.returncode == 1, str(run)
    assert run.err.splitlines() == [
        "execvp() failed for: /no/such/file, err = No such file or directory",
        "Child process exited with status: 1"], str(run)


def test_trace_not_python(pyflame, out):
    run = pyflame.run("-o", out, "-t", "sleep", "10", timeout=20.0)
    assert run.returncode == 1, str(run)
    assert run.err.startswith("Failed to locate libpython"), str(run)
    assert run.elapsed < 8.0, "pyflame waited for the child%s" % run


def test_trace_survives_stop_and_continue(interp, pyflame, out):
    # A child stopped by SIGSTOP and resumed by SIGCONT while it is being
    # profiled goes on, and its own exit status comes back.
    exits = processes.target_path("exits.py")
    proc = pyflame.spawn("-o", out, "-t", *interp.command(
        exits, "--seconds", "1", "--status", "5"), env=interp.environ())
    # the child shares pyflame's stdout: its "ready" says it runs Python
    ready, _, _ = select.select([proc.stdout], [], [], 30.0)
    line = os.read(proc.stdout.fileno(), 6) if ready else b""
    child = child_of(proc.pid)
    if line != b"ready\n" or child is None:
        pytest.fail("the child did not start (%r)%s"
                    % (line, pyflame.finish(proc, 10.0)))
    processes.send(child, signal.SIGSTOP)
    processes.send(child, signal.SIGCONT)
    run = pyflame.finish(proc, 20.0)
    assert run.returncode == 5, str(run)
    prof = read_profile(out, run)
    check_hottest(prof, expectations.exits_chain(), run)


def child_of(pid):
    """The PID of a child of pid, or None."""
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            kids = f.read().split()
    except OSError:
        return None
    return int(kids[0]) if kids else None
