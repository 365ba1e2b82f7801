from __future__ import annotations

import asyncio

import pytest
import restate

from app import deployment
from app.models import User
from app.users import user
from restate_glue.testing import FakeRestate


def test_write_then_read_returns_the_user() -> None:
    async def scenario() -> User | None:
        fake = FakeRestate(deployment)
        ctx = fake.context("User", "ada@example.com")
        await user.write(ctx, User(email="ada@example.com", name="Ada"))
        return await user.read(ctx)

    assert asyncio.run(scenario()) == User(email="ada@example.com", name="Ada")


def test_read_of_an_unknown_user_is_none() -> None:
    fake = FakeRestate(deployment)
    assert asyncio.run(user.read(fake.context("User", "nobody@example.com"))) is None


def test_write_refuses_a_user_under_another_key() -> None:
    fake = FakeRestate(deployment)
    ctx = fake.context("User", "ada@example.com")
    with pytest.raises(restate.TerminalError) as error:
        asyncio.run(user.write(ctx, User(email="bob@example.com")))
    assert error.value.status_code == 400
    assert fake.object_state("User", "ada@example.com") == {}


def test_handler_kinds_are_exclusive_write_and_shared_read() -> None:
    fake = FakeRestate(deployment)
    assert fake.handler("User", "write").kind == "exclusive"
    assert fake.handler("User", "read").kind == "shared"
