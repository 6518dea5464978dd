# SPDX-License-Identifier: Apache-2.0
"""Scenarios of locals_gt.py that Python 2.7 cannot parse. Each takes
park() as its last argument and never returns."""


def keyword_only(a, park, *, key="k"):
    combined = (a, key)
    park()


async def coro_frame(value, park):
    doubled = value * 2
    park()


def drive_coroutine(park):
    coro_frame(21, park).send(None)


class Holder:
    def method(self, park):
        label = "method"
        park()


def in_method(park):
    Holder().method(park)


SCENARIOS = [(keyword_only, (1,)), (drive_coroutine, ()), (in_method, ())]
