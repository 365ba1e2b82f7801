"""Code upgrades with work in flight, through the real server command and a real restate-server.

20 workflows wait on their promise on version 1; version 2 (a different journal: a `ctx.run`
step before the promise) is served at a new URI; the workflows are released. What happens, and
what the server command does about it:
- rolling upgrade (the default with a Restate server of its own): v2 registers as a new
  deployment; the waiting workflows finish on v1, new ones run on v2, nothing is left retrying;
  starting v2 at v1's URI is refused with one line and leaves v1's registration alone;
- `APP_REGISTER_FORCE=1` at the same URI (what every start did before): v2 replaces v1 under
  the same deployment id and the released workflows replay v1 journals against v2 code.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from reliability import upgrade_app
from reliability.stack import AppProcess, Stack

from restate_local.ports import LOOPBACK, free_port
from restate_local.replica import child_pythonpath

WORKFLOWS = 20
MODULE = ["-m", upgrade_app.__name__]
SETTLE_TIMEOUT = 60.0


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    with Stack(tmp_path) as stack:
        stack.start_restate()
        yield stack


def app_env(stack: Stack, version: int, port: int, **extra: str) -> dict[str, str]:
    return {
        "APP_HOST": LOOPBACK,
        "APP_PORT": str(port),
        "RESTATE_ADMIN_URL": stack.admin_url,
        "RESTATE_INGRESS_URL": stack.ingress_url,
        upgrade_app.VERSION_ENV: str(version),
        "PYTHONPATH": child_pythonpath(),
        **extra,
    }


def start(stack: Stack, version: int, port: int, **extra: str) -> AppProcess:
    app = AppProcess(
        Path(sys.executable),
        app_env(stack, version, port, **extra),
        port,
        stack.workdir / f"app-v{version}-{port}.log",
        argv=MODULE,
    )
    app.start()
    wait_for(lambda: deployment_at(stack, f"http://{LOOPBACK}:{port}") is not None, "registered")
    return app


def deployments(stack: Stack) -> list[dict[str, Any]]:
    with httpx.Client(timeout=10, trust_env=False) as http:
        found: list[dict[str, Any]] = http.get(f"{stack.admin_url}/deployments").json()[
            "deployments"
        ]
    return found


def deployment_at(stack: Stack, uri: str) -> dict[str, Any] | None:
    return next((d for d in deployments(stack) if d["uri"].rstrip("/") == uri), None)


def wait_for(condition: Any, what: str, timeout: float = SETTLE_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting until {what}")
        time.sleep(0.2)


def runs(stack: Stack, prefix: str) -> list[dict[str, Any]]:
    return stack.query(
        "SELECT target, status, pinned_deployment_id, last_failure FROM sys_invocation "
        f"WHERE target LIKE 'Upgrade/{prefix}%/run'"
    )


def start_workflows(stack: Stack, prefix: str, count: int) -> None:
    with httpx.Client(base_url=stack.ingress_url, timeout=30, trust_env=False) as http:
        for i in range(count):
            answer = http.post(f"/Upgrade/{prefix}{i}/run/send")
            assert answer.status_code in (200, 202), answer.text
    wait_for(
        lambda: [r["status"] for r in runs(stack, prefix)] == ["suspended"] * count,
        f"{count} workflows wait on their promise",
    )


def release(stack: Stack, prefix: str, count: int) -> None:
    with httpx.Client(base_url=stack.ingress_url, timeout=30, trust_env=False) as http:
        for i in range(count):
            answer = http.post(f"/Upgrade/{prefix}{i}/release", json="go")
            assert answer.status_code == 200, answer.text


def outputs(stack: Stack, prefix: str, count: int) -> list[str]:
    with httpx.Client(base_url=stack.ingress_url, timeout=60, trust_env=False) as http:
        return [
            http.get(f"/restate/workflow/Upgrade/{prefix}{i}/attach").json() for i in range(count)
        ]


def test_rolling_upgrade_finishes_old_work_on_v1_and_new_work_on_v2(stack: Stack) -> None:
    v1_port, v2_port = free_port(), free_port()
    v1 = start(stack, 1, v1_port)
    v1_uri, v2_uri = f"http://{LOOPBACK}:{v1_port}", f"http://{LOOPBACK}:{v2_port}"
    v1_deployment = deployment_at(stack, v1_uri)
    assert v1_deployment is not None
    start_workflows(stack, "old-", WORKFLOWS)
    assert {r["pinned_deployment_id"] for r in runs(stack, "old-")} == {v1_deployment["id"]}

    # Version 2 started at v1's URI by mistake: refused in one line, v1's registration intact.
    v1.stop()
    wrong = subprocess.run(
        [sys.executable, *MODULE],
        env={**os.environ, **app_env(stack, 2, v1_port)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert wrong.returncode == 1, wrong.stderr
    # hypercorn's own log lines go to stderr too; ours is the one `server: error:` line.
    message = [line for line in wrong.stderr.splitlines() if line.startswith("server: ")]
    assert len(message) == 1, wrong.stderr
    assert "another version of this deployment is registered at" in message[0]
    assert "new URI" in message[0]
    assert deployment_at(stack, v1_uri) == v1_deployment

    # Rolling upgrade: v1 back at its URI (unchanged: accepted as is), v2 at a new one.
    v1 = start(stack, 1, v1_port)
    assert deployment_at(stack, v1_uri) == v1_deployment
    v2 = start(stack, 2, v2_port)
    v2_deployment = deployment_at(stack, v2_uri)
    assert v2_deployment is not None and v2_deployment["id"] != v1_deployment["id"]

    release(stack, "old-", WORKFLOWS)
    assert outputs(stack, "old-", WORKFLOWS) == ["v1:go"] * WORKFLOWS

    start_workflows(stack, "new-", 3)
    assert {r["pinned_deployment_id"] for r in runs(stack, "new-")} == {v2_deployment["id"]}
    release(stack, "new-", 3)
    assert outputs(stack, "new-", 3) == ["v2:go"] * 3

    wait_for(lambda: not stack.unfinished_invocations(), "every invocation completed", 30)
    assert not stack.query("SELECT id FROM sys_invocation WHERE status = 'backing-off'")
    v1.stop()
    v2.stop()


def test_forcing_changed_code_over_the_same_uri_breaks_waiting_workflows(stack: Stack) -> None:
    """What every start of the server command did before: documents why it is dev-only."""
    port = free_port()
    v1 = start(stack, 1, port, APP_REGISTER_FORCE="1")
    start_workflows(stack, "w-", 5)
    v1.stop()
    v2 = start(stack, 2, port, APP_REGISTER_FORCE="1")
    release(stack, "w-", 5)
    wait_for(
        lambda: [r["status"] for r in runs(stack, "w-")].count("backing-off") == 5,
        "the released workflows retry",
    )
    failures = {r["last_failure"] for r in runs(stack, "w-")}
    print(f"forced over the same URI: {failures}")
    v2.stop()
