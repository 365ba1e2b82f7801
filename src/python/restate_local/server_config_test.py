from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from restate_local.errors import RestateServerBinaryNotFound
from restate_local.server_binary import find_server_binary
from restate_local.server_config import (
    ServerOptions,
    ServerPorts,
    process_env,
    server_args,
    server_env,
)

PORTS = ServerPorts(ingress=18080, admin=19070, node=15122)


def test_ports_and_listen_mode() -> None:
    env = server_env(ServerOptions(), PORTS)
    assert env["RESTATE_INGRESS__BIND_ADDRESS"] == "127.0.0.1:18080"
    assert env["RESTATE_ADMIN__BIND_ADDRESS"] == "127.0.0.1:19070"
    assert env["RESTATE_BIND_ADDRESS"] == "127.0.0.1:15122"
    assert env["RESTATE_LISTEN_MODE"] == "tcp"
    assert "RESTATE_DEFAULT_RETRY_POLICY__MAX_ATTEMPTS" not in env
    assert "RESTATE_WORKER__INVOKER__INACTIVITY_TIMEOUT" not in env


def test_flags_become_env_vars(tmp_path: Path) -> None:
    key = tmp_path / "private.pem"
    options = ServerOptions(
        disable_retries=True,
        always_replay=True,
        num_partitions=2,
        request_identity_private_key=key,
        extra_env={"RESTATE_LOG_FILTER": "debug"},
    )
    env = server_env(options, PORTS)
    assert env["RESTATE_DEFAULT_RETRY_POLICY__MAX_ATTEMPTS"] == "1"
    assert env["RESTATE_DEFAULT_RETRY_POLICY__ON_MAX_ATTEMPTS"] == "kill"
    assert env["RESTATE_WORKER__INVOKER__INACTIVITY_TIMEOUT"] == "0s"
    assert env["RESTATE_DEFAULT_NUM_PARTITIONS"] == "2"
    assert env["RESTATE_WORKER__INVOKER__REQUEST_IDENTITY_PRIVATE_KEY_PEM_FILE"] == str(key)
    assert env["RESTATE_LOG_FILTER"] == "debug"


def test_inherited_restate_vars_are_dropped() -> None:
    env = process_env(
        ServerOptions(), PORTS, {"PATH": "/bin", "RESTATE_CONFIG": "/etc/x.toml", "HOME": "/h"}
    )
    assert env["PATH"] == "/bin"
    assert "RESTATE_CONFIG" not in env


def test_args() -> None:
    assert server_args(Path("/b/restate-server"), Path("/d")) == [
        "/b/restate-server",
        "--no-logo",
        "--base-dir",
        "/d",
    ]


def test_the_real_server_reads_every_setting(tmp_path: Path) -> None:
    """restate-server ignores unknown RESTATE_* variables: check each one took effect."""
    try:
        binary = find_server_binary()
    except RestateServerBinaryNotFound as e:
        pytest.fail(str(e), pytrace=False)
    options = ServerOptions(
        disable_retries=True,
        always_replay=True,
        num_partitions=3,
        request_identity_private_key=tmp_path / "k.pem",
        log_filter="warn",
        shutdown_timeout_seconds=7,
    )
    dumped = subprocess.run(
        [*server_args(binary, tmp_path), "--dump-config"],
        env=process_env(options, PORTS),
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    ).stdout
    for line in (
        'bind-address = "127.0.0.1:15122"',
        'bind-address = "127.0.0.1:19070"',
        'bind-address = "127.0.0.1:18080"',
        'advertised-address = "http://127.0.0.1:15122/"',
        'listen-mode = "tcp"',
        'node-name = "restate-local"',
        "default-num-partitions = 3",
        'shutdown-timeout = "7s"',
        'log-filter = "warn"',
        'log-format = "compact"',
        "log-disable-ansi-codes = true",
        "max-attempts = 1",
        'on-max-attempts = "kill"',
        'inactivity-timeout = "0s"',
        f'request-identity-private-key-pem-file = "{tmp_path / "k.pem"}"',
    ):
        assert line in dumped, f"{line!r} not in the dumped config:\n{dumped}"
