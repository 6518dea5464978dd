# SPDX-License-Identifier: Apache-2.0
"""-d against ground truth: targets/groundtruth.py parks its threads in known
frames (call chains, a generator, coroutines, a nested class method, a sort
key lambda, a call over several lines, a callback from C, deep recursion,
non-ASCII names, and the calls 3.11+ makes without C once specialised:
properties, __getitem__, __init__, __getattribute__, generators, *args,
keywords, bound methods, await) and records sys._current_frames() itself;
`pyflame -d` must print exactly that view, frame by frame, for every
thread."""

import difflib
import json
import os

import pytest

import processes
from profiles import Frame, parse_dump, render_stack


def start_groundtruth(targets, interp, tmp_path, key="threads"):
    """Start the target; return (target, its recorded view, thread order).
    key "qualified" gives the view with functions named by co_qualname."""
    report = str(tmp_path / "view.json")
    target = targets.start(interp, "groundtruth.py", "--report", report)
    with open(report) as f:
        view = json.load(f)
    nthreads = len(view["threads"])
    # The reporter has written the view; wait until its thread is gone.
    gone = processes.wait_for(
        lambda: processes.task_count(target.pid) == nthreads, 10.0)
    assert gone, "target still has %d threads, want %d\n%s" % (
        processes.task_count(target.pid), nthreads, target.describe())
    expected = dict((int(tid), [Frame(*f) for f in frames])
                    for tid, frames in view[key].items())
    return target, expected, view["order"]


def check_view_is_complete(expected):
    """The recorded view covers the designed scenarios (else the target is
    broken and a comparison would prove little)."""
    funcs = set(f.func for frames in expected.values() for f in frames)
    want = set(["main", "chain_c", "gen_values", "method", "<lambda>",
                "spread", "repl_from_c", "recurse", "value", "__getitem__",
                "__init__", "__getattribute__", "yield_one", "call"])
    assert want <= funcs, "target view lacks %r" % sorted(want - funcs)
    assert all(frames[0].func == "park" for frames in expected.values())


def diff_views(expected, dumped):
    """A readable report of every difference, or "" if the views agree."""
    report = []
    for tid in sorted(set(expected) | set(dumped)):
        if tid not in dumped:
            report.append("thread %d missing from the dump; the target "
                          "sees:\n  %s" % (tid, "\n  ".join(
                              render_stack(expected[tid]))))
            continue
        if tid not in expected:
            report.append("thread %d in the dump is unknown to the target:"
                          "\n  %s" % (tid, "\n  ".join(
                              render_stack(dumped[tid]))))
            continue
        if dumped[tid] != expected[tid]:
            lines = difflib.unified_diff(
                render_stack(expected[tid]), render_stack(dumped[tid]),
                "target view (innermost first)", "pyflame -d", lineterm="")
            report.append("thread %d differs:\n%s" % (tid, "\n".join(lines)))
    return "\n\n".join(report)


def dump(pyflame, target, *args):
    run = pyflame.run("-d", "-p", target.pid, *args)
    assert run.returncode == 0, str(run)
    assert run.stderr == b"", str(run)
    target.assert_running()
    return run


@pytest.mark.parametrize("mode", [(), ("--nonblocking",)],
                         ids=["paused", "nonblocking"])
def test_dump_matches_interpreter_view(interp, targets, pyflame, tmp_path,
                                       mode):
    """-d, with the target paused or not, prints exactly the stacks the
    target sees of itself, frame by frame, in every thread."""
    target, expected, _ = start_groundtruth(targets, interp, tmp_path)
    check_view_is_complete(expected)
    if interp.version >= (3,):
        funcs = set(f.func for s in expected.values() for f in s)
        assert set([u"coro_leaf", u"agen_values", u"gen_delegate",
                    u"fun\u00e7\u00e3o", u"\u51fd\u6570",
                    u"\U0002070e", u"awaited"]) <= funcs, sorted(funcs)
    run = dump(pyflame, target, *mode)
    threads = parse_dump(run.out)
    dumped = dict((t.tid, t.frames) for t in threads)
    assert len(dumped) == len(threads), "a thread is printed twice%s" % run
    problems = diff_views(expected, dumped)
    assert not problems, "pyflame -d differs from the target's own view:" \
        "\n\n%s\n%s" % (problems, run)
    holders = [t.tid for t in threads if t.holder]
    assert len(holders) <= 1, "several GIL holders %r%s" % (holders, run)


def test_dump_qualnames(interp, targets, pyflame, tmp_path):
    """--qualname names functions as co_qualname does (Class.method, 3.11+);
    older interpreters have no qualified name and keep co_name."""
    target, expected, _ = start_groundtruth(targets, interp, tmp_path,
                                            key="qualified")
    if interp.version >= (3, 11):
        funcs = set(f.func for s in expected.values() for f in s)
        assert any("." in f for f in funcs), sorted(funcs)
    run = dump(pyflame, target, "--qualname")
    dumped = dict((t.tid, t.frames) for t in parse_dump(run.out))
    problems = diff_views(expected, dumped)
    assert not problems, "pyflame -d --qualname differs from co_qualname:" \
        "\n\n%s\n%s" % (problems, run)


def test_dump_thread_order(interp, targets, pyflame, tmp_path):
    # The interpreter's list is newest first, the main thread last.
    target, expected, order = start_groundtruth(targets, interp, tmp_path)
    run = dump(pyflame, target)
    printed = [t.tid for t in parse_dump(run.out)]
    want = [tid for tid in reversed(order) if tid in expected]
    assert printed == want, "want newest thread first, main last%s" % run


def test_dump_options(interp, targets, pyflame, tmp_path):
    target, expected, _ = start_groundtruth(targets, interp, tmp_path)
    plain = dump(pyflame, target)
    assert plain.stdout, plain
    # -d ignores -s, -r, -x, -n and --flamechart
    mixed = dump(pyflame, target, "-n", "-x", "-s", "5", "-r", "0.5",
                 "--flamechart")
    assert mixed.stdout == plain.stdout, "%s%s" % (plain, mixed)
    assert mixed.elapsed < 4.0, mixed
    # ... and honours -o
    out = str(tmp_path / "dump.txt")
    to_file = dump(pyflame, target, "-o", out)
    assert to_file.stdout == b"", to_file
    with open(out, "rb") as f:
        assert f.read() == plain.stdout, to_file
    # a second look finds the same frames: nothing was disturbed
    again = dump(pyflame, target)
    assert again.stdout == plain.stdout, again
    assert os.path.exists("/proc/%d" % target.pid)
