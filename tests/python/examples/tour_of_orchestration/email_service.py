# Ported from https://github.com/restatedev/examples,
# python/tutorials/tour-of-orchestration-python/app/utils.py (the EmailService part),
# MIT License, Copyright (c) 2024 - Restate Software, Inc., Restate GmbH.
# The upstream file has no license header of its own; the repository's LICENSE applies.
# Changed for the port: see BUILD (and README, "Ported public examples").

import restate

from examples.tour_of_orchestration.types import PurchaseTicketRequest


# Email Service
async def email_ticket(ctx: restate.Context, req: PurchaseTicketRequest) -> None:
    print(f"Sending ticket to {req.customer_email} for concert on {req.concert_date}")


async def send_reminder_email(ctx: restate.Context, req: PurchaseTicketRequest) -> None:
    print(f"Sending reminder for concert on {req.concert_date} to {req.customer_email}")
