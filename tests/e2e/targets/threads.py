# SPDX-License-Identifier: Apache-2.0
"""Target: two spinning and two sleeping threads, each in its own function.

The main thread sleeps too, so without --threads only spin_alpha and
spin_beta should ever be seen holding the GIL.
"""
import threading
import time

import common


def spin_alpha(started):
    started.set()
    n = 0
    while True:
        n += 1  # @mark:alpha


def spin_beta(started):
    started.set()
    n = 0
    while True:
        n -= 1  # @mark:beta


def nap_gamma(started):
    started.set()
    while True:
        time.sleep(10)  # @mark:gamma


def nap_delta(started):
    started.set()
    while True:
        time.sleep(10)  # @mark:delta


def main():
    opts = common.setup()
    events = []
    for fn in (spin_alpha, spin_beta, nap_gamma, nap_delta):
        started = threading.Event()
        t = threading.Thread(target=fn, args=(started,), name=fn.__name__)
        t.daemon = True
        t.start()
        events.append(started)
    for started in events:
        started.wait()
    common.ready()
    deadline = time.time() + (opts.seconds or common.SAFETY_SECONDS)
    while time.time() < deadline:
        time.sleep(max(deadline - time.time(), 0.0))  # @mark:main-sleep
    common.finish(opts)


if __name__ == "__main__":
    main()  # @mark:module-call
