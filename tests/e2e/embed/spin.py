# SPDX-License-Identifier: Apache-2.0
"""Run by embed.c through PyRun_SimpleString, so its frames are in the file
"<string>": a CPU-bound chain <module> -> embedded_main -> embedded_leaf.
Prints "ready" once in place; a safety alarm ends it after 300 s."""
import signal
import sys


def embedded_leaf(n):
    total = 0
    for i in range(n):  # @mark:leaf-loop
        total += i * i  # @mark:leaf-body
    return total


def embedded_main():
    signal.alarm(300)
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    while True:
        embedded_leaf(20000)  # @mark:main-call


embedded_main()  # @mark:module-call
