"""Email verification of one user, keyed by email address."""

from __future__ import annotations

import secrets
from typing import cast

from restate import RunOptions, TerminalError, WorkflowContext, WorkflowSharedContext

from app.mail.email_restate_client import EmailClient
from app.models import (
    SECRET_HEADER,
    ConfirmEmailResponse,
    EmailMessage,
    SignupRequest,
    Stage,
    User,
    VerificationOutcome,
)
from app.users.user_restate_client import UserClient

_STAGE = "stage"
_SECRET = "secret"
_CONFIRMED = "email-confirmed"  # the durable promise the click resolves


def _set_stage(ctx: WorkflowContext, stage: Stage) -> None:
    ctx.set(_STAGE, stage)


def verification_email(req: SignupRequest, secret: str) -> EmailMessage:
    command = f"./pants run src/python/app:client -- confirm {req.email} {secret}"
    greeting = f"Hello {req.name}," if req.name else "Hello,"
    return EmailMessage(
        to=req.email,
        subject="Please confirm your email address",
        body=f"{greeting}\n\nconfirm your email address with:\n\n    {command}\n",
        headers={SECRET_HEADER: secret},
    )


async def run(ctx: WorkflowContext, req: SignupRequest) -> VerificationOutcome:
    """Email a secret link, wait until it is clicked, then mark the user's email confirmed."""
    email = ctx.key()
    if req.email != email:
        raise TerminalError(f"the workflow of {email!r} cannot verify {req.email!r}", 400)
    _set_stage(ctx, "sending-verification-email")
    # Not ctx.random(): restate-sdk seeds it from the invocation id, and a workflow's invocation
    # id follows from its name and key, so it would give the same "secret" for every signup of
    # this email address on every server. Made once inside ctx.run, it is journaled instead.
    secret = await ctx.run_typed(
        "make the verification secret", secrets.token_hex, RunOptions(type_hint=str), 16
    )
    ctx.set(_SECRET, secret)
    await EmailClient.from_context(ctx).send_email(verification_email(req, secret))
    _set_stage(ctx, "awaiting-email-confirmation")
    clicked = await ctx.promise(_CONFIRMED, type_hint=str).value()
    if clicked != secret:  # approve_email only resolves with the right one
        raise TerminalError("the email confirmation carried a wrong secret", 400)
    users = UserClient.from_context(ctx, email)
    user = await users.read() or User(email=email, name=req.name)
    await users.write(user.model_copy(update={"email_confirmed": True}))
    ctx.clear(_SECRET)
    _set_stage(ctx, "confirmed")
    return VerificationOutcome(email=email, email_confirmed=True, stage="confirmed")


async def get_stage(ctx: WorkflowSharedContext) -> Stage | None:
    """Where the verification is; None before it started."""
    return cast("Stage | None", await ctx.get(_STAGE, type_hint=str))


async def approve_email(ctx: WorkflowSharedContext, secret: str) -> ConfirmEmailResponse:
    """The click on the emailed link: resolves the workflow's promise if the secret matches."""
    stage = await ctx.get(_STAGE, type_hint=str)
    if stage == "confirmed":
        return ConfirmEmailResponse(accepted=False, message="the email is already confirmed")
    expected = await ctx.get(_SECRET, type_hint=str)
    if expected is None:
        return ConfirmEmailResponse(accepted=False, message="no verification is pending")
    if secret != expected:
        return ConfirmEmailResponse(accepted=False, message="wrong secret")
    await ctx.promise(_CONFIRMED, type_hint=str).resolve(secret)
    return ConfirmEmailResponse(accepted=True, message="email confirmed")
