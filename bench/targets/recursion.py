# SPDX-License-Identifier: Apache-2.0
"""Benchmark target: a stack rebuilt millions of times a second. main() sums
up to 16 by recursion, over and over: every real stack is <module> -> main,
then at most 17 frames of sum_up_to, and it changes with every call and
return. Prints "ready" before it starts. Runs on CPython 2.7 and 3.x.
"""

import sys


def sum_up_to(n):
    return 0 if n <= 0 else n + sum_up_to(n - 1)


def main():
    total = 0
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    while True:
        for _ in range(2000):
            total += sum_up_to(16)


main()
