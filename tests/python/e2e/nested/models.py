"""Nested mixes of request/response types, kept apart from the handler modules so the generated
clients import them for real."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Dict, List, Literal, Optional, TypedDict

# pydantic takes only typing_extensions' TypedDict inside a model before Python 3.12.
import typing_extensions  # pants: no-infer-dep (pydantic's own dependency)
from pydantic import BaseModel


class Grade(str, enum.Enum):
    A = "a"
    B = "b"


class Shade(enum.Enum):
    LIGHT = 1
    DARK = 2


class Item(typing_extensions.TypedDict):
    """A TypedDict with a Literal and a str-Enum field, inside a pydantic model."""

    sku: str
    kind: Literal["box", "bag"]
    grade: Grade


class Line(TypedDict):
    """The same shape as a `typing.TypedDict` (which pydantic refuses before Python 3.12)."""

    sku: str
    kind: Literal["box", "bag"]
    grade: Grade


class Parcel(BaseModel):
    """A pydantic model holding a list of TypedDicts, a str-Enum, Any inside a dict, Optional."""

    id: str
    items: list[Item]
    priority: Grade
    extra: dict[str, Any] = {}
    note: Optional[str] = None


@dataclass
class Palette:
    """A dataclass holding Optional[dict[str, list[Enum]]]."""

    name: str
    swatches: Optional[dict[str, list[Shade]]] = None


@dataclass
class Order:
    """A dataclass holding typing.TypedDicts and Any, in the typing.List/Dict/Optional spellings."""

    lines: List[Line]
    meta: Dict[str, Optional[List[Any]]] = field(default_factory=dict)
