"""A workflow: waits for a decision (a durable promise resolved by a shared handler), then
greets the requester through the Greeter's ctx client."""

from __future__ import annotations

from restate import WorkflowContext, WorkflowSharedContext

from e2e.kinds.greeter_restate_client import GreeterClient
from e2e.kinds.models import ApprovalRequest, ApprovalResult, Decision, Greeting


async def run(ctx: WorkflowContext, req: ApprovalRequest) -> ApprovalResult:
    """Waits for the decision, then returns it with a greeting for the requester."""
    ctx.set("stage", "awaiting-decision")
    decision = await ctx.promise("decision", type_hint=Decision).value()
    ctx.set("stage", "greeting")
    greeted = await GreeterClient.from_context(ctx).greet(Greeting(name=req.requester))
    ctx.set("stage", "decided")
    return ApprovalResult(
        requester=req.requester,
        verdict=decision.verdict,
        by=decision.by,
        greeting=greeted.message,
    )


async def decide(ctx: WorkflowSharedContext, req: Decision) -> None:
    """Hands in the decision the workflow waits for."""
    await ctx.promise("decision", type_hint=Decision).resolve(req)


async def stage(ctx: WorkflowSharedContext) -> str | None:
    """Where the workflow is: awaiting-decision, greeting, decided."""
    return await ctx.get("stage", type_hint=str)


async def pending_decision(ctx: WorkflowSharedContext) -> Decision | None:
    """The decision if one was handed in (peeks at the durable promise)."""
    return await ctx.promise("decision", type_hint=Decision).peek()
