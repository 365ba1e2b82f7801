"""Ported public Restate programs: each test module serves a program twice, through the
generated deployment and through hand-written restate-sdk glue (the oracle), each on its own
real restate-server, and runs the same scripted ingress calls against both."""

from __future__ import annotations

from typing import Any

import pytest

from restate_local.serving import AsgiApp

pytest_plugins = ["restate_local.pytest_plugin"]


@pytest.fixture(scope="session")
def restate_app() -> AsgiApp:
    """Not served: every test here passes its app (generated or oracle) to
    `restate_env_factory` explicitly."""

    async def no_default_app(scope: Any, receive: Any, send: Any) -> None:
        raise RuntimeError("tests/python/examples: pass the app to restate_env_factory")

    return no_default_app
