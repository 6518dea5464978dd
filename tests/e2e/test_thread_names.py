# SPDX-License-Identifier: Apache-2.0
"""--thread-names: every stack rooted at `thread TID "NAME"`, the name
threading knows (set at creation, or renamed during the run: later samples
show the new one), the TID the thread itself reports; the names head the
threads of -d, follow the process root with --subprocesses, and label the
threads of the speedscope, Chrome and pprof writers."""

import collections
import re

import formats
import processes
from profiles import parse_collapsed, parse_flamechart

THREAD_RE = re.compile(r'^thread ([0-9]+) "(.*)"$')
DUMP_HEADER_RE = re.compile(r'^([0-9]+)(\*?) (thread [0-9]+ ".*"):$')
NAMED = ("worker-1", "worker-2", "sleeper-3")
# names are read again at most every 200 ms; a sample taken this long after
# the rename must show the new name
RENAME_SLACK_S = 0.5


def read_report(path):
    """{name: (ident, tid)} and the wall clock of the rename (or None)."""
    threads, renamed = {}, None
    with open(path) as f:
        for line in f.read().splitlines():
            parts = line.split(" ", 2)
            if parts[0] == "renamed":
                renamed = float(parts[1])
            else:
                threads[parts[2]] = (int(parts[0]), int(parts[1]))
    return threads, renamed


def start(interp, targets, tmp_path):
    report = str(tmp_path / "threads.txt")
    target = targets.start(interp, "named_threads.py", "--report", report)
    return target, report


def thread_root(frames):
    """(tid, name) of the thread root a stack (root first) starts with."""
    assert frames and frames[0].file is None, \
        "a stack not rooted at a thread: %r" % (frames,)
    m = THREAD_RE.match(frames[0].func)
    assert m, "root %r is not 'thread TID \"NAME\"'" % frames[0].func
    return int(m.group(1)), m.group(2)


def roots(prof):
    """{(tid, name): samples}"""
    seen = collections.Counter()
    for stack, count in prof.stacks:
        seen[thread_root(stack)] += count
    return seen


def test_names_and_tids(interp, targets, pyflame, tmp_path):
    """With --threads every thread shows under its Python name and its own
    TID; the main thread is MainThread, its TID the process's."""
    target, report = start(interp, targets, tmp_path)
    run = pyflame.profile(target, "--thread-names", "--threads", "-x", "-n",
                          "-s", "1")
    threads, _ = read_report(report)
    seen = roots(parse_collapsed(run.out, with_lines=False))
    for name in NAMED:
        assert (threads[name][1], name) in seen, \
            "%s (TID %d) not in %r%s" % (name, threads[name][1], seen, run)
    assert (target.pid, "MainThread") in seen, "%r%s" % (seen, run)
    tids = dict((tid, name) for tid, name in seen)
    assert len(tids) == len(seen), "a TID under two names: %r%s" % (seen, run)


def test_gil_holder_only(interp, targets, pyflame, tmp_path):
    """Without --threads only the GIL holder is sampled, or while no thread
    holds it the threads on a CPU (C time is not idle): the spinning
    workers, named; another thread only when caught on a CPU between the
    holders, in at most 5 % of the stacks (the main thread too: it holds the
    GIL now and then), each under its own name."""
    target, report = start(interp, targets, tmp_path)
    run = pyflame.profile(target, "--thread-names", "-x", "-n", "-s", "1")
    threads, _ = read_report(report)
    seen = roots(parse_collapsed(run.out, with_lines=False))
    renamed = threads["before-rename"][1]
    spinning = set([(threads["worker-1"][1], "worker-1"),
                    (threads["worker-2"][1], "worker-2"),
                    (renamed, "before-rename"), (renamed, "after-rename")])
    others = sum(n for key, n in seen.items() if key not in spinning)
    assert seen and set(seen) & spinning, "%r%s" % (seen, run)
    assert others <= 0.05 * sum(seen.values()), "%r%s" % (seen, run)
    known = spinning | set((t[1], name) for name, t in threads.items())
    known.add((target.pid, "MainThread"))
    assert set(seen) <= known, "%r%s" % (seen, run)


def test_renamed_mid_run(interp, targets, pyflame, tmp_path):
    """A thread renamed during the run: before the rename its samples show
    the old name, from shortly after it the new one, under the same TID."""
    target, report = start(interp, targets, tmp_path)
    run = pyflame.profile(target, "--thread-names", "--threads", "-n",
                          "--flamechart", "-s", "3")
    threads, renamed = read_report(report)
    assert renamed is not None, "the target did not rename its thread%s" % run
    tid = threads["before-rename"][1]
    before, after = [], []
    for e in parse_flamechart(run.out, with_lines=False):
        if e.frames and thread_root(e.frames)[0] == tid:
            (before if e.time / 1e6 < renamed else after).append(
                (e.time / 1e6, thread_root(e.frames)[1]))
    assert before and after, "samples of the renamed thread: %d before, %d " \
        "after the rename%s" % (len(before), len(after), run)
    assert all(n == "before-rename" for _, n in before), before
    late = [n for t, n in after if t >= renamed + RENAME_SLACK_S]
    assert late and all(n == "after-rename" for n in late), \
        "after the rename: %r%s" % (sorted(set(late)), run)


def test_dump_headers(interp, targets, pyflame, tmp_path):
    """-d: each thread's header carries its label."""
    target, report = start(interp, targets, tmp_path)
    threads, _ = read_report(report)
    run = pyflame.run("--thread-names", "-d", "-p", target.pid)
    assert run.returncode == 0, str(run)
    headers = [DUMP_HEADER_RE.match(block.split("\n")[0])
               for block in run.out.split("\n\n")]
    assert all(headers), "headers not 'IDENT[*] thread TID \"NAME\":'%s" % run
    labels = set(m.group(3) for m in headers)
    for name in NAMED:
        assert 'thread %d "%s"' % (threads[name][1], name) in labels, \
            "%s not among %r%s" % (name, labels, run)
    idents = dict((m.group(3), int(m.group(1))) for m in headers)
    assert idents['thread %d "worker-1"' % threads["worker-1"][1]] == \
        threads["worker-1"][0], "%r%s" % (idents, run)
    target.assert_running()


def test_under_process_root(interp, targets, pyflame, tmp_path):
    """--subprocesses: the process root first, then the thread's."""
    target, report = start(interp, targets, tmp_path)
    run = pyflame.profile(target, "--thread-names", "--subprocesses",
                          "--threads", "-x", "-n", "-s", "0.5")
    threads, _ = read_report(report)
    prof = parse_collapsed(run.out, with_lines=False)
    seen = set()
    for stack, _ in prof.stacks:
        assert stack[0].func.startswith("process %d " % target.pid), stack
        seen.add(thread_root(stack[1:]))
    assert (threads["worker-1"][1], "worker-1") in seen, "%r%s" % (seen, run)


def test_writers_label_threads(interp, targets, pyflame, tmp_path):
    """speedscope profiles, Chrome thread names and pprof thread labels
    are the threads' labels."""
    target, report = start(interp, targets, tmp_path)
    threads, _ = read_report(report)
    want = set('thread %d "%s"' % (threads[n][1], n) for n in NAMED)
    for fmt, name in (("speedscope", "p.json"), ("chrome", "c.json"),
                      ("pprof", "p.pb.gz")):
        path = str(tmp_path / name)
        run = pyflame.profile(target, "--thread-names", "--threads", "-s",
                              "0.5", "--format", fmt, "-o", path)
        with open(path, "rb") as f:
            data = f.read()
        if fmt == "speedscope":
            _, labels = formats.speedscope_counts(data.decode())
        elif fmt == "chrome":
            labels = formats.chrome_tracks(data.decode())[1].values()
        else:
            prof = formats.pprof_counts(data)[1]
            labels = [s["labels"]["thread"] for s in prof["samples"]
                      if "thread" in s["labels"]]
        assert want <= set(labels), "%s: %r%s" % (fmt, set(labels), run)


def test_traced_command(interp, pyflame, tmp_path):
    """-t: threads started after the trace began (threading imported by
    then) show their names."""
    out, report = str(tmp_path / "prof"), str(tmp_path / "threads.txt")
    run = pyflame.run("--thread-names", "--threads", "-x", "-n", "-s", "3",
                      "-o", out, "-t", *interp.command(
                          processes.target_path("named_threads.py"),
                          "--report", report, "--seconds", "1"),
                      env=interp.environ(), timeout=30.0)
    assert run.returncode == 0, str(run)
    threads, _ = read_report(report)
    with open(out) as f:
        seen = roots(parse_collapsed(f.read(), with_lines=False))
    for name in ("worker-1", "worker-2"):
        assert (threads[name][1], name) in seen, \
            "%s (TID %d) not in %r%s" % (name, threads[name][1], seen, run)
