# SPDX-License-Identifier: Apache-2.0
"""--nonblocking: stacks read while the target runs are checked against a
target whose every real stack is known (ladder.py), on every interpreter;
none may be torn, and the lost ones are counted in the --stats line."""

import json

import processes
from profiles import markers, parse_collapsed

SAMPLES = 2000  # -s 2 -r 0.001


def start_ladder(interp, targets, tmp_path):
    report = str(tmp_path / "ladder.json")
    target = targets.start(interp, "ladder.py", "--report", report)
    with open(report) as f:
        return target, json.load(f)


def ladder_problem(stack, view):
    """Why `stack` (root first) cannot be a real stack of ladder.py, or
    None. It is the ladder.py frames down to climb(), then step0 ... stepK
    in order, every step but the last on its call line. The last frame may
    be on any line of its function, its def line too (a frame that has not
    run its first instruction yet), and climb() may be on its call line
    with no step shown (the call under way, the new frame not started)."""
    path = processes.target_path("ladder.py")
    m = markers(path)
    steps = [i for i, f in enumerate(stack) if f.file == view["file"]]
    head = stack[:steps[0]] if steps else stack
    if [f.func for f in head[-3:]] != ["<module>", "main", "climb"] or \
            any(f.file != path for f in head):
        return "it does not start <module> -> main -> climb"
    if not steps:
        return None
    if head[-1].line != m["climb-call"]:
        return "climb() is not on its call line"
    tail = stack[steps[0]:]
    for k, f in enumerate(tail):
        if f.file != view["file"] or f.func != "step%d" % k:
            return "frame %d above climb() is %r, not step%d" % (k, f, k)
        first = view["first"][k]
        if k < len(tail) - 1 and f.line != view["call"][k]:
            return "step%d is not on its call line" % k
        if not first <= f.line < first + view["span"]:
            return "step%d on line %d, outside it" % (k, f.line)
    return None


def check_ladder(prof, view, run):
    bad = [(s, p) for s, p in ((s, ladder_problem(s, view))
                               for s, _ in prof.stacks) if p]
    assert not bad, "%d torn stacks, e.g. %s: %s%s" % (
        len(bad), ";".join(map(repr, bad[0][0])), bad[0][1], run)
    deep = [s for s, _ in prof.stacks if len(s) >= 3 + 10]
    assert deep, "no stack ten steps up: the target is not climbing%s" % run


def profile_ladder(interp, targets, pyflame, tmp_path, *mode):
    target, view = start_ladder(interp, targets, tmp_path)
    run = pyflame.profile(target, "-x", "--stats", "-s", "2", "-r", "0.001",
                          *mode)
    prof = parse_collapsed(run.out)
    # -x: idle samples are counted but not written
    assert run.stats["samples"] == prof.total + run.stats["idle"], str(run)
    assert run.stats["failed"] == prof.failed, str(run)
    assert prof.total + run.stats["late"] >= 0.9 * SAMPLES, str(run)
    return target, view, run, prof


def test_nonblocking_writes_no_torn_stack(interp, targets, pyflame, tmp_path):
    """Read while it climbs: every stack written is one that existed; a
    stack that changed under the read is read again, else counted failed."""
    target, view, run, prof = profile_ladder(interp, targets, pyflame,
                                             tmp_path, "--nonblocking")
    check_ladder(prof, view, run)
    assert prof.failed <= 0.5 * prof.total, \
        "most reads of a changing stack fail%s" % run
    assert run.stats["stopped_us_max"] == 0, \
        "--nonblocking stopped the target%s" % run
    target.assert_running()


def test_paused_writes_no_torn_stack(interp, targets, pyflame, tmp_path):
    """The default mode reads a held target: no stack is torn, none lost.
    From 3.11 on only the thread holding the GIL is stopped, and that is
    enough."""
    target, view, run, prof = profile_ladder(interp, targets, pyflame,
                                             tmp_path)
    check_ladder(prof, view, run)
    assert prof.failed == 0, str(run)
    assert run.stats["retries"] == 0, str(run)
    assert run.stats["stopped_us_max"] > 0, str(run)
    held_one = run.stats["held_one"] / run.stats["samples"]
    if interp.version >= (3, 11):
        assert held_one >= 0.9, "the GIL's thread alone held in %.0f%% " \
            "of the samples%s" % (100 * held_one, run)
    else:
        assert held_one == 0, "no thread ids before 3.11%s" % run
    target.assert_running()


def test_nonblocking_steady_stack(interp, targets, pyflame):
    """A target in a steady loop: the non-blocking profile finds the same
    hot stack as the paused one and loses nothing."""
    target = targets.start(interp, "busy.py")
    runs = [pyflame.profile(target, "-s", "0.5", "--stats", *mode)
            for mode in ((), ("--nonblocking",))]
    profs = [parse_collapsed(run.out) for run in runs]
    hot = [p.hottest()[0] for p in profs]
    assert hot[0][:-1] == hot[1][:-1], "%r vs %r%s" % (hot[0], hot[1], runs[1])
    assert profs[1].failed <= 0.02 * profs[1].total, str(runs[1])
