"""A plain service: greets, fails on purpose, talks to the Counter object through its
generated ctx client, and draws journaled random values (determinism under replay)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import timedelta

import restate
from restate import Context

from e2e.kinds.counter_restate_client import CounterClient
from e2e.kinds.models import CallOutcome, CounterCall, Deposit, Draws, Failure, Greeted, Greeting

# Per tag: the first draw each attempt of `draw` saw (the handler body runs once per attempt or
# replay; the app runs in the test process, so tests may look too).
FIRST_DRAWS: defaultdict[str, list[str]] = defaultdict(list)


async def greet(ctx: Context, req: Greeting) -> Greeted:
    """Hello, {name}."""
    return Greeted(message=f"Hello, {req.name}{req.punctuation}")


async def fail(ctx: Context, req: Failure) -> str:
    """Always fails terminally with the requested message and status code."""
    raise restate.TerminalError(req.message, status_code=req.status_code)


async def add_to_counter(ctx: Context, req: CounterCall) -> CallOutcome:
    """Adds to a Counter through the ctx client, request-response; a terminal error of the
    callee arrives here as `restate.TerminalError` and is reported, not re-raised."""
    counter = CounterClient.from_context(ctx, req.key)
    try:
        total = await counter.add(
            Deposit(amount=req.amount, limit=req.limit), idempotency_key=req.idempotency_key
        )
    except restate.TerminalError as e:
        return CallOutcome(error_status=e.status_code, error_message=e.message)
    return CallOutcome(total=total)


async def add_to_two_counters(ctx: Context, req: CounterCall) -> list[int]:
    """Adds to the Counters `key`-a and `key`-b at once: the ctx client's calls are the SDK's own
    futures, so `restate.gather` waits for both."""
    a = CounterClient.from_context(ctx, f"{req.key}-a").add(Deposit(amount=req.amount))
    b = CounterClient.from_context(ctx, f"{req.key}-b").add(Deposit(amount=req.amount * 10))
    await restate.gather(a, b)
    return [await a, await b]


async def add_twice(ctx: Context, req: CounterCall) -> list[int]:
    """Makes the same ctx call twice with one idempotency key: the callee runs once."""
    counter = CounterClient.from_context(ctx, req.key)
    deposit = Deposit(amount=req.amount)
    key = req.idempotency_key or f"add-twice-{req.key}"
    first = await counter.add(deposit, idempotency_key=key)
    second = await counter.add(deposit, idempotency_key=key)
    return [first, second]


async def send_to_counter(ctx: Context, req: CounterCall) -> str:
    """One-way message to a Counter through the ctx send client (delayed if `delay_ms`);
    returns the invocation id of the message."""
    delay = timedelta(milliseconds=req.delay_ms) if req.delay_ms else None
    handle = (
        CounterClient.from_context(ctx, req.key).send(delay=delay).add(Deposit(amount=req.amount))
    )
    return await handle.invocation_id()


async def draw(ctx: Context, tag: str) -> Draws:
    """Two journaled random values around a durable sleep (a suspension point)."""
    first = await ctx.run_typed("first", _new_id)
    FIRST_DRAWS[tag].append(first)
    await ctx.sleep(timedelta(milliseconds=10))
    second = await ctx.run_typed("second", _new_id)
    return Draws(
        first=first,
        second=second,
        seeded=ctx.random().randint(0, 1_000_000),
        attempts=len(FIRST_DRAWS[tag]),
        first_seen_by_each_attempt=list(FIRST_DRAWS[tag]),
    )


async def _new_id() -> str:
    return uuid.uuid4().hex
