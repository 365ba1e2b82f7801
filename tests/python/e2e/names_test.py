"""Real programs' names and shapes through the generated glue and a real restate-server
(tests/python/e2e/names): a lower-case (`account`), a dashed (`order-workflow`) and a dotted
(`pong.v1`) component name, a handler renamed for Restate (`addTicket`), a camelCase handler,
a workflow whose main handler is `pay`, handlers without annotations (any JSON value), a
delayed send of an object to itself, and two services calling each other (ping -> pong ->
ping), all through the generated clients."""

from __future__ import annotations

from typing import Any, cast

import httpx
import pytest

from e2e.names.deployment import (
    AccountIngressClient,
    FaultsIngressClient,
    OrderWorkflowIngressClient,
    PingIngressClient,
    ShapesIngressClient,
    make_app,
    objects,
    services,
    workflows,
)
from e2e.names.faults import Order
from e2e.names.ping import Rally
from e2e.names.shapes import Color, Size
from e2e.support import eventually, with_ingress
from restate_glue import SendHandle
from restate_local.harness import RestateTestEnvironment
from restate_local.pytest_plugin import EnvFactory
from restate_local.serving import AsgiApp

OCTETS = {"content-type": "application/octet-stream"}


@pytest.fixture(scope="module")
def names_env(restate_env_factory: EnvFactory) -> RestateTestEnvironment:
    return restate_env_factory(cast(AsgiApp, make_app()), label="names")


def test_restate_names_are_registered_as_written(names_env: RestateTestEnvironment) -> None:
    assert set(objects) == {"account"}
    assert set(workflows) == {"order-workflow"}
    assert set(services) == {"ping", "pong.v1", "faults", "Shapes"}
    assert set(names_env.deployment.services) == {
        "account",
        "order-workflow",
        "ping",
        "pong.v1",
        "faults",
        "Shapes",
    }


def test_renamed_and_camel_case_handlers(names_env: RestateTestEnvironment) -> None:
    async def body(http: httpx.AsyncClient) -> tuple[Any, ...]:
        account = AccountIngressClient(http, "ada")
        added = await account.add_ticket("t1")
        # The Restate name is `addTicket`: the raw ingress path proves it.
        raw = await http.post("/account/ada/addTicket", json="t2")
        sold = await account.markAsSold("t1")
        again = await account.markAsSold("t1")
        missing = await http.post("/account/ada/add_ticket", json="t3")
        return added, raw.status_code, raw.json(), sold, again, missing.status_code

    added, raw_status, raw_body, sold, again, missing = with_ingress(names_env, body)
    assert added == ["t1"]
    assert (raw_status, raw_body) == (200, ["t1", "t2"])
    assert (sold, again) == (True, False)
    assert missing == 404


def test_unannotated_handlers_take_and_return_any_json(names_env: RestateTestEnvironment) -> None:
    value = {"a": [1, 2.5, None, "x"], "b": {"c": True}}

    async def body(http: httpx.AsyncClient) -> tuple[Any, Any, Any]:
        account = AccountIngressClient(http, "bob")
        await account.add_ticket("t9")
        return await account.echo(value), await account.echo(7), await account.summary()

    echoed, number, summary = with_ingress(names_env, body)
    assert echoed == value
    assert number == 7
    assert summary == {"tickets": ["t9"], "sold": []}


def test_workflow_main_handler_named_pay(names_env: RestateTestEnvironment) -> None:
    async def body(http: httpx.AsyncClient) -> tuple[str, str, str, str, list[str]]:
        order = OrderWorkflowIngressClient(http, "carol")
        invocation = (await order.submit(42)).invocation_id
        result = await order.attach()
        output = await order.output()
        status = await order.status()
        tickets = cast(dict[str, list[str]], await AccountIngressClient(http, "carol").summary())
        return invocation, result, output, status, tickets["tickets"]

    invocation, result, output, status, tickets = with_ingress(names_env, body)
    assert invocation.startswith("inv_")
    assert result == output == "ticket-42"
    assert status == "paid"
    assert tickets == ["ticket-42"]


def test_an_object_sends_to_itself(names_env: RestateTestEnvironment) -> None:
    async def body(http: httpx.AsyncClient) -> list[str]:
        account = AccountIngressClient(http, "dora")
        await account.remind_later("call back")
        return await eventually(account.notes, lambda n: n == ["call back"], what="reminded")

    assert with_ingress(names_env, body) == ["call back"]


def test_services_calling_each_other_in_a_cycle(names_env: RestateTestEnvironment) -> None:
    async def body(http: httpx.AsyncClient) -> list[str]:
        return await PingIngressClient(http).ping(Rally(hops=3))

    assert with_ingress(names_env, body) == ["ping", "pong", "ping", "pong"]


def test_enums_literal_any_and_typing_spellings(names_env: RestateTestEnvironment) -> None:
    async def body(http: httpx.AsyncClient) -> tuple[Any, ...]:
        shapes = ShapesIngressClient(http)
        return (
            await shapes.temperature(Color.RED),
            await shapes.temperature(Color.BLUE),
            await shapes.bigger(Size.SMALL),
            await shapes.anything([1, "two", None]),
            await shapes.totals({"a": [1, None, 2]}),
            await shapes.totals({}),
            await shapes.reverse(b"\x00\xffraw"),
            (await http.post("/Shapes/reverse", content=b"abc", headers=OCTETS)).content,
        )

    warm, cold, size, anything, totals, nothing, reversed_, raw = with_ingress(names_env, body)
    assert (warm, cold) == ("warm", "cold")
    assert size is Size.LARGE
    assert anything == {"got": [1, "two", None]}
    assert totals == {"a": 3}
    assert nothing is None
    assert (reversed_, raw) == (b"war\xff\x00", b"cba")


def test_typing_typed_dict_is_plain_json(names_env: RestateTestEnvironment) -> None:
    """Through the ingress, and through a ctx call (forward_order -> take_order)."""
    order: Order = {"id": "o1", "lines": [1, 2]}

    async def body(http: httpx.AsyncClient) -> tuple[Order, Order]:
        faults = FaultsIngressClient(http)
        return await faults.take_order(order), await faults.forward_order(order)

    direct, forwarded = with_ingress(names_env, body)
    assert direct == {"id": "O1", "lines": [1, 2, 0]}
    assert forwarded == direct


@pytest.mark.parametrize(
    "handler, expected",
    [
        ("reply_opaque", ["`Opaque`", "faults/reply_opaque", "Fix the annotation"]),
        ("forward_opaque", ["faults/take_opaque", "Opaque"]),
        ("wrong_value", ["`int`", "faults/wrong_value", "Return (or pass) a value"]),
    ],
)
def test_serde_failures_are_terminal_and_say_what_to_do(
    names_env: RestateTestEnvironment, handler: str, expected: list[str]
) -> None:
    """Sent, not called, so that a retried invocation could not hang the test: the invocation
    must end failed (never `backing-off`), with a message naming the type and the handler."""

    async def body(http: httpx.AsyncClient) -> str:
        send = FaultsIngressClient(http).send()
        sent: SendHandle[Any] = await getattr(send, handler)()
        return sent.invocation_id

    invocation = with_ingress(names_env, body)
    query = (
        "SELECT status, completion_result, completion_failure, retry_count FROM sys_invocation "
        f"WHERE id = '{invocation}'"
    )

    async def rows() -> list[dict[str, Any]]:
        return names_env.admin.query(query)

    async def probe() -> list[dict[str, Any]]:
        return await eventually(
            rows, lambda r: bool(r) and r[0]["status"] in ("completed", "backing-off"), what="done"
        )

    (row,) = with_ingress(names_env, lambda _http: probe())
    assert row["status"] == "completed", row
    assert row["completion_result"] == "failure"
    for text in expected:
        assert text in row["completion_failure"], row["completion_failure"]
    backing_off = names_env.admin.query(
        "SELECT id FROM sys_invocation WHERE status = 'backing-off'"
    )
    assert backing_off == []
