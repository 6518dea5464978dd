# SPDX-License-Identifier: Apache-2.0
"""What the targets' stacks must look like, computed from their source.

Line numbers come from the "# @mark:NAME" comments and function spans from
the source itself, so the targets can be edited without touching the tests.
"""


import processes
import profiles


class Chain(object):
    """An expected stack, root first: (function, allowed lines) per frame,
    all in one file."""

    def __init__(self, script, frames):
        self.file = processes.target_path(script)
        self.frames = [(func, frozenset(lines)) for func, lines in frames]

    def matches(self, stack):
        if len(stack) != len(self.frames):
            return False
        return all(f.file == self.file and f.func == func and
                   (f.line is None or f.line in lines)
                   for f, (func, lines) in zip(stack, self.frames))

    def ends_with(self, stack):
        """The chain is the innermost part of stack (for threads, which have
        threading.py frames below their own)."""
        n = len(self.frames)
        return len(stack) >= n and self.matches(stack[-n:])

    def __str__(self):
        return ";".join("%s:%s:%s" % (self.file, func, "|".join(
            str(n) for n in sorted(lines))) for func, lines in self.frames)


def busy_chain():
    m = profiles.markers(processes.target_path("busy.py"))
    return Chain("busy.py", [
        ("<module>", [m["module-call"]]),
        ("main", [m["main-call"]]),
        ("outer", [m["outer-call"]]),
        ("inner", [m["inner-loop"], m["inner-body"]]),
    ])


def exits_chain():
    m = profiles.markers(processes.target_path("exits.py"))
    return Chain("exits.py", [
        ("<module>", [m["module-call"]]),
        ("main", [m["main-call"]]),
        ("spin_until", [m["spin-test"], m["spin-body"]]),
    ])


def unicode_chain():
    m = profiles.markers(processes.target_path("unicode_names.py"))
    return Chain("unicode_names.py", [
        ("<module>", [m["module-call"]]),
        ("main", [m["main-call"]]),
        (u"\u51fd\u6570", [m["cjk-call"]]),
        (u"\U0002070e", [m["astral-call"]]),
        (u"fun\u00e7\u00e3o", [m["leaf-test"], m["leaf-body"]]),
    ])


def thread_leaf(name, marker):
    m = profiles.markers(processes.target_path("threads.py"))
    return Chain("threads.py", [(name, [m[marker]])])


def check_frames_in_source(prof, script):
    """Every frame of `script` names one of its functions, at a line inside
    that function (or anywhere for <module>)."""
    path = processes.target_path(script)
    spans = profiles.function_spans(path)
    bad = set()
    for stack, _ in prof.stacks:
        for f in stack:
            if f.file != path or f.func == "<module>":
                continue
            span = spans.get(f.func)
            if span is None or (f.line is not None and
                                not span[0] <= f.line <= span[1]):
                bad.add(repr(f))
    assert not bad, "frames that do not exist in %s: %s" % (
        script, ", ".join(sorted(bad)))


def share(prof, chain, innermost=False):
    """The fraction of all samples whose stack is the chain."""
    test = chain.ends_with if innermost else chain.matches
    return prof.count(test) / float(max(prof.total, 1))


def missed(run):
    """Deadlines pyflame missed and skipped (a loaded machine), from the
    --stats line of a run that has one, else 0."""
    stats = getattr(run, "stats", None)
    return int(stats["late"]) if stats else 0


def check_count(n, lo, hi, run, what="samples"):
    """lo <= n <= hi, where deadlines pyflame missed (and said so) count
    towards lo."""
    late = missed(run)
    assert lo <= n + late and n <= hi, "%d %s (%d deadlines missed), " \
        "want %d to %d%s" % (n, what, late, lo, hi, run)
