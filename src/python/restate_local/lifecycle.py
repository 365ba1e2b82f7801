"""What the start()/stop() classes here share: one guard for "used before start()"."""

from __future__ import annotations

from typing import TypeVar

_T = TypeVar("_T")


def require_started(part: _T | None, what: str) -> _T:
    """`part`, set by `start()`; RuntimeError naming `what` while it is still None."""
    if part is None:
        raise RuntimeError(f"the {what} is not started: call start() first")
    return part
