"""`./pants run src/python/app:cluster`, as a child process: it comes up, serves the sample
through every node, and stops everything on Ctrl-C."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from app import cluster as cluster_command
from restate_local import find_server_binary
from restate_local.balancer import BalancerNotFound, ensure_haproxy
from restate_local.errors import RestateServerBinaryNotFound
from restate_local.replica import child_pythonpath

READY = "Ctrl-C stops everything."


def _start(env: dict[str, str], cwd: Path) -> tuple[subprocess.Popen[str], queue.Queue[str | None]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", cluster_command.__name__],
        env={**os.environ, "PYTHONPATH": child_pythonpath(), **env},
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line.rstrip("\n"))
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    return proc, lines


def _read_until(lines: queue.Queue[str | None], marker: str, timeout: float) -> list[str]:
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while True:
        try:
            line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise AssertionError(
                f"no {marker!r} within {timeout:g}s:\n" + "\n".join(seen)
            ) from None
        if line is None:
            raise AssertionError(f"exited before {marker!r}:\n" + "\n".join(seen))
        seen.append(line)
        if marker in line:
            return seen


def test_the_cluster_command_serves_through_every_node_and_stops_on_ctrl_c(
    tmp_path: Path,
) -> None:
    try:
        find_server_binary()
        ensure_haproxy()
    except (BalancerNotFound, RestateServerBinaryNotFound) as e:
        pytest.fail(str(e), pytrace=False)
    proc, lines = _start({"APP_DATA_DIR": str(tmp_path / "data")}, tmp_path)
    try:
        output = _read_until(lines, READY, timeout=120)
        ingress = re.findall(r"ingress (http://127\.0\.0\.1:\d+)", "\n".join(output))
        assert len(ingress) == 3
        with httpx.Client(timeout=30, trust_env=False) as client:
            for i, url in enumerate(ingress):
                email = f"cmd{i}@example.com"
                signup = client.post(f"{url}/UserManager/signup_user", json={"email": email})
                assert signup.is_success, signup.text
                read = client.post(f"{ingress[(i + 1) % 3]}/User/{email}/read")
                assert read.json()["email"] == email
        proc.send_signal(signal.SIGINT)
        assert proc.wait(60) == 0
        rest = []
        while (line := lines.get(timeout=5)) is not None:
            rest.append(line)
        assert rest[-1] == "Stopped.", rest
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_a_bad_setting_is_one_line(tmp_path: Path) -> None:
    proc, lines = _start({"APP_CLUSTER_NODES": "three"}, tmp_path)
    assert proc.wait(60) == 2
    output = []
    while (line := lines.get(timeout=5)) is not None:
        output.append(line)
    assert output == ["cluster: error: APP_CLUSTER_NODES must be a whole number, not 'three'"]
