"""Signs users up and forwards their email confirmations."""

from __future__ import annotations

from restate import Context, TerminalError

from app.models import (
    ConfirmEmailRequest,
    ConfirmEmailResponse,
    SignupRequest,
    SignupResponse,
    User,
)
from app.users.user_restate_client import UserClient
from app.users.user_workflow_restate_client import UserWorkflowClient


async def signup_user(ctx: Context, req: SignupRequest) -> SignupResponse:
    """Create the user and start their email verification (fire-and-forget)."""
    users = UserClient.from_context(ctx, req.email)
    if await users.read() is not None:
        raise TerminalError(f"{req.email} has already signed up", 409)
    user = User(email=req.email, name=req.name)
    await users.write(user)
    UserWorkflowClient.from_context(ctx, req.email).send().run(req)
    return SignupResponse(user=user, workflow_id=req.email)


async def confirm_email(ctx: Context, req: ConfirmEmailRequest) -> ConfirmEmailResponse:
    """A click on the link in the verification email: hand the secret to the user's workflow."""
    return await UserWorkflowClient.from_context(ctx, req.email).approve_email(req.secret)
