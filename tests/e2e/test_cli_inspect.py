# SPDX-License-Identifier: Apache-2.0
"""The options of the inspection features on the command line: --locals
and --json need -d, --top excludes -d, -o, --flamechart and --format and needs a
terminal on standard output (refused with a hint otherwise), each refusal
one clear message, status 1, and nothing attached."""

import subprocess

import pytest

import processes
import tmux
from test_cli import PYFLAME, assert_usage_error, run, sleeper  # noqa: F401 (a fixture)


@pytest.mark.parametrize("option", ["--locals", "--json"])
def test_needs_dump(option):
    r = run(option, "-p", "1")
    assert_usage_error(r)
    assert r.stderr.startswith("Option %s needs -d (--dump).\n\n" % option), r.stderr


@pytest.mark.parametrize("other, name", [("-d", "-d"), ("--dump", "-d"),
                                         ("-ofile", "-o"), ("--flamechart", "--flamechart"),
                                         ("--format=svg", "--format")])
def test_top_excludes(other, name):
    r = run("--top", other, "-p", "1")
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr == "Options --top and %s are not mutually compatible.\n" % name


def test_top_refuses_a_pipe_and_leaves_the_target(sleeper):
    """Standard output a pipe: one line with a hint, status 1, the target
    never attached."""
    r = run("--top", "-p", str(sleeper))
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr.count("\n") == 1 and "--top needs a terminal on standard output" in r.stderr
    assert "-o FILE" in r.stderr, r.stderr
    assert processes.proc_status_field(sleeper, "TracerPid") == "0"


def test_top_in_a_terminal_passes_the_checks(tmp_path):
    """In a terminal the checks pass; what follows depends on the wiring
    of the sampling loop (docs/design.md)."""
    why = tmux.available()
    if why:
        pytest.skip(why)
    term = tmux.Terminal(tmp_path)
    try:
        term.start([PYFLAME, "--top", "-d", "-p", "1"])
        term.wait_screen(lambda s: "not mutually compatible" in s, what="the refusal")
        assert term.status() == 1
    finally:
        term.close()
