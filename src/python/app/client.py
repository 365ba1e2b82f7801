"""`./pants run src/python/app:client -- <command>`: drives the sample from outside Restate,
through the generated typed ingress clients.

    signup EMAIL [--name NAME]   sign up (starts the user's email verification workflow)
    confirm EMAIL [SECRET]       click the emailed link (SECRET defaults to the one in the outbox)
    status EMAIL                 the workflow's stage and the stored user
    outbox                       the emails "sent" so far

Settings: `RESTATE_INGRESS_URL` (default http://127.0.0.1:8080), `APP_DATA_DIR` (default
`.app-data`, where the server keeps the outbox).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from collections.abc import Mapping, Sequence
from typing import TextIO

import httpx
import pydantic
import restate

from app import outbox
from app.models import ConfirmEmailRequest, SignupRequest, User, normalize_email
from app.users.user_manager_restate_client import UserManagerIngressClient
from app.users.user_restate_client import UserIngressClient
from app.users.user_workflow_restate_client import UserWorkflowIngressClient

DEFAULT_INGRESS_URL = "http://127.0.0.1:8080"
_TIMEOUT = 30.0


class ClientError(Exception):
    """Shown as one line; exit code 1."""


def _describe_user(user: User | None) -> str:
    if user is None:
        return "no such user"
    state = "confirmed" if user.email_confirmed else "NOT confirmed"
    name = f" ({user.name})" if user.name else ""
    return f"{user.email}{name}, email {state}"


async def signup(http: httpx.AsyncClient, email: str, name: str, say: Writer) -> None:
    response = await UserManagerIngressClient(http).signup_user(
        SignupRequest(email=email, name=name)
    )
    say(f"signed up: {_describe_user(response.user)}")
    stage = await _wait_for_stage(http, response.workflow_id, "awaiting-email-confirmation")
    say(f"verification workflow UserWorkflow/{response.workflow_id}: {stage}")


async def _wait_for_stage(
    http: httpx.AsyncClient, email: str, wanted: str, timeout: float = 10.0
) -> str | None:
    workflow = UserWorkflowIngressClient(http, email)
    deadline = time.monotonic() + timeout
    stage = await workflow.get_stage()
    while stage != wanted and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
        stage = await workflow.get_stage()
    return stage


async def confirm(
    http: httpx.AsyncClient, email: str, secret: str | None, env: Mapping[str, str], say: Writer
) -> None:
    if secret is None:
        path = outbox.outbox_path(env)
        secret = outbox.latest_secret(path, email)
        if secret is None:
            raise ClientError(
                f"no verification email to {email} in {path}; pass the secret from the "
                "email as the second argument"
            )
        say(f"clicking the link in the verification email to {email} ({path})")
    answer = await UserManagerIngressClient(http).confirm_email(
        ConfirmEmailRequest(email=email, secret=secret)
    )
    say(f"confirm_email: {answer.message}")
    if not answer.accepted:
        raise ClientError(f"the confirmation of {email} was not accepted: {answer.message}")
    outcome = await UserWorkflowIngressClient(http, email).attach()
    say(f"workflow finished: stage {outcome.stage}, email_confirmed={outcome.email_confirmed}")
    say(f"user: {_describe_user(await UserIngressClient(http, email).read())}")


async def status(http: httpx.AsyncClient, email: str, say: Writer) -> None:
    stage = await UserWorkflowIngressClient(http, email).get_stage()
    say(f"workflow stage: {stage or 'not started'}")
    say(f"user: {_describe_user(await UserIngressClient(http, email).read())}")


def show_outbox(env: Mapping[str, str], say: Writer) -> None:
    path = outbox.outbox_path(env)
    entries = outbox.read(path)
    if not entries:
        say(f"the outbox {path} is empty")
    for entry in entries:
        m = entry.message
        say(f"--- {entry.message_id} to {m.to}: {m.subject}\n{m.body.rstrip()}")


class Writer:
    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def __call__(self, line: str) -> None:
        print(line, file=self.stream, flush=True)


def _email(value: str) -> str:
    try:
        return normalize_email(value)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="client", description="Drives the sample app through Restate's ingress."
    )
    commands = p.add_subparsers(dest="command", required=True)
    s = commands.add_parser("signup", help="sign a user up and start their email verification")
    s.add_argument("email", type=_email)
    s.add_argument("--name", default="")
    c = commands.add_parser("confirm", help="confirm the email (click the emailed link)")
    c.add_argument("email", type=_email)
    c.add_argument("secret", nargs="?", help="default: the one in the latest email in the outbox")
    st = commands.add_parser("status", help="the verification stage and the stored user")
    st.add_argument("email", type=_email)
    commands.add_parser("outbox", help='the emails "sent" so far')
    return p


async def _run(
    args: argparse.Namespace, ingress_url: str, env: Mapping[str, str], say: Writer
) -> None:
    async with httpx.AsyncClient(base_url=ingress_url, timeout=_TIMEOUT, trust_env=False) as http:
        if args.command == "signup":
            await signup(http, args.email, args.name, say)
        elif args.command == "confirm":
            await confirm(http, args.email, args.secret, env, say)
        elif args.command == "status":
            await status(http, args.email, say)


def run(
    argv: Sequence[str] | None = None,
    env: Mapping[str, str] | None = None,
    out: TextIO | None = None,
) -> int:
    env = os.environ if env is None else env
    args = parser().parse_args(argv)
    say = Writer(out or sys.stdout)
    ingress_url = (env.get("RESTATE_INGRESS_URL") or DEFAULT_INGRESS_URL).rstrip("/")
    try:
        if args.command == "outbox":
            show_outbox(env, say)
        else:
            asyncio.run(_run(args, ingress_url, env, say))
    except ClientError as e:
        print(f"client: {e}", file=sys.stderr)
        return 1
    except restate.HttpError as e:
        print(f"client: Restate answered HTTP {e.status_code}: {e.message}", file=sys.stderr)
        return 1
    except httpx.TransportError as e:
        print(
            f"client: cannot reach the Restate ingress at {ingress_url} ({e or type(e).__name__});"
            " is `./pants run src/python/app:server` running? (RESTATE_INGRESS_URL)",
            file=sys.stderr,
        )
        return 1
    except pydantic.ValidationError as e:
        print(f"client: unexpected answer: {e}", file=sys.stderr)
        return 1
    return 0


def main() -> None:
    sys.exit(run())


if __name__ == "__main__":
    main()
