"""Composable calls through the generated ctx clients, against a real restate-server
(tests/python/e2e/composables): the Racer service composes the Slowpoke service's generated
client calls with restate-sdk's own `restate.select`, `restate.wait_completed` and
`restate.gather`, reads `await fut.invocation_id()` and cancels with `fut.cancel_invocation()`;
the send client returns the SDK's SendHandle, which cancels too. Ids and outcomes are checked
against what Restate's admin API reports (`sys_invocation`).
"""

from __future__ import annotations

from typing import Any, cast

import httpx
import pytest

from e2e.composables.deployment import RacerIngressClient, make_app, services
from e2e.composables.models import Race, Woke
from e2e.support import wait_for, with_ingress
from restate_local.harness import RestateTestEnvironment
from restate_local.pytest_plugin import EnvFactory
from restate_local.serving import AsgiApp

# Long enough that it cannot win a race against a call that answers at once, on a busy machine.
NEVER_MS = 60_000


@pytest.fixture(scope="module")
def env(restate_env_factory: EnvFactory) -> RestateTestEnvironment:
    return restate_env_factory(cast(AsgiApp, make_app()), label="composables")


def racer(env: RestateTestEnvironment, call: Any) -> Any:
    async def body(http: httpx.AsyncClient) -> Any:
        return await call(RacerIngressClient(http))

    return with_ingress(env, body)


def invocation(env: RestateTestEnvironment, invocation_id: str) -> dict[str, Any]:
    rows = env.admin.query(
        "SELECT id, target, status, invoked_by_id, completion_result, completion_failure "
        f"FROM sys_invocation WHERE id = '{invocation_id}'"
    )
    assert len(rows) == 1, rows
    return rows[0]


def completed(env: RestateTestEnvironment, invocation_id: str) -> dict[str, Any]:
    return wait_for(
        lambda: invocation(env, invocation_id),
        lambda row: row["status"] == "completed",
        what=f"{invocation_id} completed",
    )


def assert_cancelled(row: dict[str, Any]) -> None:
    assert (row["target"], row["status"], row["completion_result"]) == (
        "Slowpoke/hold",
        "completed",
        "failure",
    ), row
    assert "[409]" in row["completion_failure"], row
    assert "cancel" in row["completion_failure"].lower(), row


def test_deployment_serves_both(env: RestateTestEnvironment) -> None:
    assert set(services) == {"Slowpoke", "Racer"}
    assert set(env.deployment.services) == {"Slowpoke", "Racer"}


@pytest.mark.parametrize("fast_wins", [True, False], ids=["first-wins", "second-wins"])
def test_select_between_two_calls(
    env: RestateTestEnvironment, unique_key: str, fast_wins: bool
) -> None:
    fast_ms, slow_ms = (0, NEVER_MS) if fast_wins else (NEVER_MS, 0)
    report = racer(
        env, lambda r: r.race_calls(Race(tag=unique_key, fast_ms=fast_ms, slow_ms=slow_ms))
    )
    winner = "fast" if fast_wins else "slow"
    # The winner's value came out of `select` decoded as the declared response type.
    assert (report.winner, report.value_type, report.label) == (
        winner,
        "Woke",
        f"{unique_key}-{winner}",
    )
    assert report.loser_cancelled


def test_select_a_call_against_a_durable_timer(
    env: RestateTestEnvironment, unique_key: str
) -> None:
    timed_out = racer(
        env, lambda r: r.race_timer(Race(tag=unique_key, fast_ms=50, slow_ms=NEVER_MS))
    )
    assert (timed_out.winner, timed_out.value_type, timed_out.loser_cancelled) == (
        "timeout",
        "NoneType",
        True,
    )
    answered = racer(env, lambda r: r.race_timer(Race(tag=unique_key, fast_ms=NEVER_MS, slow_ms=0)))
    assert (answered.winner, answered.value_type, answered.label) == ("call", "Woke", unique_key)


def test_select_between_calls_of_different_response_types(
    env: RestateTestEnvironment, unique_key: str
) -> None:
    report = racer(env, lambda r: r.race_kinds(Race(tag=unique_key, fast_ms=0, slow_ms=NEVER_MS)))
    assert (report.winner, report.value_type, report.label) == ("number", "int", "43")


def test_wait_completed_then_cancel_the_pending_call(
    env: RestateTestEnvironment, unique_key: str
) -> None:
    report = racer(env, lambda r: r.wait_first(unique_key))
    assert (report.done, report.pending, report.done_types) == (["quick"], ["stuck"], ["Woke"])
    assert report.woke == Woke(label=unique_key, slept_ms=0)
    # Awaiting the cancelled call raised the cancellation in the caller...
    assert report.stuck_error_status == 409
    assert "cancel" in (report.stuck_error_message or "").lower()
    # ... and Restate ended the callee with it.
    assert_cancelled(completed(env, report.stuck_invocation))


def test_invocation_id_of_a_call_is_the_one_restate_reports(
    env: RestateTestEnvironment, unique_key: str
) -> None:
    report = racer(env, lambda r: r.call_ids(unique_key))
    assert report.woke == Woke(label=unique_key, slept_ms=0)
    assert report.callee.startswith("inv_") and report.callee != report.caller
    row = completed(env, report.callee)
    assert (row["id"], row["target"], row["invoked_by_id"], row["completion_result"]) == (
        report.callee,
        "Slowpoke/nap",
        report.caller,
        "success",
    )


def test_gather_over_calls_of_different_response_types(
    env: RestateTestEnvironment, unique_key: str
) -> None:
    assert racer(env, lambda r: r.gather_kinds(unique_key)) == [unique_key, "2"]


def test_cancel_a_call_through_its_future(env: RestateTestEnvironment, unique_key: str) -> None:
    report = racer(env, lambda r: r.cancel_call(unique_key))
    assert report.error_status == 409
    assert "cancel" in (report.error_message or "").lower()
    assert_cancelled(completed(env, report.invocation))


def test_send_returns_the_sdk_send_handle_which_cancels(
    env: RestateTestEnvironment, unique_key: str
) -> None:
    report = racer(env, lambda r: r.cancel_send(unique_key))
    assert "SendHandle" in report.handle_type, report.handle_type
    assert report.invocation.startswith("inv_")
    assert_cancelled(completed(env, report.invocation))


def test_nothing_is_left_running(env: RestateTestEnvironment) -> None:
    """Every loser and every `hold` was cancelled: no invocation is still running or sleeping."""
    rows = wait_for(
        lambda: env.admin.query(
            "SELECT id, target, status FROM sys_invocation WHERE status != 'completed'"
        ),
        lambda found: not found,
        what="free of unfinished invocations",
    )
    assert rows == []
