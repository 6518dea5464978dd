# SPDX-License-Identifier: Apache-2.0
"""-d --locals, -d --json and --top through pyflame itself: the checks of
test_locals.py and test_top.py on the real command line."""

import json
import re

import pytest

import processes
import test_locals
import test_subprocesses
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
    # a long command line wraps the end line at the terminal's width
    screen = terminal.wait_screen(lambda s: "exited" in s.replace("\n", ""), timeout=30,
                                  what="the end line")
    assert test_top.rows(screen), screen
    test_top.check_restored(terminal, "the child's end")


def test_dump_json_subprocesses(interp, targets, pyflame, tmp_path):
    """-d --json --locals --subprocesses: one document, the root's process
    and threads at the top as without the option, every other process of
    the tree under "subprocesses", each worker in pool_task with its
    arguments read; every process let go."""
    target, report = test_subprocesses.start_tree(interp, targets, tmp_path, "fork", "2")
    workers = [p for p, _, r in test_subprocesses.report_lines(report) if r == "worker"]
    run = pyflame.run("-d", "--json", "--locals", "--subprocesses", "-p", target.pid)
    assert run.returncode == 0, str(run)
    doc = json.loads(run.out)
    assert doc["format"] == "pyflame-dump" and doc["version"] == 1, run.out[:200]
    assert doc["process"]["pid"] == target.pid and doc["threads"], run.out[:400]
    subs = {p["process"]["pid"]: p for p in doc["subprocesses"]}
    assert set(workers) <= set(subs), "workers %r, documented %r" % (workers, sorted(subs))
    for pid in workers:
        frames = [f for t in subs[pid]["threads"] for f in t["frames"]]
        tasks = [f for f in frames if f["function"] == "pool_task"]
        assert tasks, "worker %d not in pool_task: %r" % (pid, frames)
        assert any(v["name"] == "args" for v in tasks[0]["locals"]), tasks[0]
        assert subs[pid]["process"]["python"] == doc["process"]["python"]
    test_subprocesses.assert_tree_released([target.pid] + workers)


def test_dump_locals_subprocesses(interp, targets, pyflame, tmp_path):
    """-d --locals --subprocesses: each process under its label, each frame
    with its variables under it."""
    target, report = test_subprocesses.start_tree(interp, targets, tmp_path, "fork", "2")
    workers = [p for p, _, r in test_subprocesses.report_lines(report) if r == "worker"]
    run = pyflame.run("-d", "--locals", "--subprocesses", "-p", target.pid)
    assert run.returncode == 0, str(run)
    sections = {}
    pid = None
    for line in run.out.splitlines():
        m = test_subprocesses.ROOT_RE.match(line.rstrip(":"))
        if m:
            pid = int(m.group(1))
            sections[pid] = []
        elif pid is not None:
            sections[pid].append(line)
    assert set(workers + [target.pid]) <= set(sections), str(run)
    for pid in workers:
        lines = sections[pid]
        at = [i for i, l in enumerate(lines) if ":pool_task:" in l]
        assert at and lines[at[0] + 1].startswith("    args = "), \
            "worker %d: %r" % (pid, lines)
    test_subprocesses.assert_tree_released([target.pid] + workers)


def processes_shown(screen):
    """The processes the summary line counts (1 when it names none)."""
    m = re.search(r"processes (\d+)", screen)
    return int(m.group(1)) if m else 1


@pytest.mark.parametrize("options", [(), ("--nonblocking",)], ids=["paused", "nonblocking"])
def test_top_subprocesses(interp, targets, terminal, tmp_path, options):
    """--top --subprocesses: the workers' function leads, the processes
    counted in the summary; q leaves every process running untraced."""
    target, report = test_subprocesses.start_tree(interp, targets, tmp_path, "fork", "2")
    workers = [p for p, _, r in test_subprocesses.report_lines(report) if r == "worker"]
    terminal.start([PYFLAME, "--top", "--subprocesses"] + list(options) + ["-p", target.pid])
    terminal.wait_screen(
        lambda s: processes_shown(s) >= 2 and any(r[2] == "spin" and r[1] > 100 for r in
                                                  test_top.rows(s)),
        what="spin over 100 % total, in 2 processes or more")
    terminal.keys("q")
    test_top.check_restored(terminal, "q")
    test_subprocesses.assert_tree_released([target.pid] + workers)
    target.assert_running("pyflame --top --subprocesses")


def dump_stats(stderr):
    """The figures of the "dump stats" line of --stats."""
    for line in stderr.splitlines():
        if "dump stats:" in line:
            return dict((k, float(v)) for k, v in
                        (w.split("=") for w in line.split(":", 2)[2].split()))
    raise AssertionError("no dump stats line in %r" % stderr)


def test_dump_locals_32_threads(targets, pyflame):
    """-d --locals of 32 threads 50 frames deep, six variables a frame:
    every thread, frame and variable shown, and --stats times the dump and
    the hold (bench/inspect.py measures them against the goals: the
    figures depend on the machine's load, docs/performance.md)."""
    interp = pytest.importorskip("conftest").DISCOVERY.found[0]
    target = targets.start(interp, "deep_locals.py")
    run = pyflame.run("-d", "--locals", "--stats", "-p", target.pid)
    assert run.returncode == 0, str(run)
    lines = run.out.splitlines()
    assert sum(1 for l in lines if re.match(r"^\d+\*?:$", l)) == 32, run.out[:500]
    assert sum(1 for l in lines if ":descend:" in l) >= 32 * 47, run.out[:500]
    for name in ("count", "ratio", "label", "items", "table", "thing"):
        assert sum(1 for l in lines if l.startswith("    %s = " % name)) >= 32 * 47, name
    fig = dump_stats(run.err)
    assert 0 < fig["held_us"] <= fig["total_us"], fig
    assert 0 < fig["held_cpu_us"] <= fig["total_cpu_us"], fig
    target.assert_running("pyflame -d --locals")


@pytest.mark.parametrize("options", [(), ("--nonblocking",), ("--threads",)],
                         ids=["gil", "nonblocking", "threads"])
def test_top_redraws_32_threads(targets, terminal, tmp_path, options):
    """pyflame --top at 100 Hz on 32 threads 20 frames deep: a redraw every
    second, the spinning thread's function leading, and the view's figures
    in --stats once the terminal is given back (its CPU share is measured
    against the goal by bench/inspect.py, docs/performance.md)."""
    interp = pytest.importorskip("conftest").DISCOVERY.found[0]
    target = targets.start(interp, "threads32.py")
    err = str(tmp_path / "stderr")
    terminal.start(["sh", "-c", 'exec "$0" "$@" 2>"%s"' % err, PYFLAME, "--top", "--stats",
                    "-s", "5"] + list(options) + ["-p", target.pid])
    screen = terminal.wait_screen(lambda s: test_top.own_share(s, "spin") > 50,
                                  what="spin busy")
    assert terminal.status(timeout=30) == 0, screen
    with open(err) as f:
        text = f.read()
    line = [l for l in text.splitlines() if "view stats:" in l]
    assert line, text
    fig = dict((k, float(v.rstrip("%"))) for k, v in
               (w.split("=") for w in line[0].split(":", 2)[2].split()))
    assert fig["draws"] >= fig["seconds"] - 1 and fig["draws_per_s"] >= 0.8, fig
    assert 0 < fig["cpu_share"] < 100, fig
    target.assert_running("pyflame --top")
