"""Calls the NestedZoo through its generated ctx client and reports the Python type of what
came back, deep inside each value."""

from __future__ import annotations

from restate import Context

from e2e.nested.models import Grade, Line, Order, Palette, Parcel, Shade
from e2e.nested.nested_zoo_restate_client import NestedZooClient


async def relay(ctx: Context, req: Parcel) -> dict[str, str]:
    zoo = NestedZooClient.from_context(ctx)
    parcel = await zoo.sort_parcel(req)
    palette = await zoo.darken(Palette(name="p", swatches={"a": [Shade.LIGHT, Shade.DARK]}))
    order = await zoo.box_order(Order(lines=[Line(sku="s", kind="bag", grade=Grade.A)]))
    tally = await zoo.tally({"g": [Line(sku="s", kind="bag", grade=Grade.A), None]})
    raw = await zoo.flip(b"\x00\x01")
    swatches = palette.swatches or {}
    return {
        "parcel": type(parcel).__name__,
        "parcel.items[0].grade": type(parcel.items[0]["grade"]).__name__,
        "parcel.priority": type(parcel.priority).__name__,
        "palette": type(palette).__name__,
        "palette.swatches.a": ",".join(shade.name for shade in swatches["a"]),
        "order": type(order).__name__,
        "order.lines[0].grade": type(order.lines[0]["grade"]).__name__,
        "order.meta.graded": repr(order.meta["graded"]),
        "tally": repr(tally),
        "flip": raw.hex(),
    }
