# Ported from https://github.com/restatedev/examples,
# python/end-to-end-applications/food-ordering/app/ordering/order_workflow.py,
# MIT License, Copyright (c) 2024 - Restate Software, Inc., Restate GmbH.
# The upstream file has no license header of its own; the repository's LICENSE applies.
# Changed for the port: see BUILD (and README, "Ported public examples").

import uuid
from datetime import timedelta
from typing import TypedDict

from restate import WorkflowContext, WorkflowSharedContext

from examples.food_ordering.clients.payment_client import PaymentClient
from examples.food_ordering.clients.restaurant_client import RestaurantClient
from examples.food_ordering.types.types import Status
from examples.food_ordering.delivery_manager_restate_client import DeliveryManagerClient

payment_client = PaymentClient()
restaurant_client = RestaurantClient()

class Product(TypedDict):
    product_id: str
    description: str
    quantity: int


class Order(TypedDict):
    id: str
    restaurant_id: str
    products: list[Product]
    total_cost: int
    delivery_delay: int


async def run(ctx: WorkflowContext, order: Order):
    id, total_cost, delivery_delay = (
        ctx.key(),
        order["total_cost"],
        order["delivery_delay"],
    )

    ctx.set("status", Status.CREATED)

    token = str(ctx.uuid())
    paid = await ctx.run_typed("payment", payment_client.charge, token=token, amount=total_cost)

    if not paid:
        ctx.set("status", Status.REJECTED)
        return

    ctx.set("status", Status.SCHEDULED)
    await ctx.sleep(timedelta(milliseconds=delivery_delay))

    await ctx.run_typed("prepare", restaurant_client.prepare, order_id=id)
    ctx.set("status", Status.IN_PREPARATION)

    await ctx.promise("preparation_finished").value()
    ctx.set("status", Status.SCHEDULING_DELIVERY)

    delivery_id = str(ctx.uuid())
    DeliveryManagerClient.from_context(ctx, delivery_id).send().start(order)

    await ctx.promise("driver_selected").value()
    ctx.set("status", Status.WAITING_FOR_DRIVER)
    await ctx.promise("driver_at_restaurant").value()
    ctx.set("status", Status.IN_DELIVERY)
    await ctx.promise("delivery_finished").value()
    ctx.set("status", Status.DELIVERED)


async def finished_preparation(ctx: WorkflowSharedContext):
    await ctx.promise("preparation_finished").resolve(None)


async def selected_driver(ctx: WorkflowSharedContext):
    await ctx.promise("driver_selected").resolve(None)


async def signal_driver_at_restaurant(ctx: WorkflowSharedContext):
    await ctx.promise("driver_at_restaurant").resolve(None)


async def signal_delivery_finished(ctx: WorkflowSharedContext):
    await ctx.promise("delivery_finished").resolve(None)


async def get_status(ctx: WorkflowSharedContext):
    return await ctx.get("status")
