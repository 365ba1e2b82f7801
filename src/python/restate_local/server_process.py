"""Runs one restate-server process on loopback ports, for tests and local development.

with RestateServer(ServerOptions(num_partitions=1)) as server:
    print(server.ingress_url, server.admin_url)
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import TracebackType

import httpx

from restate_local import process_cleanup
from restate_local.errors import RestateServerStartError
from restate_local.server_binary import find_server_binary
from restate_local.server_config import (
    ServerOptions,
    ServerPorts,
    process_env,
    server_args,
)

DEFAULT_STARTUP_TIMEOUT = 30.0
_PORT_RETRIES = 3
# "failed binding to address '127.0.0.1:8080': Address in use (os error 98)" in 1.7.12
_ADDRESS_IN_USE = re.compile(r"Address (already )?in use|os error 98")


def tail_lines(path: Path, lines: int = 40, max_bytes: int = 256 * 1024) -> str:
    """The last `lines` lines of a text file ("" when it does not exist)."""
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - max_bytes))
            data = f.read()
    except OSError:
        return ""
    text = data.decode("utf-8", errors="replace")
    return "\n".join(text.splitlines()[-lines:])


def _parent_death_signal() -> Callable[[], None] | None:
    """A preexec function asking Linux to SIGTERM the child when its parent dies (also on
    SIGKILL of the parent, which no handler can catch). Only used from the main thread: the
    signal follows the death of the thread that forked."""
    if not sys.platform.startswith("linux"):
        return None
    if threading.current_thread() is not threading.main_thread():
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        prctl = libc.prctl
    except (OSError, AttributeError):
        return None
    pr_set_pdeathsig = 1
    sigterm = int(signal.SIGTERM)

    def preexec() -> None:
        prctl(pr_set_pdeathsig, sigterm, 0, 0, 0)

    return preexec


def listening_ports(pid: int) -> set[int] | None:
    """The TCP ports process `pid` listens on (Linux /proc), or None when that is unknowable
    here. Used to make sure a health answer comes from our process, not from another server
    that already holds the port."""
    try:
        inodes = set()
        for fd in os.listdir(f"/proc/{pid}/fd"):
            with contextlib.suppress(OSError):
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
                if target.startswith("socket:["):
                    inodes.add(target[8:-1])
        ports: set[int] = set()
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            with contextlib.suppress(FileNotFoundError), open(table) as f:
                next(f, None)
                for line in f:
                    fields = line.split()
                    if len(fields) > 9 and fields[3] == "0A" and fields[9] in inodes:
                        ports.add(int(fields[1].rsplit(":", 1)[1], 16))
        return ports
    except OSError:
        return None


class RestateServer:
    """One restate-server process. `start()` returns once `GET {admin}/health` and
    `GET {ingress}/restate/health` answer 200; `stop()` sends SIGTERM, then SIGKILL after a
    bound. Also a context manager. Stopped automatically at interpreter exit / SIGTERM."""

    def __init__(
        self,
        options: ServerOptions | None = None,
        *,
        binary: str | os.PathLike[str] | None = None,
        log_path: str | os.PathLike[str] | None = None,
        startup_timeout: float = DEFAULT_STARTUP_TIMEOUT,
        keep_files: bool = False,
    ) -> None:
        self.options = options or ServerOptions()
        self._binary_arg = binary
        self._log_path_arg = Path(log_path) if log_path is not None else None
        self.startup_timeout = startup_timeout
        self.keep_files = keep_files
        self._proc: subprocess.Popen[bytes] | None = None
        self._ports: ServerPorts | None = None
        self._base_dir: Path | None = None
        self._log_path: Path | None = None
        self._tmp_dir: Path | None = None
        self._cleanup_token: int | None = None
        self.startup_seconds: float | None = None

    # -- properties -------------------------------------------------------------------------

    def _require_started(self) -> ServerPorts:
        if self._ports is None:
            raise RuntimeError("the Restate server is not started: call start() first")
        return self._ports

    @property
    def ports(self) -> ServerPorts:
        return self._require_started()

    @property
    def ingress_url(self) -> str:
        return f"http://{self.options.host}:{self._require_started().ingress}"

    @property
    def admin_url(self) -> str:
        return f"http://{self.options.host}:{self._require_started().admin}"

    @property
    def node_address(self) -> str:
        return f"http://{self.options.host}:{self._require_started().node}"

    @property
    def base_dir(self) -> Path:
        if self._base_dir is None:
            raise RuntimeError("the Restate server is not started: call start() first")
        return self._base_dir

    @property
    def log_path(self) -> Path:
        """The file receiving the server's stdout and stderr."""
        if self._log_path is None:
            raise RuntimeError("the Restate server is not started: call start() first")
        return self._log_path

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def log_tail(self, lines: int = 40) -> str:
        return tail_lines(self._log_path, lines) if self._log_path is not None else ""

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> RestateServer:
        if self._proc is not None:
            raise RuntimeError("the Restate server is already started")
        binary = find_server_binary(self._binary_arg)
        started = time.monotonic()
        try:
            self._prepare_dirs()
            attempts = 1 if self.options.ports is not None else _PORT_RETRIES
            for attempt in range(1, attempts + 1):
                ports = self.options.ports or ServerPorts.free(self.options.host)
                try:
                    self._spawn(binary, ports)
                    self._wait_healthy(started)
                    break
                except _PortTaken:
                    self._kill_quietly()
                    if attempt == attempts:
                        raise RestateServerStartError(
                            f"restate-server could not bind its ports {ports} "
                            f"(address in use).\n{self._log_excerpt()}"
                        ) from None
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.monotonic() - started
        return self

    def _prepare_dirs(self) -> None:
        if self.options.base_dir is None or self._log_path_arg is None:
            self._tmp_dir = Path(tempfile.mkdtemp(prefix="restate-local-"))
        if self.options.base_dir is not None:
            self._base_dir = Path(self.options.base_dir).resolve()
        else:
            assert self._tmp_dir is not None
            self._base_dir = self._tmp_dir / "data"
        self._base_dir.mkdir(parents=True, exist_ok=True)
        if self._log_path_arg is not None:
            self._log_path = self._log_path_arg.resolve()
            self._log_path.parent.mkdir(parents=True, exist_ok=True)
        else:
            assert self._tmp_dir is not None
            self._log_path = self._tmp_dir / "restate-server.log"

    def _spawn(self, binary: Path, ports: ServerPorts) -> None:
        assert self._base_dir is not None and self._log_path is not None
        self._ports = ports
        with open(self._log_path, "ab") as log:
            self._proc = subprocess.Popen(
                server_args(binary, self._base_dir),
                env=process_env(self.options, ports),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self._base_dir,
                start_new_session=True,  # Ctrl-C reaches us, and we stop the server in order
                preexec_fn=_parent_death_signal(),
            )
        if self._cleanup_token is None:
            self._cleanup_token = process_cleanup.register(self._stop_at_exit)

    def _log_excerpt(self, lines: int = 30) -> str:
        tail = self.log_tail(lines)
        where = f"server log: {self._log_path}"
        if not tail:
            return f"({where}, empty)"
        return f"last lines of the {where}:\n{tail}"

    def _wait_healthy(self, started: float) -> None:
        assert self._proc is not None
        deadline = started + self.startup_timeout
        urls = (f"{self.admin_url}/health", f"{self.ingress_url}/restate/health")
        healthy: set[str] = set()
        with httpx.Client(timeout=1.0, trust_env=False) as client:
            while True:
                code = self._proc.poll()
                if code is not None:
                    if _ADDRESS_IN_USE.search(self.log_tail(200)):
                        raise _PortTaken()
                    raise RestateServerStartError(
                        f"restate-server exited during start-up with code {code}.\n"
                        f"{self._log_excerpt()}"
                    )
                for url in urls:
                    if url in healthy:
                        continue
                    with contextlib.suppress(httpx.HTTPError):
                        if client.get(url).status_code == 200:
                            healthy.add(url)
                if len(healthy) == len(urls):
                    ours = listening_ports(self._proc.pid)
                    if ours is None or {self.ports.admin, self.ports.ingress} <= ours:
                        return
                    healthy.clear()  # another process answered on our ports
                if time.monotonic() > deadline:
                    missing = ", ".join(u for u in urls if u not in healthy)
                    raise RestateServerStartError(
                        f"restate-server did not become healthy within {self.startup_timeout:g}s "
                        f"(no 200 from {missing}).\n{self._log_excerpt()}"
                    )
                time.sleep(0.05)

    def _kill_quietly(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()

    def stop(self, timeout: float | None = None) -> int | None:
        """SIGTERM, then SIGKILL after `timeout` (default: the server's shutdown timeout + 2s).
        Removes the temporary directory unless `keep_files`. Returns the exit code."""
        if timeout is None:
            timeout = self.options.shutdown_timeout_seconds + 2.0
        code: int | None = None
        proc, self._proc = self._proc, None
        if proc is not None:
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout)
                except subprocess.TimeoutExpired:
                    with contextlib.suppress(ProcessLookupError):
                        proc.kill()
                    proc.wait()
            code = proc.returncode
        if self._cleanup_token is not None:
            process_cleanup.unregister(self._cleanup_token)
            self._cleanup_token = None
        if self._tmp_dir is not None and not self.keep_files:
            shutil.rmtree(self._tmp_dir, ignore_errors=True)
            self._tmp_dir = None
        return code

    def _stop_at_exit(self) -> None:
        self.stop(timeout=3.0)

    def __enter__(self) -> RestateServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class _PortTaken(Exception):
    pass


@contextlib.contextmanager
def restate_server(
    options: ServerOptions | None = None,
    *,
    binary: str | os.PathLike[str] | None = None,
    log_path: str | os.PathLike[str] | None = None,
    startup_timeout: float = DEFAULT_STARTUP_TIMEOUT,
) -> Iterator[RestateServer]:
    """`with restate_server(...) as server:`, a started server stopped on exit."""
    server = RestateServer(
        options, binary=binary, log_path=log_path, startup_timeout=startup_timeout
    )
    with server:
        yield server
