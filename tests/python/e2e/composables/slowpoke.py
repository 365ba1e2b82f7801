"""The callee of the composable-calls tests: answers after a durable sleep, or never."""

from __future__ import annotations

from datetime import timedelta

from restate import Context

from e2e.composables.models import Nap, Woke


async def nap(ctx: Context, req: Nap) -> Woke:
    """Sleeps `req.ms` durably, then wakes with `req.label`."""
    if req.ms:
        await ctx.sleep(timedelta(milliseconds=req.ms))
    return Woke(label=req.label, slept_ms=req.ms)


async def count(ctx: Context, req: int) -> int:
    """A call of another type (int), for races between unlike futures."""
    return req + 1


async def hold(ctx: Context, tag: str) -> str:
    """Sleeps an hour: in a test only cancellation ends it."""
    await ctx.sleep(timedelta(hours=1))
    return tag
