"""What mypy sees through the generated ctx clients' futures (checked by `./pants check`; never
called by the tests).

Each `assert_type` fails the check if a future or its awaited value loses its declared type.
Each wrong use carries a `type: ignore[<code>]`; the repo's mypy runs with
`warn_unused_ignores`, so if mypy stopped rejecting the wrong use (e.g. because the response
leaked as `Any`), the ignore would be unused and the check would fail.
"""

from __future__ import annotations

from typing import assert_type

import restate
from restate import Context

from e2e.composables.models import Nap, Woke
from e2e.composables.slowpoke_restate_client import SlowpokeClient


async def declared_types(ctx: Context) -> None:
    slowpoke = SlowpokeClient.from_context(ctx)
    nap = slowpoke.nap(Nap(label="x"))
    count = slowpoke.count(1)
    assert_type(nap, restate.RestateDurableCallFuture[Woke])
    assert_type(count, restate.RestateDurableCallFuture[int])
    assert_type(await nap, Woke)
    assert_type(await count, int)
    assert_type(await nap.invocation_id(), str)
    assert_type(slowpoke.send().hold("x"), restate.SendHandle)
    done, pending = await restate.wait_completed(nap, count)
    await restate.gather(nap, count)


async def wrong_uses(ctx: Context) -> None:
    slowpoke = SlowpokeClient.from_context(ctx)
    woke: int = await slowpoke.nap(Nap(label="x"))  # type: ignore[assignment]
    label: str = await slowpoke.count(1)  # type: ignore[assignment]
    await slowpoke.nap("x")  # type: ignore[arg-type]
    missing = (await slowpoke.nap(Nap(label="x"))).missing  # type: ignore[attr-defined]
    await slowpoke.send().hold("x")  # type: ignore[misc]
    del woke, label, missing
