# Ported from https://github.com/restatedev/examples,
# python/tutorials/tour-of-orchestration-python/app/events/service.py,
# MIT License, Copyright (c) 2024 - Restate Software, Inc., Restate GmbH.
# The upstream file has no license header of its own; the repository's LICENSE applies.
# Changed for the port: see BUILD (and README, "Ported public examples").

import restate

from examples.tour_of_orchestration.utils import init_payment
from examples.tour_of_orchestration.types import PaymentRequest, PaymentResult, ConfirmationRequest


async def process(ctx: restate.Context, req: PaymentRequest) -> PaymentResult:

    # Create awakeable to wait for webhook payment confirmation
    confirmation_id, confirmation_promise = ctx.awakeable(type_hint=PaymentResult)

    # Initiate payment with external provider (Stripe, PayPal, etc.)
    payment_id = str(ctx.uuid())
    await ctx.run_typed(
        "pay",
        init_payment,
        req=req,
        payment_id=payment_id,
        confirmation_id=confirmation_id,
    )

    # Wait for external payment provider to call our webhook
    return await confirmation_promise


async def confirm(ctx: restate.Context, confirmation: ConfirmationRequest) -> None:
    # Resolve the awakeable to continue the payment flow
    ctx.resolve_awakeable(confirmation.id, confirmation.result)
