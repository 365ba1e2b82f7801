"""An approval workflow: waits for a decision, then reports it."""

from __future__ import annotations

from restate import WorkflowContext, WorkflowSharedContext


async def decide(ctx: WorkflowContext, subject: str) -> str:
    """Wait for the approver's decision about `subject`."""
    decision = await ctx.promise("decision", type_hint=str).value()
    return f"{subject}: {decision}"


async def approve(ctx: WorkflowSharedContext, decision: str) -> None:
    """Record the approver's decision."""
    await ctx.promise("decision", type_hint=str).resolve(decision)
