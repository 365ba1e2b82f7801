"""A small client for the Restate admin API (restate-server 1.7): register deployments, read and
seed virtual object state.

Checked against the server's own `GET /openapi`:
- `POST /deployments` `{"uri", "use_http_11", "force", "additional_headers"}`: 201 created,
  200 already there; errors are `{"message", "restate_code"}` (e.g. META0003 when discovery
  fails).
- `POST /services/{name}/state` `{"object_key", "new_state": {key: [byte, ...]}}`: replaces the
  object's whole state, 202 (applied asynchronously).
- `POST /query` `{"query": sql}` with `accept: application/json`: `{"rows": [...]}`; in the
  `state` table, `value` (binary) is hex-encoded.

`AdminClient` is synchronous; `AsyncAdminClient` is for code running on an event loop (which
must use it when the same loop serves the app being registered).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any
from urllib.parse import quote

import httpx

from restate_local.errors import AdminApiError, DeploymentRegistrationError

DEFAULT_TIMEOUT = 30.0
_JSON_ACCEPT = {"accept": "application/json"}


@dataclass(frozen=True)
class Deployment:
    """The answer to a successful registration."""

    id: str
    services: tuple[str, ...]
    created: bool  # False: the URI was already registered (then overwritten, with force)
    raw: Mapping[str, Any]


# -- request building and response parsing, shared by both clients ------------------------------


def _error_message(response: httpx.Response) -> tuple[str, str | None]:
    try:
        body = response.json()
    except ValueError:
        return response.text.strip() or response.reason_phrase, None
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        code = body.get("restate_code")
        return body["message"], code if isinstance(code, str) else None
    return response.text.strip(), None


def _raise_for(response: httpx.Response, what: str, error: type[AdminApiError]) -> None:
    if response.is_success:
        return
    message, code = _error_message(response)
    raise error(what, response.status_code, message, code)


def registration_body(
    uri: str,
    *,
    use_http_11: bool,
    force: bool,
    additional_headers: Mapping[str, str] | None,
) -> dict[str, Any]:
    body: dict[str, Any] = {"uri": uri, "use_http_11": use_http_11, "force": force}
    if additional_headers:
        body["additional_headers"] = dict(additional_headers)
    return body


def parse_registration(response: httpx.Response, uri: str) -> Deployment:
    _raise_for(response, f"registering the deployment {uri}", DeploymentRegistrationError)
    body = response.json()
    return Deployment(
        id=str(body["id"]),
        services=tuple(str(s["name"]) for s in body.get("services", [])),
        created=response.status_code == 201,
        raw=body,
    )


def sql_string(value: str) -> str:
    """A SQL string literal (the query API takes no parameters)."""
    return "'" + value.replace("'", "''") + "'"


def state_query(service: str, key: str, scope: str | None = None) -> str:
    query = (
        "SELECT key, value FROM state "
        f"WHERE service_name = {sql_string(service)} AND service_key = {sql_string(key)}"
    )
    if scope is not None:
        query += f" AND scope = {sql_string(scope)}"
    return query + " ORDER BY key"


def parse_query(response: httpx.Response, query: str) -> list[dict[str, Any]]:
    _raise_for(response, f"query {query!r}", AdminApiError)
    rows = response.json().get("rows", [])
    if not isinstance(rows, list):
        raise AdminApiError(f"query {query!r}", response.status_code, "no rows in the answer")
    return rows


def raw_state_from_rows(rows: list[dict[str, Any]]) -> dict[str, bytes]:
    state: dict[str, bytes] = {}
    for row in rows:
        value = row.get("value")
        state[str(row["key"])] = bytes.fromhex(value) if isinstance(value, str) else b""
    return state


def decode_value(raw: bytes) -> Any:
    """JSON when the bytes are JSON (the SDK's default serde), else the bytes themselves."""
    try:
        return json.loads(raw)
    except ValueError:  # includes UnicodeDecodeError
        return raw


def encode_value(value: Any) -> bytes:
    """bytes are stored as they are; anything else as JSON (what the SDK's default serde reads).
    Pydantic models are dumped with `model_dump_json()`."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    dump = getattr(value, "model_dump_json", None)
    if callable(dump):
        return str(dump()).encode()
    return json.dumps(value).encode()


def seed_body(key: str, state: Mapping[str, Any], scope: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "object_key": key,
        "new_state": {name: list(encode_value(value)) for name, value in state.items()},
    }
    if scope is not None:
        body["scope"] = scope
    return body


def _state_path(service: str) -> str:
    return f"/services/{quote(service, safe='')}/state"


class AdminClient:
    """Synchronous admin API client; `with AdminClient(admin_url) as admin: ...`."""

    def __init__(
        self,
        admin_url: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        http: httpx.Client | None = None,
    ) -> None:
        self.admin_url = admin_url.rstrip("/")
        self._own_http = http is None
        self.http = http or httpx.Client(base_url=self.admin_url, timeout=timeout, trust_env=False)

    def close(self) -> None:
        if self._own_http:
            self.http.close()

    def __enter__(self) -> AdminClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def healthy(self) -> bool:
        try:
            return self.http.get(f"{self.admin_url}/health").status_code == 200
        except httpx.HTTPError:
            return False

    def register_deployment(
        self,
        uri: str,
        *,
        use_http_11: bool = False,
        force: bool = True,
        additional_headers: Mapping[str, str] | None = None,
    ) -> Deployment:
        """Registers the app served at `uri`; raises `DeploymentRegistrationError` with the
        server's message when refused."""
        body = registration_body(
            uri, use_http_11=use_http_11, force=force, additional_headers=additional_headers
        )
        return parse_registration(self.http.post(f"{self.admin_url}/deployments", json=body), uri)

    def query(self, sql: str) -> list[dict[str, Any]]:
        """Runs SQL over the server's introspection tables (`state`, `sys_invocation`, ...)."""
        response = self.http.post(
            f"{self.admin_url}/query", json={"query": sql}, headers=_JSON_ACCEPT
        )
        return parse_query(response, sql)

    def object_state_raw(
        self, service: str, key: str, *, scope: str | None = None
    ) -> dict[str, bytes]:
        return raw_state_from_rows(self.query(state_query(service, key, scope)))

    def object_state(self, service: str, key: str, *, scope: str | None = None) -> dict[str, Any]:
        """The state of one virtual object (or workflow) instance, values decoded from JSON
        where possible (bytes otherwise); `{}` when it has none."""
        raw = self.object_state_raw(service, key, scope=scope)
        return {name: decode_value(value) for name, value in raw.items()}

    def seed_object_state(
        self,
        service: str,
        key: str,
        state: Mapping[str, Any],
        *,
        scope: str | None = None,
        wait: bool = True,
        wait_timeout: float = 10.0,
    ) -> None:
        """Replaces the whole state of `service`/`key` (values: bytes as-is, else JSON).
        The server applies it asynchronously; with `wait`, returns once it reads back."""
        response = self.http.post(
            self.admin_url + _state_path(service), json=seed_body(key, state, scope)
        )
        _raise_for(response, f"seeding the state of {service}/{key}", AdminApiError)
        if not wait:
            return
        expected = {name: encode_value(value) for name, value in state.items()}
        deadline = time.monotonic() + wait_timeout
        while self.object_state_raw(service, key, scope=scope) != expected:
            if time.monotonic() > deadline:
                raise AdminApiError(
                    f"seeding the state of {service}/{key}",
                    response.status_code,
                    f"the new state was not visible after {wait_timeout:g}s",
                )
            time.sleep(0.05)


class AsyncAdminClient:
    """The same API as `AdminClient`, with `async` methods."""

    def __init__(
        self,
        admin_url: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self.admin_url = admin_url.rstrip("/")
        self._own_http = http is None
        self.http = http or httpx.AsyncClient(
            base_url=self.admin_url, timeout=timeout, trust_env=False
        )

    async def aclose(self) -> None:
        if self._own_http:
            await self.http.aclose()

    async def __aenter__(self) -> AsyncAdminClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def healthy(self) -> bool:
        try:
            return (await self.http.get(f"{self.admin_url}/health")).status_code == 200
        except httpx.HTTPError:
            return False

    async def register_deployment(
        self,
        uri: str,
        *,
        use_http_11: bool = False,
        force: bool = True,
        additional_headers: Mapping[str, str] | None = None,
    ) -> Deployment:
        body = registration_body(
            uri, use_http_11=use_http_11, force=force, additional_headers=additional_headers
        )
        return parse_registration(
            await self.http.post(f"{self.admin_url}/deployments", json=body), uri
        )

    async def query(self, sql: str) -> list[dict[str, Any]]:
        response = await self.http.post(
            f"{self.admin_url}/query", json={"query": sql}, headers=_JSON_ACCEPT
        )
        return parse_query(response, sql)

    async def object_state_raw(
        self, service: str, key: str, *, scope: str | None = None
    ) -> dict[str, bytes]:
        return raw_state_from_rows(await self.query(state_query(service, key, scope)))

    async def object_state(
        self, service: str, key: str, *, scope: str | None = None
    ) -> dict[str, Any]:
        raw = await self.object_state_raw(service, key, scope=scope)
        return {name: decode_value(value) for name, value in raw.items()}

    async def seed_object_state(
        self,
        service: str,
        key: str,
        state: Mapping[str, Any],
        *,
        scope: str | None = None,
        wait: bool = True,
        wait_timeout: float = 10.0,
    ) -> None:
        response = await self.http.post(
            self.admin_url + _state_path(service), json=seed_body(key, state, scope)
        )
        _raise_for(response, f"seeding the state of {service}/{key}", AdminApiError)
        if not wait:
            return
        expected = {name: encode_value(value) for name, value in state.items()}
        deadline = time.monotonic() + wait_timeout
        while await self.object_state_raw(service, key, scope=scope) != expected:
            if time.monotonic() > deadline:
                raise AdminApiError(
                    f"seeding the state of {service}/{key}",
                    response.status_code,
                    f"the new state was not visible after {wait_timeout:g}s",
                )
            await asyncio.sleep(0.05)
