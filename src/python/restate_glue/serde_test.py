from __future__ import annotations

import asyncio
import typing
from dataclasses import dataclass
from typing import Any, Optional, cast

import pydantic
import pytest
import restate

from restate_glue.serde import InvalidRequest, JsonSerde, RequestSerde, SerdeError, checked


class Profile(pydantic.BaseModel):
    email: str
    tags: list[str] = []


@dataclass
class Point:
    x: int
    y: int


def test_pydantic_dataclass_and_optional_round_trip() -> None:
    profile = JsonSerde[Optional[Profile]]("Optional[Profile]", __name__)
    assert profile.serialize(Profile(email="a@b")) == b'{"email":"a@b","tags":[]}'
    assert profile.decode(b'{"email":"a@b"}') == Profile(email="a@b")
    assert profile.serialize(None) == b"" and profile.decode(b"") is None
    point = JsonSerde[Point]("Point", __name__)
    assert point.decode(point.serialize(Point(1, 2))) == Point(1, 2)
    assert JsonSerde[list[int]]("list[int]", __name__).decode(b"[1,2]") == [1, 2]


def test_a_request_that_fails_validation_is_a_400_not_a_500() -> None:
    serde = RequestSerde[Profile]("Profile", __name__)
    invalid = serde.deserialize(b'{"tags": 3}')
    assert isinstance(invalid, InvalidRequest) and "email" in invalid.message

    async def handler(ctx: Any, req: Profile) -> str:
        return req.email

    wrapped = checked(handler)
    assert asyncio.run(wrapped(None, Profile(email="a@b"))) == "a@b"
    with pytest.raises(restate.TerminalError) as error:
        asyncio.run(wrapped(None, invalid))
    assert error.value.status_code == 400
    assert str(error.value.message).startswith("invalid request: ")
    assert wrapped.__name__ == "handler"  # the SDK names handlers after the function


def test_the_annotation_is_read_on_first_use_not_when_built() -> None:
    serde = JsonSerde[Any]("NotDefinedAnywhere", __name__)  # building it imports nothing
    with pytest.raises(SerdeError) as error:
        serde.decode(b"{}")
    assert isinstance(error.value.__cause__, NameError)


def test_failures_are_terminal_and_name_type_handler_and_fix() -> None:
    serde = JsonSerde[Any]("NotDefinedAnywhere", __name__, handler="Shop/addTicket")
    with pytest.raises(restate.TerminalError) as error:
        serde.serialize(1)
    message = error.value.message
    assert "`NotDefinedAnywhere`" in message and "Shop/addTicket" in message
    assert "Fix the annotation" in message
    wrong = JsonSerde[int]("int", __name__, handler="Shop/count")
    with pytest.raises(
        SerdeError, match="cannot write a value of type object as `int`.*Shop/count"
    ):
        wrong.serialize(cast(int, object()))
    with pytest.raises(SerdeError, match="(?s)cannot read a value as `int`.*Shop/count.*agree"):
        wrong.decode(b'"x"')


def test_imports_are_made_on_first_use() -> None:
    serde = JsonSerde[Any](
        "list[Frac] | d.Decimal | typing.Any",
        __name__,
        imports={"Frac": "fractions:Fraction", "d": "decimal", "email": "email.message"},
    )
    assert serde.decode(b"[]") == []
    assert "Frac" not in globals()


def test_unannotated_types_are_any_json() -> None:
    serde = JsonSerde[Any]("typing.Any", __name__)
    value = {"a": [1, 2.5, None, "x"], "b": {"c": True}}
    assert serde.decode(serde.serialize(value)) == value


class Line(typing.TypedDict):
    sku: str
    qty: int


def test_typing_typed_dict_is_plain_json_like_the_sdk() -> None:
    serde = JsonSerde[list[Line]]("list[Line]", __name__)
    lines: list[Line] = [{"sku": "a", "qty": 2}]
    assert serde.decode(serde.serialize(lines)) == lines


def test_bytes_is_the_raw_body() -> None:
    serde = JsonSerde[bytes]("bytes", __name__)
    assert serde.serialize(b"\x00\xff") == b"\x00\xff"
    assert serde.decode(b"\x00\xff") == b"\x00\xff"
    assert serde.decode(b"") == b""
