"""Sends email. Here the "mail server" is an outbox file under the app's data dir."""

from __future__ import annotations

from restate import Context, RunOptions

from app import outbox
from app.models import EmailMessage, SentEmail


async def send_email(ctx: Context, message: EmailMessage) -> SentEmail:
    """Send one message; the side effect runs once, inside `ctx.run`."""
    message_id = str(ctx.uuid())
    path = outbox.outbox_path()
    await ctx.run_typed(
        "append to the outbox",
        outbox.append,
        RunOptions(type_hint=str),
        path,
        message_id,
        message,
    )
    return SentEmail(message_id=message_id, outbox=str(path))
