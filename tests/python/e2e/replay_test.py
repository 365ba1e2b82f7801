"""Handlers under the harness's strict settings: `always_replay` (the server suspends at every
suspension point and replays the journal on resume) and `disable_retries` (one attempt, then
the invocation is killed). A handler that is not deterministic fails here; these are."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from e2e.kinds.deployment import ApprovalIngressClient, CounterIngressClient, GreeterIngressClient
from e2e.kinds.models import (
    ApprovalRequest,
    ApprovalResult,
    CallOutcome,
    CounterCall,
    Decision,
    Deposit,
    Draws,
)
from e2e.support import eventually, with_ingress
from restate_local.harness import RestateTestEnvironment
from restate_local.pytest_plugin import EnvFactory


@pytest.fixture(scope="session")
def strict_env(restate_env_factory: EnvFactory) -> RestateTestEnvironment:
    return restate_env_factory(always_replay=True, disable_retries=True)


def test_journaled_values_survive_replay(
    strict_env: RestateTestEnvironment, unique_key: str
) -> None:
    async def body(http: httpx.AsyncClient) -> Draws:
        return await GreeterIngressClient(http).draw(unique_key)

    draws = with_ingress(strict_env, body)
    # The body ran again after the durable sleep (a replay) ...
    assert draws.attempts >= 2
    # ... and every attempt saw the value journaled by the first one.
    assert draws.first_seen_by_each_attempt == [draws.first] * draws.attempts
    assert draws.first != draws.second


def test_workflow_and_ctx_calls_under_replay(
    strict_env: RestateTestEnvironment, unique_key: str
) -> None:
    async def body(http: httpx.AsyncClient) -> ApprovalResult:
        flow = ApprovalIngressClient(http, unique_key)
        await flow.submit(ApprovalRequest(requester="Dee"))
        await eventually(flow.stage, lambda s: s == "awaiting-decision", what="waiting")
        await flow.decide(Decision(verdict="no", by="Eve"))
        return await flow.attach()

    assert with_ingress(strict_env, body) == ApprovalResult(
        requester="Dee", verdict="no", by="Eve", greeting="Hello, Dee!"
    )


def test_object_awakeable_and_ctx_call_under_replay(
    strict_env: RestateTestEnvironment, unique_key: str
) -> None:
    async def body(http: httpx.AsyncClient) -> tuple[str, CallOutcome, int]:
        counter = CounterIngressClient(http, unique_key)
        held = asyncio.create_task(counter.hold())
        await eventually(counter.holder, bool, what="held by an awakeable")
        assert await counter.release("replayed") is True
        value = await asyncio.wait_for(held, timeout=15)
        outcome = await GreeterIngressClient(http).add_to_counter(
            CounterCall(key=unique_key, amount=2)
        )
        return value, outcome, await counter.add(Deposit(amount=1))

    assert with_ingress(strict_env, body) == ("replayed", CallOutcome(total=2), 3)
    assert strict_env.object_state("Counter", unique_key) == {
        "count": 3,
        "released_with": "replayed",
    }
