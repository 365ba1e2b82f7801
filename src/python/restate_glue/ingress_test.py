"""The ingress helpers over a real httpx client (MockTransport): awakeables, errors, the answer
to a send. The real server is in tests/python/e2e (ingress_test.py)."""

from __future__ import annotations

import asyncio
import dataclasses
import json

import httpx
import pytest
import restate

from restate_glue.ingress import (
    IngressError,
    InvocationHandle,
    cancel_invocation,
    ingress_request,
    reject_awakeable,
    resolve_awakeable,
    send_answer,
)
from restate_glue.serde import JsonSerde


@dataclasses.dataclass
class Decision:
    verdict: str
    by: str | None = None


def run_with(answer: httpx.Response, coro_of: object) -> list[httpx.Request]:
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return answer

    async def main() -> None:
        transport = httpx.MockTransport(handle)
        async with httpx.AsyncClient(base_url="http://restate", transport=transport) as http:
            await coro_of(http)  # type: ignore[operator]

    asyncio.run(main())
    return seen


def test_resolve_awakeable_posts_the_value_as_json_of_its_type() -> None:
    seen = run_with(
        httpx.Response(202),
        lambda http: resolve_awakeable(http, "sign_1/x", Decision(verdict="yes")),
    )
    [request] = seen
    assert request.method == "POST"
    assert request.url.raw_path == b"/restate/awakeables/sign_1%2Fx/resolve"
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.content) == {"verdict": "yes", "by": None}


def test_resolve_awakeable_with_a_type_hint_a_serde_or_none() -> None:
    hinted = run_with(
        httpx.Response(202), lambda http: resolve_awakeable(http, "s", [1, 2], type_hint=list[int])
    )
    assert hinted[0].content == b"[1,2]"
    serde: JsonSerde[str] = JsonSerde.for_type(str)
    explicit = run_with(
        httpx.Response(202), lambda http: resolve_awakeable(http, "s", "go", serde=serde)
    )
    assert explicit[0].content == b'"go"'
    nothing = run_with(httpx.Response(202), lambda http: resolve_awakeable(http, "s", None))
    assert nothing[0].content == b"null"


def test_reject_awakeable_posts_the_reason_as_text() -> None:
    seen = run_with(httpx.Response(202), lambda http: reject_awakeable(http, "sign_1", "nope"))
    [request] = seen
    assert request.url.path == "/restate/awakeables/sign_1/reject"
    assert request.headers["content-type"].startswith("text/plain")
    assert request.content == b"nope"


def test_an_error_is_an_ingress_error_naming_the_request_and_restates_message() -> None:
    answer = httpx.Response(
        400, json={"code": 400, "message": "bad awakeable id 'x'", "source": "ingress"}
    )
    with pytest.raises(IngressError) as error:
        run_with(answer, lambda http: resolve_awakeable(http, "x", 1))
    assert isinstance(error.value, restate.HttpError)
    assert (error.value.status_code, error.value.message) == (400, "bad awakeable id 'x'")
    assert str(error.value) == (
        "POST /restate/awakeables/x/resolve: HTTP 400: bad awakeable id 'x'"
    )


def test_an_error_without_json_keeps_a_short_text_body_or_the_reason() -> None:
    with pytest.raises(IngressError) as text:
        run_with(
            httpx.Response(502, text="upstream down"), lambda http: cancel_invocation(http, "i")
        )
    assert text.value.message == "upstream down"
    with pytest.raises(IngressError) as empty:
        run_with(httpx.Response(404), lambda http: cancel_invocation(http, "inv_1"))
    assert (empty.value.message, empty.value.method, empty.value.path) == (
        "Not Found",
        "PATCH",
        "/invocations/inv_1/cancel",
    )


def test_attaching_to_an_unknown_invocation_is_a_404_not_a_decoding_error() -> None:
    answer = httpx.Response(404, json={"code": 404, "message": "not found", "source": "invocation"})

    async def attach(http: httpx.AsyncClient) -> None:
        await InvocationHandle(http, "inv_1", JsonSerde[int].for_type(int)).attach()

    with pytest.raises(IngressError) as error:
        run_with(answer, attach)
    assert error.value.status_code == 404 and "not found" in str(error.value)


@pytest.mark.parametrize("body", [b"", b"<html>", b"[]", b'{"status": "Accepted"}'])
def test_a_send_answer_without_an_invocation_id_is_a_clear_value_error(body: bytes) -> None:
    with pytest.raises(ValueError, match="Restate's answer to a send has no invocation id"):
        send_answer(body)


def test_send_answer_tells_accepted_from_previously_accepted() -> None:
    assert send_answer(b'{"invocationId": "inv_1", "status": "Accepted"}') == ("inv_1", True)
    assert send_answer(b'{"invocationId": "inv_1", "status": "PreviouslyAccepted"}') == (
        "inv_1",
        False,
    )


def test_handles_and_awakeables_reject_empty_ids() -> None:
    with pytest.raises(ValueError, match="invocation id"):
        InvocationHandle(httpx.AsyncClient(), "", JsonSerde[int].for_type(int))
    with pytest.raises(ValueError, match="awakeable id"):
        run_with(httpx.Response(202), lambda http: reject_awakeable(http, "", "x"))


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (None, "application/json"),
        ({"Content-Type": "image/png"}, "image/png"),  # a raw `bytes` body, as the caller says
        ({"content-type": "text/plain"}, "text/plain"),
    ],
)
def test_a_content_type_the_caller_gives_is_kept(
    headers: dict[str, str] | None, expected: str
) -> None:
    seen = run_with(
        httpx.Response(200, content=b"{}"),
        lambda http: ingress_request(http, "POST", "/Svc/h", b"\x89PNG", headers=headers),
    )
    [request] = seen
    assert request.headers.get_list("content-type") == [expected]
