# Ported from https://github.com/restatedev/examples,
# python/patterns-use-cases/schedulingtasks/app.py,
# MIT License, Copyright (c) 2024 - Restate Software, Inc., Restate GmbH.
# The upstream file has no license header of its own; the repository's LICENSE applies.
# Changed for the port: see BUILD (and README, "Ported public examples").

import restate

from examples.patterns.schedulingtasks.payment_tracker_restate_client import PaymentTrackerClient
from datetime import timedelta
from examples.patterns.schedulingtasks.utils import send_reminder_email, escalate_to_human, StripeEvent

# Stripe sends us webhook events for invoice payment attempts
async def on_payment_success(ctx: restate.ObjectContext, _event: StripeEvent):
    ctx.set("paid", True)


async def on_payment_failure(ctx: restate.ObjectContext, event: StripeEvent):
    if await ctx.get("paid", type_hint=bool):
        return

    reminder_count = await ctx.get("reminder_count", type_hint=int) or 0
    if reminder_count < 3:
        ctx.set("reminder_count", reminder_count + 1)
        await ctx.run_typed("send_reminder", send_reminder_email, event=event)

        # Schedule next reminder via a delayed self call
        PaymentTrackerClient.from_context(
            ctx, ctx.key()  # this object invoice id
        ).send(timedelta(days=1)).on_payment_failure(  # this handler
            event,
        )
    else:
        await ctx.run_typed("escalate", escalate_to_human, event=event)
