# Ported from https://github.com/restatedev/examples,
# python/tutorials/tour-of-orchestration-python/app/communication/service.py,
# MIT License, Copyright (c) 2024 - Restate Software, Inc., Restate GmbH.
# The upstream file has no license header of its own; the repository's LICENSE applies.
# Changed for the port: see BUILD (and README, "Ported public examples").

import restate
from examples.tour_of_orchestration.utils import day_before
from examples.tour_of_orchestration.types import PurchaseTicketRequest
from examples.tour_of_orchestration.payment_service_restate_client import PaymentServiceClient
from examples.tour_of_orchestration.email_service_restate_client import EmailServiceClient


async def buy(ctx: restate.Context, req: PurchaseTicketRequest) -> str:
    # Request-response call - wait for payment to complete
    pay_ref = await PaymentServiceClient.from_context(ctx).charge(req)

    # One-way message - fire and forget ticket delivery
    EmailServiceClient.from_context(ctx).send().email_ticket(req)

    # Delayed message - schedule reminder for day before concert
    EmailServiceClient.from_context(ctx).send(day_before(req.concert_date)).send_reminder_email(req)

    return f"Ticket purchased successfully with payment reference: {pay_ref}"
