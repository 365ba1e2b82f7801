# Ported from https://github.com/restatedev/examples,
# python/end-to-end-applications/food-ordering/app/ordering/delivery_manager.py,
# MIT License, Copyright (c) 2024 - Restate Software, Inc., Restate GmbH.
# The upstream file has no license header of its own; the repository's LICENSE applies.
# Changed for the port: see BUILD (and README, "Ported public examples").

from restate import ObjectContext
from restate.exceptions import TerminalError

from examples.food_ordering.order_workflow import Order
from examples.food_ordering.order_workflow_restate_client import OrderWorkflowClient
from examples.food_ordering.driver_matcher_restate_client import DriverDeliveryMatcherClient
from examples.food_ordering.driver_digital_twin_restate_client import DriverDigitalTwinClient
from examples.food_ordering.order_status_restate_client import OrderStatusClient
from examples.food_ordering.utils import geo
from examples.food_ordering.types.types import DeliveryInformation, Location

from examples.food_ordering.types.types import DEMO_REGION

DELIVERY_INFO = "DELIVERY_INFO"


async def start(ctx: ObjectContext, order: Order):
    restaurant_location, customer_location = await ctx.run_typed(
        "locations", lambda: [geo.random_location(), geo.random_location()]
    )

    # Store the delivery information in Restate's state store
    delivery_info: DeliveryInformation = {
        "order_id": order["id"],
        "restaurant_id": order["restaurant_id"],
        "restaurant_location": restaurant_location,
        "customer_location": customer_location,
        "order_picked_up": False,
    }
    ctx.set(DELIVERY_INFO, delivery_info)

    # Acquire a driver
    driver_promise_id, driver_promise = ctx.awakeable()

    DriverDeliveryMatcherClient.from_context(ctx, DEMO_REGION).send().request_driver_for_delivery(
        {"promise_id": driver_promise_id},
    )

    # Wait until the driver pool service has located a driver
    driver_id = await driver_promise

    # Assign the driver to the job
    await DriverDigitalTwinClient.from_context(ctx, driver_id).assign_delivery_job(
        {
            "delivery_id": ctx.key(),
            "restaurant_id": order["restaurant_id"],
            "restaurant_location": delivery_info["restaurant_location"],
            "customer_location": delivery_info["customer_location"],
        },
    )

    await OrderWorkflowClient.from_context(ctx, order["id"]).selected_driver()


async def notify_delivery_pickup(ctx: ObjectContext):
    delivery = await ctx.get(DELIVERY_INFO)
    if delivery is None:
        raise TerminalError("No delivery information found")

    delivery["order_picked_up"] = True
    ctx.set(DELIVERY_INFO, delivery)

    OrderWorkflowClient.from_context(ctx, delivery["order_id"]).send().signal_driver_at_restaurant()


async def notify_delivery_delivered(ctx: ObjectContext):
    delivery = await ctx.get(DELIVERY_INFO)
    if delivery is None:
        raise TerminalError("No delivery information found")
    ctx.clear(DELIVERY_INFO)

    OrderWorkflowClient.from_context(ctx, delivery["order_id"]).send().signal_delivery_finished()


async def handle_driver_location_update(ctx: ObjectContext, location: Location):
    delivery = await ctx.get(DELIVERY_INFO)

    if delivery["order_picked_up"]:
        eta = geo.calculate_eta_millis(location, delivery["customer_location"])
    else:
        eta = geo.calculate_eta_millis(location, delivery["restaurant_location"]) + geo.calculate_eta_millis(
            delivery["restaurant_location"], delivery["customer_location"]
        )

    OrderStatusClient.from_context(ctx, delivery["order_id"]).send().set_eta(eta)
