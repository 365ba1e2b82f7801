"""Requests to Restate's ingress (and admin) HTTP API, as the generated ingress clients make them.

Public API for callers outside Restate:

- `InvocationHandle[O]`: an invocation by its id (`attach()`, `output()`, `cancel()`);
  `SendHandle[O]`, what a send or a workflow `submit` returns, adds `accepted`.
- `IdempotentInvocationHandle[O]`: an invocation by its handler and idempotency key
  (`attach()`, `output()`).
- `resolve_awakeable(http, id, value)` / `reject_awakeable(http, id, reason)`: complete an
  awakeable that a handler waits on.
- `cancel_invocation(admin, id)`: cancel through the admin API.
- `IngressError`: every non-2xx answer; a `restate.HttpError` that names the request.

`http` is an `httpx.AsyncClient` whose `base_url` is the ingress URL (port 8080 by default);
`admin` one whose `base_url` is the admin URL (port 9070 by default): Restate cancels
invocations only through its admin API.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Generic, TypeVar, cast
from urllib.parse import quote

import httpx
import restate
from restate.serde import Serde

from restate_glue.serde import JsonSerde

O = TypeVar("O")  # noqa: E741 - the SDK's name for a handler's output type
T = TypeVar("T")


class IngressError(restate.HttpError):
    """A non-2xx answer from Restate: `status_code`, Restate's `message` and the raw `body`,
    plus the request that got it (`method`, `path`).

    For a handler that failed terminally, `status_code` and `message` are its TerminalError's;
    an invocation that was cancelled ends with 409 and a message saying so.
    """

    def __init__(
        self, status_code: int, message: str, body: str | None, *, method: str, path: str
    ) -> None:
        super().__init__(status_code, message, body)
        self.method = method
        self.path = path
        self.args = (f"{method} {path}: HTTP {status_code}: {message}",)


async def ingress_request(
    http: httpx.AsyncClient,
    method: str,
    path: str,
    body: bytes = b"",
    *,
    params: dict[str, str] | None = None,
    idempotency_key: str | None = None,
    headers: dict[str, str] | None = None,
    content_type: str = "application/json",
) -> bytes:
    """One request to Restate's ingress (or admin API); `IngressError` unless the status is
    2xx. A `content-type` in `headers` wins over `content_type` (e.g. `bytes` sent as an
    image)."""
    request_headers = dict(headers or {})
    if body and not any(name.lower() == "content-type" for name in request_headers):
        request_headers["content-type"] = content_type
    if idempotency_key is not None:
        request_headers["idempotency-key"] = idempotency_key
    response = await http.request(
        method, path, content=body or None, params=params, headers=request_headers
    )
    if not response.is_success:
        raise IngressError(
            response.status_code,
            _error_message(response),
            response.text,
            method=method,
            path=path,
        )
    return response.content


def _error_message(response: httpx.Response) -> str:
    try:
        return str(json.loads(response.content)["message"])
    except (ValueError, KeyError, TypeError):
        text = response.text.strip()
        return text if text and len(text) <= 500 else response.reason_phrase


def send_answer(body: bytes) -> tuple[str, bool]:
    """The invocation id in the ingress' answer to a `/send`, and whether Restate accepted it
    now (`"status": "Accepted"`) rather than earlier (`"PreviouslyAccepted"`: the same
    idempotency key, or a workflow that already runs for this key)."""
    try:
        answer = json.loads(body)
        return str(answer["invocationId"]), answer.get("status") != "PreviouslyAccepted"
    except (ValueError, KeyError, TypeError, AttributeError):
        raise ValueError(
            "Restate's answer to a send has no invocation id: expected JSON like "
            f'{{"invocationId": "inv_...", "status": "Accepted"}}, got {body[:200]!r}'
        ) from None


def delay_params(delay: timedelta | None) -> dict[str, str] | None:
    """The query parameters of a delayed `/send`."""
    if delay is None:
        return None
    return {"delay": f"{round(delay.total_seconds() * 1000)}ms"}


# ---------------------------------------------------------------------------------------------
# Handles


class _Result(Generic[O]):
    """An invocation's result, read through Restate's ingress at `_path` (`.../attach` waits,
    `.../output` does not)."""

    def __init__(self, http: httpx.AsyncClient, path: str, response_serde: Serde[O]) -> None:
        self._http = http
        self._path = path
        self._serde = response_serde

    async def attach(self) -> O:
        """Waits for the invocation to finish and returns its result."""
        body = await ingress_request(self._http, "GET", f"{self._path}/attach")
        return cast(O, self._serde.deserialize(body))

    async def output(self) -> O:
        """The result if the invocation has finished; `IngressError` 470 if it has not."""
        body = await ingress_request(self._http, "GET", f"{self._path}/output")
        return cast(O, self._serde.deserialize(body))


class InvocationHandle(_Result[O]):
    """One invocation, by its id, whose result is an `O`.

    `attach()` waits for the result, `output()` returns it if the invocation has finished,
    `cancel()` cancels it (through the admin API: pass `admin`). A terminal error of the
    handler, or the cancellation, is raised as `IngressError` (409 for a cancellation).
    Generated ingress clients give typed ones: `client.send().handler(...)` returns a
    `SendHandle`, `client.invocation_handle(client.handler, invocation_id)` one for an id
    kept from earlier.
    """

    def __init__(
        self,
        http: httpx.AsyncClient,
        invocation_id: str,
        response_serde: Serde[O],
        *,
        admin: httpx.AsyncClient | None = None,
    ) -> None:
        if not invocation_id:
            raise ValueError("an invocation handle needs an invocation id (inv_...)")
        super().__init__(
            http, f"/restate/invocation/{quote(invocation_id, safe='')}", response_serde
        )
        self._admin = admin
        self.invocation_id = invocation_id

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.invocation_id!r})"

    async def cancel(self) -> None:
        """Asks Restate to cancel the invocation; `attach()` then raises the 409 it ends with.

        Returns once Restate has taken the request (cancellation runs the handler's
        compensations first). `IngressError` 404 for an unknown invocation, 409 for one that
        has already completed.
        """
        if self._admin is None:
            raise RuntimeError(
                f"cannot cancel {self.invocation_id}: Restate cancels invocations only through "
                "its admin API. Pass admin=httpx.AsyncClient(base_url=<the admin URL, port "
                "9070 by default>) to the ingress client (or to the handle)."
            )
        await cancel_invocation(self._admin, self.invocation_id)


class SendHandle(InvocationHandle[O]):
    """What a send through the ingress returns: the invocation (see `InvocationHandle`), and
    `accepted`: True if this send started it, False if Restate had accepted it before (the
    same idempotency key, or a workflow already running for this key)."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        invocation_id: str,
        response_serde: Serde[O],
        *,
        accepted: bool = True,
        admin: httpx.AsyncClient | None = None,
    ) -> None:
        super().__init__(http, invocation_id, response_serde, admin=admin)
        self.accepted = accepted

    def __repr__(self) -> str:
        return f"SendHandle({self.invocation_id!r}, accepted={self.accepted})"


class IdempotentInvocationHandle(_Result[O]):
    """The invocation of one handler with one idempotency key, whose result is an `O`:
    `attach()` waits for it, `output()` returns it if it has finished (`IngressError` 470 if
    not, 404 if no such invocation is known). Restate keeps it for the handler's idempotency
    retention (one day by default). From `client.idempotent_invocation_handle(client.handler,
    key)` on a generated ingress client."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        component: str,
        key: str | None,
        handler: str,
        idempotency_key: str,
        response_serde: Serde[O],
    ) -> None:
        if not idempotency_key:
            raise ValueError("an idempotent invocation handle needs a non-empty idempotency key")
        target = [component, *([] if key is None else [key]), handler, idempotency_key]
        path = "/restate/invocation/" + "/".join(quote(part, safe="") for part in target)
        super().__init__(http, path, response_serde)
        self.idempotency_key = idempotency_key

    def __repr__(self) -> str:
        return f"IdempotentInvocationHandle({self._path!r})"


# ---------------------------------------------------------------------------------------------
# Admin API and awakeables


async def cancel_invocation(admin: httpx.AsyncClient, invocation_id: str) -> None:
    """Cancels an invocation through Restate's admin API (`PATCH /invocations/<id>/cancel`,
    Restate >= 1.2): `admin.base_url` is the admin URL. `IngressError` 404 for an unknown
    invocation, 409 for a completed one."""
    await ingress_request(admin, "PATCH", f"/invocations/{quote(invocation_id, safe='')}/cancel")


async def resolve_awakeable(
    http: httpx.AsyncClient,
    awakeable_id: str,
    value: T,
    *,
    type_hint: type[T] | None = None,
    serde: Serde[T] | None = None,
) -> None:
    """Resolves the awakeable `awakeable_id` (`sign_...`) with `value`, from outside Restate.

    `value` is sent as JSON (`serde`, else the JSON serde of `type_hint`, else of
    `type(value)`): pydantic models, dataclasses, msgspec Structs, primitives, lists and
    dicts; the handler reads it with the type it awaits (`ctx.awakeable(type_hint=...)`).
    `IngressError` 400 for a malformed id; resolving an awakeable twice is not an error.
    """
    if serde is None:
        serde = JsonSerde[T].for_type(type(value) if type_hint is None else type_hint)
    body = serde.serialize(value) or b"null"
    await ingress_request(http, "POST", f"{_awakeable_path(awakeable_id)}/resolve", body)


async def reject_awakeable(http: httpx.AsyncClient, awakeable_id: str, reason: str) -> None:
    """Rejects the awakeable `awakeable_id`: the handler waiting on it gets a
    `restate.TerminalError` with `reason` as its message."""
    await ingress_request(
        http,
        "POST",
        f"{_awakeable_path(awakeable_id)}/reject",
        reason.encode("utf-8"),
        content_type="text/plain; charset=utf-8",
    )


def _awakeable_path(awakeable_id: str) -> str:
    if not awakeable_id:
        raise ValueError("an awakeable id (sign_...) is required")
    return f"/restate/awakeables/{quote(awakeable_id, safe='')}"
