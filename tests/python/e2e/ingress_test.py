"""What the generated ingress clients offer beyond calls, against a real restate-server
(components in tests/python/e2e/ingress): a send returns a typed handle to attach to, poll or
cancel (the cancel through the admin API); a call made with an idempotency key can be attached
to by that key; awakeables are resolved and rejected from outside Restate; a workflow's
`submit` tells a new submission from one already running."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar, cast

import httpx
import pytest
import restate

from e2e.ingress.deployment import (
    OnceIngressClient,
    SleeperIngressClient,
    WaiterIngressClient,
    app,
)
from e2e.ingress.models import Decision, Outcome
from e2e.support import eventually
from restate_glue import IngressError, SendHandle, reject_awakeable, resolve_awakeable
from restate_local.harness import RestateTestEnvironment
from restate_local.pytest_plugin import EnvFactory
from restate_local.serving import AsgiApp

T = TypeVar("T")

# A well-formed invocation id that no server here has seen.
UNKNOWN_INVOCATION = "inv_1aiqX0vFEFNH1Umgre58JiCLgHfTtztYK5"


@pytest.fixture(scope="module")
def ingress_env(restate_env_factory: EnvFactory) -> RestateTestEnvironment:
    return restate_env_factory(cast(AsgiApp, app), label="ingress")


def with_clients(
    env: RestateTestEnvironment,
    body: Callable[[httpx.AsyncClient, httpx.AsyncClient], Awaitable[T]],
) -> T:
    """Runs `body(http, admin)`: httpx clients on the ingress and on the admin API."""

    async def main() -> T:
        async with (
            env.async_client() as http,
            httpx.AsyncClient(base_url=env.admin_url, trust_env=False, timeout=30) as admin,
        ):
            return await body(http, admin)

    return asyncio.run(main())


# -- send handles ---------------------------------------------------------------------------


def test_send_then_attach_and_poll_the_output(ingress_env: RestateTestEnvironment) -> None:
    async def body(http: httpx.AsyncClient, admin: httpx.AsyncClient) -> None:
        sleeper = SleeperIngressClient(http)
        handle: SendHandle[str] = await sleeper.send().nap(600)
        assert handle.invocation_id.startswith("inv_") and handle.accepted
        with pytest.raises(IngressError) as running:
            await handle.output()
        assert running.value.status_code == 470  # not completed yet
        assert await handle.attach() == "slept 600ms"
        assert await handle.output() == "slept 600ms"
        # Later, from nothing but the id: a handle typed by the handler it names.
        again = sleeper.invocation_handle(sleeper.nap, handle.invocation_id)
        assert await again.attach() == "slept 600ms"

    with_clients(ingress_env, body)


def test_send_then_cancel_ends_the_invocation_cancelled(
    ingress_env: RestateTestEnvironment,
) -> None:
    async def body(http: httpx.AsyncClient, admin: httpx.AsyncClient) -> IngressError:
        sleeper = SleeperIngressClient(http, admin=admin)
        handle = await sleeper.send().nap(120_000)
        attached = asyncio.create_task(handle.attach())
        await asyncio.sleep(0.3)
        assert not attached.done()
        await handle.cancel()
        with pytest.raises(IngressError) as cancelled:
            await asyncio.wait_for(attached, timeout=15)
        # The outcome stays: attaching again, and the output, say the same.
        with pytest.raises(IngressError) as output:
            await handle.output()
        assert (output.value.status_code, output.value.message) == (
            cancelled.value.status_code,
            cancelled.value.message,
        )
        # A completed invocation cannot be cancelled any more.
        with pytest.raises(IngressError) as completed:
            await handle.cancel()
        assert completed.value.status_code == 409
        return cancelled.value

    cancelled = with_clients(ingress_env, body)
    assert isinstance(cancelled, restate.HttpError)
    assert cancelled.status_code == 409
    assert "cancel" in cancelled.message.lower()
    rows = ingress_env.admin.query(
        "SELECT status, completion_result FROM sys_invocation WHERE target_service_name = "
        "'Sleeper' AND completion_result = 'failure'"
    )
    assert rows and {r["status"] for r in rows} == {"completed"}


def test_cancel_needs_the_admin_client_and_an_invocation_restate_knows(
    ingress_env: RestateTestEnvironment,
) -> None:
    async def body(http: httpx.AsyncClient, admin: httpx.AsyncClient) -> None:
        without_admin = await SleeperIngressClient(http).send().nap(10)
        with pytest.raises(RuntimeError, match="admin API"):
            await without_admin.cancel()
        assert await without_admin.attach() == "slept 10ms"

        sleeper = SleeperIngressClient(http, admin=admin)
        unknown = sleeper.invocation_handle(sleeper.nap, UNKNOWN_INVOCATION)
        with pytest.raises(IngressError) as cancel:
            await unknown.cancel()
        assert cancel.value.status_code == 404
        assert UNKNOWN_INVOCATION in cancel.value.message
        with pytest.raises(IngressError) as attach:
            await unknown.attach()
        assert attach.value.status_code == 404
        assert f"/restate/invocation/{UNKNOWN_INVOCATION}/attach" in str(attach.value)

    with_clients(ingress_env, body)


# -- attach by idempotency key --------------------------------------------------------------


def test_call_with_an_idempotency_key_then_attach_by_the_key(
    ingress_env: RestateTestEnvironment, unique_key: str
) -> None:
    async def body(http: httpx.AsyncClient, admin: httpx.AsyncClient) -> None:
        sleeper = SleeperIngressClient(http)
        assert await sleeper.nap(50, idempotency_key=unique_key) == "slept 50ms"
        by_key = sleeper.idempotent_invocation_handle(sleeper.nap, unique_key)
        assert await by_key.attach() == "slept 50ms"
        assert await by_key.output() == "slept 50ms"

        # While it runs: attaching by key waits for the result.
        running = f"{unique_key}-running"
        sent = await sleeper.send().nap(700, idempotency_key=running)
        assert sent.accepted
        attached = sleeper.idempotent_invocation_handle(sleeper.nap, running).attach()
        assert await attached == "slept 700ms"
        # The same key again is the same invocation, previously accepted.
        resent = await sleeper.send().nap(700, idempotency_key=running)
        assert (resent.invocation_id, resent.accepted) == (sent.invocation_id, False)

        with pytest.raises(IngressError) as unknown:
            await sleeper.idempotent_invocation_handle(sleeper.nap, f"{unique_key}-never").attach()
        assert unknown.value.status_code == 404

    with_clients(ingress_env, body)


def test_attach_by_idempotency_key_on_a_virtual_object(
    ingress_env: RestateTestEnvironment, unique_key: str
) -> None:
    async def body(http: httpx.AsyncClient, admin: httpx.AsyncClient) -> tuple[int, int, int]:
        waiter = WaiterIngressClient(http, f"{unique_key}/a b")  # a key that needs quoting
        first = await waiter.tally(5, idempotency_key="pay-1")
        attached = await waiter.idempotent_invocation_handle(waiter.tally, "pay-1").attach()
        # Another key of the same object has no such invocation.
        other = WaiterIngressClient(http, f"{unique_key}-other")
        with pytest.raises(IngressError) as missing:
            await other.idempotent_invocation_handle(other.tally, "pay-1").attach()
        assert missing.value.status_code == 404
        return first, attached, await waiter.tally(1)

    assert with_clients(ingress_env, body) == (5, 5, 6)


# -- awakeables -----------------------------------------------------------------------------


def _awaiting(waiter: WaiterIngressClient) -> Awaitable[str | None]:
    return eventually(waiter.awakeable, lambda a: a is not None, what="waiting on an awakeable")


def test_resolve_an_awakeable_from_outside(
    ingress_env: RestateTestEnvironment, unique_key: str
) -> None:
    async def body(http: httpx.AsyncClient, admin: httpx.AsyncClient) -> Outcome:
        waiter = WaiterIngressClient(http, unique_key)
        waiting = await waiter.send().wait()
        awakeable_id = await _awaiting(waiter)
        assert awakeable_id is not None and awakeable_id.startswith("sign_")
        await resolve_awakeable(http, awakeable_id, Decision(verdict="yes", by="Cy"))
        return await waiting.attach()

    assert with_clients(ingress_env, body) == Outcome(decision=Decision(verdict="yes", by="Cy"))


def test_reject_an_awakeable_from_outside(
    ingress_env: RestateTestEnvironment, unique_key: str
) -> None:
    async def body(http: httpx.AsyncClient, admin: httpx.AsyncClient) -> Outcome:
        waiter = WaiterIngressClient(http, unique_key)
        waiting = await waiter.send().wait()
        awakeable_id = await _awaiting(waiter)
        assert awakeable_id is not None
        await reject_awakeable(http, awakeable_id, "no budget left")
        return await waiting.attach()

    assert with_clients(ingress_env, body) == Outcome(rejected="no budget left")


def test_a_malformed_awakeable_id_is_a_400(ingress_env: RestateTestEnvironment) -> None:
    async def body(http: httpx.AsyncClient, admin: httpx.AsyncClient) -> IngressError:
        with pytest.raises(IngressError) as error:
            await resolve_awakeable(http, "sign_nope", Decision(verdict="x"))
        return error.value

    error = with_clients(ingress_env, body)
    assert error.status_code == 400 and "bad awakeable id" in error.message


# -- workflows ------------------------------------------------------------------------------


def test_workflow_submit_says_whether_it_was_accepted_now(
    ingress_env: RestateTestEnvironment, unique_key: str
) -> None:
    async def body(http: httpx.AsyncClient, admin: httpx.AsyncClient) -> None:
        once = OnceIngressClient(http, unique_key)
        first = await once.submit("Ada")
        second = await once.submit("Ada")
        assert (first.accepted, second.accepted) == (True, False)
        assert second.invocation_id == first.invocation_id
        assert await second.attach() == "hello Ada"
        assert await first.output() == await once.output() == "hello Ada"
        # Finished, too, it is not submitted again.
        third = await once.submit("Bob")
        assert (third.accepted, await third.attach()) == (False, "hello Ada")

    with_clients(ingress_env, body)
