# Ported from https://github.com/restatedev/examples,
# python/tutorials/tour-of-orchestration-python/app/utils.py (the PaymentService part),
# MIT License, Copyright (c) 2024 - Restate Software, Inc., Restate GmbH.
# The upstream file has no license header of its own; the repository's LICENSE applies.
# Changed for the port: see BUILD (and README, "Ported public examples").

import restate

from examples.tour_of_orchestration.types import PurchaseTicketRequest


# Payment Service
async def charge(ctx: restate.Context, req: PurchaseTicketRequest) -> str:
    # Simulate payment processing
    payment_id = str(ctx.uuid())
    print(f"Processing payment for ticket {req.ticket_id} with payment ID {payment_id}")
    return payment_id
