from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import httpx
import pytest

from restate_local.errors import RestateServerBinaryNotFound, RestateServerStartError
from restate_local.server_binary import RESTATE_SERVER_BIN_ENV, find_server_binary
from restate_local.server_config import ServerOptions, ServerPorts
from restate_local.server_process import RestateServer, tail_lines


def _script(path: Path, body: str) -> Path:
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)
    return path


def _real_binary() -> Path:
    try:
        return find_server_binary()
    except RestateServerBinaryNotFound as e:
        pytest.fail(str(e), pytrace=False)


def test_tail_lines(tmp_path: Path) -> None:
    log = tmp_path / "log"
    log.write_text("".join(f"line {i}\n" for i in range(100)))
    assert tail_lines(log, 3) == "line 97\nline 98\nline 99"
    assert tail_lines(tmp_path / "missing") == ""


def test_missing_binary_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(RESTATE_SERVER_BIN_ENV, str(tmp_path / "no-such-restate-server"))
    with pytest.raises(RestateServerBinaryNotFound, match=RESTATE_SERVER_BIN_ENV):
        RestateServer().start()


def test_early_exit_reports_code_and_log_tail(tmp_path: Path) -> None:
    binary = _script(tmp_path / "fake", 'echo "config error: bad setting" >&2; exit 3')
    server = RestateServer(binary=binary)
    with pytest.raises(RestateServerStartError) as info:
        server.start()
    message = str(info.value)
    assert "exited during start-up with code 3" in message
    assert "config error: bad setting" in message
    assert not server.running


def test_never_healthy_times_out_and_kills_the_process(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    binary = _script(tmp_path / "fake", f'echo $$ > {pid_file}; echo "starting"; exec sleep 30')
    server = RestateServer(binary=binary, startup_timeout=0.5)
    started = time.monotonic()
    with pytest.raises(RestateServerStartError, match=r"did not become healthy within 0.5s"):
        server.start()
    assert time.monotonic() - started < 5
    pid = int(pid_file.read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_stop_kills_a_process_ignoring_sigterm(tmp_path: Path) -> None:
    binary = _script(
        tmp_path / "fake",
        f"exec {sys.executable} -c 'import signal, time; "
        "signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(30)'",
    )
    server = RestateServer(binary=binary, startup_timeout=60)
    server._prepare_dirs()  # start the fake without waiting for health
    server._spawn(binary, ServerPorts.free())
    time.sleep(0.3)
    started = time.monotonic()
    assert server.stop(timeout=0.5) == -9
    assert time.monotonic() - started < 3


def test_real_server_starts_answers_and_cleans_up() -> None:
    binary = _real_binary()
    server = RestateServer(ServerOptions(num_partitions=1), binary=binary)
    with server:
        assert server.running
        assert server.startup_seconds is not None and server.startup_seconds < 30
        assert httpx.get(f"{server.admin_url}/health").status_code == 200
        assert httpx.get(f"{server.ingress_url}/restate/health").status_code == 200
        assert "Starting Restate Server" in server.log_tail(400)
        base_dir = server.base_dir
        assert base_dir.is_dir()
    assert not server.running
    assert not base_dir.exists()


def test_given_base_dir_and_log_are_kept(tmp_path: Path) -> None:
    binary = _real_binary()
    options = ServerOptions(num_partitions=1, base_dir=tmp_path / "data")
    with RestateServer(options, binary=binary, log_path=tmp_path / "server.log") as server:
        assert server.base_dir == tmp_path / "data"
    assert (tmp_path / "data" / "restate-local").is_dir()
    assert "Starting Restate Server" in (tmp_path / "server.log").read_text()


def test_taken_explicit_port_is_reported(tmp_path: Path) -> None:
    binary = _real_binary()
    with RestateServer(ServerOptions(num_partitions=1), binary=binary) as first:
        options = ServerOptions(num_partitions=1, ports=first.ports)
        with pytest.raises(RestateServerStartError, match="address in use"):
            RestateServer(options, binary=binary).start()


def test_free_ports_grabbed_meanwhile_are_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    binary = _real_binary()
    with RestateServer(ServerOptions(num_partitions=1), binary=binary) as first:
        offered = [first.ports]  # taken: the first attempt fails to bind

        def free(host: str = "127.0.0.1") -> ServerPorts:
            return offered.pop() if offered else ServerPorts.free_original(host)  # type: ignore[attr-defined]

        monkeypatch.setattr(ServerPorts, "free_original", ServerPorts.free, raising=False)
        monkeypatch.setattr(ServerPorts, "free", staticmethod(free))
        with RestateServer(ServerOptions(num_partitions=1), binary=binary) as second:
            assert second.ports != first.ports
            assert httpx.get(f"{second.admin_url}/health").status_code == 200
