"""The sample app as a user runs it: the packaged server (`src/python/app:server`, a PEX) in a
child process, pointed at a real restate-server, both on loopback ports that survive restarts.

Either process can be SIGKILLed and started again over the same ports and data: the app with the
same `APP_PORT` (so Restate keeps calling the deployment it registered), restate-server over the
same base dir. Everything the app is told goes through its documented env vars.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from restate_local import RestateServer, ServerOptions, ServerPorts
from restate_local.ports import LOOPBACK, free_port

# Where `runtime_package_dependencies=["src/python/app:server"]` puts the PEX in a test sandbox.
SANDBOX_SERVER_PEX = Path("src.python.app/server.pex")
SERVER_PEX_ENV = "RELIABILITY_SERVER_PEX"
SECRET_HEADER = "X-Verification-Secret"  # the verification email's header with the secret

APP_START_TIMEOUT = 60.0


class StackError(Exception):
    """A process of the stack did not start or answer; the message says which and why."""


def server_pex() -> Path:
    """The packaged server: `$RELIABILITY_SERVER_PEX`, else the one a test sandbox holds."""
    path = Path(os.environ.get(SERVER_PEX_ENV) or SANDBOX_SERVER_PEX)
    if not path.is_file():
        raise StackError(
            f"no server PEX at {path}: run `./pants package src/python/app:server` and set "
            f"{SERVER_PEX_ENV}, or depend on it with runtime_package_dependencies"
        )
    return path.resolve()


def _die_with_parent() -> Any:
    """preexec_fn: SIGKILL the child when the thread that forked it dies (Linux only); the
    drills start processes from their main thread, so a killed test leaves no app behind."""
    if not sys.platform.startswith("linux") or threading.current_thread() is not (
        threading.main_thread()
    ):
        return None
    prctl = ctypes.CDLL(None, use_errno=True).prctl

    def preexec() -> None:
        prctl(1, int(signal.SIGKILL), 0, 0, 0)  # PR_SET_PDEATHSIG

    return preexec


def port_open(port: int, host: str = LOOPBACK) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((host, port)) == 0


def rss_bytes(pid: int) -> int | None:
    """Resident set size of `pid` (Linux /proc), None once it is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


class AppProcess:
    """`python server.pex` (or `python <argv>`) with the given env; `start()` returns once its
    port accepts."""

    def __init__(
        self,
        pex: Path,
        env: Mapping[str, str],
        port: int,
        log_path: Path,
        argv: Sequence[str] | None = None,
    ) -> None:
        self.pex = pex
        self.argv = list(argv) if argv is not None else [str(pex)]
        self.env = dict(env)
        self.port = port
        self.log_path = log_path
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    def start(self, timeout: float = APP_START_TIMEOUT) -> None:
        inherited = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("PEX", "RESTATE_", "APP_", "PYTHON"))
        }
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, *self.argv],
                env={**inherited, **self.env},
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent(),
            )
        self.starts += 1
        deadline = time.monotonic() + timeout
        while not port_open(self.port):
            code = self.proc.poll()
            if code is not None:
                raise StackError(
                    f"the app exited with {code} during start-up; log: {self.log_path}"
                )
            if time.monotonic() > deadline:
                raise StackError(
                    f"the app did not listen within {timeout:g}s; log: {self.log_path}"
                )
            time.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL, no goodbye."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


@dataclass
class Stack:
    """restate-server + the app PEX under `workdir`. Use as a context manager."""

    workdir: Path
    identity_private_key: Path | None = None  # the server signs requests; the app checks
    app_http: str = "h2c"
    extra_app_env: Mapping[str, str] = field(default_factory=dict)
    restate: RestateServer | None = None
    app: AppProcess | None = None
    restate_starts: int = 0

    def __post_init__(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.options = ServerOptions(
            ports=ServerPorts.free(),
            base_dir=self.workdir / "restate",
            num_partitions=4,
            node_name="reliability",
            request_identity_private_key=self.identity_private_key,
        )
        self.app_port = free_port()
        self.data_dir = self.workdir / "app-data"

    # -- restate-server ---------------------------------------------------------------------
    def start_restate(self) -> None:
        self.restate = RestateServer(
            self.options, log_path=self.workdir / "restate-server.log", startup_timeout=60.0
        )
        self.restate.start()
        self.restate_starts += 1

    def kill_restate(self) -> None:
        assert self.restate is not None and self.restate.pid is not None
        os.kill(self.restate.pid, signal.SIGKILL)
        self.restate.stop()  # reaps the dead process, unregisters its at-exit stop

    @property
    def ingress_url(self) -> str:
        return f"http://{LOOPBACK}:{self.options.ports.ingress}"  # type: ignore[union-attr]

    @property
    def admin_url(self) -> str:
        return f"http://{LOOPBACK}:{self.options.ports.admin}"  # type: ignore[union-attr]

    @property
    def app_url(self) -> str:
        return f"http://{LOOPBACK}:{self.app_port}"

    # -- the app ------------------------------------------------------------------------------
    def app_env(self, identity_keys: str | None = None) -> dict[str, str]:
        env = {
            "APP_HOST": LOOPBACK,
            "APP_PORT": str(self.app_port),
            "APP_HTTP": self.app_http,
            "APP_DATA_DIR": str(self.data_dir),
            "RESTATE_ADMIN_URL": self.admin_url,
            "RESTATE_INGRESS_URL": self.ingress_url,
            "PEX_ROOT": str(self.workdir / "pex-root"),
            **self.extra_app_env,
        }
        if identity_keys:
            env["RESTATE_IDENTITY_KEYS"] = identity_keys
        return env

    def start_app(self, identity_keys: str | None = None, *, registered: bool = True) -> None:
        """Starts the app; with `registered`, also waits until Restate lists its deployment."""
        if self.app is None:
            self.app = AppProcess(
                server_pex(), self.app_env(identity_keys), self.app_port, self.workdir / "app.log"
            )
        self.app.start()
        if registered:
            self.wait_registered()

    def wait_registered(self, timeout: float = APP_START_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        with httpx.Client(timeout=5.0, trust_env=False) as http:
            while True:
                with contextlib.suppress(httpx.HTTPError, ValueError):
                    deployments = http.get(f"{self.admin_url}/deployments").json()["deployments"]
                    if any(d.get("uri", "").rstrip("/") == self.app_url for d in deployments):
                        return
                if self.app is not None and self.app.proc is not None:
                    if self.app.proc.poll() is not None:
                        raise StackError(f"the app exited; log: {self.app.log_path}")
                if time.monotonic() > deadline:
                    raise StackError(f"the app was not registered within {timeout:g}s")
                time.sleep(0.1)

    # -- what a user can look at --------------------------------------------------------------
    @property
    def outbox_path(self) -> Path:
        return self.data_dir / "outbox.jsonl"

    def query(self, sql: str) -> list[dict[str, Any]]:
        """SQL over the server's introspection tables (`POST /query`)."""
        with httpx.Client(timeout=30.0, trust_env=False) as http:
            response = http.post(
                f"{self.admin_url}/query",
                json={"query": sql},
                headers={"accept": "application/json"},
            )
        response.raise_for_status()
        rows: list[dict[str, Any]] = response.json()["rows"]
        return rows

    def unfinished_invocations(self) -> list[dict[str, Any]]:
        """Invocations that are not completed: running, backing off, suspended, paused, ..."""
        return self.query(
            "SELECT id, target, status, last_failure FROM sys_invocation "
            "WHERE status != 'completed'"
        )

    def close(self) -> None:
        if self.app is not None:
            self.app.kill()
        if self.restate is not None:
            self.restate.stop()

    def __enter__(self) -> Stack:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass(frozen=True)
class OutboxCount:
    raw_lines: int
    torn_lines: int  # lines that are not a whole JSON message (a write cut by SIGKILL)
    messages: dict[str, dict[str, Any]]  # message_id -> message, first occurrence

    @property
    def duplicate_lines(self) -> int:
        return self.raw_lines - self.torn_lines - len(self.messages)


def read_outbox(path: Path) -> OutboxCount:
    """The outbox as a mail reader sees it: JSON lines `{"message_id", "message"}`, each
    message once however often a retried side effect appended it."""
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except FileNotFoundError:
        lines = []
    torn = 0
    messages: dict[str, dict[str, Any]] = {}
    for line in lines:
        try:
            entry = json.loads(line)
            message_id, message = entry["message_id"], entry["message"]
        except (ValueError, KeyError, TypeError):
            torn += 1
            continue
        messages.setdefault(message_id, message)
    return OutboxCount(raw_lines=len(lines), torn_lines=torn, messages=messages)


def secrets_by_recipient(outbox: OutboxCount) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for message in outbox.messages.values():
        secret = (message.get("headers") or {}).get(SECRET_HEADER)
        if secret:
            found.setdefault(message["to"], set()).add(secret)
    return found
