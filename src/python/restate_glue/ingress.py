"""Requests to Restate's ingress HTTP API, as the generated ingress clients make them."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
import restate


async def ingress_request(
    http: httpx.AsyncClient,
    method: str,
    path: str,
    body: bytes = b"",
    *,
    params: dict[str, str] | None = None,
    idempotency_key: str | None = None,
    headers: dict[str, str] | None = None,
) -> bytes:
    """One request to Restate's ingress; restate.HttpError unless the status is 2xx."""
    request_headers = dict(headers or {})
    if body:
        request_headers["content-type"] = "application/json"
    if idempotency_key is not None:
        request_headers["idempotency-key"] = idempotency_key
    response = await http.request(
        method, path, content=body or None, params=params, headers=request_headers
    )
    if not response.is_success:
        try:
            message = str(json.loads(response.content)["message"])
        except (ValueError, KeyError, TypeError):
            message = response.reason_phrase
        raise restate.HttpError(response.status_code, message, response.text)
    return response.content


def invocation_id(body: bytes) -> str:
    """The invocation id in the ingress' answer to a `/send`."""
    return str(json.loads(body)["invocationId"])


def delay_params(delay: timedelta | None) -> dict[str, str] | None:
    """The query parameters of a delayed `/send`."""
    if delay is None:
        return None
    return {"delay": f"{round(delay.total_seconds() * 1000)}ms"}
