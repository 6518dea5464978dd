# SPDX-License-Identifier: Apache-2.0
"""Counters a target shares with its test: a file of SLOTS little-endian
64-bit words, mapped into memory (Python 2.7 and 3.6+). The target writes
every slot but COMMAND, which the test sets to tell the target to act."""
import mmap
import struct
import threading
import time

SLOTS = 16
SIZE = 8 * SLOTS
COMMAND = SLOTS - 1


class Board(object):
    def __init__(self, path):
        self.file = open(path, "r+b")
        self.map = mmap.mmap(self.file.fileno(), SIZE)

    def set(self, slot, value):
        self.map[8 * slot:8 * slot + 8] = struct.pack("<Q", value)

    def get(self, slot):
        return struct.unpack("<Q", self.map[8 * slot:8 * slot + 8])[0]

    def clear(self):
        self.map[0:SIZE] = b"\0" * SIZE


def daemon(target, *args):
    """Start target(*args) in a daemon thread."""
    t = threading.Thread(target=target, args=args)
    t.daemon = True
    t.start()
    return t


def tracer_pid():
    """The TracerPid of this process (0: not traced)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("TracerPid:"):
                return int(line.split()[1])
    return 0


def wait_command(counters, timeout=60.0):
    """Wait until the test sets the COMMAND slot; False after timeout."""
    deadline = time.time() + timeout
    while counters.get(COMMAND) == 0:
        if time.time() >= deadline:
            return False
        time.sleep(0.001)
    return True
