# SPDX-License-Identifier: Apache-2.0
"""The real programs that read pyflame's formats, as the end-to-end tests
run them. scripts/get-consumers.sh installs them into $PYFLAME_CONSUMERS
(default /var/cache/pyflame-consumers): the npm tools of tests/consumers
and Google's pprof built from Debian's source package; chromium and node
come from Debian. A test that needs one that is missing is skipped, saying
which and why, except under CI, where that is a failure.
PYFLAME_SKIP_CONSUMERS=1 skips them all (scripts/test.sh sets it for its
sanitizer pass: the consumers have read the same formats in the first).
"""

import json
import os
import re
import shutil
import subprocess
import tempfile

import pytest

from test_interpreters import in_ci

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPTS = os.path.join(HERE, "..", "consumers")
CACHE = os.environ.get("PYFLAME_CONSUMERS", "/var/cache/pyflame-consumers")

# Console lines of the speedscope app that say nothing about the input.
SPEEDSCOPE_CHATTER = ("log: speedscope v", "log: WebGL initialized",
                      "warn: [.WebGL", "timeEnd: import: ")


def missing(what):
    msg = "%s (run scripts/get-consumers.sh)" % what
    if in_ci():
        pytest.fail("CI needs every consumer: " + msg)
    pytest.skip(msg)


class Tools(object):
    """Runs the consumer scripts from a scratch directory that sees the
    installed node_modules."""

    def __init__(self):
        if os.environ.get("PYFLAME_SKIP_CONSUMERS") == "1":
            pytest.skip("PYFLAME_SKIP_CONSUMERS=1: the consumers ran in "
                        "another pass")
        modules = os.path.join(CACHE, "npm", "node_modules")
        for need in ("speedscope", "puppeteer-core", "@paulirish/trace_engine"):
            if not os.path.isdir(os.path.join(modules, need)):
                missing("npm package %s is not in %s" % (need, modules))
        for prog in ("node", "chromium"):
            if not shutil.which(prog):
                missing("%s is not installed" % prog)
        self.pprof_path = os.path.join(CACHE, "bin", "pprof")
        if not os.access(self.pprof_path, os.X_OK):
            missing("no pprof at %s" % self.pprof_path)
        self.dir = tempfile.mkdtemp(prefix="pyflame-consumers-")
        os.symlink(modules, os.path.join(self.dir, "node_modules"))
        for name in os.listdir(SCRIPTS):
            if name.endswith(".mjs"):
                shutil.copy(os.path.join(SCRIPTS, name), self.dir)

    def close(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def node(self, script, *args, **kw):
        proc = subprocess.run(
            ["node", os.path.join(self.dir, script)] + [str(a) for a in args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            timeout=kw.get("timeout", 180))
        assert proc.returncode == 0, "%s failed:\n%s" % (
            script, proc.stderr.decode("utf-8", "replace"))
        return json.loads(proc.stdout.decode("utf-8"))

    def speedscope(self, *files_and_names):
        return self.node("speedscope.mjs", *files_and_names)

    def trace_engine(self, path):
        return self.node("trace.mjs", path)

    def svg(self, path, click, search, png=None):
        return self.node("svg.mjs", path, click, search, *([png] if png else []))

    def pprof(self, *args):
        proc = subprocess.run([self.pprof_path] + list(args),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=60)
        return proc.returncode, proc.stdout.decode("utf-8", "replace"), \
            proc.stderr.decode("utf-8", "replace")


def speedscope_importer(result):
    """The importer speedscope used, after checking that it said nothing
    else: no warning, no error, no alert."""
    assert not result["errors"], result["errors"]
    assert "Something went wrong" not in result["text"], result["text"][:500]
    said = [c for c in result["console"]
            if not c.startswith(SPEEDSCOPE_CHATTER)]
    imports = [c for c in said if c.startswith("log: Importing as ")]
    assert said == imports and len(imports) == 1, \
        "speedscope said: %r" % result["console"]
    return imports[0][len("log: Importing as "):]


PPROF_LABEL_RE = re.compile(r"^\s+(\w+):\s+(.*)$")
PPROF_VALUE_RE = re.compile(r"^\s+([0-9]+)\s+(\S.*)$")


def pprof_traces(text):
    """`pprof -traces -sample_index=samples` output: a list of (labels,
    count, functions leaf first), one per sample it prints."""
    out = []
    for block in re.split(r"\n-+\+-+\n", text)[1:]:
        labels, value, funcs = {}, None, []
        for line in block.split("\n"):
            if not line.strip():
                continue
            m = PPROF_VALUE_RE.match(line)
            if value is None and m:
                value = int(m.group(1))
                funcs.append(m.group(2).strip())
            elif value is None and PPROF_LABEL_RE.match(line):
                k, v = PPROF_LABEL_RE.match(line).groups()
                labels[k] = v.strip()
            else:
                assert value is not None, "frame before the value: %r" % line
                funcs.append(line.strip())
        if value is not None:
            out.append((labels, value, funcs))
    return out
