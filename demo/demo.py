# SPDX-License-Identifier: Apache-2.0
"""A small program to profile: some parsing, some arithmetic, some sleeping.

Runs for a few seconds (first argument, default 3) and exits.
"""
import sys
import time


def tokenize(text):
    return text.replace("(", " ( ").replace(")", " ) ").split()


def parse(tokens):
    stack = [[]]
    for tok in tokens:
        if tok == "(":
            stack.append([])
        elif tok == ")":
            done = stack.pop()
            stack[-1].append(done)
        else:
            stack[-1].append(tok)
    return stack[0]


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def compute():
    return sum(fib(18) for _ in range(3))


def parse_work():
    text = "(define (square x) (* x x)) " * 200
    return len(parse(tokenize(text)))


def rest():
    time.sleep(0.01)


def main(seconds):
    end = time.time() + seconds
    while time.time() < end:
        compute()
        parse_work()
        rest()


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 3.0)
