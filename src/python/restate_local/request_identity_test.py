"""Request identity end to end: restate-server signs with a private key given through
`ServerOptions.request_identity_private_key`; the app only accepts signed requests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import restate
from restate import Context

from restate_local import identity
from restate_local.errors import DeploymentRegistrationError, RestateServerBinaryNotFound
from restate_local.harness import RestateTestEnvironment
from restate_local.server_binary import find_server_binary
from restate_local.server_config import ServerOptions

svc = restate.Service("Secure")


@svc.handler()
async def ping(ctx: Context) -> str:
    return "pong"


@pytest.fixture(scope="module")
def key_pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    try:
        find_server_binary()
    except RestateServerBinaryNotFound as e:
        pytest.fail(str(e), pytrace=False)
    pair = identity.generate(tmp_path_factory.mktemp("identity") / "private.pem")
    return pair.private_key_pem, pair.public_key


@pytest.fixture(scope="module")
def secure_env(key_pair: tuple[Path, str]) -> Iterator[RestateTestEnvironment]:
    private, public = key_pair
    app = restate.app([svc], identity_keys=[public])
    options = ServerOptions(num_partitions=1, request_identity_private_key=private)
    with RestateTestEnvironment(app, server_options=options) as env:
        yield env


def test_signed_calls_go_through(secure_env: RestateTestEnvironment) -> None:
    assert secure_env.call("Secure/ping") == "pong"


def test_unsigned_requests_are_refused_by_the_app(secure_env: RestateTestEnvironment) -> None:
    with httpx.Client(http1=False, http2=True) as h2c:
        assert h2c.get(f"{secure_env.app_url}/discover").status_code == 401


def test_a_server_without_the_key_cannot_register(key_pair: tuple[Path, str]) -> None:
    _, public = key_pair
    app = restate.app([svc], identity_keys=[public])
    with pytest.raises(DeploymentRegistrationError, match="401"):
        RestateTestEnvironment(app).start()
