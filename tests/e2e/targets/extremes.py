# SPDX-License-Identifier: Apache-2.0
"""Target: a very deep stack and very long names, all parked.

The main thread recurses --depth levels (default 5000) and parks. For each
kind of name (ASCII; on Python 3 also Latin-1, BMP and astral characters,
which CPython stores 1, 2 and 4 bytes wide) a thread runs a function whose
name has --name-chars characters (default 100000), compiled from a string
under a file name of --file-chars characters (default 10000), and parks in
it. A reporter thread waits until every thread is parked, writes the names
to the --report file as JSON, prints "ready" and ends:
  {"pid": P, "depth": D, "functions": {KIND: {"name": N, "file": F}}}
Each long-named function parks on line 2 of its file.
"""
import json
import os
import sys
import threading
import time

import board
import common

GATE = threading.Lock()
GATE.acquire()
PATTERNS = [("ascii", u"abcdefghij"), ("latin1", u"\xe9\xe8\xea\xeb\xee"),
            ("bmp", u"\u51fd\u6570\u7532\u4e59"),
            ("astral", u"\U0002070e\U00020000\U0002a6d6")]


def park():
    GATE.acquire()  # @mark:park


PARK_LINE = park.__code__.co_firstlineno + 1


def recurse(depth):
    if depth:
        recurse(depth - 1)  # @mark:recurse-call
    else:
        park()  # @mark:park-call


def repeat(pattern, n):
    return (pattern * (n // len(pattern) + 1))[:n]


def long_function(kind, pattern, name_chars, file_chars):
    """A function of a name_chars-long name in a file_chars-long file."""
    name = repeat(pattern, name_chars)
    path = repeat(u"/%s/0123456789" % kind, file_chars)
    source = u"def %s(gate):\n    gate.acquire()\n" % name
    namespace = {}
    exec(compile(source, path, "exec"), namespace)
    return namespace[name], name, path


def parked(frames, tid, code, line):
    frame = frames.get(tid)
    return frame is not None and frame.f_code is code and \
        frame.f_lineno == line


def report(path, depth, main_tid, started):
    while True:
        frames = sys._current_frames()
        if parked(frames, main_tid, park.__code__, PARK_LINE) and all(
                parked(frames, tid, fn.__code__, 2) for tid, fn in started):
            break
        time.sleep(0.01)
    view = {"pid": os.getpid(), "depth": depth, "functions": {}}
    for kind, fn, name, file in started.kinds:
        view["functions"][kind] = {"name": name, "file": file}
    with open(path + ".tmp", "w") as f:
        json.dump(view, f)
    os.rename(path + ".tmp", path)
    common.ready()


class Started(list):
    """(thread id, function) pairs, and what was made for each kind."""

    def __init__(self):
        list.__init__(self)
        self.kinds = []


def start_threads(name_chars, file_chars):
    started = Started()
    kinds = PATTERNS if sys.version_info[0] >= 3 else PATTERNS[:1]
    for kind, pattern in kinds:
        fn, name, file = long_function(kind, pattern, name_chars, file_chars)
        t = board.daemon(fn, GATE)
        started.append((t.ident, fn))
        started.kinds.append((kind, fn, name, file))
    return started


def own_options():
    """Take --depth, --name-chars and --file-chars off sys.argv."""
    values = {"--depth": 5000, "--name-chars": 100000, "--file-chars": 10000}
    while sys.argv[1:2] and sys.argv[1] in values and len(sys.argv) > 2:
        values[sys.argv[1]] = int(sys.argv[2])
        del sys.argv[1:3]
    return values["--depth"], values["--name-chars"], values["--file-chars"]


def main():
    depth, name_chars, file_chars = own_options()
    opts = common.setup()
    sys.setrecursionlimit(depth + 200)
    started = start_threads(name_chars, file_chars)
    me = threading.current_thread().ident
    board.daemon(report, opts.report, depth, me, started)
    recurse(depth)  # @mark:main-call


if __name__ == "__main__":
    main()  # @mark:module-call
