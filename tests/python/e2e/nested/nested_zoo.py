"""Handlers over nested mixes of types; each reads its request through the declared types (an
Enum's `.value`, `is` on enum members, attribute access on dataclasses), so a value that
arrived as plain JSON would fail here."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from restate import Context

from e2e.nested.models import Grade, Line, Order, Palette, Parcel


async def sort_parcel(ctx: Context, req: Parcel) -> Parcel:
    """The items by SKU, and a note read from the typed fields."""
    boxes = sum(1 for item in req.items if item["kind"] == "box")
    top = [item["sku"] for item in req.items if item["grade"] is Grade.A]
    note = f"{boxes} box(es), top {','.join(top)}, {req.priority.value}"
    items = sorted(req.items, key=lambda item: item["sku"])
    return req.model_copy(update={"items": items, "note": note})


async def darken(ctx: Context, req: Palette) -> Palette:
    """Each swatch list darkest first; a palette without swatches stays so."""
    if req.swatches is None:
        return req
    swatches = {
        name: sorted(shades, key=lambda shade: shade.value, reverse=True)
        for name, shades in req.swatches.items()
    }
    return Palette(name=req.name.upper(), swatches=swatches)


async def box_order(ctx: Context, req: Order) -> Order:
    """Every line boxed; `meta` gains the count of lines of grade A."""
    lines = [Line(sku=line["sku"], kind="box", grade=line["grade"]) for line in req.lines]
    graded = sum(1 for line in req.lines if line["grade"] is Grade.A)
    return Order(lines=lines, meta={**req.meta, "graded": [graded, Grade.A.value]})


async def tally(ctx: Context, req: Dict[str, List[Optional[Line]]]) -> Optional[Dict[str, int]]:
    """Per group, the lines of grade A (None entries skipped); None for no groups."""
    if not req:
        return None
    return {
        group: sum(1 for line in lines if line is not None and line["grade"] == Grade.A)
        for group, lines in req.items()
    }


async def mingle(ctx: Context, req: list[dict[str, Any]]) -> dict[str, list[Any]]:
    """Any inside containers: per key, its values in order, whatever they are."""
    out: dict[str, list[Any]] = {}
    for entry in req:
        for key, value in entry.items():
            out.setdefault(key, []).append(value)
    return out


async def flip(ctx: Context, data: bytes) -> bytes:
    """The raw body (any content type), reversed."""
    return data[::-1]
