from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import restate

from app import deployment, outbox
from app.models import (
    SECRET_HEADER,
    ConfirmEmailResponse,
    SignupRequest,
    User,
    VerificationOutcome,
)
from app.users import user_workflow
from restate_glue.testing import FakeRestate, Invocation

EMAIL = "ada@example.com"


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("APP_DATA_DIR", str(tmp_path))
    return tmp_path


async def start(fake: FakeRestate, name: str = "Ada") -> asyncio.Task[bytes]:
    """Stores the user and sends the workflow's `run` as signup_user does; returns its task."""
    await fake.call("User", "write", User(email=EMAIL, name=name), key=EMAIL)
    body = SignupRequest(email=EMAIL, name=name).model_dump_json().encode()
    handle = fake.send(Invocation("UserWorkflow", "run", EMAIL, body, one_way=True))
    await fake.settle()
    assert handle.task is not None
    return handle.task


def test_run_emails_a_secret_waits_for_it_then_confirms_the_user(data_dir: Path) -> None:
    async def scenario() -> None:
        fake = FakeRestate(deployment)
        run = await start(fake)
        assert not run.done()
        assert await fake.call("UserWorkflow", "get_stage", key=EMAIL) == (
            "awaiting-email-confirmation"
        )
        [sent] = outbox.read(data_dir / "outbox.jsonl")
        assert sent.message.to == EMAIL
        secret = sent.message.headers[SECRET_HEADER]
        assert len(secret) == 32 and secret in sent.message.body
        assert "append to the outbox" in fake.runs  # the side effect ran inside ctx.run

        answer = await fake.call("UserWorkflow", "approve_email", secret, key=EMAIL)
        assert answer == ConfirmEmailResponse(accepted=True, message="email confirmed")
        outcome = VerificationOutcome.model_validate_json(await run)
        assert outcome.email_confirmed and outcome.stage == "confirmed"
        assert await fake.call("User", "read", key=EMAIL) == User(
            email=EMAIL, name="Ada", email_confirmed=True
        )
        assert await fake.call("UserWorkflow", "get_stage", key=EMAIL) == "confirmed"
        assert "secret" not in fake.object_state("UserWorkflow", EMAIL)

    asyncio.run(scenario())


def test_a_wrong_secret_is_refused_and_the_workflow_keeps_waiting() -> None:
    async def scenario() -> None:
        fake = FakeRestate(deployment)
        run = await start(fake)
        answer = await fake.call("UserWorkflow", "approve_email", "guess", key=EMAIL)
        assert answer == ConfirmEmailResponse(accepted=False, message="wrong secret")
        await fake.settle()
        assert not run.done()
        assert (await fake.call("User", "read", key=EMAIL)).email_confirmed is False
        run.cancel()

    asyncio.run(scenario())


def test_approve_before_any_signup_and_after_confirmation() -> None:
    async def scenario() -> None:
        fake = FakeRestate(deployment)
        answer = await fake.call("UserWorkflow", "approve_email", "x", key=EMAIL)
        assert answer.message == "no verification is pending" and not answer.accepted
        assert await fake.call("UserWorkflow", "get_stage", key=EMAIL) is None

        run = await start(fake)
        secret = await fake.context("UserWorkflow", EMAIL).get("secret")
        assert (await fake.call("UserWorkflow", "approve_email", secret, key=EMAIL)).accepted
        await run
        again = await fake.call("UserWorkflow", "approve_email", secret, key=EMAIL)
        assert again == ConfirmEmailResponse(
            accepted=False, message="the email is already confirmed"
        )

    asyncio.run(scenario())


def test_the_secret_is_made_inside_ctx_run_and_is_not_predictable() -> None:
    async def secret() -> str:
        fake = FakeRestate(deployment, seed=1)  # the same deterministic ctx.random() every time
        (await start(fake)).cancel()
        assert fake.runs[0] == "make the verification secret"
        value = await fake.context("UserWorkflow", EMAIL).get("secret")
        assert isinstance(value, str) and len(value) == 32
        return value

    async def scenario() -> None:
        assert await secret() != await secret()

    asyncio.run(scenario())


def test_run_refuses_a_request_for_another_user() -> None:
    fake = FakeRestate(deployment)
    ctx = fake.context("UserWorkflow", EMAIL)
    with pytest.raises(restate.TerminalError):
        asyncio.run(user_workflow.run(ctx, SignupRequest(email="bob@example.com")))


def test_handler_kinds() -> None:
    fake = FakeRestate(deployment)
    assert fake.handler("UserWorkflow", "run").kind == "workflow"
    assert fake.handler("UserWorkflow", "get_stage").kind == "shared"
    assert fake.handler("UserWorkflow", "approve_email").kind == "shared"
