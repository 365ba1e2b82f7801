"""Hypercorn workers in one app server (`APP_WORKERS`) measured against one worker.

    ./pants run tests/python/cluster:bench-workers -- [--calls 400] [--concurrency 16]
        [--rounds 2] [--workers 2]

One restate-server, one replica of the sample (`app.deployment`) on a fixed port, run once with
one worker process and once with `--workers`, alternating for `--rounds` rounds (these machines
are noisy, so the figures are printed side by side from the same run). Each measurement sends
`--calls` sample signups (each is 4 invocations: UserManager, User, UserWorkflow, Email) with
`--concurrency` in flight, after a warm-up. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx
from cluster.traffic import percentile

from restate_local import AdminClient, RestateServer, ServerOptions
from restate_local.ports import free_port
from restate_local.replica import AppReplica

APP_SPEC = "app.deployment:make_app"


@dataclass
class Run:
    workers: int
    seconds: float
    ok: int
    failed: int
    latencies_ms: list[float]

    @property
    def per_second(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0


async def _drive(ingress_url: str, calls: int, concurrency: int, tag: str) -> Run:
    latencies: list[float] = []
    failed = 0
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(calls):
        queue.put_nowait(i)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async with httpx.AsyncClient(
        base_url=ingress_url, timeout=60, trust_env=False, limits=limits
    ) as client:

        async def worker() -> None:
            nonlocal failed
            while True:
                try:
                    i = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                email = f"{tag}-{i}@example.com"
                started = time.perf_counter()
                try:
                    response = await client.post(
                        "/UserManager/signup_user", json={"email": email, "name": "bench"}
                    )
                    ok = response.is_success
                except httpx.HTTPError:
                    ok = False
                if ok:
                    latencies.append((time.perf_counter() - started) * 1000)
                else:
                    failed += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        seconds = time.perf_counter() - started
    return Run(0, seconds, len(latencies), failed, latencies)


def measure(
    server: RestateServer, port: int, workers: int, calls: int, concurrency: int, work: Path
) -> Run:
    replica = AppReplica(
        APP_SPEC,
        name=f"w{workers}",
        port=port,
        workers=workers,
        env={"APP_DATA_DIR": str(work / "data")},
        log_path=work / f"replica-w{workers}.log",
    )
    with replica:
        with AdminClient(server.admin_url) as admin:
            admin.register_deployment(replica.url, use_http_11=False, force=True)
        tag = uuid.uuid4().hex[:8]
        asyncio.run(_drive(server.ingress_url, min(50, calls), concurrency, f"warm-{tag}"))
        run = asyncio.run(_drive(server.ingress_url, calls, concurrency, f"run-{tag}"))
    run.workers = workers
    return run


def _row(label: str, runs: list[Run]) -> str:
    rate = statistics.median(r.per_second for r in runs)
    lat = [x for r in runs for x in r.latencies_ms]
    failed = sum(r.failed for r in runs)
    return (
        f"{label:<12} {rate:>10.1f} {percentile(lat, 50):>9.0f} {percentile(lat, 99):>9.0f} "
        f"{failed:>7}   per round: " + ", ".join(f"{r.per_second:.1f}/s" for r in runs)
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    results: dict[int, list[Run]] = {1: [], args.workers: []}
    with tempfile.TemporaryDirectory(prefix="bench-workers-") as tmp:
        work = Path(tmp)
        options = ServerOptions(num_partitions=4, base_dir=work / "restate")
        with RestateServer(options, log_path=work / "restate.log") as server:
            port = free_port()
            for round_ in range(1, args.rounds + 1):
                for workers in (1, args.workers):
                    run = measure(server, port, workers, args.calls, args.concurrency, work)
                    results[workers].append(run)
                    print(
                        f"round {round_}, {workers} worker(s): {run.ok} signups in "
                        f"{run.seconds:.1f} s ({run.per_second:.1f}/s), {run.failed} failed",
                        flush=True,
                    )
    print()
    print(
        f"{args.calls} signups per run, {args.concurrency} in flight, {args.rounds} rounds, "
        f"{os.cpu_count()} CPUs (restate-server, the app and this client share them)"
    )
    print(f"{'':<12} {'signups/s':>10} {'p50 ms':>9} {'p99 ms':>9} {'failed':>7}")
    print(_row("1 worker", results[1]))
    print(_row(f"{args.workers} workers", results[args.workers]))
    one = statistics.median(r.per_second for r in results[1])
    many = statistics.median(r.per_second for r in results[args.workers])
    print(f"ratio {args.workers} workers / 1 worker: {many / one:.2f}x" if one else "")
    return 0


if __name__ == "__main__":
    sys.exit(main())
