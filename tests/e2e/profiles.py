# SPDX-License-Identifier: Apache-2.0
"""Strict readers of pyflame's output formats, and target source markers.

The readers check the grammar as they go (every line of the collapsed format,
the timestamp/stack pairs of --flamechart, the blocks of -d) and raise
AssertionError naming the offending line, so a test that only wants the data
also checks the shape.
"""

import ast
import io
import re

MARK_RE = re.compile(r"#\s*@mark:([A-Za-z0-9_-]+)")
COUNT_LINE_RE = re.compile(r"^(.+) ([1-9][0-9]*)$")


def markers(path):
    """{marker name: line number} for the "# @mark:NAME" comments of path."""
    found = {}
    with io.open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            for name in MARK_RE.findall(line):
                assert name not in found, \
                    "marker %s twice in %s" % (name, path)
                found[name] = number
    return found


def function_spans(path):
    """{function name: (first line, last line)} of the defs in path."""
    with io.open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read(), path)
    return dict((n.name, (n.lineno, n.end_lineno)) for n in ast.walk(tree)
                if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)))


class Frame(object):
    __slots__ = ("file", "func", "line")

    def __init__(self, file, func, line):
        self.file, self.func, self.line = file, func, line

    def __eq__(self, other):
        return (self.file, self.func, self.line) == (other.file, other.func,
                                                     other.line)

    def __hash__(self):
        return hash((self.file, self.func, self.line))

    def __repr__(self):
        if self.line is None:
            return "%s:%s" % (self.file, self.func)
        return "%s:%s:%d" % (self.file, self.func, self.line)


ROOT_FRAME_RE = re.compile(r'^(process|thread) [0-9]+ ".*"$')
# --native: "object!symbol" or "object+0xOFFSET" (object: a file's basename)
NATIVE_FRAME_RE = re.compile(r"^([^/:;!\s]+)(?:!(.+)|(\+0x[0-9a-f]+))$")


def is_native(frame):
    """Whether a parsed frame is a native one (file: the object, function:
    the symbol or "+0xOFFSET", no line)."""
    return frame.file is not None and frame.line is None and \
        NATIVE_FRAME_RE.match(native_text(frame)) is not None


def native_text(frame):
    sep = "" if frame.func.startswith("+0x") else "!"
    return "%s%s%s" % (frame.file, sep, frame.func)


def parse_frame(text, with_lines=True):
    """"file:function:line" (or "file:function" without line numbers), or a
    root naming a process or a thread ('process PID "command"'), whose
    whole text is its function and which has no file or line."""
    if ROOT_FRAME_RE.match(text):
        return Frame(None, text, None)
    native = NATIVE_FRAME_RE.match(text)
    if native:
        return Frame(native.group(1), native.group(2) or native.group(3),
                     None)
    if with_lines:
        parts = text.rsplit(":", 2)
        assert len(parts) == 3 and parts[2].isdigit() and parts[0], \
            "frame %r is not file:function:line" % text
        return Frame(parts[0], parts[1], int(parts[2]))
    parts = text.rsplit(":", 1)
    assert len(parts) == 2 and parts[0] and parts[1], \
        "frame %r is not file:function" % text
    assert not parts[1].isdigit(), \
        "frame %r carries a line number despite -n" % text
    return Frame(parts[0], parts[1], None)


class Collapsed(object):
    """A parsed collapsed profile: stacks root first, with counts."""

    def __init__(self):
        self.stacks = []  # (tuple of Frame, count), in output order
        self.raw = []  # (stack text, count) for every line
        self.idle = 0
        self.failed = 0

    @property
    def total(self):
        return sum(c for _, c in self.stacks) + self.idle + self.failed

    def count(self, predicate):
        """Samples whose stack satisfies predicate(frames)."""
        return sum(c for s, c in self.stacks if predicate(s))

    def with_function(self, name):
        return self.count(lambda s: any(f.func == name for f in s))

    def hottest(self):
        assert self.stacks, "profile has no stacks"
        return max(self.stacks, key=lambda sc: sc[1])

    def functions(self):
        return set(f.func for s, _ in self.stacks for f in s)


def parse_collapsed(text, with_lines=True):
    """Parse the default (or -n) output; checks the grammar of every line."""
    prof = Collapsed()
    assert "\r" not in text, "carriage return in output"
    assert text == "" or text.endswith("\n"), "output does not end with \\n"
    for line in text.splitlines():
        m = COUNT_LINE_RE.match(line)
        assert m, "line %r is not 'STACK COUNT'" % line
        stack, count = m.group(1), int(m.group(2))
        prof.raw.append((stack, count))
        if stack in ("(idle)", "(failed)"):
            attr = stack[1:-1]
            assert getattr(prof, attr) == 0, "two %s lines" % stack
            setattr(prof, attr, count)
            continue
        frames = tuple(parse_frame(f, with_lines) for f in stack.split(";"))
        prof.stacks.append((frames, count))
    return prof


def check_collapsed_order(prof):
    """The ordering rules: stacks unique, by descending count then by their
    bytes; "(idle)" and then "(failed)" after every stack."""
    stacks = [(s, c) for s, c in prof.raw if s not in ("(idle)", "(failed)")]
    texts = [s for s, _ in stacks]
    dups = sorted(set(s for s in texts if texts.count(s) > 1))
    assert not dups, "stacks printed more than once: %r" % dups
    keyed = [(-c, s.encode("utf-8")) for s, c in stacks]
    assert keyed == sorted(keyed), "stack lines are not sorted by " \
        "descending count, then bytes:\n%s" % "\n".join(
            "%s %d" % (s, c) for s, c in stacks)
    tail = [s for s, _ in prof.raw[len(stacks):]]
    assert tail == [s for s, _ in prof.raw if s in ("(idle)", "(failed)")], \
        "(idle)/(failed) are not after all stacks: %r" % prof.raw
    assert tail in ([], ["(idle)"], ["(failed)"], ["(idle)", "(failed)"]), \
        "want (idle) before (failed): %r" % tail


class ChartEvent(object):
    __slots__ = ("time", "kind", "frames")

    def __init__(self, time, kind, frames):
        self.time, self.kind, self.frames = time, kind, frames


def parse_flamechart(text, with_lines=True):
    """Parse --flamechart output into ChartEvents (kind "stack", "idle" or
    "failed"); checks the timestamp/stack alternation."""
    assert text == "" or text.endswith("\n"), "output does not end with \\n"
    lines = text.splitlines()
    assert len(lines) % 2 == 0, "odd number of lines (%d)" % len(lines)
    events = []
    for i in range(0, len(lines), 2):
        stamp, stack = lines[i], lines[i + 1]
        assert re.match(r"^[0-9]+$", stamp), \
            "line %d: %r is not a timestamp in microseconds" % (i + 1, stamp)
        if stack in ("(idle)", "(failed)"):
            events.append(ChartEvent(int(stamp), stack[1:-1], ()))
            continue
        assert stack.endswith(";"), \
            "line %d: stack %r does not end with ';'" % (i + 2, stack)
        frames = tuple(parse_frame(f, with_lines)
                       for f in stack[:-1].split(";"))
        events.append(ChartEvent(int(stamp), "stack", frames))
    return events


class DumpThread(object):
    __slots__ = ("tid", "holder", "frames")

    def __init__(self, tid, holder, frames):
        self.tid, self.holder, self.frames = tid, holder, frames


def dump_blocks(text):
    """The blocks of -d output: (thread id, holds the GIL, its lines), the
    blocks separated by exactly one empty line."""
    if text == "":
        return []
    assert text.endswith("\n") and not text.endswith("\n\n"), \
        "dump must end with one newline and no empty line: %r" % text[-40:]
    blocks = []
    for block in text[:-1].split("\n\n"):
        lines = block.split("\n")
        m = re.match(r"^([0-9]+)(\*?):$", lines[0])
        assert m, "thread header %r is not 'THREADID[*]:'" % lines[0]
        assert len(lines) > 1, "thread %s has no frames" % m.group(1)
        blocks.append((int(m.group(1)), m.group(2) == "*", lines[1:]))
    return blocks


def parse_dump(text):
    """Parse -d output: blocks of "TID[*]:" plus frames innermost first."""
    return [DumpThread(tid, holder, [parse_frame(line) for line in lines])
            for tid, holder, lines in dump_blocks(text)]


class LocalsThread(object):
    __slots__ = ("tid", "holder", "frames")

    def __init__(self, tid, holder, frames):
        self.tid, self.holder, self.frames = tid, holder, frames


VAR_RE = re.compile(r"^    ([^ ]+) = (.*)$")


def parse_dump_locals(text):
    """Parse -d --locals output: as parse_dump, each frame followed by its
    variables, "    NAME = REPR" a line (or "    (variables not
    readable)"). Frames come back as (Frame, [(name, repr)] or None)."""
    threads = []
    for tid, holder, lines in dump_blocks(text):
        frames = []
        for line in lines:
            if not line.startswith("    "):
                frames.append((parse_frame(line), []))
                continue
            assert frames, "variable %r before any frame" % line
            if line == "    (variables not readable)":
                frames[-1] = (frames[-1][0], None)
                continue
            var = VAR_RE.match(line)
            assert var and frames[-1][1] is not None, "bad variable line %r" % line
            frames[-1][1].append((var.group(1), var.group(2)))
        threads.append(LocalsThread(tid, holder, frames))
    return threads


def render_stack(frames):
    return ["%s:%s:%s" % (f.file, f.func, f.line) for f in frames]


STATS_PREFIX = b"pyflame: stats: "


PROCESS_STATS_RE = re.compile(rb"^pyflame: process ([0-9]+) stats: (.*)$")


def split_stats(stderr):
    """(the --stats figures as a dict of floats, the rest of stderr). With
    --subprocesses, each process's line goes to stats["processes"][pid]."""
    stats, rest, per = None, [], {}
    for line in stderr.splitlines(True):
        m = PROCESS_STATS_RE.match(line.rstrip(b"\n"))
        if m:
            per[int(m.group(1))] = dict(
                (k.decode(), float(v)) for k, v in
                (f.split(b"=") for f in m.group(2).split()))
            continue
        if line.startswith(STATS_PREFIX):
            assert stats is None, "two stats lines in %r" % stderr
            stats = {}
            for field in line[len(STATS_PREFIX):].split():
                key, value = field.split(b"=")
                stats[key.decode()] = float(value)
        else:
            rest.append(line)
    if stats is not None and per:
        stats["processes"] = per
    return stats, b"".join(rest)
