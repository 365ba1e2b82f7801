"""Request identity on the packaged server: only requests the Restate server signed get in."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from reliability.request_identity import headers, token
from reliability.stack import Stack

from restate_local import identity

INVOKE = "/invoke/UserManager/signup_user"
DISCOVER = "/discover"
BODY = b'{"email": "ada@example.com"}'
JSON = {"content-type": "application/json"}
# What restate-server 1.7 asks discovery for; without it the SDK answers 415, not 401.
MANIFEST = {"accept": "application/vnd.restate.endpointmanifest.v2+json"}


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> tuple[identity.KeyPair, identity.KeyPair]:
    base = tmp_path_factory.mktemp("keys")
    return identity.generate(base / "server.pem"), identity.generate(base / "forger.pem")


@pytest.fixture(scope="module")
def stack(
    tmp_path_factory: pytest.TempPathFactory, keys: tuple[identity.KeyPair, identity.KeyPair]
) -> Iterator[Stack]:
    server_key, _ = keys
    with Stack(
        tmp_path_factory.mktemp("stack"), identity_private_key=server_key.private_key_pem
    ) as stack:
        stack.start_restate()
        stack.start_app(identity_keys=server_key.public_key)  # registered: Restate signs
        yield stack


@pytest.fixture
def app(stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.app_url, trust_env=False, timeout=30) as http:
        yield http


def test_calls_signed_by_the_server_work_end_to_end(stack: Stack) -> None:
    with httpx.Client(base_url=stack.ingress_url, trust_env=False, timeout=30) as http:
        answer = http.post("/UserManager/signup_user", content=BODY, headers=JSON)
    assert answer.status_code == 200, answer.text


def test_health_stays_open(app: httpx.Client) -> None:
    assert app.get("/health").status_code == 200


def test_a_correctly_signed_request_gets_past_the_check(
    app: httpx.Client, keys: tuple[identity.KeyPair, identity.KeyPair]
) -> None:
    """The positive control: the tokens built here are what the app accepts."""
    server_key, _ = keys
    answer = send(app, DISCOVER, headers(token(server_key.private_key_pem, DISCOVER)))
    assert answer.status_code == 200, answer.text
    assert "UserManager" in answer.text
    # An invocation with a good token is let through to the protocol (which then wants a
    # Restate journal, not a JSON body): anything but 401.
    invoke = send(app, INVOKE, headers(token(server_key.private_key_pem, INVOKE)))
    assert invoke.status_code != 401, invoke.text


@pytest.mark.parametrize("path", [INVOKE, DISCOVER])
def test_unsigned_requests_are_rejected(app: httpx.Client, path: str) -> None:
    assert send(app, path, {}).status_code == 401


def send(app: httpx.Client, path: str, extra: dict[str, str]) -> httpx.Response:
    if path == DISCOVER:
        return app.get(path, headers={**MANIFEST, **extra})
    return app.post(path, content=BODY, headers={**JSON, **extra})


@pytest.mark.parametrize("path", [INVOKE, DISCOVER])
def test_forged_expired_and_misaddressed_tokens_are_rejected(
    app: httpx.Client, keys: tuple[identity.KeyPair, identity.KeyPair], path: str
) -> None:
    server_key, forger_key = keys
    server_pem, forger_pem = server_key.private_key_pem, forger_key.private_key_pem
    other_path = DISCOVER if path == INVOKE else INVOKE
    valid = token(server_pem, path)
    tampered = valid[:-6] + ("AAAAAA" if not valid.endswith("AAAAAA") else "BBBBBB")
    cases = {
        "forged (another key)": headers(token(forger_pem, path)),
        "expired": headers(token(server_pem, path, issued_ago=600, lifetime=60)),
        "wrong audience": headers(token(server_pem, other_path)),
        "audience of another app": headers(token(server_pem, "http://elsewhere" + path)),
        "tampered signature": headers(tampered),
        "garbage token": headers("not.a.jwt"),
        "unknown scheme": headers(valid, scheme="v2"),
        "scheme without token": {"x-restate-signature-scheme": "v1"},
    }
    answers = {name: send(app, path, extra).status_code for name, extra in cases.items()}
    assert answers == {name: 401 for name in cases}
