"""The sample app (src/python/app) end to end: signup -> verification email -> confirm ->
confirmed user, through the app's generated ingress clients, served by the harness.

The app's `Email` service appends to an outbox file under `$APP_DATA_DIR`; the app runs in this
process (the harness serves it on a thread), so the tests point that variable at a temporary
directory and read the secret from the outbox, as a user would click the emailed link.

The flow runs over HTTP/2, over HTTP/1.1, and with `always_replay` + `disable_retries` (every
suspension point replays: the sample's handlers must be deterministic).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import cast

import httpx
import pytest
import restate

from app import outbox
from app.deployment import (
    UserIngressClient,
    UserManagerIngressClient,
    UserWorkflowIngressClient,
    make_app,
)
from app.models import (
    SECRET_HEADER,
    ConfirmEmailRequest,
    ConfirmEmailResponse,
    SignupRequest,
    SignupResponse,
    User,
    VerificationOutcome,
)
from e2e.support import eventually, with_ingress
from restate_local.harness import RestateTestEnvironment
from restate_local.pytest_plugin import EnvFactory
from restate_local.serving import AsgiApp

SETTINGS: dict[str, dict[str, object]] = {
    "h2c": {},
    "http1.1": {"http_mode": "http1.1"},
    "always-replay": {"always_replay": True, "disable_retries": True},
}


@pytest.fixture(scope="session")
def outbox_path(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """`$APP_DATA_DIR` for the app served in this process, restored afterwards."""
    previous = os.environ.get(outbox.DATA_DIR_ENV)
    os.environ[outbox.DATA_DIR_ENV] = str(tmp_path_factory.mktemp("app-data"))
    try:
        yield outbox.outbox_path()
    finally:
        if previous is None:
            del os.environ[outbox.DATA_DIR_ENV]
        else:
            os.environ[outbox.DATA_DIR_ENV] = previous


@pytest.fixture(scope="session")
def sample_apps() -> dict[str, AsgiApp]:
    bidi = cast(AsgiApp, make_app())
    return {
        "h2c": bidi,
        "http1.1": cast(AsgiApp, make_app(protocol="request_response")),
        "always-replay": bidi,
    }


@pytest.fixture(params=sorted(SETTINGS))
def sample_env(
    request: pytest.FixtureRequest,
    restate_env_factory: EnvFactory,
    sample_apps: dict[str, AsgiApp],
    outbox_path: Path,
) -> RestateTestEnvironment:
    name: str = request.param  # type: ignore[attr-defined]
    return restate_env_factory(sample_apps[name], label=f"sample app, {name}", **SETTINGS[name])


@pytest.fixture
def email(unique_key: str) -> str:
    return f"{unique_key}@example.com".lower()


def _emails_to(path: Path, address: str) -> list[outbox.OutboxEntry]:
    return [entry for entry in outbox.read(path) if entry.message.to == address]


def test_signup_email_confirm_flow(
    sample_env: RestateTestEnvironment, outbox_path: Path, email: str
) -> None:
    async def body(http: httpx.AsyncClient) -> None:
        manager = UserManagerIngressClient(http)
        user = UserIngressClient(http, email)
        workflow = UserWorkflowIngressClient(http, email)

        # Mixed case and spaces: the request model normalizes the address.
        signed_up = await manager.signup_user(SignupRequest(email=f" {email.upper()} ", name="Ada"))
        assert signed_up == SignupResponse(
            user=User(email=email, name="Ada", email_confirmed=False), workflow_id=email
        )
        await eventually(
            workflow.get_stage,
            lambda stage: stage == "awaiting-email-confirmation",
            what="awaiting the email confirmation",
        )
        assert await user.read() == User(email=email, name="Ada", email_confirmed=False)

        # The verification email is in the outbox, once, with the secret.
        [sent] = _emails_to(outbox_path, email)
        secret = sent.message.headers[SECRET_HEADER]
        assert secret in sent.message.body and sent.message.body.startswith("Hello Ada,")
        assert outbox.latest_secret(outbox_path, email) == secret

        wrong = await manager.confirm_email(ConfirmEmailRequest(email=email, secret="0" * 32))
        assert wrong == ConfirmEmailResponse(accepted=False, message="wrong secret")
        assert await workflow.get_stage() == "awaiting-email-confirmation"

        confirmed = await manager.confirm_email(ConfirmEmailRequest(email=email, secret=secret))
        assert confirmed == ConfirmEmailResponse(accepted=True, message="email confirmed")
        outcome = VerificationOutcome(email=email, email_confirmed=True, stage="confirmed")
        assert await workflow.attach() == outcome
        assert await workflow.output() == outcome
        assert await workflow.get_stage() == "confirmed"
        assert await user.read() == User(email=email, name="Ada", email_confirmed=True)

        again = await manager.confirm_email(ConfirmEmailRequest(email=email, secret=secret))
        assert again == ConfirmEmailResponse(
            accepted=False, message="the email is already confirmed"
        )
        with pytest.raises(restate.HttpError) as twice:
            await manager.signup_user(SignupRequest(email=email, name="Ada"))
        assert (twice.value.status_code, twice.value.message) == (
            409,
            f"{email} has already signed up",
        )

    with_ingress(sample_env, body)
    assert len(_emails_to(outbox_path, email)) == 1
    assert sample_env.object_state("User", email) == {
        "user": {"email": email, "name": "Ada", "email_confirmed": True}
    }
    assert sample_env.object_state("UserWorkflow", email) == {"stage": "confirmed"}


def test_signup_with_an_idempotency_key_runs_once(
    restate_env_factory: EnvFactory,
    sample_apps: dict[str, AsgiApp],
    outbox_path: Path,
    email: str,
) -> None:
    env = restate_env_factory(sample_apps["h2c"], label="sample app, h2c")

    async def body(http: httpx.AsyncClient) -> list[SignupResponse]:
        manager = UserManagerIngressClient(http)
        request = SignupRequest(email=email, name="Bo")
        # Without the key the second signup would fail with 409 "already signed up".
        return [await manager.signup_user(request, idempotency_key=email) for _ in range(2)]

    first, second = with_ingress(env, body)
    assert first == second == SignupResponse(user=User(email=email, name="Bo"), workflow_id=email)

    async def stage(http: httpx.AsyncClient) -> object:
        workflow = UserWorkflowIngressClient(http, email)
        return await eventually(
            workflow.get_stage,
            lambda s: s == "awaiting-email-confirmation",
            what="awaiting the email confirmation",
        )

    with_ingress(env, stage)
    assert len(_emails_to(outbox_path, email)) == 1


def test_sample_rejects_an_invalid_email_terminally(
    restate_env_factory: EnvFactory, sample_apps: dict[str, AsgiApp], outbox_path: Path
) -> None:
    env = restate_env_factory(sample_apps["h2c"], label="sample app, h2c")
    with env.client() as http:  # raw: the generated client cannot send an invalid request
        response = http.post(
            "/UserManager/signup_user",
            content=b'{"email": "not an address"}',
            headers={"content-type": "application/json"},
        )
    assert not response.is_success
    assert "not an email address: 'not an address'" in response.json()["message"]
    rows = env.admin.query(
        "SELECT status, completion_result FROM sys_invocation "
        f"WHERE id = '{response.headers['x-restate-id']}'"
    )
    assert [(r["status"], r["completion_result"]) for r in rows] == [("completed", "failure")]


def test_workflow_submitted_directly_fails_terminally_for_another_address(
    restate_env_factory: EnvFactory, sample_apps: dict[str, AsgiApp], outbox_path: Path, email: str
) -> None:
    env = restate_env_factory(sample_apps["h2c"], label="sample app, h2c")

    async def body(http: httpx.AsyncClient) -> tuple[str, restate.HttpError, restate.HttpError]:
        workflow = UserWorkflowIngressClient(http, email)
        invocation = (await workflow.submit(SignupRequest(email=f"other-{email}"))).invocation_id
        with pytest.raises(restate.HttpError) as attached:
            await workflow.attach()
        with pytest.raises(restate.HttpError) as output:
            await workflow.output()
        return invocation, attached.value, output.value

    invocation, attached, output = with_ingress(env, body)
    assert invocation.startswith("inv_")
    message = f"the workflow of {email!r} cannot verify {'other-' + email!r}"
    assert (attached.status_code, attached.message) == (400, message)
    assert (output.status_code, output.message) == (400, message)
    assert _emails_to(outbox_path, email) == []


def test_seeded_user_is_what_the_app_sees(
    restate_env_factory: EnvFactory, sample_apps: dict[str, AsgiApp], outbox_path: Path, email: str
) -> None:
    env = restate_env_factory(sample_apps["h2c"], label="sample app, h2c")
    seeded = User(email=email, name="Seeded", email_confirmed=True)
    env.seed_object_state("User", email, {"user": seeded})
    other = f"other-{email}"

    async def body(http: httpx.AsyncClient) -> tuple[User | None, User | None, int]:
        with pytest.raises(restate.HttpError) as twice:
            await UserManagerIngressClient(http).signup_user(SignupRequest(email=email))
        return (
            await UserIngressClient(http, email).read(),
            await UserIngressClient(http, other).read(),
            twice.value.status_code,
        )

    assert with_ingress(env, body) == (seeded, None, 409)
    assert env.object_state("User", email) == {"user": seeded.model_dump()}
    assert env.object_state("User", other) == {}
    assert _emails_to(outbox_path, email) == []
