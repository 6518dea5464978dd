# SPDX-License-Identifier: Apache-2.0
"""Benchmark target: sleeps in time.sleep a few frames deep, forever, after
printing "ready". Runs on CPython 2.7 and 3.x."""

import sys
import time


def sleep_forever():
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    while True:
        time.sleep(3600)


def main():
    sleep_forever()


main()
