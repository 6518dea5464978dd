# SPDX-License-Identifier: Apache-2.0
"""Scenarios of groundtruth.py that Python 2.7 cannot parse.

Each takes park() as its argument and never returns.
"""


async def coro_leaf(park):
    park()


async def coro_root(park):
    await coro_leaf(park)


def drive_coroutine(park):
    coro_root(park).send(None)


async def agen_values(park):
    park()
    yield 1


def drive_async_generator(park):
    agen_values(park).__anext__().send(None)


def gen_leaf(park):
    park()
    yield 1


def gen_delegate(park):
    yield from gen_leaf(park)


def drive_yield_from(park):
    for value in gen_delegate(park):
        pass


def função(park):
    park()


def 𠜎(park):
    função(park)


def 函数(park):
    𠜎(park)


async def awaited(then):
    return then()


async def awaiting(then):
    return await awaited(then)


def drive_awaiting(then):
    coro = awaiting(then)
    try:
        coro.send(None)
    except StopIteration:
        pass


def drive_awaiting_warmed(park):
    for _ in range(64):
        drive_awaiting(lambda: None)
    drive_awaiting(park)


SCENARIOS = [drive_coroutine, drive_async_generator, drive_yield_from, 函数,
             drive_awaiting_warmed]
