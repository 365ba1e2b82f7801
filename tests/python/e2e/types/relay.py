"""Calls the TypeZoo through its generated ctx client (and sends to the ZooShelf through its
ctx send client), reporting what came back and the Python type of each value."""

from __future__ import annotations

import dataclasses

import msgspec
from pydantic import BaseModel
from restate import Context

from e2e.types.models import Envelope, Point, Reading, RelayReport, Tag
from e2e.types.type_zoo import Box
from e2e.types.type_zoo_restate_client import TypeZooClient
from e2e.types.zoo_shelf_restate_client import ZooShelfClient


def _kind(value: object) -> str:
    if value is None:
        return "None"
    if isinstance(value, msgspec.Struct):
        return f"struct:{type(value).__name__}"
    if isinstance(value, BaseModel):
        return f"pydantic:{type(value).__name__}"
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return f"dataclass:{type(value).__name__}"
    return type(value).__name__


async def relay(ctx: Context, req: Envelope) -> RelayReport:
    """Round-trips `req` and friends through the TypeZoo's ctx client, then sends the first of
    `req.points` to the ZooShelf object keyed by `req.tag.name`."""
    zoo = TypeZooClient.from_context(ctx)
    envelope = await zoo.echo_envelope(req)
    reading = await zoo.maybe_reading(Reading(sensor=req.tag.name, values=[1.5, -2.0]))
    index = await zoo.echo_index({"present": req.tag, "absent": None})
    missing = await zoo.maybe_point(None)
    box = await zoo.echo_box(Box(items=["relay"], count=await zoo.echo_int(1)))
    origin = await zoo.origin()
    await zoo.discard(Point(x=1.0, y=2.0, label=f"relay-{req.tag.name}"))
    shelf = ZooShelfClient.from_context(ctx, req.tag.name)
    handle = shelf.send().put(req.points[0] if req.points else origin)
    kinds = {
        "envelope": _kind(envelope),
        "envelope.tag": _kind(envelope.tag),
        "envelope.points[0]": _kind(envelope.points[0]) if envelope.points else "-",
        "reading": _kind(reading),
        "index.present": _kind(index["present"]),
        "index.absent": _kind(index["absent"]),
        "missing": _kind(missing),
        "box": _kind(box),
        "origin": _kind(origin),
        "tag": _kind(Tag(name="x")),
    }
    return RelayReport(
        envelope=envelope,
        reading_values=reading.values if reading is not None else [],
        index=index,
        missing=missing,
        kinds=kinds,
        shelf_invocation=await handle.invocation_id(),
    )
