"""A virtual object holding one dataclass per key: the target of `.send()` with a dataclass
payload (ingress and ctx), observed through its shared `get`."""

from __future__ import annotations

from restate import ObjectContext, ObjectSharedContext

from e2e.types.models import Point


async def put(ctx: ObjectContext, req: Point) -> None:
    ctx.set("point", req)


async def get(ctx: ObjectSharedContext) -> Point | None:
    return await ctx.get("point", type_hint=Point)
