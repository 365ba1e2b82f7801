from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from pydantic import BaseModel

from restate_local.admin import (
    AdminClient,
    AsyncAdminClient,
    decode_value,
    encode_value,
    seed_body,
    sql_string,
    state_query,
)
from restate_local.errors import AdminApiError, DeploymentRegistrationError


class Profile(BaseModel):
    name: str


def _admin(handler: Any) -> AdminClient:
    http = httpx.Client(base_url="http://admin", transport=httpx.MockTransport(handler))
    return AdminClient("http://admin", http=http)


def test_registration_sends_uri_protocol_and_force() -> None:
    seen: list[dict[str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/deployments"
        seen.append(json.loads(request.content))
        return httpx.Response(201, json={"id": "dp_1", "services": [{"name": "Greeter"}]})

    deployment = _admin(handler).register_deployment("http://127.0.0.1:9080", use_http_11=True)
    assert seen == [{"uri": "http://127.0.0.1:9080", "use_http_11": True, "force": True}]
    assert deployment.id == "dp_1"
    assert deployment.services == ("Greeter",)
    assert deployment.created


def test_refused_registration_carries_the_server_message() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            500,
            json={
                "message": "[META0003] error when calling 'http://127.0.0.1:1/': refused",
                "restate_code": "META0003",
            },
        )

    with pytest.raises(DeploymentRegistrationError) as info:
        _admin(handler).register_deployment("http://127.0.0.1:1")
    error = info.value
    assert error.status_code == 500
    assert error.restate_code == "META0003"
    assert "refused" in error.message
    assert "registering the deployment http://127.0.0.1:1 failed: HTTP 500 [META0003]" in str(error)


def test_non_json_error_body_is_kept() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(502, text="bad gateway")

    with pytest.raises(AdminApiError, match="HTTP 502: bad gateway"):
        _admin(handler).query("SELECT 1")


def test_state_query_quotes_literals() -> None:
    assert sql_string("it's") == "'it''s'"
    query = state_query("Counter", "o'k")
    assert "service_name = 'Counter'" in query
    assert "service_key = 'o''k'" in query


def test_values_encode_and_decode() -> None:
    assert encode_value(b"\x00\xff") == b"\x00\xff"
    assert encode_value({"a": 1}) == b'{"a": 1}'
    assert encode_value(Profile(name="Ada")) == b'{"name":"Ada"}'
    assert decode_value(b'{"a": 1}') == {"a": 1}
    assert decode_value(b"\x00\xff") == b"\x00\xff"
    assert seed_body("k", {"n": 4}, None) == {"object_key": "k", "new_state": {"n": [52]}}


def test_object_state_decodes_hex_rows() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["accept"] == "application/json"
        rows = [
            {"key": "count", "value": b"5".hex()},
            {"key": "blob", "value": "00ff"},
        ]
        return httpx.Response(200, json={"rows": rows})

    assert _admin(handler).object_state("Counter", "k") == {"count": 5, "blob": b"\x00\xff"}


def test_async_client_registration_error() -> None:
    import asyncio

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json={"message": "bad uri", "restate_code": None})

    async def main() -> None:
        http = httpx.AsyncClient(base_url="http://admin", transport=httpx.MockTransport(handler))
        async with AsyncAdminClient("http://admin", http=http) as admin:
            with pytest.raises(DeploymentRegistrationError, match="HTTP 400: bad uri"):
                await admin.register_deployment("nope")
        await http.aclose()

    asyncio.run(main())
