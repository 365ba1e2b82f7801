"""Every request/response type kind the codegen supports, through the generated clients of
tests/python/e2e/types against a real restate-server: stdlib dataclasses (from a models module
and from the handler module itself), pydantic models, msgspec Structs, primitives,
`Optional[X]` / `X | None` (None and a value), `list[Model]`, `dict[str, Optional[Model]]`, a
dataclass nesting a pydantic model, a handler without a request, one returning None; ingress
calls, ctx calls (ZooRelay -> TypeZoo), and `.send()` of a dataclass (ingress and ctx).

Every value must come back equal AND of the declared Python type (a dataclass as that
dataclass, not a dict; a Struct as that Struct; a float as a float, ...).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, cast

import httpx
import pytest

from e2e.support import assert_same, eventually, with_ingress
from e2e.types import type_zoo
from e2e.types.deployment import (
    TypeZooIngressClient,
    ZooRelayIngressClient,
    ZooShelfIngressClient,
    app,
    objects,
    services,
)
from e2e.types.models import Batch, Envelope, Point, Reading, RelayReport, Route, Sample, Tag, Track
from e2e.types.type_zoo import Box
from e2e.types.zoo_mixed_restate_client import ZooMixedIngressClient
from restate_local.harness import RestateTestEnvironment
from restate_local.pytest_plugin import EnvFactory
from restate_local.serving import AsgiApp

TAG = Tag(name="zebra", weight=3)
POINT = Point(x=1.5, y=-2.25, label="p")
READING = Reading(sensor="s1", values=[0.5, 2.0, -1.0], ok=False)
ENVELOPE = Envelope(tag=TAG, points=[POINT, Point(x=0.0, y=1.0)], note="nested")


@pytest.fixture(scope="session")
def zoo_env(restate_env_factory: EnvFactory) -> RestateTestEnvironment:
    """The type zoo's own deployment (tests/python/e2e/types), over HTTP/2."""
    return restate_env_factory(cast(AsgiApp, app), label="types")


def call(
    env: RestateTestEnvironment, method: Callable[[TypeZooIngressClient], Awaitable[Any]]
) -> Any:
    async def body(http: httpx.AsyncClient) -> Any:
        return await method(TypeZooIngressClient(http))

    return with_ingress(env, body)


def test_deployment_serves_the_zoo(zoo_env: RestateTestEnvironment) -> None:
    assert set(services) == {"TypeZoo", "ZooRelay", "ZooMixed"}
    assert set(objects) == {"ZooShelf"}
    assert set(zoo_env.deployment.services) == {"TypeZoo", "ZooRelay", "ZooShelf", "ZooMixed"}


# -- ingress round trips, one per type kind --------------------------------------------------

ROUND_TRIPS: dict[str, tuple[Callable[[TypeZooIngressClient], Awaitable[Any]], object]] = {
    "dataclass": (lambda z: z.echo_point(POINT), POINT),
    "dataclass-from-handler-module": (
        lambda z: z.echo_box(Box(items=["a"], count=1)),
        Box(items=["a", "zoo"], count=2),
    ),
    "pydantic": (lambda z: z.echo_tag(TAG), TAG),
    "msgspec-struct": (lambda z: z.echo_reading(READING), READING),
    "dataclass-nesting-pydantic": (lambda z: z.echo_envelope(ENVELOPE), ENVELOPE),
    "pydantic-nesting-dataclasses": (
        lambda z: z.echo_route(Route(name="r", stops=[POINT])),
        Route(name="r", stops=[POINT]),
    ),
    "struct-nesting-dataclasses": (
        lambda z: z.echo_track(Track(points=[POINT], closed=True)),
        Track(points=[POINT], closed=True),
    ),
    "str": (lambda z: z.echo_str('héllo "zoo"'), 'héllo "zoo"'),
    "str-empty": (lambda z: z.echo_str(""), ""),
    "int": (lambda z: z.echo_int(-42), -42),
    "int-zero": (lambda z: z.echo_int(0), 0),
    "float": (lambda z: z.echo_float(2.5), 2.5),
    "float-integral": (lambda z: z.echo_float(3.0), 3.0),
    "bool-true": (lambda z: z.echo_bool(True), True),
    "bool-false": (lambda z: z.echo_bool(False), False),
    "optional-value": (lambda z: z.maybe_tag(TAG), TAG),
    "optional-none": (lambda z: z.maybe_tag(None), None),
    "x-or-none-value": (lambda z: z.maybe_point(POINT), POINT),
    "x-or-none-none": (lambda z: z.maybe_point(None), None),
    "struct-or-none-value": (lambda z: z.maybe_reading(READING), READING),
    "struct-or-none-none": (lambda z: z.maybe_reading(None), None),
    "optional-response-value": (lambda z: z.find_tag("known"), Tag(name="known", weight=7)),
    "optional-response-none": (lambda z: z.find_tag("unknown"), None),
    "list-of-dataclass": (
        lambda z: z.echo_points([POINT, Point(x=9.0, y=8.0)]),
        [POINT, Point(x=9.0, y=8.0)],
    ),
    "list-empty": (lambda z: z.echo_points([]), []),
    "list-of-struct": (
        lambda z: z.echo_readings([READING, Reading(sensor="s2", values=[])]),
        [READING, Reading(sensor="s2", values=[])],
    ),
    "dict-of-optional-pydantic": (
        lambda z: z.echo_index({"a": TAG, "b": None, "c": Tag(name="c")}),
        {"a": TAG, "b": None, "c": Tag(name="c")},
    ),
    "no-request": (lambda z: z.origin(), Point(x=0.0, y=0.0, label="origin")),
}


@pytest.mark.parametrize("case", list(ROUND_TRIPS))
def test_ingress_round_trip(zoo_env: RestateTestEnvironment, case: str) -> None:
    method, expected = ROUND_TRIPS[case]
    assert_same(call(zoo_env, method), expected)


def test_handler_returning_none(zoo_env: RestateTestEnvironment, unique_key: str) -> None:
    point = Point(x=4.0, y=5.0, label=unique_key)
    assert call(zoo_env, lambda z: z.discard(point)) is None
    # It ran, and got the dataclass as a dataclass.
    seen = type_zoo.DISCARDED[unique_key]
    assert len(seen) == 1
    assert_same(seen[0], point)


# -- mixed codecs ------------------------------------------------------------------------------
#
# A dataclass nesting a Struct goes through msgspec; so does a Struct nesting a pydantic model
# (msgspec hands the model to pydantic). restate-sdk alone cannot build the JSON schema of the
# latter (msgspec raises at discovery, and no handler of the deployment would register); the
# adapter's `fill_json_schemas` supplies it, so the zoo's deployment serves ZooMixed too.


def test_dataclass_nesting_a_struct(zoo_env: RestateTestEnvironment) -> None:
    sample = Sample(reading=READING, taken_by="ada")
    assert_same(call(zoo_env, lambda z: z.echo_sample(sample)), sample)


def test_deployment_with_a_struct_nesting_a_pydantic_model_registers(
    zoo_env: RestateTestEnvironment,
) -> None:
    assert "ZooMixed" in zoo_env.deployment.services
    # Discovery announced the glue's schema of the request: pydantic's, for the nested model.
    schema = discovered_schema(zoo_env, "ZooMixed", "echo_batch", "input")
    assert schema["$ref"] == "#/$defs/Batch"
    assert schema["$defs"]["Batch"]["properties"]["tag"]["title"] == "Tag"
    assert schema["$defs"]["Batch"]["properties"]["readings"]["items"] == {
        "$ref": "#/$defs/Reading"
    }
    assert set(schema["$defs"]) == {"Batch", "Reading"}


def test_struct_nesting_a_pydantic_model_round_trips(zoo_env: RestateTestEnvironment) -> None:
    batch = Batch(tag=TAG, readings=[READING, Reading(sensor="s2", values=[])])

    async def body(http: httpx.AsyncClient) -> Batch:
        return await ZooMixedIngressClient(http).echo_batch(batch)

    assert_same(with_ingress(zoo_env, body), batch)


def test_struct_nesting_a_pydantic_model_rejects_an_invalid_model_with_a_400(
    zoo_env: RestateTestEnvironment,
) -> None:
    with zoo_env.client() as http:
        response = http.post(
            "/ZooMixed/echo_batch",
            content=b'{"tag": {"name": 3}, "readings": []}',
            headers={"content-type": "application/json"},
        )
    assert response.status_code == 400, response.text
    assert "validation error for Tag" in response.json()["message"]


def discovered_schema(
    env: RestateTestEnvironment, service: str, handler: str, side: str
) -> dict[str, Any]:
    """The JSON schema Restate registered for a handler's input or output (admin API)."""
    with httpx.Client(base_url=env.admin_url) as admin:
        response = admin.get(f"/services/{service}")
    response.raise_for_status()
    handlers = {h["name"]: h for h in response.json()["handlers"]}
    schema: dict[str, Any] = handlers[handler][f"{side}_json_schema"]
    return schema


# -- ctx calls and sends ---------------------------------------------------------------------


def test_ctx_client_round_trips_every_kind(
    zoo_env: RestateTestEnvironment, unique_key: str
) -> None:
    """ZooRelay.relay calls TypeZoo through `TypeZooClient.from_context(ctx)`; the values it
    got back are of the declared types inside the handler, and come back out whole."""
    envelope = Envelope(tag=Tag(name=unique_key, weight=2), points=[POINT], note=None)

    async def body(http: httpx.AsyncClient) -> tuple[RelayReport, Point | None]:
        report = await ZooRelayIngressClient(http).relay(envelope)
        shelf = ZooShelfIngressClient(http, unique_key)
        stored = await eventually(shelf.get, lambda p: p is not None, what="shelved")
        return report, stored

    report, stored = with_ingress(zoo_env, body)
    assert report.kinds == {
        "envelope": "dataclass:Envelope",
        "envelope.tag": "pydantic:Tag",
        "envelope.points[0]": "dataclass:Point",
        "reading": "struct:Reading",
        "index.present": "pydantic:Tag",
        "index.absent": "None",
        "missing": "None",
        "box": "dataclass:Box",
        "origin": "dataclass:Point",
        "tag": "pydantic:Tag",
    }
    assert_same(report.envelope, envelope)
    assert report.reading_values == [1.5, -2.0]
    assert_same(report.index, {"present": envelope.tag, "absent": None})
    assert report.missing is None
    assert report.shelf_invocation.startswith("inv_")
    # The ctx send of a dataclass (ZooShelfClient.send().put) arrived as that dataclass.
    assert_same(stored, POINT)
    assert type_zoo.DISCARDED[f"relay-{unique_key}"] == [
        Point(x=1.0, y=2.0, label=f"relay-{unique_key}")
    ]


def test_ingress_send_of_a_dataclass(zoo_env: RestateTestEnvironment, unique_key: str) -> None:
    point = Point(x=-1.0, y=0.125, label=unique_key)

    async def body(http: httpx.AsyncClient) -> tuple[str, Point | None, Point | None]:
        shelf = ZooShelfIngressClient(http, unique_key)
        before = await shelf.get()
        invocation = (await shelf.send().put(point)).invocation_id
        after = await eventually(shelf.get, lambda p: p is not None, what="put by the send")
        return invocation, before, after

    invocation, before, after = with_ingress(zoo_env, body)
    assert invocation.startswith("inv_")
    assert before is None
    assert_same(after, point)
    assert zoo_env.object_state("ZooShelf", unique_key) == {
        "point": {"x": -1.0, "y": 0.125, "label": unique_key}
    }
