"""restatedev/sdk-python's examples/ (greeter, counter, the `payment` workflow, the pydantic and
the concurrent greeters), ported to plain handler modules: the same scripted ingress calls
through the generated deployment and through the hand-written oracle, on real restate-servers."""

from __future__ import annotations

import functools
from typing import Any, cast

import pytest

from examples.ported import Script, Step, diff_steps, run_script
from examples.sdk_examples import deployment, oracle
from restate_local.harness import RestateTestEnvironment
from restate_local.pytest_plugin import EnvFactory
from restate_local.serving import AsgiApp

WAITING = "waiting for the payment provider to approve"


async def script(run: Script) -> None:
    await run.post("greet", "/greeter/greet", "Ada")

    await run.post("increment 5", "/counter/c1/increment", 5)
    await run.post("increment 3", "/counter/c1/increment", 3)
    await run.post("count", "/counter/c1/count")
    await run.post("count of a new counter", "/counter/c2/count")
    run.state("counter state", "counter", "c1")

    await run.post("pydantic greet", "/pydantic_greeter/greet", {"name": "Grace"})

    # wait_completed returns as soon as one call is done and cancels the other: one or both
    # greetings come back, in completion order.
    status, answer = await run.post(
        "concurrent greet", "/concurrent_greeter/greet", {"name": "Ada"}, record=False
    )
    messages = answer["messages"] if isinstance(answer, dict) else []
    run.record(
        "concurrent greet",
        (status, 1 <= len(messages) <= 2 and set(messages) <= {"Bonjour Ada!", "Hello Ada!"}),
    )
    await run.post(
        "concurrent greet: one branch",
        "/concurrent_greeter/open_ai",
        {
            "role": "user",
            "content": "please greet Bob",
        },
    )

    for key, verdict in (("p1", "approved"), ("p2", "declined")):
        await run.send(f"submit {key}", f"/payment/{key}/pay", 100)
        await run.poll(
            f"{key} waits for approval",
            functools.partial(_status, run, key),
            lambda status: status == WAITING,
        )
        await run.post(f"{key} {verdict}", f"/payment/{key}/payment_verified", verdict)
        await run.get(f"{key} attach", f"/restate/workflow/payment/{key}/attach")
        await run.get(f"{key} output", f"/restate/workflow/payment/{key}/output")
        run.state(f"{key} state", "payment", key)


async def _status(run: Script, key: str) -> Any:
    return run.env.object_state("payment", key).get("status")


EXPECTED: list[Step] = [
    ("greet", (200, "Hello Ada!")),
    ("increment 5", (200, 5)),
    ("increment 3", (200, 8)),
    ("count", (200, 8)),
    ("count of a new counter", (200, 0)),
    ("counter state", {"counter": 8}),
    ("pydantic greet", (200, {"message": "Hello Grace!"})),
    ("concurrent greet", (200, True)),
    ("concurrent greet: one branch", (200, "Hello Bob!")),
    ("submit p1", (202, ["invocationId", "status"])),
    ("p1 waits for approval", WAITING),
    ("p1 approved", (200, None)),
    ("p1 attach", (200, {"success": True})),
    ("p1 output", (200, {"success": True})),
    ("p1 state", {"status": "payment approved"}),
    ("submit p2", (202, ["invocationId", "status"])),
    ("p2 waits for approval", WAITING),
    ("p2 declined", (200, None)),
    ("p2 attach", (401, {"code": 401, "message": "Payment declined", "source": "invocation"})),
    ("p2 output", (401, {"code": 401, "message": "Payment declined", "source": "invocation"})),
    ("p2 state", {"status": "payment declined"}),
]


@pytest.fixture(scope="module")
def generated_env(restate_env_factory: EnvFactory) -> RestateTestEnvironment:
    return restate_env_factory(cast(AsgiApp, deployment.app))


@pytest.fixture(scope="module")
def oracle_env(restate_env_factory: EnvFactory) -> RestateTestEnvironment:
    return restate_env_factory(cast(AsgiApp, oracle.app))


def test_components_are_served_under_their_upstream_names() -> None:
    names = {*deployment.services, *deployment.objects, *deployment.workflows}
    assert names == {"greeter", "counter", "payment", "pydantic_greeter", "concurrent_greeter"}


def test_sdk_examples_match_the_oracle(
    generated_env: RestateTestEnvironment, oracle_env: RestateTestEnvironment
) -> None:
    from_oracle = run_script(oracle_env, script)
    from_generated = run_script(generated_env, script)
    assert from_oracle == EXPECTED
    assert not diff_steps(from_generated, from_oracle)
