# SPDX-License-Identifier: Apache-2.0
"""-d --locals, -d --json and --top through pyflame itself: the checks of
test_locals.py and test_top.py on the real command line.

Not collected yet (conftest.py, collect_ignore): pyflame refuses these
options until sampler.c fills the dump model and drives the view
(docs/design.md, "What is left to wire"). Delete that line when it does;
every test here must then pass."""

import pytest

import processes
import test_locals
import test_top
from test_cli import PYFLAME


def test_dump_locals(interp, targets, pyflame, tmp_path):
    target, view = test_locals.start_target(targets, interp, tmp_path)
    run = pyflame.run("-d", "--locals", "-p", target.pid)
    test_locals.check_locals_run(run, target, view, interp)


def test_dump_json_locals(interp, targets, pyflame, tmp_path):
    target, view = test_locals.start_target(targets, interp, tmp_path)
    run = pyflame.run("-d", "--json", "--locals", "-p", target.pid)
    test_locals.check_json_run(run, target, view, interp)


def test_dump_json(interp, targets, pyflame, tmp_path):
    target, view = test_locals.start_target(targets, interp, tmp_path)
    run = pyflame.run("-d", "--json", "-p", target.pid)
    test_locals.check_json_run(run, target, view, interp, False)


@pytest.mark.parametrize("options", [(), ("--threads",), ("--nonblocking",), ("-x",),
                                     ("-r", "0.005")],
                         ids=["plain", "threads", "nonblocking", "exclude-idle", "rate"])
def test_top_busy(interp, targets, terminal, options):
    target = targets.start(interp, "busy.py")
    terminal.start([PYFLAME, "--top"] + list(options) + ["-p", target.pid])
    screen = terminal.wait_screen(
        lambda s: any(r[2] == "inner" and r[0] > 0 for r in test_top.rows(s)),
        what="the busy function with a percentage")
    if "-r" not in options:
        assert "(asked 100/s)" in screen, screen
    terminal.keys("t")
    terminal.wait_screen(lambda s: "sorted by total" in s, what="sorted by total")
    terminal.keys("q")
    test_top.check_restored(terminal, "q")
    target.assert_running("pyflame --top")


def test_top_ctrl_c(targets, terminal):
    interp = pytest.importorskip("conftest").DISCOVERY.found[0]
    target = targets.start(interp, "busy.py")
    terminal.start([PYFLAME, "--top", "-p", target.pid])
    terminal.wait_screen(test_top.has_rows, what="the table")
    terminal.keys("C-c")
    test_top.check_restored(terminal, "Ctrl-C")
    target.assert_running("pyflame --top")


def test_top_trace_until_exit(terminal):
    """-t: the child's end leaves the last table with a line saying so; the
    status is the child's."""
    interp = pytest.importorskip("conftest").DISCOVERY.found[0]
    terminal.start([PYFLAME, "--top", "-t"] + interp.command(
        processes.target_path("busy.py"), "--seconds", "3"))
    screen = terminal.wait_screen(lambda s: "exited" in s, timeout=30, what="the end line")
    assert test_top.rows(screen), screen
    test_top.check_restored(terminal, "the child's end")
