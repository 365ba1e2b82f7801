"""Handlers the runtime benchmarks serve twice: through generated glue and hand-written glue."""

from __future__ import annotations

import json

from pydantic import BaseModel
from restate import Context

from perf.orders_restate_client import OrdersClient


class Line(BaseModel):
    sku: str
    quantity: int
    price: float


class Order(BaseModel):
    id: str
    customer: str
    lines: list[Line]


class Receipt(BaseModel):
    id: str
    total: float


async def place(ctx: Context, order: Order) -> Receipt:
    """Prices an order."""
    return Receipt(id=order.id, total=sum(line.quantity * line.price for line in order.lines))


async def relay_typed(ctx: Context, order: Order) -> Receipt:
    """Calls `place` through the generated typed client."""
    return await OrdersClient.from_context(ctx).place(order)


async def relay_generic(ctx: Context, order: Order) -> Receipt:
    """Calls `place` through `ctx.generic_call` with hand-made JSON, as without the glue."""
    raw = await ctx.generic_call("Orders", "place", order.model_dump_json().encode())
    return Receipt.model_validate(json.loads(raw))
