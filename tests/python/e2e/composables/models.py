"""Requests and responses of the composable-calls components (kept apart from the handler
modules so the generated clients import them for real)."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel


class Nap(BaseModel):
    """`Slowpoke.nap`: sleep `ms` durably, then answer with the label."""

    label: str
    ms: int = 0


class Woke(BaseModel):
    label: str
    slept_ms: int


@dataclass
class Race:
    """Two durations for a Racer handler: one for each contender."""

    tag: str
    fast_ms: int
    slow_ms: int


@dataclass
class RaceReport:
    """Who won a `restate.select`, and what its value was inside the handler."""

    winner: str
    value_type: str
    label: str | None = None
    loser_cancelled: bool = False


@dataclass
class WaitReport:
    """What `restate.wait_completed` returned, seen inside the handler."""

    done: list[str]
    pending: list[str]
    done_types: list[str]
    woke: Woke | None = None
    stuck_invocation: str = ""
    stuck_error_status: int | None = None
    stuck_error_message: str | None = None


@dataclass
class IdReport:
    """`await fut.invocation_id()` of a ctx-client call, next to the caller's own id."""

    caller: str
    callee: str
    woke: Woke


@dataclass
class CancelReport:
    """A call or send cancelled through its future or handle, and how it ended for the caller."""

    invocation: str
    handle_type: list[str] = field(default_factory=list)
    error_status: int | None = None
    error_message: str | None = None
