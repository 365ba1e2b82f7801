from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from restate_local.errors import AppServerError
from restate_local.replica import AppReplica, child_pythonpath, load_app, main


def make_app(identity_keys: list[str] | None = None, protocol: str | None = None) -> Any:
    """What the replica child processes in these tests serve: answers with its pid."""

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = f"{os.getpid()} {protocol} {','.join(identity_keys or [])}".encode()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": body})

    return app


SPEC = f"{__name__}:make_app"


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def _alive(pid: int) -> bool:
    """Running (a zombie waiting to be reaped by init counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _gone(pids: list[int], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while any(_alive(p) for p in pids):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_load_app_calls_the_factory() -> None:
    app = load_app(SPEC, ["publickeyv1_x"], "h2c")
    assert callable(app)
    with pytest.raises(ValueError, match="module:attribute"):
        load_app("no_colon", [], "h2c")


def test_a_replica_serves_dies_and_comes_back(tmp_path: Path) -> None:
    replica = AppReplica(SPEC, identity_keys=["publickeyv1_k"], log_path=tmp_path / "r.log")
    with replica:
        answer = httpx.get(f"{replica.url}/x", trust_env=False).text
        pid, protocol, keys = answer.split(" ")
        assert (protocol, keys) == ("bidi", "publickeyv1_k")
        replica.kill()
        assert not replica.running
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"{replica.url}/x", trust_env=False)
        replica.restart()
        assert httpx.get(f"{replica.url}/x", trust_env=False).text.split(" ")[0] != pid
    assert not replica.running


def test_workers_share_the_port_and_die_together(tmp_path: Path) -> None:
    replica = AppReplica(SPEC, workers=2, log_path=tmp_path / "r.log")
    with replica:
        assert replica.pid is not None
        workers = _children(replica.pid)
        assert len(workers) == 2
        assert httpx.get(f"{replica.url}/x", trust_env=False).text.split(" ")[0] in map(
            str, workers
        )
        replica.kill()
    assert _gone(workers)


def test_a_replica_that_cannot_start_says_so(tmp_path: Path) -> None:
    replica = AppReplica("restate_local.no_such_module:make_app", log_path=tmp_path / "r.log")
    with pytest.raises(AppServerError, match="exited with code"):
        replica.start()


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"APP_WORKERS": "two"}, "APP_WORKERS must be a whole number, not 'two'"),
        ({"APP_WORKERS": "0"}, "APP_WORKERS must be between 1 and 64, not 0"),
        ({"APP_PORT": "x"}, "APP_PORT must be a whole number, not 'x'"),
        ({"APP_HTTP": "h3"}, "APP_HTTP must be h2c or http1.1, not 'h3'"),
    ],
)
def test_bad_settings_exit_with_one_line(env: dict[str, str], message: str) -> None:
    with pytest.raises(SystemExit) as exit_:
        main([SPEC], env)
    assert str(exit_.value) == f"replica: error: {message}"


def test_serve_with_workers_announces_once_and_stops_on_sigterm(tmp_path: Path) -> None:
    script = (
        "from restate_local.replica import serve_with_workers\n"
        "def ready(served):\n"
        "    print('READY', served.url, flush=True)\n"
        f"raise SystemExit(serve_with_workers({SPEC!r}, port=0, workers=2,"
        " identity_keys=['publickeyv1_k'], on_ready=ready))\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script],
        env={**os.environ, "PYTHONPATH": child_pythonpath()},
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("READY http://127.0.0.1:"), line
        url = line.split()[1]
        workers = _children(proc.pid)
        assert len(workers) == 2
        pid, protocol, keys = httpx.get(f"{url}/x", trust_env=False).text.split(" ")
        assert int(pid) in workers and (protocol, keys) == ("bidi", "publickeyv1_k")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) == 0
        assert proc.stdout.read() == ""  # announced once
        assert _gone(workers)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
