"""A workflow that greets once per key: to show what a second submission answers."""

from __future__ import annotations

from datetime import timedelta

from restate import WorkflowContext


async def run(ctx: WorkflowContext, name: str) -> str:
    """Returns a greeting after a short durable sleep (so a second submit finds it running)."""
    await ctx.sleep(timedelta(milliseconds=300))
    return f"hello {name}"
