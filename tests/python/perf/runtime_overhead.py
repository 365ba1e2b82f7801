"""Run-time cost of the generated glue against hand-written restate-sdk glue, one restate-server.

    ./pants run tests/python/perf:runtime-overhead [-- --rounds 8 --calls 400 --concurrency 16]

1. Throughput. The same handler (`perf.orders.place`) is served as `Orders` by the generated
   deployment and as `HandOrders` by hand-written restate-sdk glue (`perf.handwritten`), each by
   its own hypercorn app over h2c, both registered over HTTP/2 with one restate-server. A round
   sends `--calls` ingress calls with `--concurrency` in flight, over one HTTP/2 client, to one
   side, then the same to the other (which goes first alternates). Printed: each round's
   throughput and ratio, then medians and p50/p99 latency per side.
2. Typed clients, sequential latency:
   - ingress: the typed `OrdersIngressClient.place` against a raw httpx POST + pydantic parse;
   - in a handler: `relay_typed` (the typed ctx client) against `relay_generic`
     (`ctx.generic_call` with hand-made JSON), both called through the ingress.

The machine is noisy: compare within a round, never a lone absolute figure. `--json PATH` also
writes every round's figures there, for `tests/python/perf_plots` (docs/perf/).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx

from perf import deployment, handwritten
from perf.orders import Line, Order, Receipt
from perf.orders_restate_client import OrdersIngressClient
from restate_local import AdminClient, AppServer, RestateServer, ServerOptions

ORDER = Order(
    id="o-1",
    customer="ada",
    lines=[Line(sku=f"sku-{n}", quantity=n + 1, price=9.5 + n) for n in range(5)],
)
EXPECTED = Receipt(id="o-1", total=sum((n + 1) * (9.5 + n) for n in range(5)))
Call = Callable[[], Awaitable[Receipt]]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


async def load(call: Call, calls: int, concurrency: int) -> tuple[float, list[float]]:
    """(calls per second, latencies in ms) for `calls` calls, `concurrency` at a time."""
    remaining = calls
    latencies: list[float] = []

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            start = time.perf_counter()
            receipt = await call()
            latencies.append((time.perf_counter() - start) * 1000)
            if receipt != EXPECTED:
                raise AssertionError(f"wrong answer: {receipt}")

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return calls / (time.perf_counter() - start), latencies


def post(http: httpx.AsyncClient, path: str) -> Call:
    async def call() -> Receipt:
        response = await http.post(
            path, content=ORDER.model_dump_json(), headers={"content-type": "application/json"}
        )
        response.raise_for_status()
        return Receipt.model_validate_json(response.content)

    return call


async def side_by_side(
    label: str, sides: dict[str, Call], rounds: int, calls: int, concurrency: int
) -> dict[str, Any]:
    """Alternating rounds of the two sides. With one call in flight the figure is latency (median
    ms per round, ratio first/second: lower is better); otherwise throughput (calls/s, ratio
    first/second: higher is better). Returns what it printed, as plain data."""
    names = list(sides)
    latency = concurrency == 1
    unit = "ms" if latency else "/s"
    figures: dict[str, list[float]] = {name: [] for name in names}
    latencies: dict[str, list[float]] = {name: [] for name in names}
    ratios = []
    print(f"\n{label}: {rounds} rounds of {calls} calls, {concurrency} in flight")
    print(f"{'round':<7}" + "".join(f"{f'{name} {unit}':>16}" for name in names) + f"{'ratio':>9}")
    for round_number in range(rounds):
        order = names if round_number % 2 == 0 else names[::-1]
        for name in order:
            rate, lat = await load(sides[name], calls, concurrency)
            figures[name].append(statistics.median(lat) if latency else rate)
            latencies[name].extend(lat)
        ratio = figures[names[0]][-1] / figures[names[1]][-1]
        ratios.append(ratio)
        row = "".join(f"{figures[name][-1]:>16.2f}" for name in names)
        print(f"{round_number + 1:<7}{row}{ratio:>9.3f}")
    what = "latency" if latency else "throughput"
    print(f"median {what} ratio {names[0]}/{names[1]}: {statistics.median(ratios):.3f}")
    for name in names:
        lat = latencies[name]
        print(
            f"  {name}: p50 {percentile(lat, 0.5):.2f} ms, p99 {percentile(lat, 0.99):.2f} ms"
            + ("" if latency else f", median {statistics.median(figures[name]):.1f} calls/s")
        )
    return {
        "label": label,
        "measure": what,
        "unit": "ms" if latency else "calls/s",
        "sides": names,
        "calls": calls,
        "concurrency": concurrency,
        "rounds": [
            {"figures": {name: figures[name][i] for name in names}, "ratio": ratios[i]}
            for i in range(rounds)
        ],
        "median_ratio": statistics.median(ratios),
        "latency_ms": {
            name: {"p50": percentile(lat, 0.5), "p99": percentile(lat, 0.99)}
            for name, lat in latencies.items()
        },
    }


async def measure(ingress: str, rounds: int, calls: int, concurrency: int) -> list[dict[str, Any]]:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(
        base_url=ingress, http2=True, http1=False, limits=limits, timeout=60
    ) as http:
        typed = OrdersIngressClient(http)
        # Warm both paths (first calls resolve serdes and open connections).
        for call in (post(http, "/Orders/place"), post(http, "/HandOrders/place")):
            await load(call, 20, 4)
        throughput = await side_by_side(
            "1. throughput, generated glue vs hand-written restate-sdk glue",
            {
                "generated": post(http, "/Orders/place"),
                "hand-written": post(http, "/HandOrders/place"),
            },
            rounds,
            calls,
            concurrency,
        )

        async def typed_place() -> Receipt:
            return await typed.place(ORDER)

        sequential = max(50, calls // 4)
        ingress_latency = await side_by_side(
            "2a. ingress latency, typed client vs raw httpx POST (sequential)",
            {"typed": typed_place, "raw httpx": post(http, "/Orders/place")},
            rounds,
            sequential,
            1,
        )
        ctx_latency = await side_by_side(
            "2b. in-handler call latency, typed ctx client vs ctx.generic_call (sequential)",
            {
                "typed": post(http, "/Orders/relay_typed"),
                "generic": post(http, "/Orders/relay_generic"),
            },
            rounds,
            sequential,
            1,
        )
    return [throughput, ingress_latency, ctx_latency]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--calls", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--json", type=Path, help="also write every round's figures here")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    generated_app: Any = deployment.make_app()
    with (
        RestateServer(ServerOptions(num_partitions=4)) as server,
        AppServer(generated_app) as generated,
        AppServer(handwritten.make_app()) as hand,
        AdminClient(server.admin_url) as admin,
    ):
        for served in (generated, hand):
            admin.register_deployment(served.url)
        sections = asyncio.run(
            measure(server.ingress_url, args.rounds, args.calls, args.concurrency)
        )
    if args.json:
        record = {
            "benchmark": "runtime-overhead",
            "command": "./pants run tests/python/perf:runtime-overhead",
            "taken": time.strftime("%Y-%m-%d", time.gmtime()),
            "machine": {
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
            },
            "sections": sections,
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
