# Ported from https://github.com/restatedev/examples,
# python/tutorials/tour-of-orchestration-python/app/objects/service.py,
# MIT License, Copyright (c) 2024 - Restate Software, Inc., Restate GmbH.
# The upstream file has no license header of its own; the repository's LICENSE applies.
# Changed for the port: see BUILD (and README, "Ported public examples").

import restate
from datetime import datetime
from typing import List


async def add(ctx: restate.ObjectContext, subscription: str) -> None:
    # Get current subscriptions
    subscriptions = await ctx.get("subscriptions", type_hint=List[str]) or []

    # Add new subscription
    if subscription not in subscriptions:
        subscriptions.append(subscription)

    ctx.set("subscriptions", subscriptions)

    # Update metrics
    ctx.set("lastUpdated", datetime.now().isoformat())


async def get_subscriptions(ctx: restate.ObjectSharedContext) -> List[str]:
    return await ctx.get("subscriptions", type_hint=List[str]) or []
