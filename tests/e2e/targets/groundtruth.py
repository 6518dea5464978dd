# SPDX-License-Identifier: Apache-2.0
"""Target: threads parked in known frames, and the interpreter's own view.

Each scenario thread, and the main thread, ends up in park(), blocked in C on
a lock that is never released, so its Python frames cannot move. A reporter
thread waits until every other thread is parked, writes their stacks as seen
by sys._current_frames() to the --report file as JSON, prints "ready" and
ends. Once it has gone (the test waits until /proc/PID/task has one entry per
recorded thread), the file is exactly what `pyflame -d` must print.

JSON: {"pid": P, "order": [thread ids, oldest first],
       "threads": {"<thread id>": [[file, function, line], ...]}}
with each thread's frames innermost first.
"""
import json
import os
import re
import sys
import threading
import time

import common

if sys.version_info[0] >= 3:
    import gt_py3
    from threading import get_ident
else:
    gt_py3 = None
    from thread import get_ident

GATE = threading.Lock()
GATE.acquire()


def park():
    GATE.acquire()  # @mark:park


PARK_LINE = park.__code__.co_firstlineno + 1


def chain_c():
    park()


def chain_b():
    chain_c()


def chain_a():
    chain_b()


def gen_values():
    park()
    yield 1


def consume_generator():
    for value in gen_values():
        pass


class Outer(object):
    class Inner(object):
        def method(self):
            park()


def call_nested_method():
    Outer.Inner().method()


def sort_with_key():
    return sorted([2, 1], key=lambda x: park())


def spread(a, b, then):
    then()


def multiline_call():
    spread(
        1,
        2,
        park,
    )


def repl_from_c(match):
    park()
    return ""


def callback_from_c():
    return re.sub("x", repl_from_c, "x")


def recurse(depth):
    if depth:
        recurse(depth - 1)
    else:
        park()


def deep_recursion():
    recurse(100)


# Calls that 3.11+ makes without C in between once specialised: through a
# property, __getitem__, __init__, __getattribute__, a generator in a for
# loop, f(*args, **kw), keywords and a bound method. warmed() runs each
# often enough to be specialised before the call that parks.
class Props(object):
    def __init__(self, then):
        self.then = then

    @property
    def value(self):
        return self.then()


class Items(object):
    def __init__(self, then):
        self.then = then

    def __getitem__(self, key):
        return self.then()


class Made(object):
    def __init__(self, then):
        then()


class Looked(object):
    def __init__(self, then):
        object.__setattr__(self, "then", then)

    def __getattribute__(self, name):
        return object.__getattribute__(self, "then")()


class Bound(object):
    def call(self, then):
        return then()


def via_property(then):
    return Props(then).value


def via_getitem(then):
    return Items(then)[0]


def via_init(then):
    return Made(then)


def via_getattribute(then):
    return Looked(then).anything


def yield_one(then):
    yield then()


def via_generator(then):
    for value in yield_one(then):
        pass


def via_star_call(then):
    return spread(*(1, 2), **{"then": then})


def via_keywords(then):
    return spread(1, b=2, then=then)


def via_method(then):
    return Bound().call(then)


def noop():
    return None


def warmed(scenario):
    def run():
        for _ in range(64):
            scenario(noop)
        scenario(park)
    run.__name__ = "warm_" + scenario.__name__
    return run


SCENARIOS = [chain_a, consume_generator, call_nested_method, sort_with_key,
             multiline_call, callback_from_c, deep_recursion] + \
    [warmed(s) for s in (via_property, via_getitem, via_init, via_getattribute,
                         via_generator, via_star_call, via_keywords,
                         via_method)]


def stack_of(frame, qualified=False):
    """[file, function, line] innermost first; with `qualified`, functions are
    named by co_qualname where the interpreter has one (3.11+)."""
    stack = []
    while frame is not None:
        code = frame.f_code
        name = getattr(code, "co_qualname", code.co_name) if qualified \
            else code.co_name
        stack.append([code.co_filename, name, frame.f_lineno])
        frame = frame.f_back
    return stack


def parked(frame):
    return frame.f_code is park.__code__ and frame.f_lineno == PARK_LINE


def wait_until_parked(me, count):
    while True:
        frames = sys._current_frames()
        others = dict((t, f) for t, f in frames.items() if t != me)
        if len(others) == count and all(map(parked, others.values())):
            return others
        time.sleep(0.01)


def report(path, order):
    others = wait_until_parked(get_ident(), len(order))
    view = {"pid": os.getpid(), "order": order, "threads": {},
            "qualified": {}}
    for tid, frame in others.items():
        view["threads"][str(tid)] = stack_of(frame)
        view["qualified"][str(tid)] = stack_of(frame, qualified=True)
    with open(path + ".tmp", "w") as f:
        json.dump(view, f, indent=1, sort_keys=True)
    os.rename(path + ".tmp", path)
    common.ready()


def start(target, args=()):
    t = threading.Thread(target=target, args=args, name=target.__name__)
    t.daemon = True
    t.start()
    return t.ident


def main():
    opts = common.setup()
    order = [get_ident()]
    for scenario in SCENARIOS:
        order.append(start(scenario))
    if gt_py3 is not None:
        for scenario in gt_py3.SCENARIOS:
            order.append(start(scenario, (park,)))
    start(report, (opts.report, order))
    park()  # @mark:main-park


if __name__ == "__main__":
    main()  # @mark:module-call
