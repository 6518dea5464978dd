# SPDX-License-Identifier: Apache-2.0
"""Target (Python 3 only): a hot loop under functions with non-ASCII names.

The three names need the three string widths of PEP 393: Latin-1 (função),
two-byte (函数) and four-byte (𠜎, U+2070E). Prints "ready" when spinning.
"""
import time

import common


def função(deadline):
    n = 0
    while deadline is None or time.time() < deadline:  # @mark:leaf-test
        n += 1  # @mark:leaf-body


def 𠜎(deadline):
    função(deadline)  # @mark:astral-call


def 函数(deadline):
    𠜎(deadline)  # @mark:cjk-call


def main():
    opts = common.setup()
    deadline = None
    if opts.seconds is not None:
        deadline = time.time() + opts.seconds
    common.ready()
    函数(deadline)  # @mark:main-call
    common.finish(opts)


if __name__ == "__main__":
    main()  # @mark:module-call
