# SPDX-License-Identifier: Apache-2.0
"""Every format read by the program that really reads it, on every
interpreter: the speedscope app (speedscope JSON, Chrome trace, pprof and
collapsed text), Chrome DevTools' trace engine (Chrome trace), Google's
pprof (pprof) and chromium running the flame graph's own script (SVG).
Each must accept the file without a warning and show what pyflame saw.
See consumers.py for where they come from."""

import collections
import os
import re
import subprocess
import statistics

import pytest

import consumers
import formats
from test_formats import THREAD_FUNCS, functions_of

# Not "p.chrome.json": speedscope reads files so named as DevTools' own
# timeline format, which this is not.
FILES = [("collapsed", "p.collapsed.txt"), ("svg", "p.svg"),
         ("speedscope", "p.speedscope.json"), ("chrome", "p.trace.json"),
         ("pprof", "p.pb.gz")]
IMPORTER = {"collapsed": "collapsed stack format",
            "speedscope": "speedscope json file",
            "chrome": "Trace Event Format profile",
            "pprof": "protobuf encoded pprof file"}


@pytest.fixture(scope="session")
def tools():
    t = consumers.Tools()
    yield t
    t.close()


OUTPUTS = {}


@pytest.fixture
def outputs(interp, targets, pyflame, tmp_path_factory, tools):
    """threads.py profiled with --threads once per format: {format: path},
    made once per interpreter for all the tests here."""
    if interp.label not in OUTPUTS:
        target = targets.start(interp, "threads.py")
        outdir = tmp_path_factory.mktemp("consumers")
        out = {}
        for fmt, name in FILES:
            out[fmt] = str(outdir / name)
            pyflame.profile(target, "--threads", "-s", "0.5", "--format",
                            fmt, "-o", out[fmt])
        OUTPUTS[interp.label] = out
    return OUTPUTS[interp.label]


def read(path, mode="r"):
    with open(path, mode) as f:
        return f.read()


def test_speedscope_imports_every_format(outputs, tools):
    todo = [f for f in ("speedscope", "chrome", "pprof", "collapsed")]
    args = []
    for fmt in todo:
        args += [outputs[fmt], os.path.basename(outputs[fmt])]
    results = tools.speedscope(*args)
    for fmt, res in zip(todo, results):
        assert consumers.speedscope_importer(res) == IMPORTER[fmt], (fmt, res)
        want = os.path.basename(outputs[fmt])
        if fmt == "speedscope":
            want = json_name(outputs[fmt])
        assert res["title"] == want + " - speedscope", (fmt, res["title"])
        table = res["text"]
        shown = set(f for f in THREAD_FUNCS | {"main"}
                    if re.search(r"\b%s\b" % f, table))
        # the first profile (one thread) is shown: one of the target's
        # functions must be there
        assert shown, "%s: no function of the target in the table:\n%s" % (
            fmt, table[:1500])


def json_name(path):
    import json
    with open(path) as f:
        return json.load(f)["name"]


def test_pprof_cli_reads_pprof(outputs, tools):
    rc, out, err = tools.pprof("-traces", "-symbolize=none",
                               "-sample_index=samples", outputs["pprof"])
    assert rc == 0 and err == "", err
    traces = consumers.pprof_traces(out)
    got = collections.Counter()
    for labels, value, funcs in traces:
        assert labels.get("thread", "").startswith("thread "), labels
        got[(labels["thread"],) + tuple(funcs)] += value
    counts, prof = formats.pprof_counts(read(outputs["pprof"], "rb"))
    want = collections.Counter()
    for s in prof["samples"]:
        funcs = tuple(prof["functions"][prof["locations"][l][1][0][1]][0]
                      for l in s["locations"])
        want[(s["labels"]["thread"],) + funcs] += s["values"][0]
    assert got == want, "pprof -traces:\n%s" % out
    assert THREAD_FUNCS <= set(f for k in got for f in k[1:])
    rc, out, err = tools.pprof("-top", outputs["pprof"])
    assert rc == 0 and "Main binary filename not available" not in err, err


def test_trace_engine_parses_chrome(outputs, tools):
    res = tools.trace_engine(outputs["chrome"])
    assert res["complaints"] == [], res["complaints"]
    tracks, names, _ = formats.chrome_tracks(read(outputs["chrome"]))
    got = dict(((t["pid"], t["tid"]), t) for t in res["threads"])
    assert set(tracks) <= set(got), (sorted(tracks), sorted(got))
    for key, evs in tracks.items():
        assert got[key]["name"] == names[key]
        roots = [(e["name"], e["ts"], e["dur"]) for e in evs
                 if e["_depth"] == 0]
        seen = [(r["name"], r["ts"], r["dur"]) for r in got[key]["roots"]]
        assert seen == roots, "track %r: engine %r, file %r" % (key, seen,
                                                                 roots)
        deepest = set()
        stack = list(got[key]["roots"])
        while stack:
            n = stack.pop()
            deepest.add(n["name"].split(" ")[0])
            stack += n["children"]
        assert deepest & THREAD_FUNCS or "main" in deepest, deepest


def test_svg_in_chromium(outputs, tools):
    svg = read(outputs["svg"])
    data = formats.svg_data(svg)
    res = tools.svg(outputs["svg"], r":spin_alpha:", "nap_")
    assert res["log"]["errors"] == [] and res["log"]["console"] == [], res["log"]
    assert res["parsererror"] == 0 and res["drawn"] > 5
    before, after = res["before"], res["after"]
    assert before and after, "no spin_alpha frame drawn"
    assert after["width"] > 1.5 * before["width"] and after["x"] < 11, \
        "a click zooms into the frame: %r -> %r" % (before, after)
    assert res["unzoom"] == "", "the reset control shows after a zoom"
    assert res["reset"]["width"] == before["width"], "reset zooms out"
    assert re.match(r"^spin_alpha \(.*\) \u2014 [0-9,]+ samples?, [0-9.]+%$",
                    res["details"]), res["details"]
    counts = formats.svg_counts(svg)
    naps = sum(c for k, c in counts.items()
               if any(":nap_" in f for f in k))
    share = "%.2f%%" % (100.0 * naps / data["total"])
    assert res["matched"] == "Matched: %s (nap_)" % share, res["matched"]
    hl = set(t.split(":")[1] for t in res["highlighted"])
    assert hl == {"nap_gamma", "nap_delta"}, res["highlighted"]


def test_svg_large_profile(tools, tmp_path):
    """100,000 distinct stacks, 100 of them 2,000 frames deep: under 5 MB,
    drawn in under 2 s (median of three loads), zoom and search work."""
    convert = os.environ.get("PYFLAME_CONVERT") or os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "formats", "convert")
    if not os.access(convert, os.X_OK):
        pytest.skip("no tests/formats/convert")
    subprocess.run([convert, "-S", "100000,2000", str(tmp_path)], check=True,
                   timeout=300, stdout=subprocess.DEVNULL)
    path = str(tmp_path / "out.svg")
    size = os.path.getsize(path)
    assert size < 5 * 1024 * 1024, "%d bytes" % size
    data = formats.svg_data(read(path))
    assert max(data["nodes"][1::3]) >= 2000, "the deep stacks are drawn"
    runs = [tools.svg(path, "function_2", "function_1[0-9]") for _ in range(3)]
    for res in runs:
        assert res["log"]["errors"] == [] and res["log"]["console"] == []
        assert res["after"]["width"] > res["before"]["width"]
        assert res["matched"].startswith("Matched: ")
    load = statistics.median(r["load_ms"] for r in runs)
    assert load < 2000, "median time to draw: %d ms (%r)" % (
        load, [r["load_ms"] for r in runs])
