"""Signs users up and looks them up."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from restate import Context

from app.mail.email_restate_client import EmailClient
from app.models import EmailMessage, SignupRequest, UserProfile
from app.users.user_restate_client import UserClient


@dataclass
class Stats:
    """Counters of one process."""

    signups: int
    emails_sent: int


_signups = 0


async def signup(ctx: Context, req: SignupRequest) -> UserProfile:
    """Create the user's profile and send a welcome email.

    Calls the User object and messages the Email service through their generated clients.
    """
    global _signups
    profile = UserProfile(email=req.email, name=req.name, tags=req.tags)
    await UserClient.from_context(ctx, req.email).write(profile)
    welcome = EmailMessage(to=req.email, subject="Welcome")
    EmailClient.from_context(ctx).send().send_email(welcome)
    _signups += 1
    return profile


async def lookup(ctx: Context, emails: list[str]) -> dict[str, Optional[UserProfile]]:
    """Profiles by email address (None where there is none)."""
    return {email: await UserClient.from_context(ctx, email).read() for email in emails}


async def stats(ctx: Context) -> Stats:
    """Counters, as a dataclass defined in this module."""
    sent = await EmailClient.from_context(ctx).sent_count()
    return Stats(signups=_signups, emails_sent=sent)


async def echo_stats(ctx: Context, stats: Stats) -> Stats:
    return stats
