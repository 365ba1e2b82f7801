"""The other half of the ping/pong cycle."""

from __future__ import annotations

from restate import Context

from e2e.names.ping import Rally
from e2e.names.ping_restate_client import PingClient


async def pong(ctx: Context, rally: Rally) -> list[str]:
    trail = [*rally.trail, "pong"]
    if rally.hops <= 0:
        return trail
    return await PingClient.from_context(ctx).ping(Rally(hops=rally.hops - 1, trail=trail))
