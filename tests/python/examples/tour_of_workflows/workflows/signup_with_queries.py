# Ported from https://github.com/restatedev/examples,
# python/tutorials/tour-of-workflows-python/app/workflows/signup_with_queries.py,
# MIT License, Copyright (c) 2024 - Restate Software, Inc., Restate GmbH.
# The upstream file has no license header of its own; the repository's LICENSE applies.
# Changed for the port: see BUILD (and README, "Ported public examples").

import restate
from restate import WorkflowContext, WorkflowSharedContext
from examples.tour_of_workflows.utils import (
    User,
    StatusResponse,
    create_user,
    activate_user,
    send_welcome_email,
)

async def run(ctx: WorkflowContext, user: User) -> bool:
    user_id = ctx.key()

    ctx.set("user", user.model_dump())
    success = await ctx.run_typed("create", create_user, user_id=user_id, user=user)
    if not success:
        ctx.set("status", "failed")
        return False
    ctx.set("status", "created")

    await ctx.run_typed("activate", activate_user, user_id=user_id)
    await ctx.run_typed("welcome", send_welcome_email, user=user)
    return True


async def get_status(ctx: WorkflowSharedContext) -> StatusResponse:
    return StatusResponse(status=await ctx.get("status"), user=await ctx.get("user"))
