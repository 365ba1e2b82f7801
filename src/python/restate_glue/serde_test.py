from __future__ import annotations

import asyncio
import logging
import typing
from dataclasses import dataclass
from typing import Any, Optional, cast

import httpx
import msgspec
import pydantic
import pytest
import restate

from restate_glue.serde import (
    InvalidRequest,
    JsonSerde,
    RequestSerde,
    SerdeError,
    checked,
    fill_json_schemas,
)


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


@dataclass
class Invoice:
    lines: list[Line]
    to: Optional[Profile] = None


def test_typing_typed_dict_is_served_though_pydantic_refuses_it() -> None:
    serde = RequestSerde[list[Line]]("list[Line]", __name__)
    lines: list[Line] = [{"sku": "a", "qty": 2}]
    assert serde.decode(serde.serialize(lines)) == lines
    invalid = serde.deserialize(b'[{"sku": "a", "qty": "two"}]')
    assert isinstance(invalid, InvalidRequest) and "Expected `int`" in invalid.message
    # ... also inside a dataclass, next to a pydantic model: the dataclass comes back.
    invoice = JsonSerde[Invoice]("Invoice", __name__)
    value = Invoice(lines=lines, to=Profile(email="a@b"))
    assert invoice.serialize(value) == (
        b'{"lines":[{"sku":"a","qty":2}],"to":{"email":"a@b","tags":[]}}'
    )
    assert invoice.decode(invoice.serialize(value)) == value


def test_bytes_is_the_raw_body() -> None:
    serde = JsonSerde[bytes]("bytes", __name__)
    assert serde.serialize(b"\x00\xff") == b"\x00\xff"
    assert serde.decode(b"\x00\xff") == b"\x00\xff"
    assert serde.decode(b"") == b""


class Reading(msgspec.Struct):
    sensor: str
    values: list[float]


class Batch(msgspec.Struct):
    """A Struct nesting a pydantic model: msgspec serves it, handing the model to pydantic."""

    profile: Profile
    readings: list[Reading]


class Holder(pydantic.BaseModel):
    """A pydantic model with a Struct field: neither library serves it."""

    model_config = pydantic.ConfigDict(arbitrary_types_allowed=True)
    reading: Reading


def test_a_struct_nesting_a_pydantic_model_round_trips_and_validates() -> None:
    serde = RequestSerde[Batch]("Batch", __name__)
    batch = Batch(profile=Profile(email="a@b", tags=["x"]), readings=[Reading("s", [1.5])])
    body = serde.serialize(batch)
    assert body == (
        b'{"profile":{"email":"a@b","tags":["x"]},"readings":[{"sensor":"s","values":[1.5]}]}'
    )
    assert serde.decode(body) == batch
    invalid = serde.deserialize(b'{"profile": {"tags": []}, "readings": []}')
    assert isinstance(invalid, InvalidRequest) and "email" in invalid.message


def test_a_pydantic_model_holding_a_struct_is_a_clear_error() -> None:
    with pytest.raises(SerdeError, match="pydantic model with a msgspec Struct field"):
        JsonSerde[Holder]("Holder", __name__).decode(b"{}")


def _discovered(service: restate.Service) -> dict[str, Any]:
    async def discover() -> dict[str, Any]:
        transport = httpx.ASGITransport(app=restate.app([service]))
        async with httpx.AsyncClient(transport=transport, base_url="http://app") as http:
            response = await http.get(
                "/discover", headers={"accept": "application/vnd.restate.endpointmanifest.v3+json"}
            )
        response.raise_for_status()
        manifest: dict[str, Any] = response.json()
        return manifest

    handlers = asyncio.run(discover())["services"][0]["handlers"]
    return {h["name"]: h for h in handlers}


def _service(request: str, *, fill: bool) -> restate.Service:
    service = restate.Service("Mixed")

    async def echo(ctx: restate.Context, req: Any) -> Any:
        return req

    echo.__annotations__ = {"ctx": restate.Context, "req": Batch, "return": Batch}
    service.handler(
        name="echo",
        input_serde=RequestSerde[Any](request, __name__, handler="Mixed/echo"),
        output_serde=JsonSerde[Any]("Batch", __name__, handler="Mixed/echo"),
    )(echo)
    if fill:
        fill_json_schemas(service)
    return service


def test_discovery_gets_the_glue_schema_where_the_sdk_cannot_build_one() -> None:
    with pytest.raises(TypeError, match="custom types"):  # restate-sdk alone
        _discovered(_service("Batch", fill=False))
    echo = _discovered(_service("Batch", fill=True))["echo"]
    for side in ("input", "output"):
        schema = echo[side]["jsonSchema"]
        assert schema["$ref"] == "#/$defs/Batch"
        assert schema["$defs"]["Batch"]["properties"]["profile"]["title"] == "Profile"
        assert set(schema["$defs"]) == {"Batch", "Reading"}


def test_a_handler_no_schema_can_describe_is_announced_without_one_and_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # The request serde names a type the glue cannot read either: no schema, and a warning.
    with caplog.at_level(logging.WARNING, logger="restate_glue.serde"):
        echo = _discovered(_service("NotDefinedAnywhere", fill=True))["echo"]
    assert "jsonSchema" not in echo["input"]
    assert echo["output"]["jsonSchema"]["$ref"] == "#/$defs/Batch"
    [record] = caplog.records
    assert "Mixed/echo: announcing `NotDefinedAnywhere`" in record.getMessage()
    assert "NameError" in record.getMessage() and "TypeError" in record.getMessage()
