"""Sends email (here: remembers what it would have sent)."""

from __future__ import annotations

import restate

from app.models import EmailMessage

_outbox: list[EmailMessage] = []


async def send_email(ctx: restate.Context, message: EmailMessage) -> bool:
    """Send one message; True once it is queued."""
    _outbox.append(message)
    return True


async def sent_count(ctx: restate.Context) -> int:
    """How many messages this process has sent."""
    return len(_outbox)


async def last_to(ctx: restate.Context) -> str | None:
    return _outbox[-1].to if _outbox else None
