# SPDX-License-Identifier: Apache-2.0
"""The --top view in a real terminal (tmux): the busy function appears with
its percentage, the sort keys change the order, q and Ctrl-C and a signal
end it with status 0 leaving the terminal as it was (settings, normal
screen, cursor) and the target running untraced; when the target exits,
the last table stays with a line saying so; a resize redraws to the new
width; a non-terminal output is refused with a hint; and the view costs
less than 2 % of a CPU at 100 Hz on a 32-thread target.

These run tests/drivers/top-driver, which drives the view as sampler.c
does and can also feed it made-up samples (see the driver);
test_pyflame_inspect.py holds the same checks for `pyflame --top` itself."""

import os
import re
import subprocess

import pytest

import processes

ROW_RE = re.compile(r"^\s*(\d+\.\d)\s+(\d+\.\d)\s+\S+\s+\S+\s+(\S+) \((.*)\)\s*$")


@pytest.fixture(scope="session")
def top_driver(pyflame_path):
    import conftest
    path, why = conftest.find_driver("top-driver", pyflame_path)
    if path is None:
        if os.environ.get("PYFLAME_DRIVERS"):
            pytest.fail(why)
        pytest.skip(why)
    return path


def drive(top_driver):
    """The driver's argv: a test program that keeps its model to the end,
    so a sanitizer build must not fail it for what it never frees."""
    options = os.environ.get("ASAN_OPTIONS", "")
    return ["env", "ASAN_OPTIONS=%s%sdetect_leaks=0" % (
        options, ":" if options else ""), top_driver]


def rows(screen):
    """(own %, total %, function, where) of each table row shown."""
    found = []
    for line in screen.split("\n"):
        m = ROW_RE.match(line)
        if m:
            found.append((float(m.group(1)), float(m.group(2)), m.group(3), m.group(4)))
    return found


def own_share(screen, function):
    """The own % of `function` over all its rows: a row is a function at
    one line, and a loop may show on two (2.7's `while` line and its body)."""
    return sum(r[0] for r in rows(screen) if r[2] == function)


def has_rows(screen):
    return len(rows(screen)) >= 2


def check_restored(term, what):
    """Status 0, the terminal's settings as before, the normal screen, the
    cursor shown."""
    assert term.status() == 0, "%s: exit status %r\n%s" % (what, term.status(), term.screen())
    assert term.stty("after") == term.stty("before"), \
        "%s: terminal settings changed:\n%s\n%s" % (what, term.stty("before"), term.stty("after"))
    assert term.show("#{alternate_on}") == "0", "%s: still on the alternate screen" % what
    assert term.show("#{cursor_flag}") == "1", "%s: the cursor stays hidden" % what


def test_busy_function_shown(interp, targets, terminal, top_driver):
    """A busy target: its innermost function leads by own %, its callers
    have it in total; q ends the view and leaves the target as it was."""
    target = targets.start(interp, "busy.py")
    terminal.start(drive(top_driver) + [target.pid])
    screen = terminal.wait_screen(lambda s: any(r[2] == "inner" and r[0] > 0 for r in rows(s)),
                                  what="the busy function with a percentage")
    shown = rows(screen)
    assert shown[0][2] == "inner" and "busy.py:" in shown[0][3], screen
    assert any(r[2] == "outer" and r[1] >= 50 for r in shown), screen
    assert "samples " in screen and "/s (asked 100/s)" in screen, screen
    terminal.keys("q")
    check_restored(terminal, "q")
    assert "busy.py" not in terminal.screen(), "the table stays after q:\n" + terminal.screen()
    target.assert_running("the view")


def test_sort_keys(terminal, top_driver):
    """o sorts by own %, t by total %; made-up samples where the two differ."""
    terminal.start(drive(top_driver) + ["--synthetic"])
    screen = terminal.wait_screen(has_rows, what="the table")
    assert [r[2] for r in rows(screen)][:2] == ["busy", "helper"], screen
    terminal.keys("t")
    screen = terminal.wait_screen(lambda s: "sorted by total" in s, what="sorted by total")
    order = [r[2] for r in rows(screen)]
    assert set(order[:2]) == set(["caller", "main"]) and order[2:4] == ["busy", "helper"], screen
    assert abs(rows(screen)[0][1] - 90) < 3 and abs(rows(screen)[2][0] - 60) < 3, screen
    terminal.keys("o")
    screen = terminal.wait_screen(lambda s: "sorted by own" in s, what="sorted by own")
    assert [r[2] for r in rows(screen)][:2] == ["busy", "helper"], screen
    terminal.keys("a")
    terminal.wait_screen(lambda s: "since start" in s, what="since start")
    terminal.keys("q")
    check_restored(terminal, "q")


@pytest.mark.parametrize("how", ["ctrl-c", "sigterm", "sighup"])
def test_stop_restores_terminal(terminal, top_driver, how):
    """Ctrl-C (SIGINT from the terminal), SIGTERM and SIGHUP end the view as q does."""
    terminal.start(drive(top_driver) + ["--synthetic"])
    terminal.wait_screen(has_rows, what="the table")
    if how == "ctrl-c":
        terminal.keys("C-c")
    else:
        pid = int(subprocess.check_output(["pgrep", "-f", "-n", "top-driver --synthetic"]).split()[0])
        processes.send(pid, processes.SIGNALS[how[3:].upper()])
    check_restored(terminal, how)


def test_target_exit_keeps_last_table(targets, terminal, top_driver):
    """The target ends: the view ends with status 0, its last table stays
    on the normal screen with a line saying so."""
    interp = pytest.importorskip("conftest").DISCOVERY.found[0]
    target = targets.start(interp, "busy.py", "--seconds", "2.5")
    terminal.start(drive(top_driver) + [target.pid])
    terminal.wait_screen(has_rows, what="the table")
    screen = terminal.wait_screen(lambda s: "has exited" in s, what="the exit line")
    check_restored(terminal, "the target's exit")
    lines = screen.split("\n")
    said = [i for i, l in enumerate(lines) if "PID %d has exited" % target.pid in l]
    assert said and rows("\n".join(lines[:said[0]])), screen


def test_resize(terminal, top_driver):
    """A smaller terminal: the table is drawn again, cut to its width."""
    terminal.start(drive(top_driver) + ["--synthetic"])
    terminal.wait_screen(has_rows, what="the table")
    terminal.resize(50, 12)
    screen = terminal.wait_screen(
        lambda s: max(len(l) for l in s.split("\n")) <= 50 and "%Own" in s,
        what="the table at 50 columns")
    assert any(l.startswith("pyflame --top") for l in screen.split("\n")), screen
    terminal.keys("q")
    check_restored(terminal, "q after a resize")


def test_refuses_non_terminal(top_driver):
    """Standard output not a terminal: refused, status 1, with a hint."""
    run = subprocess.run([top_driver, "--synthetic"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, timeout=20)
    assert run.returncode == 1 and run.stdout == b"", run
    err = run.stderr.decode()
    assert "not a terminal" in err and "-o FILE" in err, err


def test_cost_on_32_threads(targets, terminal, top_driver, tmp_path):
    """32 threads, all sampled at 100 Hz: the view redraws every second and
    costs less than 2 % of one CPU."""
    interp = pytest.importorskip("conftest").DISCOVERY.found[0]
    target = targets.start(interp, "threads32.py")
    stats = str(tmp_path / "stats")
    terminal.start(drive(top_driver) + ["--threads", "-s", "6", "--stats", stats, target.pid])
    screen = terminal.wait_screen(lambda s: "threads 32" in s and own_share(s, "spin") > 50,
                                  what="32 threads, spin busy")
    assert terminal.status(timeout=30) == 0, screen
    processes.wait_for(lambda: os.path.exists(stats), 5.0)
    with open(stats) as f:
        fig = dict((k, int(v)) for k, v in (w.split("=") for w in f.read().split()))
    seconds = fig["wall_us"] / 1e6
    assert fig["draws"] >= seconds - 1, fig
    assert fig["samples"] >= 0.8 * 100 * seconds, fig
    share = fig["view_cpu_us"] / float(fig["wall_us"])
    assert share < 0.02, "the view took %.2f %% of a CPU: %r" % (100 * share, fig)
    target.assert_running("the view")
