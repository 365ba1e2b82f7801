"""A virtual object: a counter per key, plus an exclusive handler that blocks on an awakeable
(so tests can show shared handlers still being served while it runs)."""

from __future__ import annotations

import restate
from restate import ObjectContext, ObjectSharedContext

from e2e.kinds.models import Deposit


async def add(ctx: ObjectContext, req: Deposit) -> int:
    """Adds `amount`; fails terminally (409) if the total would go above `limit`."""
    total = (await ctx.get("count", type_hint=int) or 0) + req.amount
    if req.limit is not None and total > req.limit:
        raise restate.TerminalError(
            f"limit {req.limit} exceeded: {ctx.key()} would be at {total}", status_code=409
        )
    ctx.set("count", total)
    return total


async def get(ctx: ObjectSharedContext) -> int:
    """The current count (shared: runs next to an exclusive handler)."""
    return await ctx.get("count", type_hint=int) or 0


async def hold(ctx: ObjectContext) -> str:
    """Exclusive: parks on an awakeable until `release` resolves it; returns the value."""
    awakeable_id, released = ctx.awakeable(type_hint=str)
    ctx.set("held_by", awakeable_id)
    value = await released
    ctx.clear("held_by")
    ctx.set("released_with", value)
    return value


async def holder(ctx: ObjectSharedContext) -> str | None:
    """The awakeable a running `hold` waits on, if any."""
    return await ctx.get("held_by", type_hint=str)


async def release(ctx: ObjectSharedContext, value: str) -> bool:
    """Shared: resolves the awakeable of a running `hold`; False when nothing is held."""
    awakeable_id = await ctx.get("held_by", type_hint=str)
    if awakeable_id is None:
        return False
    ctx.resolve_awakeable(awakeable_id, value)
    return True
