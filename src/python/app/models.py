"""Requests and responses of the sample's components (pydantic models)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, field_validator

# Where a user's signup workflow is; `UserWorkflow.get_stage` returns one of these.
Stage = Literal["sending-verification-email", "awaiting-email-confirmation", "confirmed"]

# The header of the verification email that carries the secret (what the link would contain).
SECRET_HEADER = "X-Verification-Secret"


def normalize_email(value: str) -> str:
    """The address, trimmed and lower-cased; ValueError unless it looks like one."""
    value = value.strip()
    local, at, domain = value.partition("@")
    if not (local and at and "." in domain.strip(".")) or any(c.isspace() for c in value):
        raise ValueError(f"not an email address: {value!r}")
    return value.lower()


class SignupRequest(BaseModel):
    """`UserManager.signup_user`: who signs up."""

    email: str
    name: str = ""

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        return normalize_email(value)


class User(BaseModel):
    """One user, stored in the `User` virtual object under the email address."""

    email: str
    name: str = ""
    email_confirmed: bool = False


class SignupResponse(BaseModel):
    """`UserManager.signup_user`: the user as stored, and the workflow that verifies them."""

    user: User
    workflow_id: str = Field(description="The key of the user's UserWorkflow (the email).")


class ConfirmEmailRequest(BaseModel):
    """`UserManager.confirm_email`: the click on the link in the verification email."""

    email: str
    secret: str

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        return normalize_email(value)


class ConfirmEmailResponse(BaseModel):
    """Whether the workflow accepted the secret."""

    accepted: bool
    message: str


class EmailMessage(BaseModel):
    """`Email.send_email`: one message."""

    to: str
    subject: str
    body: str
    headers: dict[str, str] = {}


class SentEmail(BaseModel):
    """`Email.send_email`: where the message went."""

    message_id: str
    outbox: str


class VerificationOutcome(BaseModel):
    """What `UserWorkflow.run` returns once the email is confirmed."""

    email: str
    email_confirmed: bool
    stage: Stage
