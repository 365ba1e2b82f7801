"""Base classes of the generated typed clients: all they add is typed method signatures.

In a handler, `XClient.from_context(ctx)` calls durably: each method returns restate-sdk's own
call future, so `restate.gather`/`restate.select` compose them, and `.send()` sends one-way
messages. Outside, `XIngressClient(http)` calls through the ingress over an httpx client; its
sends return typed handles (`restate_glue.ingress.SendHandle`) to attach to, poll or cancel.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, ClassVar, Generic, Self, TypedDict, TypeVar, cast
from urllib.parse import quote

import httpx
import restate
from restate.serde import BytesSerde

from restate_glue.ingress import (
    IdempotentInvocationHandle,
    InvocationHandle,
    SendHandle,
    delay_params,
    ingress_request,
    send_answer,
)
from restate_glue.serde import JsonSerde

I = TypeVar("I")  # noqa: E741 - the SDK's own name for a handler's input type
O = TypeVar("O")  # noqa: E741 - ... and for its output type

_RAW = BytesSerde()


class CallOptions(TypedDict, total=False):
    """Options of every generated client method."""

    idempotency_key: str | None
    headers: dict[str, str] | None


@dataclass(frozen=True)
class HandlerIO(Generic[I, O]):
    """A handler's request and response types, as annotations read in `module` on first use,
    with the names in `imports` imported then (see `JsonSerde`).

    `request` is None for a handler that takes no request.
    """

    request: str | None
    response: str
    module: str
    imports: Mapping[str, str] | None = field(default=None, hash=False)

    @functools.cached_property
    def request_serde(self) -> JsonSerde[I] | None:
        if self.request is None:
            return None
        return JsonSerde[I](self.request, self.module, self.imports)

    @functools.cached_property
    def response_serde(self) -> JsonSerde[O]:
        return JsonSerde[O](self.response, self.module, self.imports)

    def response_serde_of(self, component: str, handler: str) -> JsonSerde[O]:
        """The response serde, naming the handler in its errors (one HandlerIO per handler)."""
        serde = self.response_serde
        serde.handler = f"{component}/{handler}"
        return serde

    def encode(self, component: str, handler: str, req: I | None) -> bytes:
        """The request body of a call made from inside a handler."""
        if self.request_serde is None:
            return b""
        try:
            return self.request_serde.serialize(req)
        except Exception as error:  # inside a handler: fail the call, not retry it forever
            raise restate.TerminalError(
                f"cannot serialize the request to {component}/{handler} as "
                f"{self.request}: {error}",
                status_code=400,
            ) from error


# ---------------------------------------------------------------------------------------------
# From inside a handler


class _ContextCalls:
    component: ClassVar[str]

    def __init__(self, ctx: restate.Context, key: str | None, delay: timedelta | None) -> None:
        self._ctx = ctx
        self._key = key
        self._delay = delay

    def _raw_call(self) -> Any:
        do_raw_call = getattr(self._ctx, "do_raw_call", None)
        if do_raw_call is None:
            raise TypeError(
                f"{type(self._ctx).__name__} is not a restate-sdk handler context: clients "
                "from `from_context` need the `ctx` a handler receives (or a "
                "restate_glue.testing.FakeRestate context in unit tests)."
            )
        return do_raw_call

    def _call(
        self, handler: str, io: HandlerIO[I, O], req: I | None, options: CallOptions
    ) -> restate.RestateDurableCallFuture[O]:
        body = io.encode(self.component, handler, req)
        future = self._raw_call()(
            self.component,
            handler,
            body,
            _RAW,
            io.response_serde_of(self.component, handler),
            key=self._key,
            idempotency_key=options.get("idempotency_key"),
            headers=options.get("headers"),
        )
        return cast("restate.RestateDurableCallFuture[O]", future)

    def _send(
        self, handler: str, io: HandlerIO[I, O], req: I | None, options: CallOptions
    ) -> restate.SendHandle:
        body = io.encode(self.component, handler, req)
        handle = self._raw_call()(
            self.component,
            handler,
            body,
            _RAW,
            _RAW,
            key=self._key,
            send=True,
            send_delay=self._delay,
            idempotency_key=options.get("idempotency_key"),
            headers=options.get("headers"),
        )
        return cast(restate.SendHandle, handle)


class ServiceClient(_ContextCalls):
    """Calls a service from inside a handler; each method returns the SDK's call future."""

    def __init__(self, ctx: restate.Context) -> None:
        super().__init__(ctx, None, None)

    @classmethod
    def from_context(cls, ctx: restate.Context) -> Self:
        """The client for calls made through `ctx`, durably, from inside a handler."""
        return cls(ctx)


class KeyedClient(_ContextCalls):
    """Calls one virtual object or workflow (by key) from inside a handler."""

    def __init__(self, ctx: restate.Context, key: str) -> None:
        super().__init__(ctx, key, None)

    @property
    def key(self) -> str:
        """The key of the object or workflow this client calls."""
        assert self._key is not None
        return self._key

    @classmethod
    def from_context(cls, ctx: restate.Context, key: str) -> Self:
        """The client for calls made through `ctx`, durably, from inside a handler."""
        return cls(ctx, key)


class ServiceSendClient(_ContextCalls):
    """One-way messages to a service; each method returns the SDK's SendHandle."""

    def __init__(self, ctx: restate.Context, delay: timedelta | None = None) -> None:
        super().__init__(ctx, None, delay)


class KeyedSendClient(_ContextCalls):
    """One-way messages to one virtual object or workflow; each returns the SDK's SendHandle."""

    def __init__(self, ctx: restate.Context, key: str, delay: timedelta | None = None) -> None:
        super().__init__(ctx, key, delay)


# ---------------------------------------------------------------------------------------------
# Through the ingress


class _IngressCalls:
    component: ClassVar[str]

    def __init__(
        self,
        http: httpx.AsyncClient,
        key: str | None,
        delay: timedelta | None,
        admin: httpx.AsyncClient | None,
    ) -> None:
        self._http = http
        self._key = key
        self._delay = delay
        self._admin = admin
        self._path = f"/{self.component}" + ("" if key is None else "/" + quote(key, safe=""))

    async def _call(
        self, handler: str, io: HandlerIO[I, O], req: I | None, options: CallOptions
    ) -> O:
        response = await ingress_request(
            self._http,
            "POST",
            f"{self._path}/{handler}",
            _ingress_body(io, req),
            idempotency_key=options.get("idempotency_key"),
            headers=options.get("headers"),
        )
        return io.response_serde.decode(response)

    async def _send(
        self,
        handler: str,
        io: HandlerIO[I, O],
        req: I | None,
        options: CallOptions,
        delay: timedelta | None = None,
    ) -> SendHandle[O]:
        path = f"{self._path}/{handler}/send"
        response = await ingress_request(
            self._http,
            "POST",
            path,
            _ingress_body(io, req),
            params=delay_params(self._delay if delay is None else delay),
            idempotency_key=options.get("idempotency_key"),
            headers=options.get("headers"),
        )
        invocation, accepted = send_answer(response)
        return SendHandle(
            self._http,
            invocation,
            io.response_serde_of(self.component, handler),
            accepted=accepted,
            admin=self._admin,
        )


def _ingress_body(io: HandlerIO[I, O], req: I | None) -> bytes:
    return b"" if io.request_serde is None else io.request_serde.serialize(req)


class _IngressClient(_IngressCalls):
    # Per client method: the Restate handler it calls and its types (generated).
    _handlers: ClassVar[Mapping[str, tuple[str, HandlerIO[Any, Any]]]] = {}

    def _handler_of(self, method: Callable[..., Awaitable[O]]) -> tuple[str, HandlerIO[Any, O]]:
        name = str(getattr(method, "__name__", ""))
        if getattr(method, "__self__", None) is not self or name not in self._handlers:
            raise TypeError(
                f"expected a handler method of this {type(self).__name__} (e.g. "
                f"client.{next(iter(self._handlers), 'handler')}), got {method!r}"
            )
        return self._handlers[name]

    def invocation_handle(
        self, method: Callable[..., Awaitable[O]], invocation_id: str
    ) -> InvocationHandle[O]:
        """A handle on the invocation `invocation_id` of `method`'s handler, e.g.
        `client.invocation_handle(client.add, "inv_...")`: attach to it, poll its output or
        cancel it, its result typed as `method`'s."""
        handler, io = self._handler_of(method)
        serde = io.response_serde_of(self.component, handler)
        return InvocationHandle(self._http, invocation_id, serde, admin=self._admin)

    def idempotent_invocation_handle(
        self, method: Callable[..., Awaitable[O]], idempotency_key: str
    ) -> IdempotentInvocationHandle[O]:
        """A handle on the call of `method`'s handler made with `idempotency_key` (on this
        client's key, for objects and workflows), e.g.
        `await client.idempotent_invocation_handle(client.add, "pay-1").attach()`."""
        handler, io = self._handler_of(method)
        serde = io.response_serde_of(self.component, handler)
        return IdempotentInvocationHandle(
            self._http, self.component, self._key, handler, idempotency_key, serde
        )


class ServiceIngressClient(_IngressClient):
    """Calls a service through Restate's ingress, over an httpx client at the ingress URL;
    `admin` (an httpx client at the admin URL) lets its handles cancel invocations."""

    def __init__(self, http: httpx.AsyncClient, *, admin: httpx.AsyncClient | None = None) -> None:
        super().__init__(http, None, None, admin)


class KeyedIngressClient(_IngressClient):
    """Calls one virtual object or workflow (by key) through Restate's ingress; `admin` (an
    httpx client at the admin URL) lets its handles cancel invocations."""

    def __init__(
        self, http: httpx.AsyncClient, key: str, *, admin: httpx.AsyncClient | None = None
    ) -> None:
        super().__init__(http, key, None, admin)

    @property
    def key(self) -> str:
        """The key of the object or workflow this client calls."""
        assert self._key is not None
        return self._key


class WorkflowIngressClient(KeyedIngressClient):
    """Calls one workflow through Restate's ingress: its handlers, and submit/attach/output."""

    async def _submit(
        self,
        handler: str,
        io: HandlerIO[I, O],
        req: I | None,
        delay: timedelta | None,
        options: CallOptions,
    ) -> SendHandle[O]:
        return await self._send(handler, io, req, options, delay)

    async def _attach(self, io: HandlerIO[I, O]) -> O:
        response = await ingress_request(self._http, "GET", f"/restate/workflow{self._path}/attach")
        return io.response_serde.decode(response)

    async def _output(self, io: HandlerIO[I, O]) -> O:
        response = await ingress_request(self._http, "GET", f"/restate/workflow{self._path}/output")
        return io.response_serde.decode(response)


class ServiceIngressSendClient(_IngressCalls):
    """Ingress calls to a service that do not wait; each returns a `SendHandle`."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        delay: timedelta | None = None,
        *,
        admin: httpx.AsyncClient | None = None,
    ) -> None:
        super().__init__(http, None, delay, admin)


class KeyedIngressSendClient(_IngressCalls):
    """Ingress calls to one object or workflow that do not wait; each returns a `SendHandle`."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        key: str,
        delay: timedelta | None = None,
        *,
        admin: httpx.AsyncClient | None = None,
    ) -> None:
        super().__init__(http, key, delay, admin)
