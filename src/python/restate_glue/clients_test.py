"""The clients' bases: ingress requests over a real httpx client (MockTransport), and in-handler
calls routed by the in-memory FakeRestate; the real server is in tests/python/e2e."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Unpack

import httpx
import pytest
import restate

from restate_glue import (
    CallOptions,
    HandlerIO,
    KeyedClient,
    KeyedIngressClient,
    KeyedIngressSendClient,
    SendHandle,
    ServiceIngressClient,
    WorkflowIngressClient,
)
from restate_glue.serde import JsonSerde
from restate_glue.testing import FakeRestate

_add: HandlerIO[int, int] = HandlerIO("int", "int", __name__)
_total: HandlerIO[None, int] = HandlerIO(None, "int", __name__)

counter = restate.VirtualObject("Counter")


@counter.handler(input_serde=JsonSerde[int]("int", __name__))
async def add(ctx: restate.ObjectContext, n: int) -> int:
    total = (await ctx.get("total", type_hint=int) or 0) + n
    ctx.set("total", total)
    return total


class CounterClient(KeyedClient):
    component = "Counter"

    def add(
        self, req: int, **options: Unpack[CallOptions]
    ) -> restate.RestateDurableCallFuture[int]:
        return self._call("add", _add, req, options)


class CounterIngressSendClient(KeyedIngressSendClient):
    component = "Counter"

    async def add(self, req: int, **options: Unpack[CallOptions]) -> SendHandle[int]:
        return await self._send("add", _add, req, options)


class GreeterIngressClient(ServiceIngressClient):
    component = "Greeter"
    _handlers = {"total": ("total", _total)}

    async def total(self, **options: Unpack[CallOptions]) -> int:
        return await self._call("total", _total, None, options)


class CounterIngressClient(KeyedIngressClient):
    component = "Counter"
    _handlers = {"add_": ("add", _add)}

    async def add_(self, req: int, **options: Unpack[CallOptions]) -> int:
        return await self._call("add", _add, req, options)


class FlowIngressClient(WorkflowIngressClient):
    component = "Flow"
    _handlers = {"run": ("run", _add)}

    async def submit(self, req: int, **options: Unpack[CallOptions]) -> SendHandle[int]:
        return await self._submit("run", _add, req, None, options)


def recording(answer: httpx.Response, seen: list[httpx.Request]) -> httpx.AsyncClient:
    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return answer

    return httpx.AsyncClient(base_url="http://ingress", transport=httpx.MockTransport(handle))


def test_ingress_call_sends_json_options_and_decodes_the_answer() -> None:
    seen: list[httpx.Request] = []

    async def scenario() -> int:
        async with recording(httpx.Response(200, content=b"7"), seen) as http:
            return await GreeterIngressClient(http).total(
                idempotency_key="k1", headers={"x-a": "b"}
            )

    assert asyncio.run(scenario()) == 7
    [request] = seen
    assert (request.method, request.url.path) == ("POST", "/Greeter/total")
    assert request.headers["idempotency-key"] == "k1" and request.headers["x-a"] == "b"
    assert request.content == b""


def test_ingress_send_quotes_the_key_and_passes_the_delay() -> None:
    seen: list[httpx.Request] = []

    async def scenario() -> SendHandle[int]:
        answer = httpx.Response(200, json={"invocationId": "inv_1", "status": "Accepted"})
        async with recording(answer, seen) as http:
            return await CounterIngressSendClient(http, "a/b c", timedelta(seconds=1.5)).add(3)

    handle = asyncio.run(scenario())
    assert (handle.invocation_id, handle.accepted) == ("inv_1", True)
    [request] = seen
    assert request.url.raw_path == b"/Counter/a%2Fb%20c/add/send?delay=1500ms"
    assert request.content == b"3" and request.headers["content-type"] == "application/json"


def test_an_ingress_error_is_the_sdks_http_error_with_restates_message() -> None:
    async def scenario() -> None:
        answer = httpx.Response(400, json={"message": "invalid request: nope"})
        async with recording(answer, []) as http:
            await FlowIngressClient(http, "k")._output(_total)

    with pytest.raises(restate.HttpError) as error:
        asyncio.run(scenario())
    assert error.value.status_code == 400 and error.value.message == "invalid request: nope"


def test_in_handler_calls_return_awaitable_futures_routed_by_the_fake() -> None:
    async def scenario() -> tuple[int, int]:
        fake = FakeRestate([counter])
        client = CounterClient.from_context(fake.context("Caller"), "c1")
        first = await client.add(2)
        second = client.add(5)
        return first, await second

    assert asyncio.run(scenario()) == (2, 7)


def test_a_request_that_cannot_be_serialized_fails_the_call_terminally() -> None:
    async def scenario() -> None:
        fake = FakeRestate([counter])
        await CounterClient.from_context(fake.context("Caller"), "c1").add(object())  # type: ignore[arg-type]

    with pytest.raises(restate.TerminalError) as error:
        asyncio.run(scenario())
    assert "cannot serialize the request to Counter/add as int" in str(error.value.message)


def test_send_handles_attach_poll_and_cancel_their_invocation() -> None:
    seen: list[httpx.Request] = []
    answers = {
        "/Counter/k/add/send": httpx.Response(
            200, json={"invocationId": "inv_9", "status": "PreviouslyAccepted"}
        ),
        "/restate/invocation/inv_9/attach": httpx.Response(200, content=b"12"),
        "/restate/invocation/inv_9/output": httpx.Response(200, content=b"12"),
        "/invocations/inv_9/cancel": httpx.Response(202),
    }

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return answers[request.url.path]

    async def scenario() -> tuple[SendHandle[int], int, int]:
        transport = httpx.MockTransport(handle)
        async with (
            httpx.AsyncClient(base_url="http://ingress", transport=transport) as http,
            httpx.AsyncClient(base_url="http://admin", transport=transport) as admin,
        ):
            client = CounterIngressSendClient(http, "k", admin=admin)
            sent = await client.add(5, idempotency_key="once")
            attached, output = await sent.attach(), await sent.output()
            await sent.cancel()
            return sent, attached, output

    sent, attached, output = asyncio.run(scenario())
    assert (sent.invocation_id, sent.accepted, attached, output) == ("inv_9", False, 12, 12)
    assert [(r.method, r.url.host, r.url.path) for r in seen] == [
        ("POST", "ingress", "/Counter/k/add/send"),
        ("GET", "ingress", "/restate/invocation/inv_9/attach"),
        ("GET", "ingress", "/restate/invocation/inv_9/output"),
        ("PATCH", "admin", "/invocations/inv_9/cancel"),
    ]
    assert seen[0].headers["idempotency-key"] == "once"


def test_cancel_without_the_admin_client_says_how_to_give_it() -> None:
    async def scenario() -> None:
        answer = httpx.Response(200, json={"invocationId": "inv_1", "status": "Accepted"})
        async with recording(answer, []) as http:
            await (await CounterIngressSendClient(http, "k").add(1)).cancel()

    with pytest.raises(RuntimeError, match="admin API. Pass admin=httpx.AsyncClient"):
        asyncio.run(scenario())


def test_workflow_submit_tells_accepted_from_previously_accepted() -> None:
    statuses = iter(["Accepted", "PreviouslyAccepted"])

    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"invocationId": "inv_w", "status": next(statuses)})

    async def scenario() -> list[bool]:
        transport = httpx.MockTransport(handle)
        async with httpx.AsyncClient(base_url="http://ingress", transport=transport) as http:
            flow = FlowIngressClient(http, "k")
            return [(await flow.submit(1)).accepted, (await flow.submit(1)).accepted]

    assert asyncio.run(scenario()) == [True, False]


def test_handles_from_a_client_method_by_id_and_by_idempotency_key() -> None:
    seen: list[httpx.Request] = []

    async def scenario() -> tuple[int, int]:
        async with recording(httpx.Response(200, content=b"3"), seen) as http:
            counter = CounterIngressClient(http, "a/b")
            by_id = await counter.invocation_handle(counter.add_, "inv_7").attach()
            by_key = await counter.idempotent_invocation_handle(counter.add_, "pay 1").output()
            return by_id, by_key

    assert asyncio.run(scenario()) == (3, 3)
    assert [r.url.raw_path for r in seen] == [
        b"/restate/invocation/inv_7/attach",
        b"/restate/invocation/Counter/a%2Fb/add/pay%201/output",
    ]


def test_service_idempotent_handles_have_no_key_in_the_path() -> None:
    seen: list[httpx.Request] = []

    async def scenario() -> int:
        async with recording(httpx.Response(200, content=b"4"), seen) as http:
            greeter = GreeterIngressClient(http)
            return await greeter.idempotent_invocation_handle(greeter.total, "k1").attach()

    assert asyncio.run(scenario()) == 4
    assert seen[0].url.raw_path == b"/restate/invocation/Greeter/total/k1/attach"


def test_handles_need_a_method_of_the_same_client() -> None:
    async def scenario() -> None:
        async with recording(httpx.Response(200), []) as http:
            one, other = GreeterIngressClient(http), GreeterIngressClient(http)
            other.invocation_handle(one.total, "inv_1")

    with pytest.raises(TypeError, match="expected a handler method of this GreeterIngressClient"):
        asyncio.run(scenario())
