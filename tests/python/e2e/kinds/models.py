"""Requests and responses of the e2e handler kinds (pydantic models, kept apart from the
handler modules so the generated clients import them for real)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Greeting(BaseModel):
    """`Greeter.greet`: who to greet."""

    name: str = Field(min_length=1)
    punctuation: str = "!"


class Greeted(BaseModel):
    message: str


class Failure(BaseModel):
    """`Greeter.fail`: the terminal error to raise."""

    message: str
    status_code: int = 500


class Deposit(BaseModel):
    """`Counter.add`: how much to add; above `limit` the handler fails terminally (409)."""

    amount: int
    limit: int | None = None


class CounterCall(BaseModel):
    """A Greeter handler that talks to one Counter object (`key`) through its ctx client."""

    key: str
    amount: int = 1
    limit: int | None = None
    delay_ms: int = 0
    idempotency_key: str | None = None


class CallOutcome(BaseModel):
    """What a ctx call ended with: the result, or the terminal error it raised."""

    total: int | None = None
    error_status: int | None = None
    error_message: str | None = None


class Draws(BaseModel):
    """`Greeter.draw`: journaled random values, and what every attempt of the handler saw."""

    first: str
    second: str
    seeded: int
    attempts: int
    first_seen_by_each_attempt: list[str]


class ApprovalRequest(BaseModel):
    """`Approval.run`: who asks."""

    requester: str


class Decision(BaseModel):
    """`Approval.decide`: the answer the workflow waits for."""

    verdict: str
    by: str = "reviewer"


class ApprovalResult(BaseModel):
    requester: str
    verdict: str
    by: str
    greeting: str
