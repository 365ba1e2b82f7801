# Ported from https://github.com/restatedev/examples,
# python/tutorials/tour-of-orchestration-python/app/concurrenttasks/service.py,
# MIT License, Copyright (c) 2024 - Restate Software, Inc., Restate GmbH.
# The upstream file has no license header of its own; the repository's LICENSE applies.
# Changed for the port: see BUILD (and README, "Ported public examples").

import restate
import asyncio

from examples.tour_of_orchestration.utils import create_recurring_payment, create_subscription
from examples.tour_of_orchestration.types import SubscriptionRequest, SubscriptionResult


async def add(ctx: restate.Context, req: SubscriptionRequest) -> SubscriptionResult:
    payment_id = str(ctx.uuid())
    pay_ref = await ctx.run_typed(
        "pay",
        create_recurring_payment,
        credit_card=req.credit_card,
        payment_id=payment_id,
    )

    # Start all subscriptions in parallel
    subscription_tasks = []
    for subscription in req.subscriptions:
        task = ctx.run_typed(
            f"add-{subscription}",
            create_subscription,
            user_id=req.user_id,
            subscription=subscription,
            payment_ref=pay_ref,
        )
        subscription_tasks.append(task)

    # Wait for all subscriptions to complete
    await restate.gather(*subscription_tasks)

    return SubscriptionResult(success=True, payment_ref=pay_ref)
