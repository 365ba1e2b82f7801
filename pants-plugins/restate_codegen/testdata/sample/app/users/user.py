"""One user's profile, keyed by email address."""

from __future__ import annotations

from typing import Optional

from restate import ObjectContext, ObjectSharedContext

from app.models import UserProfile


async def write(ctx: ObjectContext, profile: UserProfile) -> None:
    """Replace the stored profile."""
    ctx.set("profile", profile.model_dump())


async def read(ctx: ObjectSharedContext) -> Optional[UserProfile]:
    """The stored profile, if any."""
    data = await ctx.get("profile", type_hint=dict)
    return None if data is None else UserProfile.model_validate(data)


async def add_tag(ctx: ObjectContext, tag: str) -> list[str]:
    """Add a tag to the profile and return all tags."""
    data = await ctx.get("profile", type_hint=dict)
    profile = UserProfile(email=ctx.key(), name="") if data is None else UserProfile(**data)
    profile.tags.append(tag)
    ctx.set("profile", profile.model_dump())
    return profile.tags
