"""restatedev/examples' Tour of Workflows (python/tutorials/tour-of-workflows-python), ported
to plain handler modules: the same scripted ingress calls through the generated deployment and
through the hand-written oracle, each on a real restate-server."""

from __future__ import annotations

from typing import cast

import pytest

from examples.ported import Script, Step, diff_steps, run_script
from examples.tour_of_workflows import deployment, oracle
from examples.tour_of_workflows.utils import VERIFICATION_SECRETS
from restate_local.harness import RestateTestEnvironment
from restate_local.pytest_plugin import EnvFactory
from restate_local.serving import AsgiApp

BOB = {"name": "Bob", "email": "bob@example.com"}
# upstream's utils fail Alice's welcome email (retryable) and her paid plan (terminal)
ALICE = {"name": "Alice", "email": "alice@example.com"}


async def secret_for(run: Script, user_id: str) -> str:
    """The secret the mock mailbox sent to `user_id` (upstream prints it to curl by hand)."""
    found = await run.poll(
        f"{user_id}: verification email sent",
        lambda: _lookup(user_id),
        lambda secret: secret is not None,
        shown=lambda secret: "<secret>",
    )
    del VERIFICATION_SECRETS[user_id]
    return str(found)


async def _lookup(user_id: str) -> str | None:
    return VERIFICATION_SECRETS.get(user_id)


async def script(run: Script) -> None:
    VERIFICATION_SECRETS.clear()
    await run.post("signup", "/SignupWorkflow/bob/run", BOB)
    await run.get("signup output", "/restate/workflow/SignupWorkflow/bob/output")
    await run.post("activities (calls UserService)", "/SignupWithActivitiesWorkflow/bob/run", BOB)
    await run.post(
        "UserService/createUser", "/UserService/createUser", {"userId": "u9", "user": BOB}
    )

    await run.send("events: submit", "/SignupWithEventsWorkflow/bob/run", BOB)
    await run.post(
        "events: waitForUserCreation", "/SignupWithEventsWorkflow/bob/waitForUserCreation"
    )
    await run.get("events: attach", "/restate/workflow/SignupWithEventsWorkflow/bob/attach")

    await run.post("queries: run", "/SignupWithQueriesWorkflow/bob/run", BOB)
    await run.post("queries: getStatus", "/SignupWithQueriesWorkflow/bob/getStatus")
    await run.post("queries: getStatus, not started", "/SignupWithQueriesWorkflow/zoe/getStatus")

    await run.post(
        "retries: Alice's email fails 3 times", "/SignupWithRetriesWorkflow/alice/run", ALICE
    )
    await run.post("sagas: Bob", "/SignupWithSagasWorkflow/bob/run", BOB)
    await run.post("sagas: Alice compensated", "/SignupWithSagasWorkflow/alice/run", ALICE)

    for workflow in ("SignupWithSignalsWorkflow", "SignupWithTimersWorkflow"):
        for user_id, right in (("bob", True), ("carl", False)):
            await run.send(f"{workflow} {user_id}: submit", f"/{workflow}/{user_id}/run", BOB)
            secret = await secret_for(run, user_id)
            clicked = secret if right else "not-the-secret"
            await run.post(
                f"{workflow} {user_id}: verifyEmail",
                f"/{workflow}/{user_id}/verifyEmail",
                {"secret": clicked},
            )
            await run.get(
                f"{workflow} {user_id}: attach", f"/restate/workflow/{workflow}/{user_id}/attach"
            )


def signals(workflow: str) -> list[Step]:
    steps: list[Step] = []
    for user_id, verified in (("bob", True), ("carl", False)):
        steps += [
            (f"{workflow} {user_id}: submit", (202, ["invocationId", "status"])),
            (f"{user_id}: verification email sent", "<secret>"),
            (f"{workflow} {user_id}: verifyEmail", (200, None)),
            (f"{workflow} {user_id}: attach", (200, verified)),
        ]
    return steps


EXPECTED: list[Step] = [
    ("signup", (200, True)),
    ("signup output", (200, True)),
    ("activities (calls UserService)", (200, True)),
    ("UserService/createUser", (200, True)),
    ("events: submit", (202, ["invocationId", "status"])),
    ("events: waitForUserCreation", (200, "User created.")),
    ("events: attach", (200, True)),
    ("queries: run", (200, True)),
    (
        "queries: getStatus",
        (200, {"status": "created", "user": {"name": "Bob", "email": "bob@example.com"}}),
    ),
    ("queries: getStatus, not started", (200, {"status": None, "user": None})),
    ("retries: Alice's email fails 3 times", (200, True)),
    ("sagas: Bob", (200, True)),
    ("sagas: Alice compensated", (200, False)),
    *signals("SignupWithSignalsWorkflow"),
    *signals("SignupWithTimersWorkflow"),
]


@pytest.fixture(scope="module")
def generated_env(restate_env_factory: EnvFactory) -> RestateTestEnvironment:
    return restate_env_factory(cast(AsgiApp, deployment.app))


@pytest.fixture(scope="module")
def oracle_env(restate_env_factory: EnvFactory) -> RestateTestEnvironment:
    return restate_env_factory(cast(AsgiApp, oracle.app))


def test_components_are_served_under_their_upstream_names() -> None:
    assert set(deployment.workflows) == {
        "SignupWorkflow",
        "SignupWithActivitiesWorkflow",
        "SignupWithEventsWorkflow",
        "SignupWithQueriesWorkflow",
        "SignupWithRetriesWorkflow",
        "SignupWithSagasWorkflow",
        "SignupWithSignalsWorkflow",
        "SignupWithTimersWorkflow",
    }
    assert set(deployment.services) == {"UserService"}


def test_tour_of_workflows_matches_the_oracle(
    generated_env: RestateTestEnvironment, oracle_env: RestateTestEnvironment
) -> None:
    from_oracle = run_script(oracle_env, script)
    from_generated = run_script(generated_env, script)
    assert from_oracle == EXPECTED
    assert not diff_steps(from_generated, from_oracle)
