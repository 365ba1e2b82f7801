"""Every Restate handler kind, generated from tests/python/e2e/kinds, served by a real
restate-server through the harness and called only through the generated clients (ingress
clients from here, ctx clients between components).

The tests marked `smoke` run over both HTTP/2 (h2c, bidirectional protocol) and HTTP/1.1
(request/response protocol); the rest over HTTP/2.
"""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from typing import cast

import httpx
import pytest
import restate

from e2e.kinds.deployment import (
    ApprovalIngressClient,
    CounterIngressClient,
    GreeterIngressClient,
    make_app,
    objects,
    services,
    workflows,
)
from e2e.kinds.models import (
    ApprovalRequest,
    ApprovalResult,
    CallOutcome,
    CounterCall,
    Decision,
    Deposit,
    Failure,
    Greeted,
    Greeting,
)
from e2e.support import eventually, wait_for, with_ingress
from restate_local.harness import RestateTestEnvironment
from restate_local.pytest_plugin import EnvFactory
from restate_local.serving import AsgiApp

DELAY = timedelta(milliseconds=800)


@pytest.fixture(scope="session")
def request_response_app() -> AsgiApp:
    """The same deployment for HTTP/1.1, which needs the request/response protocol."""
    return cast(AsgiApp, make_app(protocol="request_response"))


@pytest.fixture(params=["h2c", "http1.1"])
def smoke_env(
    request: pytest.FixtureRequest,
    restate_env: RestateTestEnvironment,
    restate_env_factory: EnvFactory,
    request_response_app: AsgiApp,
) -> RestateTestEnvironment:
    if request.param == "h2c":  # type: ignore[attr-defined]
        return restate_env
    return restate_env_factory(request_response_app, http_mode="http1.1", label="http1.1")


# -- registration ---------------------------------------------------------------------------


def test_deployment_serves_one_component_of_each_kind(restate_env: RestateTestEnvironment) -> None:
    assert set(services) == {"Greeter"}
    assert set(objects) == {"Counter"}
    assert set(workflows) == {"Approval"}
    assert set(restate_env.deployment.services) == {"Greeter", "Counter", "Approval"}


def test_http11_registration_uses_http11(
    restate_env_factory: EnvFactory, request_response_app: AsgiApp
) -> None:
    env = restate_env_factory(request_response_app, http_mode="http1.1", label="http1.1")
    assert '"GET /discover 1.1"' in env.app_log_path.read_text()


# -- services -------------------------------------------------------------------------------


@pytest.mark.smoke
def test_service_request_response(smoke_env: RestateTestEnvironment) -> None:
    async def body(http: httpx.AsyncClient) -> Greeted:
        return await GreeterIngressClient(http).greet(Greeting(name="Ada", punctuation="?"))

    assert with_ingress(smoke_env, body) == Greeted(message="Hello, Ada?")


@pytest.mark.smoke
def test_service_calls_object_through_ctx_client(
    smoke_env: RestateTestEnvironment, unique_key: str
) -> None:
    async def body(http: httpx.AsyncClient) -> tuple[CallOutcome, CallOutcome, int]:
        greeter = GreeterIngressClient(http)
        first = await greeter.add_to_counter(CounterCall(key=unique_key, amount=4))
        second = await greeter.add_to_counter(CounterCall(key=unique_key, amount=3))
        return first, second, await CounterIngressClient(http, unique_key).get()

    assert with_ingress(smoke_env, body) == (CallOutcome(total=4), CallOutcome(total=7), 7)


def test_ctx_client_calls_compose_with_restate_gather(
    restate_env: RestateTestEnvironment, unique_key: str
) -> None:
    async def body(http: httpx.AsyncClient) -> tuple[list[int], int, int]:
        totals = await GreeterIngressClient(http).add_to_two_counters(
            CounterCall(key=unique_key, amount=2)
        )
        a = await CounterIngressClient(http, f"{unique_key}-a").get()
        return totals, a, await CounterIngressClient(http, f"{unique_key}-b").get()

    assert with_ingress(restate_env, body) == ([2, 20], 2, 20)


# -- virtual objects ------------------------------------------------------------------------


@pytest.mark.smoke
def test_object_state_is_isolated_per_key(
    smoke_env: RestateTestEnvironment, unique_key: str
) -> None:
    a, b = f"{unique_key}-a", f"{unique_key}-b"

    async def body(http: httpx.AsyncClient) -> list[int]:
        counter_a, counter_b = CounterIngressClient(http, a), CounterIngressClient(http, b)
        added = [
            await counter_a.add(Deposit(amount=2)),
            await counter_b.add(Deposit(amount=10)),
            await counter_a.add(Deposit(amount=3)),
        ]
        return [*added, await counter_a.get(), await counter_b.get()]

    assert with_ingress(smoke_env, body) == [2, 10, 5, 5, 10]
    assert smoke_env.object_state("Counter", a) == {"count": 5}
    assert smoke_env.object_state("Counter", b) == {"count": 10}
    assert smoke_env.object_state("Counter", f"{unique_key}-never-called") == {}


def test_shared_handlers_are_served_while_an_exclusive_one_runs(
    restate_env: RestateTestEnvironment, unique_key: str
) -> None:
    """`hold` (exclusive) parks on an awakeable; meanwhile the shared `get` / `holder` answer,
    an exclusive `add` queues behind it, and the shared `release` unblocks it."""

    async def body(http: httpx.AsyncClient) -> None:
        counter = CounterIngressClient(http, unique_key)
        held = asyncio.create_task(counter.hold())
        holder = await eventually(counter.holder, bool, what="held by an awakeable")
        assert holder is not None and holder.startswith("sign_")
        queued = asyncio.create_task(counter.add(Deposit(amount=5)))
        # Shared handlers answer while `hold` runs and `add` waits for it.
        for _ in range(3):
            assert await counter.get() == 0
            await asyncio.sleep(0.1)
        assert not held.done() and not queued.done()
        assert await counter.release("go") is True
        assert await asyncio.wait_for(held, timeout=15) == "go"
        assert await asyncio.wait_for(queued, timeout=15) == 5
        assert await counter.release("again") is False  # nothing held any more

    with_ingress(restate_env, body)
    assert restate_env.object_state("Counter", unique_key) == {"count": 5, "released_with": "go"}


def test_seeded_state_is_what_handlers_see(
    restate_env: RestateTestEnvironment, unique_key: str
) -> None:
    restate_env.seed_object_state("Counter", unique_key, {"count": 40})

    async def body(http: httpx.AsyncClient) -> tuple[int, int]:
        counter = CounterIngressClient(http, unique_key)
        return await counter.get(), await counter.add(Deposit(amount=2))

    assert with_ingress(restate_env, body) == (40, 42)
    assert restate_env.object_state("Counter", unique_key) == {"count": 42}


# -- sends ----------------------------------------------------------------------------------


def test_ingress_send_without_and_with_delay(
    restate_env: RestateTestEnvironment, unique_key: str
) -> None:
    async def body(http: httpx.AsyncClient) -> None:
        counter = CounterIngressClient(http, unique_key)
        sent = (await counter.send().add(Deposit(amount=1))).invocation_id
        assert sent.startswith("inv_")
        await eventually(counter.get, lambda n: n == 1, what="1 after the send")

        started = time.monotonic()
        delayed = (await counter.send(delay=DELAY).add(Deposit(amount=10))).invocation_id
        assert delayed.startswith("inv_") and delayed != sent
        assert await counter.get() == 1  # not yet delivered
        await eventually(counter.get, lambda n: n == 11, what="11 after the delayed send")
        assert time.monotonic() - started >= DELAY.total_seconds() - 0.05

    with_ingress(restate_env, body)


def test_ctx_send_without_and_with_delay(
    restate_env: RestateTestEnvironment, unique_key: str
) -> None:
    async def body(http: httpx.AsyncClient) -> None:
        greeter = GreeterIngressClient(http)
        counter = CounterIngressClient(http, unique_key)
        sent = await greeter.send_to_counter(CounterCall(key=unique_key, amount=1))
        assert sent.startswith("inv_")
        await eventually(counter.get, lambda n: n == 1, what="1 after the ctx send")

        started = time.monotonic()
        delay_ms = round(DELAY.total_seconds() * 1000)
        call = CounterCall(key=unique_key, amount=10, delay_ms=delay_ms)
        delayed = await greeter.send_to_counter(call)
        assert delayed.startswith("inv_") and delayed != sent
        assert await counter.get() == 1  # not yet delivered
        await eventually(counter.get, lambda n: n == 11, what="11 after the delayed ctx send")
        assert time.monotonic() - started >= DELAY.total_seconds() - 0.05

    with_ingress(restate_env, body)


# -- workflows ------------------------------------------------------------------------------


@pytest.mark.smoke
def test_workflow_submit_attach_output_and_shared_handlers(
    smoke_env: RestateTestEnvironment, unique_key: str
) -> None:
    expected = ApprovalResult(requester="Bo", verdict="yes", by="Cy", greeting="Hello, Bo!")

    async def body(http: httpx.AsyncClient) -> None:
        flow = ApprovalIngressClient(http, unique_key)
        submitted = await flow.submit(ApprovalRequest(requester="Bo"))
        assert submitted.invocation_id.startswith("inv_") and submitted.accepted
        # A workflow runs once per key: submitting again is the same invocation.
        again = await flow.submit(ApprovalRequest(requester="Bo"))
        assert (again.invocation_id, again.accepted) == (submitted.invocation_id, False)
        await eventually(flow.stage, lambda s: s == "awaiting-decision", what="waiting")
        assert await flow.pending_decision() is None
        with pytest.raises(restate.HttpError) as not_done:
            await flow.output()
        assert not_done.value.status_code == 470  # "exists but has not completed yet"
        attached = asyncio.create_task(flow.attach())
        await asyncio.sleep(0.1)
        assert not attached.done()

        await flow.decide(Decision(verdict="yes", by="Cy"))
        assert await asyncio.wait_for(attached, timeout=15) == expected
        assert await flow.output() == expected
        assert await flow.attach() == expected
        assert await flow.stage() == "decided"
        assert await flow.pending_decision() == Decision(verdict="yes", by="Cy")
        with pytest.raises(restate.HttpError) as twice:
            await flow.decide(Decision(verdict="no"))
        assert twice.value.status_code == 409
        assert "already completed" in twice.value.message

    with_ingress(smoke_env, body)
    assert smoke_env.object_state("Approval", unique_key) == {"stage": "decided"}


# -- idempotency ----------------------------------------------------------------------------


def test_idempotency_key_deduplicates_calls(
    restate_env: RestateTestEnvironment, unique_key: str
) -> None:
    async def body(http: httpx.AsyncClient) -> None:
        counter = CounterIngressClient(http, unique_key)
        once = f"{unique_key}-once"
        assert await counter.add(Deposit(amount=5), idempotency_key=once) == 5
        assert await counter.add(Deposit(amount=5), idempotency_key=once) == 5
        # Concurrent duplicates, too, are one invocation.
        twice = f"{unique_key}-twice"
        results = await asyncio.gather(
            *(counter.add(Deposit(amount=1), idempotency_key=twice) for _ in range(3))
        )
        assert results == [6, 6, 6]
        assert await counter.get() == 6
        # Without a key, the same request runs again.
        assert await counter.add(Deposit(amount=1)) == 7

    with_ingress(restate_env, body)


def test_idempotency_key_deduplicates_sends(
    restate_env: RestateTestEnvironment, unique_key: str
) -> None:
    async def body(http: httpx.AsyncClient) -> None:
        counter = CounterIngressClient(http, unique_key)
        first = await counter.send().add(Deposit(amount=2), idempotency_key=unique_key)
        second = await counter.send().add(Deposit(amount=2), idempotency_key=unique_key)
        assert first.invocation_id == second.invocation_id
        assert (first.accepted, second.accepted) == (True, False)
        await eventually(counter.get, lambda n: n == 2, what="2 after the send")
        # One invocation: a marker call queued behind it sees the single deposit.
        assert await counter.add(Deposit(amount=100)) == 102

    with_ingress(restate_env, body)


def test_idempotency_key_on_ctx_calls(restate_env: RestateTestEnvironment, unique_key: str) -> None:
    async def body(http: httpx.AsyncClient) -> tuple[list[int], int]:
        twice = await GreeterIngressClient(http).add_twice(CounterCall(key=unique_key, amount=3))
        return twice, await CounterIngressClient(http, unique_key).get()

    assert with_ingress(restate_env, body) == ([3, 3], 3)


# -- errors ---------------------------------------------------------------------------------


@pytest.mark.smoke
def test_terminal_error_reaches_the_ingress_caller(smoke_env: RestateTestEnvironment) -> None:
    async def body(http: httpx.AsyncClient) -> restate.HttpError:
        with pytest.raises(restate.HttpError) as info:
            await GreeterIngressClient(http).fail(Failure(message="no such user", status_code=404))
        return info.value

    error = with_ingress(smoke_env, body)
    assert (error.status_code, error.message) == (404, "no such user")


def test_terminal_error_reaches_the_ctx_caller_and_changes_nothing(
    restate_env: RestateTestEnvironment, unique_key: str
) -> None:
    async def body(http: httpx.AsyncClient) -> tuple[CallOutcome, restate.HttpError, int]:
        greeter = GreeterIngressClient(http)
        counter = CounterIngressClient(http, unique_key)
        await counter.add(Deposit(amount=2))
        outcome = await greeter.add_to_counter(CounterCall(key=unique_key, amount=5, limit=3))
        with pytest.raises(restate.HttpError) as direct:
            await counter.add(Deposit(amount=5, limit=3))
        return outcome, direct.value, await counter.get()

    outcome, direct, total = with_ingress(restate_env, body)
    message = f"limit 3 exceeded: {unique_key} would be at 7"
    assert outcome == CallOutcome(error_status=409, error_message=message)
    assert (direct.status_code, direct.message) == (409, message)
    assert total == 2
    assert restate_env.object_state("Counter", unique_key) == {"count": 2}


MALFORMED_BODIES = {
    "not-json": (b'{"name": ', "Invalid JSON"),
    "schema": (b'{"name": ""}', "String should have at least 1 character"),
    "wrong-shape": (b"[]", "Input should be an object"),
}


def _post_raw(env: RestateTestEnvironment, body: bytes) -> httpx.Response:
    # Deliberately not the generated client: it cannot send an invalid Greeting.
    with env.client() as http:
        return http.post(
            "/Greeter/greet", content=body, headers={"content-type": "application/json"}
        )


@pytest.mark.parametrize("case", sorted(MALFORMED_BODIES))
def test_malformed_body_is_a_400_with_the_validation_message_not_retried(
    restate_env: RestateTestEnvironment, case: str
) -> None:
    body, detail = MALFORMED_BODIES[case]
    started = time.monotonic()
    response = _post_raw(restate_env, body)
    assert time.monotonic() - started < 5, "the invocation was retried"
    assert response.status_code == 400, response.text
    message = response.json()["message"]
    assert "validation error for Greeting" in message and detail in message
    # Failed terminally in one attempt: completed, not backing off for another retry.
    invocation_id = response.headers["x-restate-id"]
    rows = restate_env.admin.query(
        "SELECT status, completion_result, completion_failure FROM sys_invocation "
        f"WHERE id = '{invocation_id}'"
    )
    assert [(r["status"], r["completion_result"]) for r in rows] == [("completed", "failure")]
    assert detail in rows[0]["completion_failure"]


def test_wrong_content_type_is_rejected_by_the_ingress(
    restate_env: RestateTestEnvironment,
) -> None:
    with restate_env.client() as http:
        response = http.post(
            "/Greeter/greet", content=b'{"name": "Ada"}', headers={"content-type": "text/plain"}
        )
    assert response.status_code == 400
    assert "Content-type 'text/plain' does not match 'application/json'" in response.text


# -- determinism (contrast for replay_test.py) ----------------------------------------------


def test_without_always_replay_draw_runs_once(
    restate_env: RestateTestEnvironment, unique_key: str
) -> None:
    async def body(http: httpx.AsyncClient) -> int:
        return (await GreeterIngressClient(http).draw(unique_key)).attempts

    assert with_ingress(restate_env, body) == 1


def test_invocations_do_not_linger(restate_env: RestateTestEnvironment) -> None:
    """Nothing this module started is still retrying (e.g. a malformed request)."""
    rows = wait_for(
        lambda: restate_env.admin.query(
            "SELECT id, target, status FROM sys_invocation WHERE status != 'completed'"
        ),
        lambda found: not found,
        what="free of lingering invocations",
    )
    assert rows == []
