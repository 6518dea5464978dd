# SPDX-License-Identifier: Apache-2.0
"""Target: a stack rebuilt millions of times a second. main() sums up to 16
by recursion, over and over: every real stack is <module> -> main, then 1 to
17 frames of sum_up_to, and it changes with every call and every return (the
shape of a parser, a tree walk, a template engine)."""
import common


def sum_up_to(n):
    return 0 if n <= 0 else n + sum_up_to(n - 1)  # @mark:recurse


def main():
    common.setup()
    total = 0
    common.ready()
    while True:
        for _ in range(2000):
            total += sum_up_to(16)  # @mark:main-call


if __name__ == "__main__":
    main()  # @mark:module-call
