# Copyright (c) 2024 - Restate Software, Inc., Restate GmbH
#
# This file is part of the Restate examples,
# which is released under the MIT license.
#
# You can find a copy of the license in the file LICENSE
# in the root directory of this repository or package or at
# https://github.com/restatedev/examples/
#
# Source: python/end-to-end-applications/food-ordering/app/ordering/order_status.py
# Ported to plain handler modules (see BUILD and README, "Ported public examples").


from restate import ObjectContext
from examples.food_ordering.order_workflow_restate_client import OrderWorkflowClient

async def get(ctx: ObjectContext):
    eta = await ctx.get("eta") or None
    status = await OrderWorkflowClient.from_context(ctx, ctx.key()).get_status() or None
    return {"eta": eta, "status": status}


async def set_eta(ctx: ObjectContext, eta: int):
    ctx.set("eta", eta)


async def event_handler(ctx: ObjectContext, eta: int):
    ctx.set("eta", eta)
