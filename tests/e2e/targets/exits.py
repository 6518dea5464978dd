# SPDX-License-Identifier: Apache-2.0
"""Target: spins for --seconds, then exits with --status or --signal."""
import time

import common


def spin_until(deadline):
    n = 0
    while time.time() < deadline:  # @mark:spin-test
        n += 1  # @mark:spin-body
    return n


def main():
    opts = common.setup()
    common.ready()
    spin_until(time.time() + (opts.seconds or 0.0))  # @mark:main-call
    common.finish(opts)


if __name__ == "__main__":
    main()  # @mark:module-call
