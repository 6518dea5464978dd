# SPDX-License-Identifier: Apache-2.0
"""--format: every format on real targets, and every format agreeing with
the collapsed one on the samples of one run.

For the agreement, pyflame records a run with --flamechart (every sample,
in time order); tests/formats/convert ($PYFLAME_CONVERT) counts that
recording as pyflame does and writes it in every format; each output is
read back by the readers of formats.py and must give the same samples per
stack as the collapsed output, which must give what the recording holds.
"""

import os
import pty
import subprocess

import pytest

import formats
import processes
from profiles import parse_collapsed

HERE = os.path.dirname(os.path.abspath(__file__))
CONVERT_DEFAULT = os.path.join(HERE, "..", "formats", "convert")
THREAD_FUNCS = {"spin_alpha", "spin_beta", "nap_gamma", "nap_delta"}


@pytest.fixture(scope="session")
def convert():
    path = os.environ.get("PYFLAME_CONVERT") or CONVERT_DEFAULT
    if not os.access(path, os.X_OK):
        if os.environ.get("PYFLAME_CONVERT"):
            pytest.fail("PYFLAME_CONVERT=%s is not executable" % path)
        pytest.skip("no tests/formats/convert (run make check, or set "
                    "PYFLAME_CONVERT)")
    return os.path.abspath(path)


def read(path, mode="r"):
    with open(path, mode) as f:
        return f.read()


def converted(convert, recording, outdir, *flags):
    """Write the recording in every format; {format: path}."""
    os.makedirs(outdir)
    proc = subprocess.run([convert] + list(flags) + [recording, outdir],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr.decode()
    names = {"collapsed": "out.collapsed", "svg": "out.svg",
             "speedscope": "out.speedscope.json", "chrome": "out.chrome.json",
             "pprof": "out.pb.gz"}
    return dict((k, os.path.join(outdir, v)) for k, v in names.items())


def diff(a, b):
    keys = sorted(set(a) | set(b))
    return "\n".join("%s: %s vs %s" % (";".join(k)[-150:], a.get(k, 0),
                                       b.get(k, 0))
                     for k in keys if a.get(k, 0) != b.get(k, 0))


@pytest.mark.parametrize("flags", [(), ("-n",), ("-x",)],
                         ids=["lines", "no-lines", "no-idle"])
def test_formats_agree_on_one_run(interp, targets, pyflame, convert, tmp_path,
                                  flags):
    target = targets.start(interp, "threads.py")
    rec = str(tmp_path / "run.flamechart")
    run = pyflame.profile(target, "--flamechart", "-s", "0.5", "-o", rec)
    lines = "-n" not in flags
    want, stamps = formats.flamechart_counts(
        read(rec), include_idle="-x" not in flags)
    if not lines:
        want = formats.collapsed_counts("".join(
            "%s %d\n" % (";".join(f.rsplit(":", 1)[0] if ":" in f and
                                  f.rsplit(":", 1)[1].isdigit() else f
                                  for f in k), c)
            for k, c in sorted(want.items())), False)
    assert sum(want.values()) >= 20, "too few samples%s" % run
    out = converted(convert, rec, str(tmp_path / "out"), *flags)
    got = {
        "collapsed": formats.collapsed_counts(read(out["collapsed"]), lines),
        "svg": formats.svg_counts(read(out["svg"])),
        "speedscope": formats.speedscope_counts(read(out["speedscope"]))[0],
        "chrome": formats.chrome_counts(read(out["chrome"]), stamps),
        "pprof": formats.pprof_counts(read(out["pprof"], "rb"))[0],
    }
    for name, counts in got.items():
        assert counts == want, "%s differs from the recording:\n%s%s" % (
            name, diff(counts, want), run)


def functions_of(counts):
    return set(f.rsplit(":", 2)[1] if f.count(":") >= 2 else f
               for stack in counts for f in stack)


def profile_to(pyflame, target, path, *args):
    run = pyflame.profile(target, "-s", "0.5", "-o", path, *args)
    assert os.path.getsize(path) > 0, str(run)
    return run


def per_thread_total(run):
    return int(run.stats["samples"] - run.stats["failed"])


def thread_samples(counts):
    """Samples of the threads' stacks, (failed) ones left out."""
    return sum(c for k, c in counts.items() if k != ("(failed)",))


def test_format_svg(interp, targets, pyflame, tmp_path):
    target = targets.start(interp, "threads.py")
    path = str(tmp_path / "p.svg")
    run = profile_to(pyflame, target, path, "--threads")
    svg = read(path)
    counts = formats.svg_counts(svg)
    assert THREAD_FUNCS <= functions_of(counts), str(run)
    data = formats.svg_data(svg)
    assert data["total"] == 5 * per_thread_total(run) + run.stats["failed"], \
        str(run)
    assert "PID %d" % target.pid in svg, "the title names the target"
    xmllint = subprocess.run(["xmllint", "--noout", path],
                             stderr=subprocess.PIPE)
    assert xmllint.returncode == 0, xmllint.stderr.decode()


def test_format_speedscope(interp, targets, pyflame, tmp_path):
    target = targets.start(interp, "threads.py")
    path = str(tmp_path / "p.json")
    run = profile_to(pyflame, target, path, "--threads", "--format",
                     "speedscope")
    counts, names = formats.speedscope_counts(read(path))
    assert THREAD_FUNCS <= functions_of(counts), str(run)
    threads = [n for n in names if n != "(idle) and (failed)"]
    assert len(threads) == 5 and all(n.startswith("thread ") for n in threads), \
        "one profile per thread, named by thread: %r%s" % (names, run)
    assert len(names) == 5 + (run.stats["failed"] > 0), names
    assert thread_samples(counts) == 5 * per_thread_total(run), str(run)


def test_format_chrome(interp, targets, pyflame, tmp_path):
    target = targets.start(interp, "threads.py")
    path = str(tmp_path / "p.json")
    run = profile_to(pyflame, target, path, "--threads", "--format", "chrome")
    tracks, names, _ = formats.chrome_tracks(read(path))
    assert len(tracks) == 5 and set(tracks) <= set(names), (names, run)
    assert all(n.startswith("thread ") for n in names.values()), names
    assert all(pid == target.pid for pid, _ in tracks), tracks.keys()
    funcs = set(formats.chrome_frame_text(e).rsplit(":", 2)[1]
                for evs in tracks.values() for e in evs)
    assert THREAD_FUNCS <= funcs, str(run)


def test_format_pprof(interp, targets, pyflame, tmp_path):
    target = targets.start(interp, "threads.py")
    path = str(tmp_path / "p.pb.gz")
    run = profile_to(pyflame, target, path, "--threads")
    counts, prof = formats.pprof_counts(read(path, "rb"))
    assert THREAD_FUNCS <= functions_of(counts), str(run)
    assert prof["sample_types"] == [("samples", "count"),
                                    ("wall", "nanoseconds")]
    assert thread_samples(counts) == 5 * per_thread_total(run), str(run)
    threads = set(s["labels"]["thread"] for s in prof["samples"]
                  if "thread" in s["labels"])
    assert len(threads) == 5 and all(t.startswith("thread ") for t in threads)
    assert prof["period"] == 10000000 and len(prof["mappings"]) == 1


@pytest.mark.parametrize("fmt", ["svg", "speedscope", "chrome", "pprof"])
def test_format_options(interp, targets, pyflame, tmp_path, fmt):
    """-n, -x and --qualname change the frames as in the collapsed output."""
    target = targets.start(interp, "busy.py")
    path = str(tmp_path / "p")
    run = profile_to(pyflame, target, path, "--format", fmt, "-n", "-x",
                     "--qualname")
    data = read(path, "rb")
    if fmt == "svg":
        counts = formats.svg_counts(data.decode())
    elif fmt == "speedscope":
        counts = formats.speedscope_counts(data.decode())[0]
    elif fmt == "pprof":
        counts = formats.pprof_counts(data)[0]
    else:
        tracks, _, _ = formats.chrome_tracks(data.decode())
        counts = dict(((formats.chrome_frame_text(e),), 1)
                      for evs in tracks.values() for e in evs)
    frames = set(f for stack in counts for f in stack
                 if f not in ("(idle)", "(failed)"))
    assert ("(idle)",) not in counts, "-x leaves idle out%s" % run
    assert any(f.endswith(":inner") for f in frames), (frames, run)
    assert all(f.count(":") == 1 for f in frames), \
        "-n: no line numbers: %r%s" % (frames, run)


def test_format_with_trace(interp, pyflame, tmp_path, ptrace_ok):
    path = str(tmp_path / "p.speedscope.json")
    args = ["-o", path, "-t"] + interp.command(
        processes.target_path("busy.py"), "--seconds", "0.5")
    run = pyflame.run(*args, env=interp.environ(), timeout=30.0)
    assert run.returncode == 0 and run.stderr == b"", str(run)
    counts, names = formats.speedscope_counts(read(path))
    assert "inner" in functions_of(counts), str(run)
    assert names == [" ".join(interp.command(processes.target_path(
        "busy.py"), "--seconds", "0.5"))], names


# ------------------------------------------------------ choosing a format

def kind_of(data):
    if data[:2] == b"\x1f\x8b":
        return "pprof"
    if data.startswith(b"<?xml"):
        return "svg"
    if data.startswith(b'{"$schema"'):
        return "speedscope"
    if data.startswith(b'{"displayTimeUnit"'):
        return "chrome"
    parse_collapsed(data.decode())
    return "collapsed"


@pytest.mark.parametrize("name,want", [
    ("p.svg", "svg"), ("p.speedscope.json", "speedscope"), ("p.pb.gz", "pprof"),
    ("p.samp", "collapsed"), ("p.txt", "collapsed"), ("p.json", "collapsed"),
    ("p.gz", "collapsed")])
def test_suffix_picks_format(targets, pyflame, tmp_path, name, want):
    interp = pytest.importorskip("interpreters").discovered().found[0]
    target = targets.start(interp, "busy.py")
    path = str(tmp_path / name)
    pyflame.profile(target, "-s", "0.5", "-o", path)
    assert kind_of(read(path, "rb")) == want


def test_format_overrides_suffix(targets, pyflame, tmp_path):
    interp = pytest.importorskip("interpreters").discovered().found[0]
    target = targets.start(interp, "busy.py")
    path = str(tmp_path / "p.svg")
    pyflame.profile(target, "-s", "0.5", "-o", path, "--format", "collapsed")
    assert kind_of(read(path, "rb")) == "collapsed"


def test_format_errors(pyflame):
    run = pyflame.run("--format=bogus", "-p", "1")
    assert run.returncode == 1 and run.stdout == b"", str(run)
    assert run.err == 'Error: unknown format "bogus" (one of: collapsed, ' \
        "svg, speedscope, chrome, pprof, flamechart).\n", str(run)
    run = pyflame.run("--format=svg", "--flamechart", "-p", "1")
    assert run.returncode == 1 and run.err == \
        "Options --flamechart and --format are not mutually compatible.\n"
    run = pyflame.run("--help")
    assert b"--format=FMT" in run.stdout and b".pb.gz" in run.stdout


def test_binary_refused_on_terminal(pyflame_path):
    """pprof to a terminal: one line, exit 1, nothing attached; a pipe or
    -o is fine (checked by the other tests)."""
    master, slave = pty.openpty()
    try:
        proc = subprocess.run([pyflame_path, "--format=pprof", "-p", "1"],
                              stdout=slave, stderr=subprocess.PIPE,
                              stdin=subprocess.DEVNULL, timeout=20,
                              env=dict(os.environ, LC_ALL="C"))
    finally:
        os.close(slave)
        os.close(master)
    assert proc.returncode == 1
    assert proc.stderr == b"Error: the pprof format is binary and standard " \
        b"output is a terminal; use -o FILE or a pipe.\n", proc.stderr
