# Ported from https://github.com/restatedev/examples,
# python/patterns-use-cases/statemachinepayments/payment_processor.py,
# MIT License, Copyright (c) 2024 - Restate Software, Inc., Restate GmbH.
# The upstream file has no license header of its own; the repository's LICENSE applies.
# Changed for the port: see BUILD (and README, "Ported public examples").

import restate

from datetime import timedelta
from pydantic import BaseModel
from examples.patterns.statemachinepayments.account_restate_client import AccountClient
from examples.patterns.statemachinepayments.payment_processor_restate_client import (
    PaymentProcessorClient,
)

# A service that processes the payment requests.
# This is implemented as a virtual object to ensure that only one concurrent request can happen
# per payment-id. Requests are queued and processed sequentially per id.
# Methods can be called multiple times with the same payment-id, but payment will be executed
# only once. If a 'cancelPayment' is called for an id, the payment will either be undone, or
# blocked from being made in the future, depending on whether the cancel call comes before or after
# the 'makePayment' call.
# The key under which we store the status.
STATUS = "status"

# The key under which we store the original payment request.
PAYMENT = "payment"

EXPIRY_TIMEOUT = timedelta(days=1)


class Payment(BaseModel):
    account_id: str
    amount_cents: int


async def make_payment(ctx: restate.ObjectContext, payment: Payment) -> str:
    payment_id = ctx.key()
    status = await ctx.get(STATUS, type_hint=str) or "NEW"

    if status == "CANCELED":
        return "Payment already cancelled"
    if status == "COMPLETED_SUCCESSFULLY":
        return "Payment already completed in prior call"

    # Charge the target account
    payment_result = await AccountClient.from_context(ctx, payment.account_id).withdraw(
        payment.amount_cents
    )

    # Remember only on success, so that on failure (when we didn't charge) the external
    # caller may retry this (with the same payment-id), for the sake of this example
    if payment_result.success:
        ctx.set(STATUS, "COMPLETED_SUCCESSFULLY")
        ctx.set(PAYMENT, payment)
        PaymentProcessorClient.from_context(ctx, payment_id).send(EXPIRY_TIMEOUT).expire()

    return payment_result.message


async def cancel_payment(ctx: restate.ObjectContext):
    status = await ctx.get(STATUS, type_hint=str) or "NEW"

    if status == "NEW":
        # not seen this payment-id before, mark as canceled, in case the cancellation
        # overtook the actual payment request (on the external caller's side)
        ctx.set(STATUS, "CANCELED")
        PaymentProcessorClient.from_context(ctx, ctx.key()).send(EXPIRY_TIMEOUT).expire()

    elif status == "CANCELED":
        pass

    elif status == "COMPLETED_SUCCESSFULLY":
        payment = await ctx.get(PAYMENT, type_hint=Payment)
        if not payment:
            raise restate.TerminalError("No payment info found for cancellation")
        # remember this as cancelled
        ctx.set(STATUS, "CANCELED")

        # undo the payment
        AccountClient.from_context(ctx, payment.account_id).send().deposit(payment.amount_cents)


async def expire(ctx: restate.ObjectContext):
    ctx.clear_all()
