"""`ping` and `pong.v1` call each other (A -> B -> A) through their generated clients; the
request type of both is defined here, in ping's handler module, and pong imports it."""

from __future__ import annotations

from pydantic import BaseModel
from restate import Context

from e2e.names.pong_restate_client import PongV1Client


class Rally(BaseModel):
    hops: int
    trail: list[str] = []


async def ping(ctx: Context, rally: Rally) -> list[str]:
    trail = [*rally.trail, "ping"]
    if rally.hops <= 0:
        return trail
    return await PongV1Client.from_context(ctx).pong(Rally(hops=rally.hops - 1, trail=trail))
