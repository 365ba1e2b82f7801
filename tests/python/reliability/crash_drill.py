"""The crash drill: signups through Restate's ingress while the app is SIGKILLed and restarted
every few seconds and restate-server is SIGKILLed and restarted once; every verification link in
the outbox is clicked; then every workflow and every User must have ended confirmed, with exactly
one distinct verification email per user.

The client side does what a careful user of Restate does: each call carries an idempotency key,
and a call cut off by a crash is sent again with the same key (counted as a retry). Workflows are
awaited through the ingress' attach endpoint.
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from reliability.stack import Stack, read_outbox, secrets_by_recipient

CALL_TIMEOUT = 30.0  # one attempt; a call the server is still working on is attached again


@dataclass
class Counters:
    calls: int = 0  # HTTP requests sent to the ingress, retries included
    retries: int = 0  # requests sent again (same idempotency key) after a cut-off attempt
    errors: list[str] = field(default_factory=list)  # unexpected answers

    def error(self, text: str) -> None:
        if len(self.errors) < 50:
            self.errors.append(text)


class CallFailed(Exception):
    pass


async def call(
    http: httpx.AsyncClient,
    counters: Counters,
    method: str,
    path: str,
    *,
    body: Any = None,
    idempotency_key: str | None = None,
    deadline: float,
) -> Any:
    """One ingress call, sent again with the same idempotency key when a crash cuts it off
    (connection refused or reset, 5xx from a restarting server, no answer in time)."""
    headers = {"idempotency-key": idempotency_key} if idempotency_key else {}
    first = True
    while True:
        if not first:
            counters.retries += 1
        first = False
        counters.calls += 1
        try:
            response = await http.request(
                method, path, json=body, headers=headers, timeout=CALL_TIMEOUT
            )
        except httpx.TransportError as e:
            reason = f"{type(e).__name__}"
        else:
            if response.status_code == 200:
                return response.json() if response.content else None
            if response.status_code < 500:
                raise CallFailed(f"{method} {path}: HTTP {response.status_code} {response.text}")
            reason = f"HTTP {response.status_code}"
        if time.monotonic() > deadline:
            raise CallFailed(f"{method} {path}: gave up at the deadline (last: {reason})")
        await asyncio.sleep(0.2 + random.random() * 0.3)


async def wait_for_secret(stack: Stack, email: str, deadline: float) -> str:
    """Polls the outbox until the verification email to `email` is there (the user's inbox)."""
    while True:
        found = secrets_by_recipient(read_outbox(stack.outbox_path)).get(email)
        if found:
            return sorted(found)[0]
        if time.monotonic() > deadline:
            raise CallFailed(f"no verification email to {email} by the deadline")
        await asyncio.sleep(0.25)


async def user_flow(
    http: httpx.AsyncClient,
    stack: Stack,
    counters: Counters,
    email: str,
    deadline: float,
    click_delay: float,
) -> None:
    signup = await call(
        http,
        counters,
        "POST",
        "/UserManager/signup_user",
        body={"email": email, "name": email.split("@")[0]},
        idempotency_key=f"signup:{email}",
        deadline=deadline,
    )
    if signup["user"]["email"] != email:
        raise CallFailed(f"signup answered {signup}")
    secret = await wait_for_secret(stack, email, deadline)
    await asyncio.sleep(click_delay)  # people read their mail a while later
    answer = await call(
        http,
        counters,
        "POST",
        "/UserManager/confirm_email",
        body={"email": email, "secret": secret},
        idempotency_key=f"confirm:{email}",
        deadline=deadline,
    )
    if not answer["accepted"]:
        raise CallFailed(f"confirm_email of {email}: {answer}")
    outcome = await call(
        http, counters, "GET", f"/restate/workflow/UserWorkflow/{email}/attach", deadline=deadline
    )
    if outcome.get("stage") != "confirmed":
        raise CallFailed(f"workflow of {email} ended {outcome}")


@dataclass
class CrashReport:
    signups: int
    calls: int
    retries: int
    app_kills: int
    app_restarts: int
    restate_kills: int
    restate_restarts: int
    confirmed_workflows: int
    confirmed_users: int
    lost: int  # users whose workflow or User did not end confirmed
    duplicated: int  # users with more than one distinct verification email
    outbox_raw_lines: int
    outbox_messages: int  # distinct message ids
    outbox_duplicate_lines: int  # lines repeating a message id (a side effect replayed)
    outbox_torn_lines: int
    unfinished_invocations: int
    crash_window: float  # seconds from the start during which processes were killed
    seconds: float
    errors: list[str]

    def lines(self) -> list[str]:
        return [
            f"signups: {self.signups}",
            f"ingress calls: {self.calls} ({self.retries} sent again after a crash cut them off)",
            f"app SIGKILLs: {self.app_kills}, app restarts: {self.app_restarts}",
            f"restate-server SIGKILLs: {self.restate_kills}, " f"restarts: {self.restate_restarts}",
            f"workflows confirmed: {self.confirmed_workflows}/{self.signups}, "
            f"users confirmed: {self.confirmed_users}/{self.signups}",
            f"lost: {self.lost}, duplicated (users with >1 distinct email): {self.duplicated}",
            f"outbox: {self.outbox_raw_lines} raw lines, {self.outbox_messages} distinct "
            f"messages, {self.outbox_duplicate_lines} repeated lines de-duplicated by "
            f"message id, {self.outbox_torn_lines} torn lines",
            f"invocations not completed at the end: {self.unfinished_invocations}",
            f"time: {self.seconds:.1f}s (kills during the first {self.crash_window:.0f}s)",
            *(f"error: {e}" for e in self.errors),
        ]


async def _workload(
    stack: Stack,
    emails: list[str],
    arrival_seconds: float,
    max_click_delay: float,
    deadline: float,
    counters: Counters,
) -> None:
    """Signups arrive evenly over `arrival_seconds`; each user clicks their link up to
    `max_click_delay` seconds after the email arrived, so workflows wait across crashes."""
    limits = httpx.Limits(max_connections=len(emails) + 4)
    async with httpx.AsyncClient(
        base_url=stack.ingress_url, trust_env=False, limits=limits
    ) as http:

        async def one(index: int, email: str) -> None:
            await asyncio.sleep(arrival_seconds * index / max(1, len(emails)))
            try:
                await user_flow(
                    http, stack, counters, email, deadline, random.random() * max_click_delay
                )
            except CallFailed as e:
                counters.error(str(e))

        await asyncio.gather(*(one(i, e) for i, e in enumerate(emails)))


async def _verify(stack: Stack, emails: list[str], counters: Counters) -> tuple[int, int]:
    """Fresh reads after the dust settled: (confirmed workflows, confirmed users)."""
    workflows = users = 0
    deadline = time.monotonic() + 60
    async with httpx.AsyncClient(base_url=stack.ingress_url, trust_env=False) as http:
        for email in emails:
            try:
                stage = await call(
                    http, counters, "POST", f"/UserWorkflow/{email}/get_stage", deadline=deadline
                )
                user = await call(http, counters, "POST", f"/User/{email}/read", deadline=deadline)
            except CallFailed as e:
                counters.error(str(e))
                continue
            workflows += stage == "confirmed"
            users += bool(user and user.get("email_confirmed"))
    return workflows, users


def run_crash_drill(
    workdir: Path,
    *,
    signups: int = 100,
    kill_every: float = 3.0,
    restate_kill_after: int = 3,
    arrival_seconds: float = 30.0,
    max_click_delay: float = 5.0,
    chaos_seconds: float | None = None,
    time_limit: float = 240.0,
    say: Callable[[str], None] = lambda line: None,
) -> CrashReport:
    """Runs the drill; `restate_kill_after`: restate-server is killed in place of the app's
    n-th kill (once). Kills stop after `chaos_seconds` (default: the arrival time + 10 s), then
    the flows get until `time_limit` to finish (unfinished users count as lost): Restate retries
    with a growing backoff, so under endless kills on a loaded machine an invocation can keep
    missing the app's short windows of life; the promise is that nothing is lost once the
    crashes stop."""
    started = time.monotonic()
    deadline = started + time_limit
    chaos_until = started + (arrival_seconds + 10.0 if chaos_seconds is None else chaos_seconds)
    run_id = f"{random.randrange(16**6):06x}"
    emails = [f"user{i:04d}.{run_id}@drill.example.com" for i in range(signups)]
    counters = Counters()
    app_kills = restate_kills = 0
    with Stack(workdir) as stack:
        stack.start_restate()
        stack.start_app()
        say(f"stack up after {time.monotonic() - started:.1f}s; {signups} signups start")

        done = threading.Event()
        failure: list[BaseException] = []

        def workload() -> None:
            try:
                asyncio.run(
                    _workload(stack, emails, arrival_seconds, max_click_delay, deadline, counters)
                )
            except BaseException as e:  # noqa: BLE001 - reported by the main thread
                failure.append(e)
            finally:
                done.set()

        worker = threading.Thread(target=workload, name="crash-drill-workload", daemon=True)
        worker.start()
        # The chaos runs on the main thread, so the processes it starts die with it.
        assert stack.app is not None
        kills = 0
        crash_window = 0.0
        while not done.wait(kill_every * (0.5 + random.random())):
            if time.monotonic() > min(deadline, chaos_until):
                say(f"{time.monotonic() - started:.1f}s: crashes stop; waiting for the flows")
                break
            kills += 1
            if kills == restate_kill_after and restate_kills == 0:
                say(f"{time.monotonic() - started:.1f}s: SIGKILL restate-server")
                stack.kill_restate()
                restate_kills += 1
                time.sleep(random.random())
                stack.start_restate()
                say(f"{time.monotonic() - started:.1f}s: restate-server back")
                crash_window = time.monotonic() - started
            else:
                stack.app.kill()
                app_kills += 1
                time.sleep(random.random() * 0.5)
                stack.app.start()
                say(f"{time.monotonic() - started:.1f}s: app killed and restarted ({app_kills})")
                crash_window = time.monotonic() - started
        worker.join(max(0.0, deadline - time.monotonic()) + 5)
        if failure:
            raise failure[0]
        say(f"{time.monotonic() - started:.1f}s: all flows done; verifying")
        workflows, users = asyncio.run(_verify(stack, emails, counters))
        outbox = read_outbox(stack.outbox_path)
        by_user: dict[str, set[str]] = {}
        for message_id, message in outbox.messages.items():
            by_user.setdefault(message["to"], set()).add(message_id)
        duplicated = sum(len(by_user.get(e, ())) > 1 for e in emails)
        unfinished = stack.unfinished_invocations()
        for row in unfinished[:10]:
            counters.error(f"unfinished invocation: {row}")
        seconds = time.monotonic() - started
        lost = signups - min(workflows, users)
        return CrashReport(
            signups=signups,
            calls=counters.calls,
            retries=counters.retries,
            app_kills=app_kills,
            app_restarts=stack.app.starts - 1,
            restate_kills=restate_kills,
            restate_restarts=stack.restate_starts - 1,
            confirmed_workflows=workflows,
            confirmed_users=users,
            lost=lost,
            duplicated=duplicated,
            outbox_raw_lines=outbox.raw_lines,
            outbox_messages=len(outbox.messages),
            outbox_duplicate_lines=outbox.duplicate_lines,
            outbox_torn_lines=outbox.torn_lines,
            unfinished_invocations=len(unfinished),
            crash_window=crash_window,
            seconds=seconds,
            errors=counters.errors,
        )
