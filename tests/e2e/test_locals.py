# SPDX-License-Identifier: Apache-2.0
"""The variables of every frame of every thread, read from outside, against
the target's own account (targets/locals_gt.py: repr() of each frame's
f_locals), on every interpreter: ints of any size, floats, str and bytes
with every kind of escape, a 10 MB string, containers (a list holding
itself, a dict of 100 000 keys, a dict with a deleted key), cells and free
variables, arguments, generator and coroutine frames; and the JSON
document against sys._current_frames() and the kernel's view of the
threads.

These run tests/drivers/inspect-driver, which takes the steps pyflame -d
takes (target_inspect, inspect_model) and can time them (see the driver);
test_pyflame_inspect.py holds the same checks for `pyflame -d` itself."""

import json
import os

import pytest

import localsview
import processes
from profiles import Frame, parse_dump_locals


def start_target(targets, interp, tmp_path):
    report = str(tmp_path / "view.json")
    target = targets.start(interp, "locals_gt.py", "--report", report)
    view = localsview.load_report(report)
    nthreads = len(view["threads"])
    gone = processes.wait_for(
        lambda: processes.task_count(target.pid) == nthreads, 10.0)
    assert gone, "the reporter thread did not end\n%s" % target.describe()
    return target, view


def frames_of(view_thread):
    return [Frame(f[0], f[1], f[2]) for f in view_thread["frames"]]


def check_thread_vars(tid, shown_frames, view_thread, py2):
    """Problems of one thread: its frames, then each frame's variables."""
    want = frames_of(view_thread)
    got = [f for f, _ in shown_frames]
    if got != want:
        return ["thread %d: frames %r, target sees %r" % (tid, got, want)]
    problems = []
    for (frame, shown), desc in zip(shown_frames, view_thread["frames"]):
        described = desc[4]
        if described is None:  # a module body: its variables are globals
            continue
        if shown is None:
            problems.append("thread %d %r: variables not readable" % (tid, frame))
            continue
        problems += ["thread %d %r: %s" % (tid, frame, p) for p in
                     localsview.compare_vars(shown, described, py2)]
    return problems


def check_locals_run(run, target, view, interp):
    """The text of -d --locals against the target's account."""
    assert run.returncode == 0 and run.stderr == b"", str(run)
    target.assert_running()
    threads = dict((t.tid, t) for t in parse_dump_locals(run.out))
    assert sorted(threads) == sorted(int(t) for t in view["threads"]), str(run)
    problems = []
    for tid, t in sorted(threads.items()):
        problems += check_thread_vars(tid, t.frames, view["threads"][str(tid)],
                                      interp.version[0] == 2)
    assert not problems, "\n".join(problems) + str(run)
    scenarios = set(f.func for t in threads.values() for f, _ in t.frames)
    assert set(["scalars", "strings", "containers", "inner_free",
                "outer_cells", "arguments", "gen_frame"]) <= scenarios


def test_locals_match_target(interp, targets, inspect_driver, tmp_path):
    """-d --locals: every variable of every function frame, as the target
    itself describes it."""
    target, view = start_target(targets, interp, tmp_path)
    check_locals_run(inspect_driver.run("--locals", target.pid), target, view, interp)


def comm(pid, tid):
    try:
        with open("/proc/%d/task/%d/comm" % (pid, tid), "rb") as f:
            return f.read().rstrip(b"\n").decode("utf-8", "replace")
    except OSError:
        return None


def check_json_thread(doc_thread, view_thread, pid, py2):
    """Problems of one thread of the JSON document."""
    t = doc_thread
    problems = []
    if t["native_id"] != view_thread["native_id"]:
        problems.append("native_id %r, the thread's gettid() was %r"
                        % (t["native_id"], view_thread["native_id"]))
    if t["name"] != comm(pid, view_thread["native_id"]):
        problems.append("name %r, the kernel says %r"
                        % (t["name"], comm(pid, view_thread["native_id"])))
    if t["state"] not in ("S", "D") or t["idle"] is not True:
        problems.append("a parked thread has state %r, idle %r"
                        % (t["state"], t["idle"]))
    shown = [(Frame(f["file"], f["function"], f["line"]),
              None if f["locals"] is None else
              [(v["name"], v["repr"]) for v in f["locals"]])
             for f in t["frames"]]
    problems += check_thread_vars(t["thread_id"], shown, view_thread, py2)
    for f, desc in zip(t["frames"], view_thread["frames"]):
        if f["kind"] != "python" or f["qualname"] != desc[3]:
            problems.append("frame %s: kind %r, qualname %r; want python, %r"
                            % (f["function"], f["kind"], f["qualname"], desc[3]))
    return problems


def check_json_document(doc, view, target, interp):
    assert doc["format"] == "pyflame-dump" and doc["version"] == 1, doc.keys()
    proc = doc["process"]
    assert proc["pid"] == target.pid
    assert proc["python"] == "%d.%d.%d" % tuple(interp.version), proc
    with open("/proc/%d/cmdline" % target.pid, "rb") as f:
        argv = [a.decode("utf-8", "replace") for a in f.read().split(b"\0")[:-1]]
    assert proc["command_line"] == argv, proc
    threads = dict((t["thread_id"], t) for t in doc["threads"])
    assert sorted(threads) == sorted(int(t) for t in view["threads"])
    assert sum(t["holds_gil"] for t in doc["threads"]) <= 1
    problems = []
    for tid, t in sorted(threads.items()):
        problems += check_json_thread(t, view["threads"][str(tid)], target.pid,
                                      interp.version[0] == 2)
    return problems


def check_json_run(run, target, view, interp, with_locals=True):
    """The JSON of -d --json (--locals) against the target's account."""
    assert run.returncode == 0 and run.stderr == b"", str(run)
    target.assert_running()
    doc = json.loads(run.out)
    frames = [f for t in doc["threads"] for f in t["frames"]]
    if not with_locals:
        assert frames and not any("locals" in f for f in frames), str(run)
        return
    problems = check_json_document(doc, view, target, interp)
    assert not problems, "\n".join(problems) + str(run)


def test_json_matches_target(interp, targets, inspect_driver, tmp_path):
    """-d --json --locals: one JSON document; process, threads (ids, kernel
    ids, names, states), frames and variables as the target and the kernel
    see them."""
    target, view = start_target(targets, interp, tmp_path)
    check_json_run(inspect_driver.run("--json", "--locals", target.pid), target, view, interp)


def test_json_without_locals(interp, targets, inspect_driver, tmp_path):
    """-d --json alone: no "locals" members at all."""
    target, view = start_target(targets, interp, tmp_path)
    check_json_run(inspect_driver.run("--json", target.pid), target, view, interp, False)
