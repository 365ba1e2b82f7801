"""Types the glue cannot serialize (`typing.TypedDict`: pydantic refuses it on Python < 3.12)
and a value that does not match its declared type. Each must end its invocation with a
terminal error naming the type and the handler, never retry it forever."""

from __future__ import annotations

from typing import TypedDict

from restate import Context

from e2e.names.faults_restate_client import FaultsClient


class Order(TypedDict):
    id: str


async def reply_with_order(ctx: Context) -> Order:
    return {"id": "o1"}


async def take_order(ctx: Context, order: Order) -> None:
    pass


async def forward_order(ctx: Context) -> None:
    """Calls take_order: serializing its TypedDict request fails in this handler."""
    await FaultsClient.from_context(ctx).take_order({"id": "o2"})


async def wrong_value(ctx: Context) -> int:
    return object()  # type: ignore[return-value]  # a bug the type checker would catch
