# SPDX-License-Identifier: Apache-2.0
"""Target: threads parked in frames whose variables are known, and the
interpreter's own account of them.

Each scenario thread (and the main thread) ends in park(), blocked in C on a
lock never released, so no variable can change. A reporter thread waits
until every other thread is parked, then writes, as JSON to the --report
file, for every thread its frames innermost first with each function
frame's f_locals as the target itself describes them (repr() and more, see
describe()), prints "ready" and ends; the test waits for its thread to go.

JSON: {"pid": P, "argv": [...], "threads": {"<ident>": {
          "native_id": TID, "name": "...",
          "frames": [[file, function, line, qualname or null,
                      {name: description} or null], ...]}}}
"""
import ctypes
import gc
import json
import os
import sys
import threading
import time

import common

if sys.version_info[0] >= 3:
    import locals_py3
    from threading import get_ident
else:
    locals_py3 = None
    from thread import get_ident

if hasattr(sys, "set_int_max_str_digits"):
    sys.set_int_max_str_digits(0)  # repr() of the huge ints below

GATE = threading.Lock()
GATE.acquire()
TIDS = {}
HEAD = 60  # the characters of a payload pyflame shows by default
CO_OPTIMIZED = 1
SIMPLE = ("NoneType", "bool", "int", "long", "float", "str", "bytes",
          "unicode")
LIBC = ctypes.CDLL(None, use_errno=True)
SYS_GETTID = 186  # x86_64


def park():
    TIDS[get_ident()] = LIBC.syscall(SYS_GETTID)
    GATE.acquire()


class Plain(object):
    pass


def scalars():
    n = None
    yes, no = True, False
    zero, one, minus = 0, 1, -1
    big = 2 ** 100
    negbig = -(2 ** 70) + 1
    wide = 7 ** 400  # more digits than are shown
    huge = 3 ** 20000  # more than pyflame converts
    third = 1 / 3.0
    tiny = 2.5e-310
    neg0 = -0.0
    e16, e15, em5 = 1e16, 1e15, 1e-5
    inf, minf, nan = float("inf"), float("-inf"), float("nan")
    park()


def strings():
    plain = "hello"
    quote1, quote2, both = "it's", 'say "hi"', "'\""
    escapes = "a\tb\nc\r\x00\x01\x7f\\"
    latin = u"caf\xe9 \xa0\xad"
    cjk = u"\u51fd\u6570 \u2028"
    astral = u"\U0001f40d \U000e0001"
    empty = ""
    long_text = "x" * (10 * 1024 * 1024)
    raw = b"\x00\xffab'"
    long_raw = b"y" * 1000
    park()


def containers():
    empty_t, one_t, pair = (), (1,), (1, "a")
    lst = [1, "a", None, 2.5, True]
    empty_l, empty_d, empty_s = [], {}, set()
    d = {"k": 1, 2: "v"}
    deleted = {"a": 1, "b": 2, "c": 3}
    del deleted["a"]
    nums = set([3, 1, 2])
    frozen = frozenset([1])
    nested = [[1], (2,)]
    self_ref = [1]
    self_ref.append(self_ref)
    many = dict(("k%d" % i, i) for i in range(100000))
    ints = list(range(1000))
    obj = Plain()
    park()


def outer_cells():
    shared = "captured"
    counter = [0]

    def inner_free():
        mine = len(shared) + counter[0]
        park()
    inner_free()


def arguments(a, b=2, *rest, **extra):
    local = a + b
    park()


def gen_frame():
    state = "in generator"
    park()
    yield state


def drive_generator():
    for _ in gen_frame():
        pass


SCENARIOS = [(scalars, ()), (strings, ()), (containers, ()),
             (outer_cells, ()), (arguments, (1, 5, "x", "y")),
             (drive_generator, ())]


def int_digits(v):
    text = str(abs(v))
    return {"digits": text[:HEAD], "ndigits": len(text),
            "bits": abs(v).bit_length()}


def sized(v, tname):
    """What a payload or container looks like from the start."""
    info = {"len": len(v)}
    if tname in ("str", "bytes", "unicode"):
        info["head"] = repr(v[:HEAD])
    elif isinstance(v, dict):
        info["items"] = [[repr(k), repr(x)] for k, x in list(v.items())[:5]]
        info["simple"] = [type(k).__name__ in SIMPLE and type(x).__name__ in SIMPLE
                          for k, x in list(v.items())[:5]]
    else:
        first = list(v)[:5]
        info["items"] = [repr(x) for x in first]
        info["simple"] = [type(x).__name__ in SIMPLE for x in first]
    return info


def describe(v):
    tname = type(v).__name__
    info = {"type": tname, "module": type(v).__module__, "id": id(v)}
    if tname in ("int", "long") and not isinstance(v, bool):
        info.update(int_digits(v))
    if isinstance(v, (str, bytes, tuple, list, dict, set, frozenset)) or \
            tname == "unicode":
        info.update(sized(v, tname))
    text = repr(v) if tname != "int" or abs(v).bit_length() < 70000 else ""
    info["repr"] = text if len(text) <= 2000 else None
    return info


def frame_view(frame):
    code = frame.f_code
    variables = None
    if code.co_flags & CO_OPTIMIZED:
        variables = dict((k, describe(v)) for k, v in dict(frame.f_locals).items())
    return [code.co_filename, code.co_name, frame.f_lineno,
            getattr(code, "co_qualname", None), variables]


def stack_view(frame):
    stack = []
    while frame is not None:
        stack.append(frame_view(frame))
        frame = frame.f_back
    return stack


def wait_until_parked(me, count):
    while True:
        frames = sys._current_frames()
        others = dict((t, f) for t, f in frames.items() if t != me)
        if len(others) == count and all(f.f_code is park.__code__
                                        for f in others.values()):
            if len(TIDS) >= count:
                return others
        time.sleep(0.01)


def report(path, names):
    others = wait_until_parked(get_ident(), len(names))
    view = {"pid": os.getpid(), "argv": sys.argv, "threads": {}}
    for ident, frame in others.items():
        view["threads"][str(ident)] = {
            "native_id": TIDS[ident], "name": names[ident],
            "frames": stack_view(frame)}
    with open(path + ".tmp", "w") as f:
        json.dump(view, f, indent=1, sort_keys=True)
    os.rename(path + ".tmp", path)
    common.ready()


def start(target, args):
    t = threading.Thread(target=target, args=args, name="gt-" + target.__name__)
    t.daemon = True
    t.start()
    return t


def main():
    opts = common.setup()
    gc.disable()  # nothing may move while the views are compared
    names = {get_ident(): threading.current_thread().name}
    threads = [start(target, args) for target, args in SCENARIOS]
    if locals_py3:
        threads += [start(target, args + (park,))
                    for target, args in locals_py3.SCENARIOS]
    for t in threads:
        names[t.ident] = t.name
    start(report, (opts.report, names))
    park()


if __name__ == "__main__":
    main()
