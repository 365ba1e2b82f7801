"""Helpers for the end-to-end tests: run async code against an environment's ingress, and wait
for something to become true within a bound."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import httpx

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
