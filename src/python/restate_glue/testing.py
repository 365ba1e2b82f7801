"""An in-memory stand-in for a Restate server, for unit tests of plain handlers.

It routes the generated clients' calls and sends (and `ctx.generic_call` / `generic_send`) to the
deployment's handlers (through restate-sdk's own `invoke_handler`, so the generated serdes run),
keeps each virtual object's and workflow's state, and backs durable promises with asyncio
futures. There is no journal, no replay, no retries and no isolation between concurrent
exclusive handlers: test the real thing with the `restate_env` fixture (a real restate-server).

    from myapp import deployment
    from restate_glue.testing import FakeRestate

    fake = FakeRestate(deployment)
    profile = await fake.call("UserManager", "signup_user", SignupRequest(email=...))
    await fake.drain()  # let the one-way messages (sends) run
"""

from __future__ import annotations

import asyncio
import inspect
import json
import random
import uuid
from collections.abc import Awaitable, Callable, Generator, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Protocol

import restate
from restate.handler import Handler, invoke_handler

Definition = restate.Service | restate.VirtualObject | restate.Workflow

__all__ = ["FakeCallFuture", "FakeContext", "FakeRestate", "FakeSendHandle", "Invocation"]


class Deployment(Protocol):
    """What a generated deployment module offers: its components by name."""

    services: dict[str, restate.Service]
    objects: dict[str, restate.VirtualObject]
    workflows: dict[str, restate.Workflow]


@dataclass
class Invocation:
    service: str
    handler: str
    key: str | None
    body: bytes
    delay: timedelta | None = None
    one_way: bool = False


@dataclass
class FakeSendHandle:
    """What `ctx.generic_send` and the generated send clients return (the SDK's SendHandle)."""

    id: str
    task: asyncio.Task[bytes] | None = None

    async def invocation_id(self) -> str:
        return self.id

    async def cancel_invocation(self) -> None:
        if self.task is not None:
            self.task.cancel()


class FakeCallFuture:
    """What the generated in-handler clients return: awaitable once, like the SDK's future."""

    def __init__(self, invocation_id: str, result: Awaitable[Any]) -> None:
        self._id = invocation_id
        self._result = asyncio.ensure_future(result)

    def __await__(self) -> Generator[Any, None, Any]:
        return self._result.__await__()

    async def invocation_id(self) -> str:
        return self._id

    async def cancel_invocation(self) -> None:
        self._result.cancel()


@dataclass
class FakePromise:
    future: asyncio.Future[Any]

    def value(self) -> Awaitable[Any]:
        return asyncio.shield(self.future)

    async def resolve(self, value: Any) -> None:
        if self.future.done():
            raise restate.TerminalError("the promise is already completed", 409)
        self.future.set_result(value)

    async def peek(self) -> Any:
        return self.future.result() if self.future.done() else None


@dataclass
class FakeContext:
    """What the sample's handlers and the generated clients use of restate's contexts."""

    restate: FakeRestate
    service: str
    _key: str | None
    runs: list[str] = field(default_factory=list)

    def key(self) -> str:
        if self._key is None:
            raise AssertionError(f"{self.service} is a service: it has no key")
        return self._key

    def _state(self) -> dict[str, str]:
        return self.restate.state.setdefault((self.service, self.key()), {})

    async def get(self, name: str, type_hint: Any = None, **_: Any) -> Any:
        raw = self._state().get(name)
        return None if raw is None else json.loads(raw)

    def set(self, name: str, value: Any, **_: Any) -> None:
        self._state()[name] = json.dumps(value)  # what the SDK's default serde stores

    def clear(self, name: str) -> None:
        self._state().pop(name, None)

    def random(self) -> random.Random:
        return self.restate.random

    def uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.restate.random.getrandbits(128), version=4)

    async def run_typed(
        self, name: str, action: Callable[..., Any], options: Any = None, /, *args: Any
    ) -> Any:
        self.runs.append(name)
        self.restate.runs.append(name)
        result = action(*args)
        if inspect.isawaitable(result):
            result = await result
        return result

    def promise(self, name: str, type_hint: Any = None, **_: Any) -> FakePromise:
        loop = asyncio.get_running_loop()
        future = self.restate.promises.setdefault(
            (self.service, self.key(), name), loop.create_future()
        )
        return FakePromise(future)

    async def generic_call(
        self,
        service: str,
        handler: str,
        arg: bytes,
        key: str | None = None,
        idempotency_key: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> bytes:
        return await self.restate.invoke(Invocation(service, handler, key, arg))

    def do_raw_call(
        self,
        service: str,
        handler: str,
        input_param: Any,
        input_serde: Any,
        output_serde: Any,
        key: str | None = None,
        send_delay: timedelta | None = None,
        send: bool = False,
        idempotency_key: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> FakeCallFuture | FakeSendHandle:
        """The call path of restate-sdk's context that the generated clients use."""
        body = bytes(input_serde.serialize(input_param))
        if send or send_delay:
            return self.restate.send(Invocation(service, handler, key, body, send_delay, True))
        invocation = Invocation(service, handler, key, body)

        async def result() -> Any:
            return output_serde.deserialize(await self.restate.invoke(invocation))

        return FakeCallFuture(f"inv_fake_call_{len(self.restate.invocations)}", result())

    def generic_send(
        self,
        service: str,
        handler: str,
        arg: bytes,
        key: str | None = None,
        send_delay: timedelta | None = None,
        idempotency_key: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> FakeSendHandle:
        return self.restate.send(Invocation(service, handler, key, arg, send_delay, True))


class FakeRestate:
    """The components of a deployment (the generated module, or a list of definitions),
    callable in memory."""

    def __init__(self, deployment: Deployment | Iterable[Definition], seed: int = 7) -> None:
        if isinstance(deployment, Iterable):
            definitions: list[Definition] = list(deployment)
        else:
            definitions = [
                *deployment.services.values(),
                *deployment.objects.values(),
                *deployment.workflows.values(),
            ]
        self.definitions: dict[str, Definition] = {d.name: d for d in definitions}
        self.state: dict[tuple[str, str], dict[str, str]] = {}
        self.promises: dict[tuple[str, str, str], asyncio.Future[Any]] = {}
        self.random = random.Random(seed)
        self.invocations: list[Invocation] = []
        self.runs: list[str] = []
        self.started_workflows: set[tuple[str, str]] = set()
        self.failures: list[tuple[Invocation, BaseException]] = []
        self._tasks: list[asyncio.Task[bytes]] = []

    def handler(self, service: str, name: str) -> Handler[Any, Any]:
        definition = self.definitions[service]
        handler: Handler[Any, Any] = definition.handlers[name]
        return handler

    def context(self, service: str, key: str | None = None) -> Any:
        """A context as a handler of `service` (keyed for objects and workflows) would get."""
        return FakeContext(self, service, key)

    async def invoke(self, invocation: Invocation, *, record: bool = True) -> bytes:
        if record:
            self.invocations.append(invocation)
        handler = self.handler(invocation.service, invocation.handler)
        if handler.kind == "workflow":
            assert invocation.key is not None
            instance = (invocation.service, invocation.key)
            if instance in self.started_workflows:
                raise restate.TerminalError(f"workflow {instance} was already started", 409)
            self.started_workflows.add(instance)
        ctx = FakeContext(self, invocation.service, invocation.key)
        return await invoke_handler(handler, ctx, invocation.body)

    def send(self, invocation: Invocation) -> FakeSendHandle:
        self.invocations.append(invocation)  # in the order they were sent

        async def run() -> bytes:
            if invocation.delay:
                await asyncio.sleep(0)
            try:
                return await self.invoke(invocation, record=False)
            except BaseException as e:
                self.failures.append((invocation, e))
                raise

        task = asyncio.get_running_loop().create_task(run())
        self._tasks.append(task)
        return FakeSendHandle(f"inv_fake_{len(self._tasks)}", task)

    async def call(
        self, service: str, handler: str, req: Any = None, key: str | None = None
    ) -> Any:
        """Calls a handler as the ingress would: `req` serialized and the answer deserialized
        with the handler's own serdes."""
        io = self.handler(service, handler).handler_io
        body = b"" if req is None else bytes(io.input_serde.serialize(req))
        return io.output_serde.deserialize(
            await self.invoke(Invocation(service, handler, key, body))
        )

    async def settle(self) -> None:
        """Lets every task started so far run until it finishes or waits."""
        for _ in range(20):
            await asyncio.sleep(0)

    async def drain(self, timeout: float = 5.0) -> None:
        """Waits for every one-way message sent so far (and those they send) to finish."""
        while pending := [t for t in self._tasks if not t.done()]:
            await asyncio.wait(pending, timeout=timeout)
            if any(not t.done() for t in pending):
                raise AssertionError(f"{len(pending)} sent invocation(s) still running")

    def pending_tasks(self) -> list[asyncio.Task[bytes]]:
        return [t for t in self._tasks if not t.done()]

    def object_state(self, service: str, key: str) -> dict[str, Any]:
        return {k: json.loads(v) for k, v in self.state.get((service, key), {}).items()}
