"""A dashed Restate name (`order-workflow`, from the target name) and a workflow whose main
handler is `pay`, not `run`."""

from __future__ import annotations

from restate import WorkflowContext, WorkflowSharedContext

from e2e.names.account_restate_client import AccountClient


async def pay(ctx: WorkflowContext, amount: int) -> str:
    """Pays for a ticket: registers it on the `account` object named by the workflow key."""
    ticket = f"ticket-{amount}"
    await AccountClient.from_context(ctx, ctx.key()).add_ticket(ticket)
    ctx.set("status", "paid")
    return ticket


async def status(ctx: WorkflowSharedContext) -> str:
    return await ctx.get("status", type_hint=str) or "pending"
