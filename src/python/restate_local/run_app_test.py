"""`run_app` as a server command would use it, in a child process: restate-server + the app in
the foreground, registration from `on_ready`, then SIGTERM or SIGINT (clean stop) or SIGKILL
(the server must not outlive its parent)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from restate_local.errors import RestateServerBinaryNotFound
from restate_local.server_binary import find_server_binary

SRC_ROOT = Path(__file__).resolve().parent.parent

SCRIPT = """
import json, sys
import restate
from restate import Context
from restate_local import AdminClient, RestateServer, ServerOptions, run_app

svc = restate.Service("Echo")

@svc.handler()
async def echo(ctx: Context, text: str) -> str:
    return text

with RestateServer(ServerOptions(num_partitions=1)) as server:
    def on_ready(served):
        with AdminClient(server.admin_url) as admin:
            admin.register_deployment(served.url)
        info = {
            "ingress": server.ingress_url,
            "server_pid": server.pid,
            "work_dir": str(server.base_dir.parent),
        }
        print(json.dumps(info), flush=True)

    run_app(restate.app([svc]), port=0, on_ready=on_ready)
print("stopped cleanly", flush=True)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie still "exists": check its state
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


@pytest.fixture
def child(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], dict[str, object]]]:
    try:
        find_server_binary()
    except RestateServerBinaryNotFound as e:
        pytest.fail(str(e), pytrace=False)
    script = tmp_path / "serve.py"
    script.write_text(SCRIPT)
    env = {**os.environ, "PYTHONPATH": str(SRC_ROOT)}
    proc = subprocess.Popen(
        [sys.executable, str(script)], stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line, "the child exited before it was ready"
        yield proc, json.loads(line)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_run_app_registers_serves_and_stops_on_a_signal(
    child: tuple[subprocess.Popen[str], dict[str, object]], signum: int
) -> None:
    proc, info = child
    answer = httpx.post(f"{info['ingress']}/Echo/echo", json="hi", timeout=30)
    assert answer.json() == "hi"
    proc.send_signal(signum)
    out, _ = proc.communicate(timeout=20)
    assert proc.returncode == 0
    assert "stopped cleanly" in out
    assert not _alive(int(str(info["server_pid"])))


def test_server_dies_with_a_killed_parent(
    child: tuple[subprocess.Popen[str], dict[str, object]],
) -> None:
    proc, info = child
    server_pid = int(str(info["server_pid"]))
    assert _alive(server_pid)
    proc.kill()
    proc.wait(10)
    deadline = time.monotonic() + 15
    while _alive(server_pid):
        assert time.monotonic() < deadline, "restate-server outlived its killed parent"
        time.sleep(0.1)
    # nobody was left to remove the temporary directory
    shutil.rmtree(str(info["work_dir"]), ignore_errors=True)
