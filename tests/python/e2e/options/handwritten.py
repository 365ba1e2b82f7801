"""The oracle: the components of this package as a restate-sdk user writes them by hand, with
the same options the BUILD file sets, under other names (`Hand...`)."""

from __future__ import annotations

from datetime import timedelta

import restate
from restate import (
    Context,
    ObjectContext,
    ObjectSharedContext,
    WorkflowContext,
    WorkflowSharedContext,
)

from e2e.options import approval, teller, tracing, vault

hand_vault = restate.VirtualObject(
    "HandVault",
    description="A safe-deposit vault per key.",
    metadata={"team": "payments", "tier": "gold"},
    inactivity_timeout=timedelta(seconds=30),
    abort_timeout=timedelta(seconds=5),
    journal_retention=timedelta(hours=1),
    idempotency_retention=timedelta(minutes=10),
    state_preload=False,
    invocation_retry_policy=restate.InvocationRetryPolicy(
        initial_interval=timedelta(milliseconds=100),
        exponentiation_factor=2.0,
        max_interval=timedelta(seconds=10),
        max_attempts=5,
        on_max_attempts="kill",
    ),
)


@hand_vault.handler(
    accept="application/*",
    metadata={"audit": "yes"},
    inactivity_timeout=timedelta(minutes=1, seconds=30),
    abort_timeout=timedelta(seconds=2),
    journal_retention=timedelta(0),
    idempotency_retention=timedelta(days=1),
    invocation_retry_policy=restate.InvocationRetryPolicy(max_attempts=3, on_max_attempts="pause"),
)
async def deposit(ctx: ObjectContext, amount: int) -> int:
    """Add `amount` to the vault and return the new balance."""
    return await vault.deposit(ctx, amount)


@hand_vault.handler(kind="shared", state_preload=True)
async def balance(ctx: ObjectSharedContext) -> int:
    """The vault's balance."""
    return await vault.balance(ctx)


@hand_vault.handler(kind="shared", ingress_private=True)
async def audit(ctx: ObjectSharedContext) -> str:
    """Internal: a line for the audit log."""
    return await vault.audit(ctx)


hand_approval = restate.Workflow(
    "HandApproval", description="An approval workflow: waits for a decision, then reports it."
)


@hand_approval.main(
    journal_retention=timedelta(hours=12),
    metadata={"step": "main"},
    workflow_retention=timedelta(days=2),
)
async def decide(ctx: WorkflowContext, subject: str) -> str:
    """Wait for the approver's decision about `subject`."""
    return await approval.decide(ctx, subject)


@hand_approval.handler(idempotency_retention=timedelta(minutes=5), ingress_private=False)
async def approve(ctx: WorkflowSharedContext, decision: str) -> None:
    """Record the approver's decision."""
    await approval.approve(ctx, decision)


hand_teller = restate.Service("HandTeller", invocation_context_managers=[tracing.component_scope])


@hand_teller.handler(invocation_context_managers=[tracing.handler_scope])
async def scopes(ctx: Context) -> list[str]:
    return await teller.scopes(ctx)
