"""Per-call cost of the generated glue's serdes and request check, next to restate-sdk's own.

    ./pants run tests/python/perf:glue-overhead [-- --rounds 8 --calls 3000]

One call is what an invocation costs at the endpoint besides the handler itself: decode the
request body, run the handler (an echo), encode the response. The glue side is what generated
adapters bind: `RequestSerde` + `checked(handler)` + `JsonSerde`. The SDK side is the serde
restate-sdk's decorator picks for the same annotation: `PydanticJsonSerde`, `MsgspecJsonSerde`,
and for a dataclass `DefaultSerde(type)` (with dacite), which a hand-written service must pass
explicitly, since the decorator alone hands a dataclass handler a plain dict.

Each round measures both sides back to back (in alternating order), so a ratio compares like
with like on a noisy machine; the figures are medians over rounds.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

from restate.serde import DefaultSerde, MsgspecJsonSerde, PydanticJsonSerde, Serde

from perf import shapes
from restate_glue import JsonSerde, RequestSerde, checked

Call = Callable[[bytes], Awaitable[bytes]]
MODULE = shapes.__name__


async def echo(ctx: Any, req: Any) -> Any:
    return req


def glue_call(annotation: str) -> Call:
    request, response = RequestSerde[Any](annotation, MODULE), JsonSerde[Any](annotation, MODULE)
    handler = checked(echo)

    async def call(body: bytes) -> bytes:
        return response.serialize(await handler(None, request.deserialize(body)))

    return call


def sdk_call(serde: Serde[Any]) -> Call:
    async def call(body: bytes) -> bytes:
        return serde.serialize(await echo(None, serde.deserialize(body)))

    return call


KINDS: dict[str, tuple[str, Serde[Any]]] = {
    "pydantic": ("Order", PydanticJsonSerde(shapes.Order)),  # type: ignore[no-untyped-call]
    "dataclass": ("OrderRecord", DefaultSerde(shapes.OrderRecord)),
    "msgspec": ("OrderStruct", MsgspecJsonSerde(shapes.OrderStruct)),  # type: ignore[no-untyped-call]
}


async def per_call_us(call: Call, body: bytes, calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        await call(body)
    return (time.perf_counter() - start) / calls * 1e6


async def measure(rounds: int, calls: int) -> dict[str, list[tuple[float, float]]]:
    """Per kind, one (glue µs, sdk µs) pair per round, measured back to back."""
    body = shapes.order_json()
    sides = {
        kind: (glue_call(annotation), sdk_call(serde))
        for kind, (annotation, serde) in KINDS.items()
    }
    for kind, (glue, sdk) in sides.items():
        if kind != "dataclass" and await glue(body) != await sdk(body):
            raise AssertionError(f"{kind}: the two sides encode differently")
    results: dict[str, list[tuple[float, float]]] = {kind: [] for kind in KINDS}
    for round_number in range(rounds):
        for kind, (glue, sdk) in sides.items():
            if round_number % 2:
                sdk_us = await per_call_us(sdk, body, calls)
                glue_us = await per_call_us(glue, body, calls)
            else:
                glue_us = await per_call_us(glue, body, calls)
                sdk_us = await per_call_us(sdk, body, calls)
            results[kind].append((glue_us, sdk_us))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--calls", type=int, default=3000)
    args = parser.parse_args()
    results = asyncio.run(measure(args.rounds, args.calls))
    print(
        f"per call (decode request, run an echo handler, encode response); {args.rounds} "
        f"alternating rounds of {args.calls} calls per side; medians, and the median of the "
        "per-round ratios"
    )
    print(f"{'types':<12}{'glue µs':>10}{'sdk µs':>10}{'glue/sdk':>10}{'added':>9}")
    for kind, pairs in results.items():
        glue = statistics.median(g for g, _ in pairs)
        sdk = statistics.median(s for _, s in pairs)
        ratio = statistics.median(g / s for g, s in pairs)
        print(f"{kind:<12}{glue:>10.2f}{sdk:>10.2f}{ratio:>10.3f}{ratio - 1:>9.1%}")


if __name__ == "__main__":
    main()
