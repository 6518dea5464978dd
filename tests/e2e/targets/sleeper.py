# SPDX-License-Identifier: Apache-2.0
"""Target: sleeps almost all the time (the GIL is free: idle samples)."""
import time

import common


def nap(deadline):
    while deadline is None or time.time() < deadline:
        time.sleep(0.5)  # @mark:nap-sleep


def main():
    opts = common.setup()
    deadline = None
    if opts.seconds is not None:
        deadline = time.time() + opts.seconds
    common.ready()
    nap(deadline)  # @mark:main-call
    common.finish(opts)


if __name__ == "__main__":
    main()  # @mark:module-call
