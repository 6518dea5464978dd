# SPDX-License-Identifier: Apache-2.0
"""Target: C work for the native-stack tests (Python 2.7 and 3.6+).

    native_work.py MODE [ARG]
      ext DIR     import pfnative from DIR; one thread spins in its C code
                  (GIL released), the main thread calls back into Python
                  through it: pfnative.call(python_leaf)
      zlib        zlib.compress of 256 KiB at level 9, in a loop
      hashlib     sha256 of 12 MiB, in a loop
      qsort       libc qsort of 2,000 ints through ctypes, comparing in Python
      threads     one thread each: zlib, hashlib, a sleep, a Python loop
      deep N      N levels of Python calling Python through map() (a C
                  call), then zlib in a loop: a deep native stack
      fork        a child process forked, both then as zlib (the child
                  until its parent is gone)
Prints "ready" once the work has started.
"""
import ctypes
import ctypes.util
import hashlib
import os
import sys
import threading
import time
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

DATA = os.urandom(256 * 1024)


def compress_loop():
    while True:
        zlib.compress(DATA, 9)


def hash_loop():
    block = b"x" * (12 << 20)
    while True:
        hashlib.sha256(block).digest()


def sleep_loop():
    while True:
        time.sleep(10)


def python_loop():
    n = 0
    while True:
        n += 1


def qsort_loop():
    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    cmp_type = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_int),
                                ctypes.POINTER(ctypes.c_int))

    def compare(a, b):
        for _ in range(20):  # time in Python, inside the callback
            pass
        return a[0] - b[0]

    values = (ctypes.c_int * 2000)(*[(i * 7919) % 2003 for i in range(2000)])
    callback = cmp_type(compare)
    while True:
        libc.qsort(values, len(values), ctypes.sizeof(ctypes.c_int), callback)
        values[0], values[-1] = values[-1], values[0]


def descend(n):
    if n == 0:
        compress_loop()
    return list(map(descend, [n - 1]))


def python_leaf():
    n = 0
    while True:
        n += 1


def gated(go, fn):
    def run():
        go.wait()
        fn()
    return run


def start(fn):
    t = threading.Thread(target=fn)
    t.daemon = True
    t.start()
    return t


def main():
    mode = sys.argv[1]
    extra = sys.argv[2] if len(sys.argv) > 2 else None
    sys.argv[1:] = []
    common.setup()
    if mode == "ext":
        sys.path.insert(0, extra)
        import pfnative
        start(pfnative.spin)
        common.ready()
        pfnative.call(python_leaf)
    elif mode == "threads":
        # On 2.7 a thread spinning in Python or in zlib (which keeps the
        # GIL there) can starve the main thread for many seconds: every
        # thread waits for the go, given once ready is said
        go = threading.Event()
        for fn in (python_loop, sleep_loop, hash_loop, compress_loop):
            start(gated(go, fn))
        common.ready()
        go.set()
        sleep_loop()
    elif mode == "fork":
        parent = os.getpid()
        if os.fork() == 0:
            while os.getppid() == parent:
                zlib.compress(DATA, 9)
            os._exit(0)
        common.ready()
        compress_loop()
    else:
        work = {"zlib": compress_loop, "hashlib": hash_loop,
                "qsort": qsort_loop}
        common.ready()
        if mode == "deep":
            descend(int(extra))
        work[mode]()


main()
