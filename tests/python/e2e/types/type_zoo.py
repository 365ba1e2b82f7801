"""A service whose handlers take and return every type kind the codegen supports: a dataclass
(from models.py, and one defined here), a pydantic model, a msgspec Struct, primitives,
Optional / `X | None`, `list[Model]`, `dict[str, Optional[Model]]`, a dataclass nesting a
pydantic model; plus a handler without a request and one returning None."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from restate import Context

from e2e.types.models import Envelope, Point, Reading, Route, Sample, Tag, Track


@dataclass
class Box:
    """A dataclass defined in the handler module itself."""

    items: list[str]
    count: int


# Per label: the points `discard` was given (the app runs in the test process).
DISCARDED: dict[str, list[Point]] = {}


async def echo_point(ctx: Context, req: Point) -> Point:
    return req


async def echo_tag(ctx: Context, req: Tag) -> Tag:
    return req


async def echo_reading(ctx: Context, req: Reading) -> Reading:
    return req


async def echo_box(ctx: Context, req: Box) -> Box:
    return Box(items=[*req.items, "zoo"], count=req.count + 1)


async def echo_envelope(ctx: Context, req: Envelope) -> Envelope:
    return req


async def echo_route(ctx: Context, req: Route) -> Route:
    return req


async def echo_track(ctx: Context, req: Track) -> Track:
    return req


async def echo_sample(ctx: Context, req: Sample) -> Sample:
    return req


async def echo_str(ctx: Context, req: str) -> str:
    return req


async def echo_int(ctx: Context, req: int) -> int:
    return req


async def echo_float(ctx: Context, req: float) -> float:
    return req


async def echo_bool(ctx: Context, req: bool) -> bool:
    return req


async def maybe_tag(ctx: Context, req: Optional[Tag]) -> Optional[Tag]:
    """Optional[...] both ways: the request as given (None included)."""
    return req


async def maybe_point(ctx: Context, req: Point | None) -> Point | None:
    """`X | None` both ways."""
    return req


async def maybe_reading(ctx: Context, req: Reading | None) -> Reading | None:
    return req


async def find_tag(ctx: Context, req: str) -> Optional[Tag]:
    """None unless `req` is "known": an Optional response for a plain request."""
    return Tag(name=req, weight=7) if req == "known" else None


async def echo_points(ctx: Context, req: list[Point]) -> list[Point]:
    return req


async def echo_readings(ctx: Context, req: list[Reading]) -> list[Reading]:
    return req


async def echo_index(ctx: Context, req: dict[str, Optional[Tag]]) -> dict[str, Optional[Tag]]:
    return req


async def origin(ctx: Context) -> Point:
    """No request."""
    return Point(x=0.0, y=0.0, label="origin")


async def discard(ctx: Context, req: Point) -> None:
    """Returns None (records the point, keyed by its label)."""
    DISCARDED.setdefault(req.label, []).append(req)
