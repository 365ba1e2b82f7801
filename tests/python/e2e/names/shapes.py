"""Enums (str and int valued), Literal, Any, and the typing.List/Dict/Optional spellings."""

from __future__ import annotations

import enum
from typing import Any, Dict, List, Literal, Optional

from restate import Context


class Color(str, enum.Enum):
    RED = "red"
    BLUE = "blue"


class Size(enum.Enum):
    SMALL = 1
    LARGE = 2


async def temperature(ctx: Context, color: Color) -> Literal["warm", "cold"]:
    return "warm" if color is Color.RED else "cold"


async def bigger(ctx: Context, size: Size) -> Size:
    return Size.LARGE


async def anything(ctx: Context, value: Any) -> Any:
    return {"got": value}


async def totals(ctx: Context, groups: Dict[str, List[Optional[int]]]) -> Optional[Dict[str, int]]:
    if not groups:
        return None
    return {name: sum(v for v in values if v is not None) for name, values in groups.items()}


async def reverse(ctx: Context, data: bytes) -> bytes:
    """`bytes` is the raw body, both ways."""
    return data[::-1]
