# Copyright (c) 2024 - Restate Software, Inc., Restate GmbH
#
# This file is part of the Restate examples,
# which is released under the MIT license.
#
# You can find a copy of the license in the file LICENSE
# in the root directory of this repository or package or at
# https://github.com/restatedev/examples/
#
# Source: python/end-to-end-applications/food-ordering/app/ordering/driver_digital_twin.py
# Ported to plain handler modules (see BUILD and README, "Ported public examples").


from restate import ObjectContext
from restate.exceptions import TerminalError
from examples.food_ordering.types.types import Location, DriverStatus, DeliveryRequest
from examples.food_ordering.driver_matcher_restate_client import DriverDeliveryMatcherClient
from examples.food_ordering.delivery_manager_restate_client import DeliveryManagerClient

DRIVER_STATUS = "driver-status"
ASSIGNED_DELIVERY = "assigned-delivery"
DRIVER_LOCATION = "driver-location"
DriverDeliveryMatcherObject = "driver-delivery-matcher"
DeliveryManagerObject = "delivery-manager"


async def set_driver_available(ctx: ObjectContext, region: str):
    await check_if_driver_in_expected_state(DriverStatus.IDLE, ctx)
    ctx.set(DRIVER_STATUS, DriverStatus.WAITING_FOR_WORK)
    DriverDeliveryMatcherClient.from_context(ctx, region).send().set_driver_available(ctx.key())


async def get_assigned_delivery(ctx: ObjectContext):
    return await ctx.get(ASSIGNED_DELIVERY)


async def assign_delivery_job(ctx: ObjectContext, delivery_request: DeliveryRequest):
    await check_if_driver_in_expected_state(DriverStatus.WAITING_FOR_WORK, ctx)
    ctx.set(DRIVER_STATUS, DriverStatus.DELIVERING)
    ctx.set(ASSIGNED_DELIVERY, delivery_request)
    current_location = await ctx.get(DRIVER_LOCATION)
    if current_location:
        DeliveryManagerClient.from_context(
            ctx, delivery_request["delivery_id"]
        ).send().handle_driver_location_update(
            current_location,
        )


async def notify_delivery_pickup(ctx: ObjectContext):
    await check_if_driver_in_expected_state(DriverStatus.DELIVERING, ctx)
    assigned_delivery = await ctx.get(ASSIGNED_DELIVERY)
    DeliveryManagerClient.from_context(
        ctx, assigned_delivery["delivery_id"]
    ).send().notify_delivery_pickup()


async def notify_delivery_delivered(ctx: ObjectContext):
    await check_if_driver_in_expected_state(DriverStatus.DELIVERING, ctx)
    assigned_delivery = await ctx.get(ASSIGNED_DELIVERY)
    ctx.clear(ASSIGNED_DELIVERY)
    DeliveryManagerClient.from_context(
        ctx, assigned_delivery["delivery_id"]
    ).send().notify_delivery_delivered()
    ctx.set(DRIVER_STATUS, DriverStatus.IDLE)


async def handle_driver_location_update_event(ctx: ObjectContext, location: Location):
    ctx.set(DRIVER_LOCATION, location)
    assigned_delivery = await ctx.get(ASSIGNED_DELIVERY)
    if assigned_delivery:
        DeliveryManagerClient.from_context(
            ctx, assigned_delivery["delivery_id"]
        ).send().handle_driver_location_update(
            location,
        )


async def check_if_driver_in_expected_state(expected_status: DriverStatus, ctx: ObjectContext):
    current_status = await ctx.get(DRIVER_STATUS) or DriverStatus.IDLE
    if current_status != expected_status:
        raise TerminalError(f"Driver status wrong. Expected {expected_status} but was {current_status}")
