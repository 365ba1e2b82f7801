"""Nested mixes of types through the generated glue and a real restate-server
(tests/python/e2e/nested): a pydantic model holding TypedDicts with Literal and str-Enum
fields and Any inside a dict; a dataclass holding Optional[dict[str, list[Enum]]]; a dataclass
holding `typing.TypedDict`s in the typing.List/Dict/Optional spellings; Any inside
containers; `bytes` as the raw body under a non-JSON content type.

Each case goes through the generated ingress client (the value comes back of the declared
types, all the way down) and, as raw JSON, through the ingress to both the generated handler
and the oracle: hand-written restate-sdk glue over the same handler functions with the SDK's
default serdes (tests/python/e2e/nested/oracle.py). Both must answer the same JSON. Where the
SDK's default serde cannot read a type, the test shows that instead.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any, cast

import httpx
import pytest
import restate
from restate.serde import DefaultSerde

from e2e.nested import oracle
from e2e.nested.deployment import NestedRelayIngressClient, NestedZooIngressClient, services
from e2e.nested.models import Grade, Line, Order, Palette, Parcel, Shade
from e2e.support import assert_same, with_ingress
from restate_local.harness import RestateTestEnvironment
from restate_local.pytest_plugin import EnvFactory
from restate_local.serving import AsgiApp

JSON = {"content-type": "application/json"}

PARCEL = Parcel(
    id="p1",
    items=[
        {"sku": "b2", "kind": "bag", "grade": Grade.B},
        {"sku": "a1", "kind": "box", "grade": Grade.A},
    ],
    priority=Grade.B,
    extra={"any": [1, "two", None, {"x": [True]}]},
)
SORTED_PARCEL = PARCEL.model_copy(
    update={"items": PARCEL.items[::-1], "note": "1 box(es), top a1, b"}
)
PALETTE = Palette(name="sea", swatches={"waves": [Shade.LIGHT, Shade.DARK, Shade.LIGHT], "sky": []})
ORDER = Order(
    lines=[Line(sku="s1", kind="bag", grade=Grade.A), Line(sku="s2", kind="box", grade=Grade.B)],
    meta={"note": ["any", 1, None], "none": None},
)
LINES: dict[str, list[Line | None]] = {
    "first": [Line(sku="s1", kind="bag", grade=Grade.A), None],
    "second": [Line(sku="s2", kind="box", grade=Grade.B)],
}
MINGLED: list[dict[str, Any]] = [{"a": 1, "b": [None, {"c": "d"}]}, {"a": "two"}, {}]

Client = NestedZooIngressClient

# case: (call through the generated ingress client, the value expected back)
ROUND_TRIPS: dict[str, tuple[Callable[[Client], Awaitable[Any]], object]] = {
    "pydantic-holding-typeddicts-literal-enum-any": (
        lambda z: z.sort_parcel(PARCEL),
        SORTED_PARCEL,
    ),
    "dataclass-holding-optional-dict-of-enum-lists": (
        lambda z: z.darken(PALETTE),
        Palette(
            name="SEA",
            swatches={"waves": [Shade.DARK, Shade.LIGHT, Shade.LIGHT], "sky": []},
        ),
    ),
    "dataclass-holding-optional-dict-none": (
        lambda z: z.darken(Palette(name="bare")),
        Palette(name="bare"),
    ),
    "dataclass-holding-typing-typeddicts-and-any": (
        lambda z: z.box_order(ORDER),
        Order(
            lines=[
                Line(sku="s1", kind="box", grade=Grade.A),
                Line(sku="s2", kind="box", grade=Grade.B),
            ],
            meta={"note": ["any", 1, None], "none": None, "graded": [1, "a"]},
        ),
    ),
    "typing-spellings-nested": (lambda z: z.tally(LINES), {"first": 1, "second": 0}),
    "typing-spellings-optional-none": (lambda z: z.tally({}), None),
    "any-inside-containers": (
        lambda z: z.mingle(MINGLED),
        {"a": [1, "two"], "b": [[None, {"c": "d"}]]},
    ),
    "bytes-raw-body": (lambda z: z.flip(b"\x00\x01\xff{"), b"{\xff\x01\x00"),
}


@pytest.fixture(scope="module")
def env(restate_env_factory: EnvFactory) -> RestateTestEnvironment:
    """The generated deployment and the hand-written oracle, served by one app."""
    app = restate.app([*services.values(), oracle.service])
    return restate_env_factory(cast(AsgiApp, app), label="nested")


def test_deployment_serves_the_generated_components_and_the_oracle(
    env: RestateTestEnvironment,
) -> None:
    assert set(env.deployment.services) == {"NestedZoo", "NestedRelay", "NestedOracle"}


@pytest.mark.parametrize("case", list(ROUND_TRIPS))
def test_round_trip_through_the_generated_client(env: RestateTestEnvironment, case: str) -> None:
    method, expected = ROUND_TRIPS[case]

    async def body(http: httpx.AsyncClient) -> Any:
        return await method(NestedZooIngressClient(http))

    assert_same(with_ingress(env, body), expected)


# case: (handler, request body, expected response body); raw JSON through the ingress
ORACLE_CASES: dict[str, tuple[str, bytes, bytes]] = {
    "pydantic-holding-typeddicts-literal-enum-any": (
        "sort_parcel",
        b'{"id": "p1", "items": [{"sku": "b2", "kind": "bag", "grade": "b"}, '
        b'{"sku": "a1", "kind": "box", "grade": "a"}], "priority": "b", '
        b'"extra": {"any": [1, "two", null, {"x": [true]}]}}',
        b'{"id":"p1","items":[{"sku":"a1","kind":"box","grade":"a"},'
        b'{"sku":"b2","kind":"bag","grade":"b"}],"priority":"b",'
        b'"extra":{"any":[1,"two",null,{"x":[true]}]},"note":"1 box(es), top a1, b"}',
    ),
    "typing-spellings-nested": (
        "tally",
        b'{"first": [{"sku": "s1", "kind": "bag", "grade": "a"}, null], '
        b'"second": [{"sku": "s2", "kind": "box", "grade": "b"}]}',
        b'{"first": 1, "second": 0}',
    ),
    "typing-spellings-optional-none": ("tally", b"{}", b""),
    "any-inside-containers": (
        "mingle",
        b'[{"a": 1, "b": [null, {"c": "d"}]}, {"a": "two"}, {}]',
        b'{"a": [1, "two"], "b": [[null, {"c": "d"}]]}',
    ),
}


def _post(env: RestateTestEnvironment, path: str, body: bytes, content_type: str) -> httpx.Response:
    with env.client() as http:
        response = http.post(path, content=body, headers={"content-type": content_type})
    assert response.status_code == 200, response.text
    return response


def _json(body: bytes) -> Any:
    return json.loads(body) if body else None


@pytest.mark.parametrize("case", list(ORACLE_CASES))
def test_same_json_as_hand_written_sdk_glue(env: RestateTestEnvironment, case: str) -> None:
    handler, request, expected = ORACLE_CASES[case]
    glue = _post(env, f"/NestedZoo/{handler}", request, "application/json").content
    sdk = _post(env, f"/NestedOracle/{handler}", request, "application/json").content
    assert _json(glue) == _json(sdk) == _json(expected)
    if expected:
        # The same members in the same order, not only equal objects.
        assert json.dumps(_json(glue)) == json.dumps(_json(sdk))


@pytest.mark.parametrize("content_type", ["image/png", "text/plain; charset=latin-1"])
def test_raw_body_under_a_non_json_content_type_like_hand_written_sdk_glue(
    env: RestateTestEnvironment, content_type: str
) -> None:
    body = b"\x89PNG\r\n\x1a\n\x00\xff"
    glue = _post(env, "/NestedZoo/flip", body, content_type)
    sdk = _post(env, "/NestedOracle/flip", body, content_type)
    assert glue.content == sdk.content == body[::-1]
    assert glue.headers["content-type"] == sdk.headers["content-type"]
    assert glue.headers["content-type"] == "application/octet-stream"


# What the oracle cannot serve: restate-sdk's default serde, even given the dataclass as its
# type hint (the hand-written way to get dataclasses, through dacite), cannot read these.
SDK_CANNOT_READ: dict[str, tuple[str, type[Any], bytes, Any]] = {
    "dataclass-holding-optional-dict-of-enum-lists": (
        "darken",
        Palette,
        b'{"name": "sea", "swatches": {"waves": [1, 2]}}',
        {"name": "SEA", "swatches": {"waves": [2, 1]}},
    ),
    "dataclass-holding-typing-typeddicts-and-any": (
        "box_order",
        Order,
        b'{"lines": [{"sku": "s1", "kind": "bag", "grade": "a"}], "meta": {}}',
        {"lines": [{"sku": "s1", "kind": "box", "grade": "a"}], "meta": {"graded": [1, "a"]}},
    ),
}


@pytest.mark.parametrize("case", list(SDK_CANNOT_READ))
def test_what_the_sdk_default_serde_cannot_read_the_glue_serves(
    env: RestateTestEnvironment, case: str
) -> None:
    handler, tp, request, expected = SDK_CANNOT_READ[case]
    with pytest.raises(Exception) as error:
        DefaultSerde(tp).deserialize(request)
    assert type(error.value).__name__ == "WrongTypeError"  # dacite's
    assert _post(env, f"/NestedZoo/{handler}", request, "application/json").json() == expected


def test_ctx_client_returns_the_declared_types_all_the_way_down(
    env: RestateTestEnvironment,
) -> None:
    async def body(http: httpx.AsyncClient) -> dict[str, str]:
        return await NestedRelayIngressClient(http).relay(PARCEL)

    assert with_ingress(env, body) == {
        "parcel": "Parcel",
        "parcel.items[0].grade": "Grade",
        "parcel.priority": "Grade",
        "palette": "Palette",
        "palette.swatches.a": "DARK,LIGHT",
        "order": "Order",
        "order.lines[0].grade": "Grade",
        "order.meta.graded": "[1, 'a']",
        "tally": "{'g': 1}",
        "flip": "0100",
    }
