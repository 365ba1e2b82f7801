from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import restate

from app import deployment
from app.models import ConfirmEmailRequest, ConfirmEmailResponse, SignupRequest, User
from app.users import user_manager
from restate_glue.testing import FakeRestate


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("APP_DATA_DIR", str(tmp_path))
    return tmp_path


def test_signup_stores_the_user_and_starts_the_workflow_without_waiting() -> None:
    async def scenario() -> None:
        fake = FakeRestate(deployment)
        ctx = fake.context("UserManager")
        response = await user_manager.signup_user(
            ctx, SignupRequest(email="Ada@Example.com", name="Ada")
        )
        assert response.user == User(email="ada@example.com", name="Ada")
        assert response.workflow_id == "ada@example.com"
        assert fake.object_state("User", "ada@example.com") == {
            "user": {"email": "ada@example.com", "name": "Ada", "email_confirmed": False}
        }
        sends = [(i.service, i.handler, i.key) for i in fake.invocations if i.one_way]
        assert sends == [("UserWorkflow", "run", "ada@example.com")]
        # fire-and-forget: signup returned while the workflow waits for the click
        await fake.settle()
        assert len(fake.pending_tasks()) == 1
        stage = await fake.call("UserWorkflow", "get_stage", key="ada@example.com")
        assert stage == "awaiting-email-confirmation"

    asyncio.run(scenario())


def test_a_second_signup_of_the_same_email_is_refused() -> None:
    async def scenario() -> None:
        fake = FakeRestate(deployment)
        ctx = fake.context("UserManager")
        await user_manager.signup_user(ctx, SignupRequest(email="ada@example.com"))
        with pytest.raises(restate.TerminalError) as error:
            await user_manager.signup_user(ctx, SignupRequest(email="ada@example.com"))
        assert error.value.status_code == 409
        assert sum(i.handler == "run" for i in fake.invocations) == 1

    asyncio.run(scenario())


def test_confirm_email_forwards_the_click_to_the_users_workflow() -> None:
    async def scenario() -> None:
        fake = FakeRestate(deployment)
        fake.state[("UserWorkflow", "ada@example.com")] = {
            "stage": '"awaiting-email-confirmation"',
            "secret": '"s3cret"',
        }
        answer = await user_manager.confirm_email(
            fake.context("UserManager"),
            ConfirmEmailRequest(email="ada@example.com", secret="s3cret"),
        )
        assert answer == ConfirmEmailResponse(accepted=True, message="email confirmed")
        forwarded = [(i.service, i.handler, i.key, i.body) for i in fake.invocations]
        assert forwarded == [("UserWorkflow", "approve_email", "ada@example.com", b'"s3cret"')]
        promise = fake.promises[("UserWorkflow", "ada@example.com", "email-confirmed")]
        assert promise.result() == "s3cret"

    asyncio.run(scenario())


def test_signup_request_rejects_what_is_not_an_email_address() -> None:
    for bad in ["", "ada", "ada@", "@example.com", "ada@localhost", "a da@example.com"]:
        with pytest.raises(ValueError):
            SignupRequest(email=bad)
