# SPDX-License-Identifier: Apache-2.0
"""Fixtures of the end-to-end suite.

* `interp`: every discovered interpreter (interpreters.py), as test ids such
  as "py3.11.7-pyenv" or "py3.11-debian";
* `pyflame`: the binary under test ($PYFLAME; else ../../src/pyflame relative
  to this directory, else /tmp/build-e2e/src/pyflame);
* `targets`: starts targets, checks at teardown that none was left stopped,
  and kills them.

Tests that start targets are skipped, with the reason, when ptrace is not
permitted; the run then exits 77 (automake's "skipped") if nothing failed.
"""

import os

import pytest

import interpreters
import processes
import tmux

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_BINARIES = [os.path.join(HERE, "..", "..", "src", "pyflame"),
                    "/tmp/build-e2e/src/pyflame"]

DISCOVERY = interpreters.discovered()

STATE = {"ptrace": "unchecked"}


def find_pyflame():
    """(path, None) or (None, why)."""
    explicit = os.environ.get("PYFLAME")
    if explicit:
        if os.access(explicit, os.X_OK):
            return os.path.abspath(explicit), None
        return None, "PYFLAME=%s is not an executable file" % explicit
    for path in DEFAULT_BINARIES:
        if os.access(path, os.X_OK):
            return os.path.abspath(path), None
    return None, "no pyflame binary (set PYFLAME; looked in %s)" % \
        ", ".join(os.path.normpath(p) for p in DEFAULT_BINARIES)


def pytest_report_header(config):
    path, why = find_pyflame()
    lines = ["pyflame: %s" % (path or why)]
    lines.append("interpreters: %s" % (
        ", ".join(i.label for i in DISCOVERY.found) or "none"))
    for label, reason in DISCOVERY.missing:
        lines.append("missing interpreter %s: %s" % (label, reason))
    return lines


def pytest_generate_tests(metafunc):
    if "interp" in metafunc.fixturenames:
        metafunc.parametrize("interp", DISCOVERY.found,
                             ids=[i.label for i in DISCOVERY.found])


def ptrace_reason():
    if STATE["ptrace"] == "unchecked":
        STATE["ptrace"] = processes.ptrace_denied()
    return STATE["ptrace"]


@pytest.fixture(scope="session")
def pyflame_path():
    path, why = find_pyflame()
    if path is None:
        if os.environ.get("PYFLAME"):
            pytest.fail(why)
        pytest.skip(why)
    return path


@pytest.fixture(scope="session")
def pyflame(pyflame_path):
    """Runs the binary under test with a time limit (processes.Pyflame)."""
    return processes.Pyflame(pyflame_path)


def find_driver(name, pyflame_path):
    """(path, None) or (None, why): a program of tests/drivers, from
    $PYFLAME_DRIVERS, else beside the pyflame under test."""
    where = os.environ.get("PYFLAME_DRIVERS") or os.path.join(
        os.path.dirname(os.path.dirname(pyflame_path)), "tests", "drivers")
    path = os.path.join(where, name)
    if os.access(path, os.X_OK):
        return path, None
    return None, "no %s in %s (make check builds it)" % (name, where)


@pytest.fixture(scope="session")
def inspect_driver(pyflame_path):
    """Runs tests/drivers/inspect-driver (a processes.Pyflame)."""
    path, why = find_driver("inspect-driver", pyflame_path)
    if path is None:
        if os.environ.get("PYFLAME_DRIVERS"):
            pytest.fail(why)
        pytest.skip(why)
    return processes.Pyflame(path)


@pytest.fixture
def terminal(tmp_path):
    """A private tmux window to run a command in (tmux.Terminal)."""
    why = tmux.available()
    if why:
        pytest.skip(why)
    term = tmux.Terminal(tmp_path)
    yield term
    term.close()


@pytest.fixture(scope="session")
def ptrace_ok():
    reason = ptrace_reason()
    if reason:
        pytest.skip(reason)


class Targets(object):
    """Starts targets for one test; see processes.Target."""

    def __init__(self):
        self.started = []

    def start(self, interp, script, *args, **kw):
        """Run a script of targets/ under interp; wait for its "ready"."""
        argv = interp.command(processes.target_path(script), *args)
        target = self.start_command(argv, env=interp.environ(),
                                    label="%s %s" % (interp.label, script))
        if kw.get("wait", True):
            target.wait_for_line("ready")
        return target

    def start_command(self, argv, env=None, label=None):
        target = processes.Target(argv, env=env, label=label)
        self.started.append(target)
        return target

    def finish(self):
        problems = []
        for target in self.started:
            try:
                target.assert_not_stopped("the test")
            except AssertionError as e:
                problems.append(str(e))
            target.kill()
        if problems:
            pytest.fail("\n".join(problems))


@pytest.fixture
def targets(ptrace_ok, pyflame):
    t = Targets()
    yield t
    t.finish()


def pytest_sessionfinish(session, exitstatus):
    if STATE["ptrace"] not in ("unchecked", None) and exitstatus == 0:
        session.exitstatus = 77
