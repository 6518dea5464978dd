# SPDX-License-Identifier: Apache-2.0
"""pyflame's output through the real flamegraph.pl ($FLAMEGRAPH_PL; skipped
when unset): no line is rejected, the SVG is well-formed XML, and its root
counts every sample."""

import os
import re
import shutil
import subprocess

import pytest

from profiles import parse_collapsed, parse_flamechart


@pytest.fixture(scope="session")
def flamegraph_pl():
    path = os.environ.get("FLAMEGRAPH_PL")
    if not path:
        pytest.skip("FLAMEGRAPH_PL is not set (path to flamegraph.pl)")
    if not os.path.isfile(path):
        pytest.skip("FLAMEGRAPH_PL=%s does not exist" % path)
    return path


def render(flamegraph_pl, folded, *options):
    """Run flamegraph.pl on folded text; return the SVG text."""
    proc = subprocess.run(
        ["perl", flamegraph_pl, "--countname", "stacks"] + list(options),
        input=folded, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        timeout=60)
    err = proc.stderr.decode("utf-8", "replace")
    context = "\nflamegraph.pl %s\nstderr:\n%s\ninput:\n%s" % (
        " ".join(options), err, folded.decode("utf-8", "replace")[:4000])
    assert proc.returncode == 0, "exit status %d%s" % (proc.returncode,
                                                       context)
    # no "Ignored N lines", "ERROR", perl warnings or low-count notes
    assert err == "", context
    svg = proc.stdout
    xmllint = shutil.which("xmllint")
    if xmllint:
        lint = subprocess.run([xmllint, "--noout", "-"], input=svg,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=60)
        assert lint.returncode == 0, "SVG is not well-formed XML:\n%s" % \
            lint.stderr.decode("utf-8", "replace")
    return svg.decode("utf-8")


def root_total(svg):
    m = re.search(r"<title>all \(([0-9,]+) stacks, 100%\)</title>", svg)
    assert m, "no root frame in the SVG"
    return int(m.group(1).replace(",", ""))


@pytest.mark.parametrize("mode", ["default", "no-lines", "threads"])
def test_flamegraph_accepts_collapsed(interp, targets, pyflame, flamegraph_pl,
                                      mode):
    target = targets.start(interp, "threads.py")
    args = {"default": [], "no-lines": ["-n"], "threads": ["--threads"]}[mode]
    run = pyflame.profile(target, *(args + ["-s", "0.5"]))
    prof = parse_collapsed(run.out, with_lines=(mode != "no-lines"))
    svg = render(flamegraph_pl, run.stdout)
    assert root_total(svg) == prof.total, str(run)
    assert "spin_alpha" in svg or "spin_beta" in svg, str(run)


def test_flamegraph_flamechart(interp, targets, pyflame, flamegraph_pl):
    # Each chart entry becomes one "stack 1" line in time order, the input
    # flamegraph.pl --flamechart draws a timeline from.
    target = targets.start(interp, "busy.py")
    run = pyflame.profile(target, "--flamechart", "-s", "0.5")
    events = parse_flamechart(run.out)
    lines = run.out.splitlines()[1::2]
    folded = "".join("%s 1\n" % line for line in lines).encode("utf-8")
    svg = render(flamegraph_pl, folded, "--flamechart")
    assert root_total(svg) == len(events), str(run)


def test_flamegraph_unicode_names(interp, targets, pyflame, flamegraph_pl):
    if interp.version < (3,):
        pytest.skip("Python 2 identifiers are ASCII only")
    target = targets.start(interp, "unicode_names.py")
    run = pyflame.profile(target, "-s", "0.5")
    svg = render(flamegraph_pl, run.stdout)
    assert u"\u51fd\u6570" in svg and u"fun\u00e7\u00e3o" in svg, str(run)
