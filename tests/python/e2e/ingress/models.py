"""Requests and responses of the ingress e2e components (kept apart from the handler modules,
so the generated clients import them for real)."""

from __future__ import annotations

from pydantic import BaseModel


class Decision(BaseModel):
    """What an outside caller resolves `Waiter.wait`'s awakeable with."""

    verdict: str
    by: str | None = None


class Outcome(BaseModel):
    """How `Waiter.wait`'s awakeable ended: resolved with a decision, or rejected."""

    decision: Decision | None = None
    rejected: str | None = None
