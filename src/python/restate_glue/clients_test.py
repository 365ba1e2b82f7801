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
    KeyedIngressSendClient,
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

    async def add(self, req: int, **options: Unpack[CallOptions]) -> str:
        return await self._send("add", _add, req, options)


class GreeterIngressClient(ServiceIngressClient):
    component = "Greeter"

    async def total(self, **options: Unpack[CallOptions]) -> int:
        return await self._call("total", _total, None, options)


class FlowIngressClient(WorkflowIngressClient):
    component = "Flow"


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

    async def scenario() -> str:
        answer = httpx.Response(200, json={"invocationId": "inv_1"})
        async with recording(answer, seen) as http:
            return await CounterIngressSendClient(http, "a/b c", timedelta(seconds=1.5)).add(3)

    assert asyncio.run(scenario()) == "inv_1"
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
