"""Settings of one local restate-server process, turned into command-line arguments and env.

Every setting goes through `RESTATE_...` environment variables (double underscore for nesting),
which restate-server 1.7.12 reads on top of its defaults. Unknown variables are silently ignored
by the server, so the names used here are checked against `restate-server --dump-config` in the
tests.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from restate_local.ports import LOOPBACK, free_ports


@dataclass(frozen=True)
class ServerPorts:
    """The TCP ports restate-server binds with `listen-mode = "tcp"` (checked with `ss`)."""

    ingress: int
    admin: int
    node: int  # node-to-node "message fabric" port; also serves /metrics

    @classmethod
    def free(cls, host: str = LOOPBACK) -> ServerPorts:
        ingress, admin, node = free_ports(3, host)
        return cls(ingress=ingress, admin=admin, node=node)


@dataclass(frozen=True)
class ServerOptions:
    """What to run. `None` means "the server's own default" unless said otherwise."""

    host: str = LOOPBACK
    # None: pick free ports (and retry with new ones if one is grabbed before the server binds).
    ports: ServerPorts | None = None
    # None: a temporary directory, removed when the server stops.
    base_dir: Path | None = None
    # PEM file with an ed25519 private key: the server then signs every request to deployments
    # (request identity); the app checks with `restate.app(..., identity_keys=[...])`.
    request_identity_private_key: Path | None = None
    # One attempt per invocation, then kill it (instead of 70 attempts, then pause).
    disable_retries: bool = False
    # Inactivity timeout 0s: the server suspends the invocation at every suspension point and
    # replays the journal on resume, which surfaces non-deterministic handlers.
    always_replay: bool = False
    # Partitions provisioned on first start (server default 24). Fewer start faster.
    num_partitions: int | None = None
    node_name: str = "restate-local"
    log_filter: str | None = None  # e.g. "warn,restate=debug"; the server default is info
    log_format: str = "compact"  # one line per event: readable tails
    # Bound for the server's own graceful shutdown; stop() kills the process a bit after it.
    shutdown_timeout_seconds: float = 10.0
    # Added last, so it overrides everything above.
    extra_env: Mapping[str, str] = field(default_factory=dict)


def _address(host: str, port: int) -> str:
    return f"{host}:{port}"


def _seconds(value: float) -> str:
    millis = round(value * 1000)
    return f"{millis}ms"


def server_env(options: ServerOptions, ports: ServerPorts) -> dict[str, str]:
    """The `RESTATE_*` variables for `options` (without the inherited environment)."""
    host = options.host
    env: dict[str, str] = {
        "RESTATE_LISTEN_MODE": "tcp",  # no unix sockets under the base dir
        "RESTATE_BIND_ADDRESS": _address(host, ports.node),
        "RESTATE_ADVERTISED_ADDRESS": f"http://{_address(host, ports.node)}/",
        "RESTATE_INGRESS__BIND_ADDRESS": _address(host, ports.ingress),
        "RESTATE_ADMIN__BIND_ADDRESS": _address(host, ports.admin),
        "RESTATE_NODE_NAME": options.node_name,
        "RESTATE_LOG_FORMAT": options.log_format,
        "RESTATE_LOG_DISABLE_ANSI_CODES": "true",
        "RESTATE_SHUTDOWN_TIMEOUT": _seconds(options.shutdown_timeout_seconds),
        "RESTATE_DISABLE_TELEMETRY": "true",
    }
    if options.log_filter is not None:
        env["RESTATE_LOG_FILTER"] = options.log_filter
    if options.num_partitions is not None:
        env["RESTATE_DEFAULT_NUM_PARTITIONS"] = str(options.num_partitions)
    if options.request_identity_private_key is not None:
        env["RESTATE_WORKER__INVOKER__REQUEST_IDENTITY_PRIVATE_KEY_PEM_FILE"] = str(
            Path(options.request_identity_private_key).resolve()
        )
    if options.disable_retries:
        env["RESTATE_DEFAULT_RETRY_POLICY__MAX_ATTEMPTS"] = "1"
        env["RESTATE_DEFAULT_RETRY_POLICY__ON_MAX_ATTEMPTS"] = "kill"
    if options.always_replay:
        env["RESTATE_WORKER__INVOKER__INACTIVITY_TIMEOUT"] = "0s"
    env.update(options.extra_env)
    return env


def process_env(
    options: ServerOptions, ports: ServerPorts, inherited: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The full environment for the process: `inherited` (default `os.environ`) without any
    `RESTATE_*` variable (a stray `RESTATE_CONFIG` or port setting would break isolation), plus
    `server_env(...)`."""
    inherited = os.environ if inherited is None else inherited
    env = {k: v for k, v in inherited.items() if not k.startswith("RESTATE_")}
    env.update(server_env(options, ports))
    return env


def server_args(binary: Path, base_dir: Path) -> list[str]:
    """The command line (everything else is in the environment)."""
    return [str(binary), "--no-logo", "--base-dir", str(base_dir)]
