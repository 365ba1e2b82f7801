"""A `typing.TypedDict` (pydantic refuses it before Python 3.12; the glue serves it through
msgspec), a type nothing can serialize, and a value that does not match
its declared type. The last two must end their invocation with a terminal error naming the
type and the handler, never retry it forever."""

from __future__ import annotations

from typing import TypedDict

from restate import Context

from e2e.names.faults_restate_client import FaultsClient


class Order(TypedDict):
    id: str
    lines: list[int]


class Opaque:
    """Neither pydantic nor msgspec can serialize a plain class."""


async def take_order(ctx: Context, order: Order) -> Order:
    return {"id": order["id"].upper(), "lines": [*order["lines"], 0]}


async def forward_order(ctx: Context, order: Order) -> Order:
    return await FaultsClient.from_context(ctx).take_order(order)


async def reply_opaque(ctx: Context) -> Opaque:
    return Opaque()


async def take_opaque(ctx: Context, req: Opaque) -> None:
    pass


async def forward_opaque(ctx: Context) -> None:
    """Calls take_opaque: serializing its request fails in this handler."""
    await FaultsClient.from_context(ctx).take_opaque(Opaque())


async def wrong_value(ctx: Context) -> int:
    return object()  # type: ignore[return-value]  # a bug the type checker would catch
