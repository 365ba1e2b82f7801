# Ported from https://github.com/restatedev/examples,
# python/end-to-end-applications/food-ordering/app/ordering/driver_matcher.py,
# MIT License, Copyright (c) 2024 - Restate Software, Inc., Restate GmbH.
# The upstream file has no license header of its own; the repository's LICENSE applies.
# Changed for the port: see BUILD (and README, "Ported public examples").

from restate import ObjectContext

from examples.food_ordering.types.types import PendingDelivery

PENDING_DELIVERIES = "PENDING_DELIVERIES"
AVAILABLE_DRIVERS = "AVAILABLE_DRIVERS"


async def set_driver_available(ctx: ObjectContext, driver_id: str):
    pending_deliveries: list[PendingDelivery] = await ctx.get(PENDING_DELIVERIES) or []
    if len(pending_deliveries) > 0:
        next_delivery = pending_deliveries.pop(0)
        ctx.set(PENDING_DELIVERIES, pending_deliveries)

        # Notify that delivery is ongoing
        ctx.resolve_awakeable(next_delivery["promise_id"], driver_id)
        return

    # otherwise remember driver as available
    available_drivers: list[str] = await ctx.get(AVAILABLE_DRIVERS) or []
    available_drivers.append(driver_id)
    ctx.set(AVAILABLE_DRIVERS, available_drivers)


async def request_driver_for_delivery(ctx: ObjectContext, request: PendingDelivery):
    # if a driver is available, assign the delivery right away
    available_drivers: list[str] = await ctx.get(AVAILABLE_DRIVERS) or []
    if len(available_drivers) > 0:
        # Remove driver from the pool
        next_available_driver = available_drivers.pop(0)
        ctx.set(AVAILABLE_DRIVERS, available_drivers)

        # Notify that delivery is ongoing
        ctx.resolve_awakeable(request["promise_id"], next_available_driver)
        return

    # otherwise store the delivery request until a new driver becomes available
    pending_deliveries: list[PendingDelivery] = await ctx.get(PENDING_DELIVERIES) or []
    pending_deliveries.append(request)
    ctx.set(PENDING_DELIVERIES, pending_deliveries)
