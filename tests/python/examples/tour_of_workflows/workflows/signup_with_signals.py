# Ported from https://github.com/restatedev/examples,
# python/tutorials/tour-of-workflows-python/app/workflows/signup_with_signals.py,
# MIT License, Copyright (c) 2024 - Restate Software, Inc., Restate GmbH.
# The upstream file has no license header of its own; the repository's LICENSE applies.
# Changed for the port: see BUILD (and README, "Ported public examples").

import restate
from restate import WorkflowContext, WorkflowSharedContext
from examples.tour_of_workflows.utils import User, send_verification_email, VerifyEmailRequest

async def run(ctx: WorkflowContext, user: User) -> bool:
    user_id = ctx.key()

    # Generate verification secret and send email
    secret = str(ctx.uuid())
    await ctx.run_typed(
        "verify",
        send_verification_email,
        user_id=user_id,
        user=user,
        verification_secret=secret,
    )

    # Wait for user to click verification link
    clicked_secret = await ctx.promise("email-verified", type_hint=str).value()
    return clicked_secret == secret


async def verify_email(ctx: WorkflowSharedContext, req: VerifyEmailRequest) -> None:
    # Resolve the promise to continue the main workflow
    await ctx.promise("email-verified", type_hint=str).resolve(req.secret)
