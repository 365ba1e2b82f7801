"""A virtual object whose `wait` parks on an awakeable until someone outside Restate resolves
or rejects it through the ingress (the id is in its state, read by `awakeable`)."""

from __future__ import annotations

import restate
from restate import ObjectContext, ObjectSharedContext

from e2e.ingress.models import Decision, Outcome


async def wait(ctx: ObjectContext) -> Outcome:
    """Waits for the awakeable; reports the decision, or the rejection's message."""
    awakeable_id, decided = ctx.awakeable(type_hint=Decision)
    ctx.set("awakeable", awakeable_id)
    try:
        outcome = Outcome(decision=await decided)
    except restate.TerminalError as rejection:
        outcome = Outcome(rejected=rejection.message)
    ctx.clear("awakeable")
    return outcome


async def awakeable(ctx: ObjectSharedContext) -> str | None:
    """The id of the awakeable a running `wait` waits on, if any."""
    return await ctx.get("awakeable", type_hint=str)


async def tally(ctx: ObjectContext, amount: int) -> int:
    """Adds `amount` to this key's total and returns the total (to tell duplicates apart)."""
    total = (await ctx.get("total", type_hint=int) or 0) + amount
    ctx.set("total", total)
    return total
