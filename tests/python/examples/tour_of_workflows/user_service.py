# Ported from https://github.com/restatedev/examples,
# python/tutorials/tour-of-workflows-python/app/utils.py (the UserService part),
# MIT License, Copyright (c) 2024 - Restate Software, Inc., Restate GmbH.
# The upstream file has no license header of its own; the repository's LICENSE applies.
# Changed for the port: see BUILD (and README, "Ported public examples").

import restate

from examples.tour_of_workflows.utils import CreateUserRequest, create_user


async def create_user_handler(ctx: restate.Context, req: CreateUserRequest) -> bool:
    return await ctx.run_typed(
        "create user", create_user, user_id=req.user_id, user=req.user
    )
