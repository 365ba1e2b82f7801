"""Invocation context managers: each adds its scope to `scopes` for the invocation's duration,
so a handler can report which ones restate-sdk entered around it, and in which order."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from contextvars import ContextVar

scopes: ContextVar[tuple[str, ...]] = ContextVar("scopes", default=())


@asynccontextmanager
async def _scope(name: str) -> AsyncIterator[None]:
    token = scopes.set((*scopes.get(), name))
    try:
        yield
    finally:
        scopes.reset(token)


def component_scope() -> AbstractAsyncContextManager[None]:
    return _scope("component")


def handler_scope() -> AbstractAsyncContextManager[None]:
    return _scope("handler")
