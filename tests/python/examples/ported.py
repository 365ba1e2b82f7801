"""Runs one scripted sequence of ingress calls against a ported program on a real
restate-server and records what each step observed, so that the run through the generated
deployment can be compared with the run through the hand-written oracle, step by step."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import httpx

from restate_local.harness import RestateTestEnvironment

# Long enough for a loaded 2-core machine, short enough that a hang fails fast.
WAIT_TIMEOUT = 20.0

Step = tuple[str, Any]

# Random UUIDs (`ctx.uuid()`, `uuid.uuid4()`) differ from run to run: steps record a placeholder.
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def normalized(value: Any) -> Any:
    """`value` with every UUID in its strings replaced by `<uuid>`."""
    if isinstance(value, str):
        return _UUID.sub("<uuid>", value)
    if isinstance(value, dict):
        return {normalized(k): normalized(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(normalized(v) for v in value)
    return value


class Script:
    """What a scripted run sees: every call's status and decoded body, state reads and
    polled values, in order, under a label per step."""

    def __init__(self, env: RestateTestEnvironment, http: httpx.AsyncClient) -> None:
        self.env = env
        self.http = http
        self.steps: list[Step] = []

    def record(self, label: str, value: Any) -> Any:
        """Records `value` (UUIDs normalized) under `label`; returns `value` as it was."""
        self.steps.append((label, normalized(value)))
        return value

    async def post(
        self,
        label: str,
        path: str,
        body: Any = None,
        *,
        headers: Mapping[str, str] | None = None,
        record: bool = True,
    ) -> tuple[int, Any]:
        """`POST {ingress}{path}` with `body` as JSON (no body when None); records and
        returns `(status, decoded body)`."""
        if body is None:
            response = await self.http.post(path, headers=headers)
        else:
            response = await self.http.post(path, json=body, headers=headers)
        observed = (response.status_code, decode(response))
        if record:
            self.record(label, observed)
        return observed

    async def get(self, label: str, path: str) -> tuple[int, Any]:
        response = await self.http.get(path)
        observed = (response.status_code, decode(response))
        self.record(label, observed)
        return observed

    async def send(self, label: str, path: str, body: Any = None, *, delay: str = "") -> str:
        """`POST {path}/send[?delay=...]`; records the status only (invocation ids differ
        between runs) and returns the invocation id."""
        query = f"?delay={delay}" if delay else ""
        status, answer = await self.post(label, f"{path}/send{query}", body, record=False)
        self.record(label, (status, sorted(answer) if isinstance(answer, dict) else answer))
        return str(answer["invocationId"])

    def state(self, label: str, service: str, key: str) -> dict[str, Any]:
        """A virtual object's or workflow's state, through the admin API."""
        state = self.env.object_state(service, key)
        self.record(label, state)
        return state

    async def poll(
        self,
        label: str,
        probe: Callable[[], Awaitable[Any]],
        accept: Callable[[Any], bool],
        *,
        timeout: float = WAIT_TIMEOUT,
        shown: Callable[[Any], Any] = lambda value: value,
    ) -> Any:
        """Polls `probe()` until `accept(value)`; records `shown(value)` and returns the
        value."""
        deadline = time.monotonic() + timeout
        while True:
            value = await probe()
            if accept(value):
                self.record(label, shown(value))
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"{label}: after {timeout:g}s still {value!r}")
            await asyncio.sleep(0.05)

    async def attach(self, label: str, invocation_id: str) -> tuple[int, Any]:
        """Waits for a sent invocation's result (`GET /restate/invocation/<id>/attach`)."""
        return await self.get(label, f"/restate/invocation/{invocation_id}/attach")


def decode(response: httpx.Response) -> Any:
    """The JSON body, or the text if it is not JSON, or None if empty."""
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return response.text


def run_script(
    env: RestateTestEnvironment, script: Callable[[Script], Awaitable[None]]
) -> list[Step]:
    """Runs `script` on a fresh event loop against `env`'s ingress; returns its steps."""

    async def main() -> list[Step]:
        async with env.async_client() as http:
            run = Script(env, http)
            await script(run)
            return run.steps

    return asyncio.run(main())


def diff_steps(generated: list[Step], oracle: list[Step]) -> list[str]:
    """Human-readable differences, first to last."""
    lines = []
    for index in range(max(len(generated), len(oracle))):
        left = generated[index] if index < len(generated) else None
        right = oracle[index] if index < len(oracle) else None
        if left != right:
            lines.append(f"step {index}: generated {left!r} != oracle {right!r}")
    return lines


def with_ingress(
    env: RestateTestEnvironment, body: Callable[[httpx.AsyncClient], Awaitable[Any]]
) -> Any:
    """Runs `body(http)` on a fresh event loop, `http` being an httpx client on the ingress."""

    async def main() -> Any:
        async with env.async_client() as http:
            return await body(http)

    return asyncio.run(main())
