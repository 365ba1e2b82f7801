"""Signup with email verification: waits until the emailed code comes back."""

from __future__ import annotations

from dataclasses import dataclass

import restate
from restate import WorkflowContext, WorkflowSharedContext

from app.models import SignupRequest, UserProfile
from app.users.user_restate_client import UserClient


@dataclass
class SignupResult:
    email: str
    verified: bool
    profile: UserProfile | None = None


async def run(ctx: WorkflowContext, req: SignupRequest) -> SignupResult:
    """Run the signup: store the profile, wait for the code, mark the profile confirmed."""
    ctx.set("stage", "waiting")
    code = await ctx.promise("code", type_hint=str).value()
    verified = code == "1234"
    profile = UserProfile(email=req.email, name=req.name, confirmed=verified)
    await UserClient.from_context(ctx, req.email).write(profile)
    ctx.set("stage", "done")
    return SignupResult(email=req.email, verified=verified, profile=profile)


async def approve(ctx: WorkflowSharedContext, code: str) -> None:
    """Hand in the code from the email."""
    await ctx.promise("code", type_hint=str).resolve(code)


async def stage(ctx: restate.WorkflowSharedContext) -> str | None:
    """Where the signup is: "waiting" or "done"."""
    return await ctx.get("stage", type_hint=str)
