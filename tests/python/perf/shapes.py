"""The same order, as a pydantic model, a dataclass and a msgspec Struct (benchmark types)."""

from __future__ import annotations

import json
from dataclasses import dataclass

import msgspec
from pydantic import BaseModel


class Item(BaseModel):
    sku: str
    quantity: int
    price: float


class Order(BaseModel):
    id: str
    customer: str
    items: list[Item]
    note: str | None = None


@dataclass
class ItemRecord:
    sku: str
    quantity: int
    price: float


@dataclass
class OrderRecord:
    id: str
    customer: str
    items: list[ItemRecord]
    note: str | None = None


class ItemStruct(msgspec.Struct):
    sku: str
    quantity: int
    price: float


class OrderStruct(msgspec.Struct):
    id: str
    customer: str
    items: list[ItemStruct]
    note: str | None = None


def order_json(items: int = 5) -> bytes:
    """One order with `items` lines, as a request body."""
    lines = [{"sku": f"sku-{n}", "quantity": n + 1, "price": 9.5 + n} for n in range(items)]
    return json.dumps({"id": "o-1", "customer": "ada", "items": lines, "note": None}).encode()
