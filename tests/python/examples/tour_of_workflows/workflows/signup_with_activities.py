# Ported from https://github.com/restatedev/examples,
# python/tutorials/tour-of-workflows-python/app/workflows/signup_with_activities.py,
# MIT License, Copyright (c) 2024 - Restate Software, Inc., Restate GmbH.
# The upstream file has no license header of its own; the repository's LICENSE applies.
# Changed for the port: see BUILD (and README, "Ported public examples").

import restate
from restate import WorkflowContext
from examples.tour_of_workflows.utils import User, activate_user, send_welcome_email, CreateUserRequest
from examples.tour_of_workflows.user_service_restate_client import UserServiceClient

async def run(ctx: WorkflowContext, user: User) -> bool:
    user_id = ctx.key()

    # <start_activities>
    # Move user DB interaction to dedicated service
    success = await UserServiceClient.from_context(ctx).create_user_handler(
        CreateUserRequest(user_id=user_id, user=user)
    )
    if not success:
        return False

    # Execute other steps inline
    await ctx.run_typed("activate", activate_user, user_id=user_id)
    await ctx.run_typed("welcome", send_welcome_email, user=user)
    # <end_activities>
    return True
