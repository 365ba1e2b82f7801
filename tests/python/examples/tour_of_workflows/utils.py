# Ported from https://github.com/restatedev/examples,
# python/tutorials/tour-of-workflows-python/app/utils.py,
# MIT License, Copyright (c) 2024 - Restate Software, Inc., Restate GmbH.
# The upstream file has no license header of its own; the repository's LICENSE applies.
# Changed for the port: see BUILD (and README, "Ported public examples").

import restate
from restate import TerminalError
from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel as camelize

# Port: the verification secrets the mock mailbox sent, by user id.
VERIFICATION_SECRETS: dict[str, str] = {}


class User(BaseModel):
    name: str
    email: str


def fail_on_alice(name: str, action: str):
    if name == "Alice":
        print(f"[👻 SIMULATED] Failed to {action}: {name}")
        raise Exception(f"[👻 SIMULATED] Failed to {action}: {name}")


def terminal_error_on_alice(name: str, action: str):
    if name == "Alice":
        print(
            f"[👻 SIMULATED] Failed to {action} for {name}: not available in this country"
        )
        raise TerminalError(
            f"[👻 SIMULATED] Failed to {action} for {name}: not available in this country"
        )


# <start_here>
def send_welcome_email(user: User):
    fail_on_alice(user.name, "send welcome email")
    print(f"Welcome email sent: {user.email}")


# <end_here>


def create_user(user_id: str, user: User) -> bool:
    print(f"User entry created in DB: {user_id}")
    return True


def delete_user(user_id: str) -> bool:
    print(f"User entry deleted in DB: {user_id}")
    return True


def send_verification_email(user_id: str, user: User, verification_secret: str):
    # Port: the mock mailbox also keeps the secret per user id, where a test can read it
    # (upstream only prints it, for a human to curl).
    VERIFICATION_SECRETS[user_id] = verification_secret
    print(f"Verification email sent: {user.email}")
    print(
        f'For the signals section, verify via: curl localhost:8080/SignupWithSignalsWorkflow/{user_id}/verifyEmail --json \'{{"secret": "{verification_secret}"}}\''
    )
    print(
        f'For the timers section, verify via: curl localhost:8080/SignupWithTimersWorkflow/{user_id}/verifyEmail --json \'{{"secret": "{verification_secret}"}}\''
    )


def send_reminder_email(user_id: str, user: User, verification_secret: str):
    print(f"Reminder email sent: {user.email}")
    print(
        f'Verify via: curl localhost:8080/SignupWithTimersWorkflow/{user_id}/verifyEmail --json \'{{"secret": "{verification_secret}"}}\''
    )


def activate_user(user_id: str):
    print(f"User account activated: {user_id}")


def deactivate_user(user_id: str):
    print(f"User account deactivated: {user_id}")


def subscribe_to_paid_plan(user: User) -> bool:
    terminal_error_on_alice(user.name, "subscribe to paid plan")
    print(f"User subscribed to paid plan: {user.name}")
    return True


def cancel_subscription(user: User) -> bool:
    print(f"User subscription cancelled: {user.name}")
    return True


class CreateUserRequest(BaseModel):
    model_config = ConfigDict(populate_by_name=True, alias_generator=camelize)
    user_id: str
    user: User


class VerifyEmailRequest(BaseModel):
    secret: str


# Response models
class WorkflowResult(BaseModel):
    success: bool


class StatusResponse(BaseModel):
    status: str | None
    user: dict | None
