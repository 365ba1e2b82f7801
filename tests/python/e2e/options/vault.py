"""A safe-deposit vault per key: deposits, a balance, an audit only other components may call.

Its Restate options (timeouts, retention, retry policy, metadata, lazy state; per handler too)
are set on the restate_service target (BUILD), not here: this module stays plain."""

from __future__ import annotations

from restate import ObjectContext, ObjectSharedContext


async def deposit(ctx: ObjectContext, amount: int) -> int:
    """Add `amount` to the vault and return the new balance."""
    balance = (await ctx.get("balance", type_hint=int) or 0) + amount
    ctx.set("balance", balance)
    return balance


async def balance(ctx: ObjectSharedContext) -> int:
    return await ctx.get("balance", type_hint=int) or 0


async def audit(ctx: ObjectSharedContext) -> str:
    """Internal: a line for the audit log."""
    return f"{ctx.key()}: {await ctx.get('balance', type_hint=int) or 0}"
