"""Composes the Slowpoke's generated ctx-client calls with restate-sdk's own combinators:
`restate.select` (a call against a call, against `ctx.sleep`, against a call of another type),
`restate.wait_completed`, `restate.gather`, `await fut.invocation_id()`,
`fut.cancel_invocation()`, and the send client's handle."""

from __future__ import annotations

from datetime import timedelta
from typing import assert_type

import restate
from restate import Context

from e2e.composables.models import CancelReport, IdReport, Nap, Race, RaceReport, WaitReport, Woke
from e2e.composables.slowpoke_restate_client import SlowpokeClient


def _report(winner: str, value: object) -> RaceReport:
    label = value.label if isinstance(value, Woke) else None
    return RaceReport(winner=winner, value_type=type(value).__name__, label=label)


async def race_calls(ctx: Context, req: Race) -> RaceReport:
    """Two naps race; the loser is cancelled through its future."""
    slowpoke = SlowpokeClient.from_context(ctx)
    fast = slowpoke.nap(Nap(label=f"{req.tag}-fast", ms=req.fast_ms))
    slow = slowpoke.nap(Nap(label=f"{req.tag}-slow", ms=req.slow_ms))
    assert_type(fast, restate.RestateDurableCallFuture[Woke])  # checked by mypy
    winner, value = await restate.select(fast=fast, slow=slow)
    report = _report(winner, value)
    loser = slow if winner == "fast" else fast
    await loser.cancel_invocation()
    report.loser_cancelled = True
    return report


async def race_timer(ctx: Context, req: Race) -> RaceReport:
    """A nap of `slow_ms` against a durable timer of `fast_ms`; a nap that loses is
    cancelled."""
    call = SlowpokeClient.from_context(ctx).nap(Nap(label=req.tag, ms=req.slow_ms))
    timeout = ctx.sleep(timedelta(milliseconds=req.fast_ms))
    winner, value = await restate.select(call=call, timeout=timeout)
    report = _report(winner, value)
    if winner == "timeout":
        await call.cancel_invocation()
        report.loser_cancelled = True
    else:
        woke = await call  # typed: the declared response type, decoded once
        report.label = woke.label
    return report


async def race_kinds(ctx: Context, req: Race) -> RaceReport:
    """An int-returning call against a nap that takes `slow_ms`; a nap that loses is
    cancelled."""
    slowpoke = SlowpokeClient.from_context(ctx)
    number = slowpoke.count(41)
    woke = slowpoke.nap(Nap(label=req.tag, ms=req.slow_ms))
    winner, value = await restate.select(number=number, woke=woke)
    report = _report(winner, value)
    if winner == "number":
        report.label = str(await number + 1)  # an int, as mypy and the serde agree
        await woke.cancel_invocation()
        report.loser_cancelled = True
    return report


async def wait_first(ctx: Context, tag: str) -> WaitReport:
    """`restate.wait_completed` over a quick nap and a call that never ends; the latter is
    then cancelled, and awaiting it raises the cancellation as a TerminalError."""
    slowpoke = SlowpokeClient.from_context(ctx)
    quick = slowpoke.nap(Nap(label=tag))
    stuck = slowpoke.hold(tag)
    done, pending = await restate.wait_completed(quick, stuck)
    names = {id(quick): "quick", id(stuck): "stuck"}
    report = WaitReport(
        done=[names[id(f)] for f in done],
        pending=[names[id(f)] for f in pending],
        done_types=[type(await f).__name__ for f in done],
        woke=await quick,
        stuck_invocation=await stuck.invocation_id(),
    )
    await stuck.cancel_invocation()
    try:
        await stuck
    except restate.TerminalError as error:
        report.stuck_error_status = error.status_code
        report.stuck_error_message = error.message
    return report


async def call_ids(ctx: Context, tag: str) -> IdReport:
    """The invocation id of a ctx-client call, read before and valid after its result."""
    future = SlowpokeClient.from_context(ctx).nap(Nap(label=tag))
    callee = await future.invocation_id()
    woke = await future
    return IdReport(caller=ctx.request().id, callee=callee, woke=woke)


async def gather_kinds(ctx: Context, tag: str) -> list[str]:
    """`restate.gather` over futures of different response types."""
    slowpoke = SlowpokeClient.from_context(ctx)
    woke, number = slowpoke.nap(Nap(label=tag, ms=5)), slowpoke.count(1)
    await restate.gather(woke, number)
    return [(await woke).label, str(await number)]


async def cancel_call(ctx: Context, tag: str) -> CancelReport:
    """Cancels a call that would never end through its future; the caller sees the
    cancellation as a TerminalError."""
    future = SlowpokeClient.from_context(ctx).hold(tag)
    report = CancelReport(invocation=await future.invocation_id())
    await future.cancel_invocation()
    try:
        await future
    except restate.TerminalError as error:
        report.error_status = error.status_code
        report.error_message = error.message
    return report


async def cancel_send(ctx: Context, tag: str) -> CancelReport:
    """Sends a call that would never end, then cancels it through the SDK's send handle."""
    handle = SlowpokeClient.from_context(ctx).send().hold(tag)
    assert_type(handle, restate.SendHandle)
    report = CancelReport(
        invocation=await handle.invocation_id(),
        handle_type=[
            c.__name__ for c in type(handle).__mro__ if c.__module__.startswith("restate")
        ],
    )
    await handle.cancel_invocation()
    return report
