"""Steady traffic against a Restate cluster, with client-side fail-over between ingress nodes.

Each worker thread prefers one node ("the node its client talks to") and, when that node cannot
be reached (connection refused or dropped before an answer), retries the same call on the next
node with the same idempotency key, so a retry never runs the call twice. Every call is recorded
(start, latency, outcome, nodes tried) for the figures: failed calls, p99 latency in a window.
"""

from __future__ import annotations

import itertools
import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import httpx


@dataclass(frozen=True)
class Call:
    """One HTTP call against the ingress (path relative to a node's ingress URL)."""

    path: str
    body: object = None
    idempotency_key: str | None = None
    kind: str = "call"


@dataclass
class Outcome:
    call: Call
    started: float
    seconds: float
    ok: bool
    nodes_tried: tuple[int, ...]
    error: str = ""


@dataclass
class Figures:
    calls: int
    failed: int
    failed_over: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    errors: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (
            f"{self.calls} calls, {self.failed} failed, {self.failed_over} failed over to "
            f"another node, latency p50 {self.p50_ms:.0f} ms, p99 {self.p99_ms:.0f} ms, "
            f"max {self.max_ms:.0f} ms"
        )


def percentile(values: Sequence[float], q: float) -> float:
    """The nearest-rank percentile (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100.0 * len(ordered)))
    return ordered[rank - 1]


class SteadyTraffic:
    """`workers` threads, each calling `next_call(worker, n)` every `interval` seconds, until
    `stop()`, `max_calls` in total or `max_seconds`, whichever comes first."""

    def __init__(
        self,
        ingress_urls: Sequence[str],
        next_call: Callable[[int, int], Call],
        *,
        workers: int = 3,
        interval: float = 0.05,
        call_timeout: float = 20.0,
        max_calls: int = 5000,
        max_seconds: float = 120.0,
    ) -> None:
        self.ingress_urls = list(ingress_urls)
        self.next_call = next_call
        self.workers = workers
        self.interval = interval
        self.call_timeout = call_timeout
        self.max_calls = max_calls
        self.max_seconds = max_seconds
        self.outcomes: list[Outcome] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._counter = itertools.count()
        self._threads: list[threading.Thread] = []
        self._avoided: set[int] = set()

    def avoid(self, node: int) -> None:
        """Send nothing to `node` until `allow(node)` (what a readiness check does)."""
        with self._lock:
            self._avoided.add(node)

    def allow(self, node: int) -> None:
        with self._lock:
            self._avoided.discard(node)

    def start(self) -> SteadyTraffic:
        self._deadline = time.monotonic() + self.max_seconds
        for w in range(self.workers):
            thread = threading.Thread(target=self._run, args=(w,), daemon=True, name=f"traffic-{w}")
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(self.call_timeout * len(self.ingress_urls) + 5)

    def _run(self, worker: int) -> None:
        clients = [
            httpx.Client(base_url=url, timeout=self.call_timeout, trust_env=False)
            for url in self.ingress_urls
        ]
        try:
            n = 0
            while not self._stop.is_set() and time.monotonic() < self._deadline:
                if next(self._counter) >= self.max_calls:
                    return
                self._record(self._call(clients, worker, self.next_call(worker, n)))
                n += 1
                self._stop.wait(self.interval)
        finally:
            for client in clients:
                client.close()

    def _call(self, clients: list[httpx.Client], worker: int, call: Call) -> Outcome:
        headers = {"idempotency-key": call.idempotency_key} if call.idempotency_key else {}
        started = time.monotonic()
        tried: list[int] = []
        error = ""
        with self._lock:
            avoided = set(self._avoided)
        order = [(worker + k) % len(clients) for k in range(len(clients))]
        order = [n for n in order if n not in avoided] or order
        for node in order:
            tried.append(node)
            try:
                response = clients[node].post(f"/{call.path}", json=call.body, headers=headers)
            except httpx.TransportError as e:  # this node is unreachable: try the next one
                error = f"node{node}: {type(e).__name__}: {e}"
                continue
            ok = response.is_success
            error = "" if ok else f"node{node}: HTTP {response.status_code}: {response.text[:200]}"
            return Outcome(call, started, time.monotonic() - started, ok, tuple(tried), error)
        return Outcome(call, started, time.monotonic() - started, False, tuple(tried), error)

    def _record(self, outcome: Outcome) -> None:
        with self._lock:
            self.outcomes.append(outcome)

    def figures(self, start: float = 0.0, end: float = math.inf) -> Figures:
        """Figures over the calls that started in [start, end)."""
        with self._lock:
            window = [o for o in self.outcomes if start <= o.started < end]
        latencies = [o.seconds * 1000 for o in window]
        failed = [o for o in window if not o.ok]
        return Figures(
            calls=len(window),
            failed=len(failed),
            failed_over=sum(1 for o in window if len(o.nodes_tried) > 1),
            p50_ms=percentile(latencies, 50),
            p99_ms=percentile(latencies, 99),
            max_ms=max(latencies, default=0.0),
            errors=[o.error for o in failed[:5]],
        )
