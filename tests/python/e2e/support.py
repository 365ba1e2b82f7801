"""Helpers for the end-to-end tests: run async code against an environment's ingress, wait
for something to become true within a bound, compare values type for type."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar, cast

import httpx
import msgspec
from pydantic import BaseModel

from restate_local.harness import RestateTestEnvironment

T = TypeVar("T")

# Long enough for a loaded 2-core CI machine, short enough that a hang fails fast.
WAIT_TIMEOUT = 15.0


def with_ingress(
    env: RestateTestEnvironment, body: Callable[[httpx.AsyncClient], Awaitable[T]]
) -> T:
    """Runs `body(http)` on a fresh event loop, `http` being an `httpx.AsyncClient` on the
    environment's ingress (what the generated ingress clients take)."""

    async def main() -> T:
        async with env.async_client() as http:
            return await body(http)

    return asyncio.run(main())


async def eventually(
    probe: Callable[[], Awaitable[T]],
    accept: Callable[[T], bool],
    *,
    what: str,
    timeout: float = WAIT_TIMEOUT,
    interval: float = 0.05,
) -> T:
    """Polls `probe()` until `accept(value)`; returns that value. Fails after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = await probe()
        if accept(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"after {timeout:g}s still not {what}: last value {value!r}")
        await asyncio.sleep(interval)


def wait_for(
    probe: Callable[[], T],
    accept: Callable[[T], bool],
    *,
    what: str,
    timeout: float = WAIT_TIMEOUT,
    interval: float = 0.05,
) -> T:
    """`eventually` for synchronous probes (e.g. the admin API)."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if accept(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"after {timeout:g}s still not {what}: last value {value!r}")
        time.sleep(interval)


def assert_same(actual: object, expected: object) -> None:
    """Equal, and of exactly the same type all the way down (lists, dicts, dataclass fields,
    pydantic fields, Struct fields)."""
    assert type(actual) is type(expected), f"{actual!r} is a {type(actual)}, not {type(expected)}"
    assert actual == expected
    if isinstance(expected, list):
        for a, e in zip(cast(list[object], actual), expected):
            assert_same(a, e)
    elif isinstance(expected, dict):
        assert list(cast(dict[str, object], actual)) == list(expected)
        for k, e in expected.items():
            assert_same(cast(dict[str, object], actual)[k], e)
    elif dataclasses.is_dataclass(expected):
        for f in dataclasses.fields(expected):
            assert_same(getattr(actual, f.name), getattr(expected, f.name))
    elif isinstance(expected, BaseModel):
        for name in type(expected).model_fields:
            assert_same(getattr(actual, name), getattr(expected, name))
    elif isinstance(expected, msgspec.Struct):
        for name in expected.__struct_fields__:
            assert_same(getattr(actual, name), getattr(expected, name))
