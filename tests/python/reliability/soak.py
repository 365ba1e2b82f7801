"""The soak: complete signup flows (signup, email, click, workflow done, user read) started at a
fixed rate for a fixed time against the packaged server, with the app's memory (RSS) sampled
throughout. Nothing is retried: every failed call is an error."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
from reliability.crash_drill import CallFailed, Counters, call, wait_for_secret
from reliability.stack import Stack, rss_bytes

MB = 1024 * 1024


@dataclass
class SoakReport:
    seconds: float
    rate: float  # flows started per second
    flows_started: int
    flows_ok: int
    calls: int
    errors: list[str]
    rss_samples: list[tuple[float, int]]  # (seconds since start, bytes)
    flow_seconds: list[float]
    warmup: float

    def _after_warmup(self) -> list[tuple[float, int]]:
        return [s for s in self.rss_samples if s[0] >= self.warmup] or self.rss_samples

    @property
    def rss_growth(self) -> int:
        """RSS at the end minus RSS once warmed up (bytes)."""
        samples = self._after_warmup()
        return samples[-1][1] - samples[0][1] if samples else 0

    @property
    def rss_slope_mb_per_minute(self) -> float:
        samples = self._after_warmup()
        if len(samples) < 3:
            return 0.0
        xs = [t for t, _ in samples]
        ys = [b / MB for _, b in samples]
        return float(statistics.linear_regression(xs, ys).slope * 60)

    def lines(self) -> list[str]:
        rss = [b for _, b in self.rss_samples] or [0]
        warm = self._after_warmup()
        quantiles = (
            statistics.quantiles(self.flow_seconds, n=100) if len(self.flow_seconds) > 1 else []
        )
        timing = (
            f"flow time p50 {quantiles[49]:.2f}s, p99 {quantiles[98]:.2f}s" if quantiles else ""
        )
        return [
            f"soak: {self.seconds:.0f}s at {self.rate:g} signup flows/s",
            f"flows: {self.flows_started} started, {self.flows_ok} completed "
            f"({self.calls} ingress calls); {timing}",
            f"errors: {len(self.errors)}",
            f"app RSS: {len(self.rss_samples)} samples, min {min(rss) / MB:.1f} MB, "
            f"max {max(rss) / MB:.1f} MB; after {self.warmup:.0f}s warm-up "
            f"{warm[0][1] / MB:.1f} MB -> end {warm[-1][1] / MB:.1f} MB: growth "
            f"{self.rss_growth / MB:+.1f} MB, trend {self.rss_slope_mb_per_minute:+.2f} MB/min"
            if warm
            else "app RSS: no samples",
            *(f"error: {e}" for e in self.errors[:20]),
        ]


async def _flow(
    http: httpx.AsyncClient, stack: Stack, counters: Counters, email: str, limit: float
) -> float:
    started = time.monotonic()
    deadline = started + limit  # only waiting for the email uses it: calls are not retried
    await call(
        http,
        counters,
        "POST",
        "/UserManager/signup_user",
        body={"email": email},
        deadline=started,
    )
    secret = await wait_for_secret(stack, email, deadline)
    answer = await call(
        http,
        counters,
        "POST",
        "/UserManager/confirm_email",
        body={"email": email, "secret": secret},
        deadline=started,
    )
    if not answer["accepted"]:
        raise CallFailed(f"confirm of {email}: {answer}")
    outcome = await call(
        http, counters, "GET", f"/restate/workflow/UserWorkflow/{email}/attach", deadline=started
    )
    user = await call(http, counters, "POST", f"/User/{email}/read", deadline=started)
    if outcome.get("stage") != "confirmed" or not user.get("email_confirmed"):
        raise CallFailed(f"{email}: workflow {outcome}, user {user}")
    return time.monotonic() - started


def run_soak(
    workdir: Path,
    *,
    seconds: float = 20.0,
    rate: float = 4.0,
    sample_every: float = 1.0,
    warmup: float | None = None,
    app_http: str = "h2c",
    say: Callable[[str], None] = lambda line: None,
) -> SoakReport:
    flow_limit = 60.0  # a liveness bound for the email to arrive, not a speed check
    with Stack(workdir, app_http=app_http) as stack:
        stack.start_restate()
        stack.start_app()
        assert stack.app is not None and stack.app.pid is not None
        pid = stack.app.pid
        counters = Counters()
        samples: list[tuple[float, int]] = []
        durations: list[float] = []

        async def main() -> int:
            started = time.monotonic()
            total = int(seconds * rate)
            limits = httpx.Limits(max_connections=int(rate * flow_limit) + 8)
            async with httpx.AsyncClient(
                base_url=stack.ingress_url, trust_env=False, limits=limits
            ) as http:

                async def one(index: int) -> None:
                    await asyncio.sleep(max(0.0, started + index / rate - time.monotonic()))
                    email = f"soak{index:06d}@example.com"
                    try:
                        durations.append(await _flow(http, stack, counters, email, flow_limit))
                    except CallFailed as e:
                        counters.error(str(e))

                async def sampler() -> None:
                    while True:
                        rss = rss_bytes(pid)
                        if rss is not None:
                            samples.append((time.monotonic() - started, rss))
                        if len(samples) % 30 == 0 and samples:
                            say(f"{samples[-1][0]:.0f}s: RSS {samples[-1][1] / MB:.1f} MB")
                        await asyncio.sleep(sample_every)

                sampling = asyncio.create_task(sampler())
                await asyncio.gather(*(one(i) for i in range(total)))
                sampling.cancel()
            return total

        began = time.monotonic()
        total = asyncio.run(main())
        elapsed = time.monotonic() - began
    return SoakReport(
        seconds=elapsed,
        rate=rate,
        flows_started=total,
        flows_ok=len(durations),
        calls=counters.calls,
        errors=counters.errors,
        rss_samples=samples,
        flow_seconds=durations,
        warmup=seconds / 5 if warmup is None else warmup,
    )
