"""Malformed request bodies against every handler of the sample, through Restate's ingress.

Every malformed body must end in a 4xx terminal error (never a 5xx, never a call that hangs
because the invocation is retrying), and afterwards no invocation may be left unfinished
(`sys_invocation` through the admin API's query endpoint).
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from reliability.stack import Stack

KEY = "key-placeholder@example.com"  # replaced by each call's own key
CALL_TIMEOUT = 20.0  # a malformed call still unanswered by then is retrying: a failure


@dataclass(frozen=True)
class Handler:
    path: str  # with {key} for keyed components
    request: dict[str, object] | str | None  # a valid request (None: the handler takes none)


HANDLERS = [
    Handler("/UserManager/signup_user", {"email": "ada@example.com", "name": "Ada"}),
    Handler("/UserManager/confirm_email", {"email": "ada@example.com", "secret": "s"}),
    Handler("/User/{key}/write", {"email": "{key}", "name": "Ada", "email_confirmed": False}),
    Handler("/User/{key}/read", None),
    Handler("/UserWorkflow/{key}/run", {"email": "{key}", "name": "Ada"}),
    Handler("/UserWorkflow/{key}/get_stage", None),
    Handler("/UserWorkflow/{key}/approve_email", "secret"),
    Handler("/Email/send_email", {"to": "a@example.com", "subject": "s", "body": "b"}),
]


@dataclass(frozen=True)
class Body:
    name: str
    data: bytes
    content_type: str | None = "application/json"


def _nested(depth: int, open_: str, close: str, inner: str = "1") -> bytes:
    return (open_ * depth + inner + close * depth).encode()


def malformed_bodies(valid: object, rng: random.Random, random_count: int) -> Iterator[Body]:
    """Bodies that are not a valid request for a handler whose valid request is `valid`."""
    text = json.dumps(valid).encode()
    yield Body("empty", b"")
    yield Body("no content-type", b"\x00garbage", None)
    yield Body("text/plain", b"hello", "text/plain")
    for cut in sorted({1, len(text) // 2, len(text) - 1}):
        if 0 < cut < len(text):
            yield Body(f"truncated at {cut}", text[:cut])
    yield Body("trailing garbage", text + b" }x")
    yield Body("invalid utf-8 in a string", b'{"email": "\xff\xfe@example.com", "x": "\xc3\x28"}')
    yield Body("invalid utf-8 alone", b'"\xed\xa0\x80\xff"')
    yield Body("utf-8 BOM", b"\xef\xbb\xbf" + text)
    yield Body("NaN", b"NaN")
    yield Body("huge exponent", b'{"email": 1e999999}')
    yield Body("huge integer", b'{"email": ' + b"9" * 100_000 + b"}")
    yield Body("nested arrays 100k", _nested(100_000, "[", "]"))
    yield Body("nested objects 20k", _nested(20_000, '{"a":', "}"))
    yield Body("nested in a field", b'{"email": ' + _nested(50_000, "[", "]") + b"}")
    yield Body("huge wrong-typed value", json.dumps({"email": ["x" * 1000] * 2000}).encode())
    for wrong in [None, True, 0, -1.5, "x", [], [valid], {}, {"unexpected": 1}]:
        if type(wrong) is type(valid) and not isinstance(valid, dict):
            continue  # e.g. any string is a valid secret
        yield Body(f"wrong type {json.dumps(wrong)[:20]}", json.dumps(wrong).encode())
    if isinstance(valid, dict):
        for key in sorted(valid):
            for wrong in [None, 5, [], {"a": 1}]:
                changed = {**valid, key: wrong}
                yield Body(f"{key}={json.dumps(wrong)}", json.dumps(changed).encode())
    for i in range(random_count):
        size = rng.choice([1, 7, 64, 1024, 65536])
        yield Body(f"random bytes #{i} ({size})", rng.randbytes(size))
        blob = bytearray(text)
        for _ in range(rng.randint(1, 4)):
            blob[rng.randrange(len(blob))] = rng.randrange(256)
        data = bytes(blob)
        if _is_valid(data):  # a flipped byte may leave it a valid request
            continue
        yield Body(f"flipped bytes #{i}", data)


def _is_valid(data: bytes) -> bool:
    try:
        json.loads(data.decode("utf-8"))
    except ValueError:
        return False
    return True  # well-formed JSON: could be accepted; not counted as malformed


@dataclass
class Outcome:
    handler: str
    body: str
    status: int | None  # None: no answer within CALL_TIMEOUT
    detail: str


@dataclass
class BadInputReport:
    calls: int
    statuses: Counter[str]
    failures: list[Outcome]  # 5xx, 2xx or no answer for a malformed body
    unfinished: list[dict[str, object]]
    seconds: float
    outcomes: list[Outcome] = field(default_factory=list)

    def lines(self) -> list[str]:
        histogram = ", ".join(f"{k}: {v}" for k, v in sorted(self.statuses.items()))
        return [
            f"malformed calls: {self.calls} over {len(HANDLERS)} handlers",
            f"answers: {histogram}",
            f"failures (5xx, 2xx or no answer in {CALL_TIMEOUT:g}s): {len(self.failures)}",
            f"invocations not completed afterwards: {len(self.unfinished)}",
            f"time: {self.seconds:.1f}s",
            *(f"failure: {f.handler} <- {f.body}: {f.status} {f.detail}" for f in self.failures),
            *(f"unfinished: {row}" for row in self.unfinished[:20]),
        ]


def _fill(value: object, key: str) -> object:
    if isinstance(value, dict):
        return {k: (v.replace("{key}", key) if isinstance(v, str) else v) for k, v in value.items()}
    return value


async def _fuzz(
    stack: Stack, bodies_per_handler: Callable[[Handler], list[Body]], concurrency: int
) -> list[Outcome]:
    limit = asyncio.Semaphore(concurrency)
    outcomes: list[Outcome] = []
    counter = 0
    async with httpx.AsyncClient(base_url=stack.ingress_url, trust_env=False) as http:

        async def one(handler: Handler, body: Body, key: str) -> None:
            headers = {"content-type": body.content_type} if body.content_type else {}
            path = handler.path.replace("{key}", key)
            async with limit:
                try:
                    response = await http.post(
                        path,
                        content=body.data.replace(KEY.encode(), key.encode()),
                        headers=headers,
                        timeout=CALL_TIMEOUT,
                    )
                except httpx.TimeoutException:
                    outcomes.append(Outcome(path, body.name, None, "no answer"))
                    return
            outcomes.append(
                Outcome(handler.path, body.name, response.status_code, response.text[:200])
            )

        tasks = []
        for handler in HANDLERS:
            for body in bodies_per_handler(handler):
                counter += 1
                tasks.append(one(handler, body, f"fuzz{counter}@example.com"))
        await asyncio.gather(*tasks)
    return outcomes


def run_bad_input(
    workdir: Path, *, seed: int = 12, random_count: int = 8, concurrency: int = 8
) -> BadInputReport:
    started = time.monotonic()
    rng = random.Random(seed)
    with Stack(workdir) as stack:
        stack.start_restate()
        stack.start_app()

        def bodies(handler: Handler) -> list[Body]:
            valid = _fill(handler.request if handler.request is not None else {}, KEY)
            return list(malformed_bodies(valid, rng, random_count))

        outcomes = asyncio.run(_fuzz(stack, bodies, concurrency))
        time.sleep(1.0)  # let the last failures be recorded
        unfinished = stack.unfinished_invocations()
    statuses: Counter[str] = Counter(
        "no answer" if o.status is None else str(o.status) for o in outcomes
    )
    failures = [o for o in outcomes if o.status is None or not 400 <= o.status < 500]
    return BadInputReport(
        calls=len(outcomes),
        statuses=statuses,
        failures=failures,
        unfinished=unfinished,
        seconds=time.monotonic() - started,
        outcomes=outcomes,
    )
