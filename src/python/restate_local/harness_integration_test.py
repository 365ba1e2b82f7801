"""A hand-written restate-sdk app served through the harness against the real restate-server.

One environment per module-scoped fixture (server start-up is well under a second here); keys
are unique per test, so tests sharing a server don't see each other's state.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter as Tally
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
import restate
from pydantic import BaseModel
from restate import (
    Context,
    HttpError,
    ObjectContext,
    ObjectSharedContext,
    WorkflowContext,
    WorkflowSharedContext,
)

from restate_local.admin import AdminClient
from restate_local.errors import (
    AdminApiError,
    DeploymentRegistrationError,
    RestateServerBinaryNotFound,
)
from restate_local.harness import RestateTestEnvironment
from restate_local.server_binary import find_server_binary

# -- the app ------------------------------------------------------------------------------------


class Greeting(BaseModel):
    name: str


class Greeted(BaseModel):
    message: str


greeter = restate.Service("Greeter")
# Times each handler body was entered, per tag: more than once means a replay or a retry.
ENTRIES: Tally[str] = Tally()


@greeter.handler()
async def greet(ctx: Context, req: Greeting) -> Greeted:
    return Greeted(message=f"Hello {req.name}")


@greeter.handler()
async def fail(ctx: Context, tag: str) -> str:
    ENTRIES[tag] += 1
    raise RuntimeError(f"retryable failure {tag}")


@greeter.handler()
async def replay_probe(ctx: Context, tag: str) -> int:
    ENTRIES[tag] += 1
    await ctx.run_typed("step", _noop)
    await ctx.sleep(timedelta(milliseconds=20))
    return ENTRIES[tag]


async def _noop() -> None:
    return None


counter = restate.VirtualObject("Counter")


@counter.handler()
async def add(ctx: ObjectContext, n: int) -> int:
    total = (await ctx.get("count", type_hint=int) or 0) + n
    ctx.set("count", total)
    return total


@counter.handler(kind="shared")
async def get(ctx: ObjectSharedContext) -> int:
    return await ctx.get("count", type_hint=int) or 0


@counter.handler(kind="shared")
async def profile(ctx: ObjectSharedContext) -> Greeting | None:
    return await ctx.get("profile", type_hint=Greeting)


signup = restate.Workflow("Signup")


@signup.main()
async def run(ctx: WorkflowContext, email: str) -> str:
    ctx.set("status", "waiting")
    code = await ctx.promise("confirmation", type_hint=str).value()
    ctx.set("status", "confirmed")
    return f"{email} confirmed with {code}"


@signup.handler()
async def confirm(ctx: WorkflowSharedContext, code: str) -> None:
    await ctx.promise("confirmation", type_hint=str).resolve(code)


@signup.handler()
async def status(ctx: WorkflowSharedContext) -> str:
    return await ctx.get("status", type_hint=str) or "unknown"


SERVICES: list[restate.Service | restate.VirtualObject | restate.Workflow] = [
    greeter,
    counter,
    signup,
]


# -- fixtures -----------------------------------------------------------------------------------


def _need_binary() -> None:
    try:
        find_server_binary()
    except RestateServerBinaryNotFound as e:
        pytest.fail(str(e), pytrace=False)


@pytest.fixture(scope="module")
def env() -> Iterator[RestateTestEnvironment]:
    _need_binary()
    with RestateTestEnvironment(restate.app(SERVICES)) as environment:
        yield environment


@pytest.fixture(scope="module")
def env_http11() -> Iterator[RestateTestEnvironment]:
    _need_binary()
    app = restate.app(SERVICES, protocol="request_response")
    with RestateTestEnvironment(app, http_mode="http1.1") as environment:
        yield environment


@pytest.fixture(scope="module")
def env_strict() -> Iterator[RestateTestEnvironment]:
    _need_binary()
    app = restate.app(SERVICES)
    with RestateTestEnvironment(app, disable_retries=True, always_replay=True) as environment:
        yield environment


@pytest.fixture
def key() -> str:
    return uuid.uuid4().hex


# -- tests --------------------------------------------------------------------------------------


def test_registration_over_h2c(env: RestateTestEnvironment) -> None:
    assert set(env.deployment.services) == {"Greeter", "Counter", "Signup"}
    assert env.timings["registration"] < 10
    assert '"GET /discover 2"' in env.app_log_path.read_text()


def test_service_call(env: RestateTestEnvironment) -> None:
    assert env.call("Greeter/greet", {"name": "Ada"}) == {"message": "Hello Ada"}


def test_virtual_object_exclusive_and_shared(env: RestateTestEnvironment, key: str) -> None:
    assert env.call(f"Counter/{key}/add", 2) == 2
    assert env.call(f"Counter/{key}/add", 3) == 5
    assert env.call(f"Counter/{key}/get") == 5
    assert env.object_state("Counter", key) == {"count": 5}
    assert env.object_state("Counter", "never-used") == {}


def test_seeded_state_is_seen_by_handlers(env: RestateTestEnvironment, key: str) -> None:
    env.seed_object_state("Counter", key, {"count": 40, "profile": Greeting(name="Bo")})
    assert env.call(f"Counter/{key}/add", 2) == 42
    assert env.call(f"Counter/{key}/profile") == {"name": "Bo"}
    assert env.object_state("Counter", key) == {"count": 42, "profile": {"name": "Bo"}}


def test_seeding_replaces_the_whole_state(env: RestateTestEnvironment, key: str) -> None:
    env.seed_object_state("Counter", key, {"count": 1, "other": "x"})
    env.seed_object_state("Counter", key, {"count": 2})
    assert env.object_state("Counter", key) == {"count": 2}


def test_seeding_an_unknown_service_is_refused(env: RestateTestEnvironment) -> None:
    with pytest.raises(AdminApiError, match="'Nope' does not exist") as info:
        env.seed_object_state("Nope", "k", {"a": 1})
    assert info.value.status_code == 404


def test_workflow_submit_signal_and_output(env: RestateTestEnvironment, key: str) -> None:
    sent = env.call(f"Signup/{key}/run/send", "ada@example.com")
    assert sent["invocationId"].startswith("inv_")
    deadline = time.monotonic() + 10
    while env.call(f"Signup/{key}/status") != "waiting":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    env.call(f"Signup/{key}/confirm", "1234")
    attached = env.get(f"restate/workflow/Signup/{key}/attach")
    assert attached == "ada@example.com confirmed with 1234"
    assert env.get(f"restate/workflow/Signup/{key}/output") == attached
    assert env.object_state("Signup", key) == {"status": "confirmed"}


def test_idempotency_key_deduplicates(env: RestateTestEnvironment, key: str) -> None:
    for _ in range(2):
        assert env.call(f"Counter/{key}/add", 1, idempotency_key=key) == 1
    assert env.call(f"Counter/{key}/get") == 1


def test_unknown_handler_is_an_http_error(env: RestateTestEnvironment) -> None:
    with pytest.raises(HttpError) as info:
        env.call("Greeter/nope", {})
    assert info.value.status_code == 404


def test_async_client_and_sdk_ingress_client(env: RestateTestEnvironment, key: str) -> None:
    async def main() -> tuple[int, int]:
        async with env.async_client() as http:
            first = (await http.post(f"/Counter/{key}/add", json=7)).json()
        async with restate.create_client(env.ingress_url) as client:
            second = await client.object_call(add, key, 1)
        return first, second

    assert asyncio.run(main()) == (7, 8)


def test_registration_over_http11(env_http11: RestateTestEnvironment, key: str) -> None:
    assert env_http11.http_mode == "http1.1"
    assert '"GET /discover 1.1"' in env_http11.app_log_path.read_text()
    assert env_http11.call("Greeter/greet", {"name": "Cy"}) == {"message": "Hello Cy"}
    assert env_http11.call(f"Counter/{key}/add", 4) == 4
    assert env_http11.object_state("Counter", key) == {"count": 4}
    assert '"POST /invoke/Counter/add 1.1"' in env_http11.app_log_path.read_text()


def test_without_always_replay_a_short_sleep_does_not_replay(
    env: RestateTestEnvironment, key: str
) -> None:
    assert env.call("Greeter/replay_probe", key) == 1


def test_always_replay_replays_at_suspension_points(
    env_strict: RestateTestEnvironment, key: str
) -> None:
    assert env_strict.call("Greeter/replay_probe", key) >= 2


def test_disable_retries_fails_at_the_first_error(
    env_strict: RestateTestEnvironment, key: str
) -> None:
    started = time.monotonic()
    with pytest.raises(HttpError) as info:
        env_strict.call("Greeter/fail", key)
    assert info.value.status_code >= 400
    assert time.monotonic() - started < 5
    time.sleep(0.5)
    assert ENTRIES[key] == 1


def test_refused_registration_says_why(env: RestateTestEnvironment) -> None:
    with AdminClient(env.admin_url) as admin:
        with pytest.raises(DeploymentRegistrationError) as info:
            admin.register_deployment("http://127.0.0.1:1")
    assert info.value.restate_code == "META0003"
    assert "127.0.0.1:1" in info.value.message


def test_registering_a_non_restate_endpoint_is_refused(env: RestateTestEnvironment) -> None:
    with httpx.Client() as http, AdminClient(env.admin_url, http=http) as admin:
        # the ingress is an HTTP server, but not a deployment
        with pytest.raises(DeploymentRegistrationError):
            admin.register_deployment(env.ingress_url, use_http_11=True)


def test_by_default_failures_are_retried(env: RestateTestEnvironment, key: str) -> None:
    sent = env.call("Greeter/fail/send", key)
    deadline = time.monotonic() + 10
    while ENTRIES[key] < 2:
        assert time.monotonic() < deadline, "the failing invocation was not retried"
        time.sleep(0.05)
    killed = env.admin.http.patch(f"{env.admin_url}/invocations/{sent['invocationId']}/kill")
    assert killed.is_success, killed.text
