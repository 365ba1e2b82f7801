"""One user, keyed by email address."""

from __future__ import annotations

from restate import ObjectContext, ObjectSharedContext, TerminalError

from app.models import User

_STATE = "user"


async def write(ctx: ObjectContext, user: User) -> None:
    """Store the user (replacing what was there)."""
    if user.email != ctx.key():
        raise TerminalError(f"user {user.email!r} cannot be stored under {ctx.key()!r}", 400)
    ctx.set(_STATE, user.model_dump())


async def read(ctx: ObjectSharedContext) -> User | None:
    """The stored user, or None."""
    data = await ctx.get(_STATE, type_hint=dict)
    return None if data is None else User.model_validate(data)
