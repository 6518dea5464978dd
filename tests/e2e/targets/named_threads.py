# SPDX-License-Identifier: Apache-2.0
"""Target: threads named at creation, and one renamed mid-run.

"worker-1" and "worker-2" spin from their start (named by Thread(name=)),
"sleeper-3" sleeps; "before-rename" spins, and the main thread renames
it "after-rename" RENAME_AFTER seconds after it says "ready". Each
thread's ident and kernel TID (threading.get_native_id() where the version
has it, else the TID it reads from /proc/thread-self) go to the report
file as "IDENT TID NAME" lines, then the wall clock of the rename as
"renamed TIME".
"""
import os
import threading
import time

import common

RENAME_AFTER = 1.5
spinning = True


def my_tid():
    if hasattr(threading, "get_native_id"):
        return threading.get_native_id()
    return int(os.readlink("/proc/thread-self").split("/")[-1])


def spin(started, ids):
    ids.append((threading.current_thread().ident, my_tid()))
    started.set()
    n = 0
    while spinning:
        n += 1


def nap(started, ids):
    ids.append((threading.current_thread().ident, my_tid()))
    started.set()
    while True:
        time.sleep(10)


def start(fn, name, report):
    started, ids = threading.Event(), []
    t = threading.Thread(target=fn, args=(started, ids), name=name)
    t.daemon = True
    t.start()
    started.wait()
    report.write("%d %d %s\n" % (ids[0][0], ids[0][1], name))
    return t


def main():
    opts = common.setup()
    report = open(opts.report, "w")
    for fn, name in ((spin, "worker-1"), (spin, "worker-2"),
                     (nap, "sleeper-3")):
        start(fn, name, report)
    renamed = start(spin, "before-rename", report)
    report.flush()
    common.ready()
    time.sleep(RENAME_AFTER)
    renamed.name = "after-rename"
    report.write("renamed %.6f\n" % time.time())
    report.close()
    time.sleep(opts.seconds or common.SAFETY_SECONDS)


main()
