"""A service whose handler takes as long as it is asked to (a durable sleep): something to
attach to while it runs, and to cancel."""

from __future__ import annotations

from datetime import timedelta

from restate import Context


async def nap(ctx: Context, millis: int) -> str:
    """Sleeps durably for `millis` ms; a cancellation ends the sleep with a terminal error."""
    await ctx.sleep(timedelta(milliseconds=millis))
    return f"slept {millis}ms"
