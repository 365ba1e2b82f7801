"""Request and response types of the type zoo, one of each kind the codegen supports, kept apart
from the handler modules so the generated clients import them for real."""

from __future__ import annotations

from dataclasses import dataclass, field

import msgspec
from pydantic import BaseModel


@dataclass
class Point:
    """A stdlib dataclass."""

    x: float
    y: float
    label: str = ""


class Tag(BaseModel):
    """A pydantic model."""

    name: str
    weight: int = 1


class Reading(msgspec.Struct):
    """A msgspec Struct."""

    sensor: str
    values: list[float]
    ok: bool = True


@dataclass
class Envelope:
    """A dataclass nesting a pydantic model and a list of dataclasses."""

    tag: Tag
    points: list[Point] = field(default_factory=list)
    note: str | None = None


class Route(BaseModel):
    """A pydantic model nesting dataclasses."""

    name: str
    stops: list[Point]


class Track(msgspec.Struct):
    """A msgspec Struct nesting dataclasses."""

    points: list[Point]
    closed: bool = False


@dataclass
class Sample:
    """A dataclass nesting a msgspec Struct."""

    reading: Reading
    taken_by: str


class Batch(msgspec.Struct):
    """A msgspec Struct nesting a pydantic model."""

    tag: Tag
    readings: list[Reading]


@dataclass
class RelayReport:
    """What `ZooRelay.relay` saw coming back through the TypeZoo ctx client: the values and
    the Python type of each (checked inside the handler, in the served app)."""

    envelope: Envelope
    reading_values: list[float]
    index: dict[str, Tag | None]
    missing: Point | None
    kinds: dict[str, str]
    shelf_invocation: str
