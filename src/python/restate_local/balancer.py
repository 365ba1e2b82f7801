"""HAProxy in front of app replicas: one URI for Restate to register, HTTP/2 to every replica.

restate-server keeps its HTTP/2 connections to a deployment open and multiplexes invocations on
them, so a balancer must pick a replica per request (per HTTP/2 stream), not per connection.
HAProxy in `mode http` does exactly that: the frontend speaks h2c (prior knowledge, what Restate
uses), each request is balanced round-robin, and the backend talks h2c to the replicas. Health
checks take a dead replica out within a second; connection failures are retried on another one.

    with HAProxyBalancer([("127.0.0.1", 9081), ("127.0.0.1", 9082)]) as balancer:
        admin.register_deployment(balancer.url)

`find_haproxy()` looks for the binary; `ensure_haproxy()` also installs the Debian package
`haproxy` where it can (root with apt-get), and otherwise raises `BalancerNotFound` whose message
is one line naming the package.
"""

from __future__ import annotations

import contextlib
import csv
import fcntl
import io
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import httpx

from restate_local import process_cleanup
from restate_local.errors import RestateLocalError
from restate_local.lifecycle import require_started
from restate_local.ports import LOOPBACK, free_ports, port_accepts_connections
from restate_local.server_process import _parent_death_signal, tail_lines

HAPROXY_BIN_ENV = "HAPROXY_BIN"
HAPROXY_PACKAGE = "haproxy"
INSTALL_LINE = (
    f"haproxy is not installed: install the Debian/Ubuntu package '{HAPROXY_PACKAGE}' "
    f"(sudo apt-get install -y {HAPROXY_PACKAGE}) or set {HAPROXY_BIN_ENV} to a haproxy binary"
)
# Pants runs tests with a minimal PATH; haproxy lives in sbin on Debian.
_SEARCH_DIRS = ("/usr/sbin", "/usr/local/sbin", "/usr/bin", "/usr/local/bin", "/sbin")
_APT_TIMEOUT = 600.0
_INSTALL_LOCK = Path(tempfile.gettempdir()) / "restate-local-haproxy-install.lock"


class BalancerNotFound(RestateLocalError):
    """No haproxy binary, and it could not be installed here; the message is the install line."""


class BalancerStartError(RestateLocalError):
    """haproxy rejected its configuration or exited during start-up."""


def find_haproxy(
    env: Mapping[str, str] | None = None, search_dirs: Sequence[str] = _SEARCH_DIRS
) -> Path | None:
    """`$HAPROXY_BIN`, else `haproxy` on PATH or in the usual sbin dirs; None when absent."""
    env = os.environ if env is None else env
    explicit = env.get(HAPROXY_BIN_ENV, "").strip()
    if explicit:
        path = Path(explicit)
        if path.is_file() and os.access(path, os.X_OK):
            return path
        raise BalancerNotFound(
            f"{HAPROXY_BIN_ENV}={explicit} is not an executable haproxy binary: fix or unset it"
        )
    search = os.pathsep.join([env.get("PATH", ""), *search_dirs])
    found = shutil.which("haproxy", path=search)
    return Path(found) if found else None


def _apt_get() -> str | None:
    return shutil.which("apt-get", path=os.pathsep.join(_SEARCH_DIRS))


def can_install() -> bool:
    """True where `ensure_haproxy` can install the package itself: root, with apt-get."""
    return hasattr(os, "geteuid") and os.geteuid() == 0 and _apt_get() is not None


def _install_with_apt(log: Path | None) -> None:
    apt = _apt_get()
    assert apt is not None
    env = {
        "PATH": os.pathsep.join(_SEARCH_DIRS),
        "DEBIAN_FRONTEND": "noninteractive",
        "LANG": "C",
    }
    lock = [
        "-o",
        "DPkg::Lock::Timeout=300",
    ]  # another apt run (e.g. a parallel test) finishes first
    with contextlib.ExitStack() as stack:
        out = stack.enter_context(open(log, "ab")) if log is not None else subprocess.DEVNULL
        for args in (
            [apt, *lock, "update"],
            [apt, *lock, "install", "-y", "--no-install-recommends", HAPROXY_PACKAGE],
        ):
            try:
                code = subprocess.run(
                    args,
                    env=env,
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=out,
                    timeout=_APT_TIMEOUT,
                    check=False,
                ).returncode
            except subprocess.TimeoutExpired:
                code = -1
            if code != 0 and args[-1] == HAPROXY_PACKAGE:
                where = f" (apt output: {log})" if log is not None else ""
                raise BalancerNotFound(f"{INSTALL_LINE}; 'apt-get install' failed{where}")


def ensure_haproxy(
    *,
    install: bool = True,
    env: Mapping[str, str] | None = None,
    log: Path | None = None,
    search_dirs: Sequence[str] = _SEARCH_DIRS,
) -> Path:
    """The haproxy binary; installs the Debian package first when it is missing and this
    process may (`install`, root, apt-get). Raises `BalancerNotFound` (one line) otherwise."""
    found = find_haproxy(env, search_dirs)
    if found is not None:
        return found
    if not (install and can_install()):
        raise BalancerNotFound(INSTALL_LINE)
    # Test files run in parallel, and each may get here first: one installs, the others wait
    # (apt's own locks would make them fail rather than wait during `apt-get update`).
    with open(_INSTALL_LOCK, "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        found = find_haproxy(env, search_dirs)
        if found is not None:
            return found
        _install_with_apt(log)
    found = find_haproxy(env, search_dirs)
    if found is None:
        raise BalancerNotFound(f"{INSTALL_LINE}; apt-get ran but no haproxy binary appeared")
    return found


@dataclass(frozen=True)
class Backend:
    """One app replica the balancer sends requests to (h2c)."""

    name: str
    host: str
    port: int


def haproxy_config(
    *,
    host: str,
    port: int,
    stats_port: int,
    backends: Sequence[Backend],
    check_interval_ms: int = 500,
    retries: int = 3,
) -> str:
    """An HAProxy configuration: h2c in, per-request round robin, h2c out, health checks on the
    app's `/health`, and a CSV stats page (`/stats;csv`) on `stats_port`."""
    if not backends:
        raise ValueError("the balancer needs at least one backend")
    names = [b.name for b in backends]
    if len(set(names)) != len(names):
        raise ValueError(f"backend names must be unique: {names}")
    lines = [
        "global",
        "    maxconn 4096",
        "",
        "defaults",
        "    mode http",
        "    timeout connect 2s",
        # Restate keeps invocation streams open while a handler runs: no short idle timeouts.
        "    timeout client 10m",
        "    timeout server 10m",
        "    timeout tunnel 10m",
        "    timeout http-keep-alive 10m",
        # A request that could not reach a replica goes to another one.
        f"    retries {retries}",
        "    option redispatch 1",
        "    retry-on conn-failure empty-response",
        "",
        "frontend restate_deployment",
        f"    bind {host}:{port} proto h2",
        "    default_backend replicas",
        "",
        "backend replicas",
        # Per request: each HTTP/2 stream is balanced on its own, not each connection.
        "    balance roundrobin",
        "    http-reuse always",
        "    option httpchk",
        # Checks go over HTTP/1.1 (hypercorn answers both on one port); requests use h2c.
        "    http-check send meth GET uri /health ver HTTP/1.1 hdr host localhost",
        "    http-check expect status 200",
        "    default-server proto h2 check check-proto h1 "
        f"inter {check_interval_ms}ms fall 1 rise 1",
    ]
    lines += [f"    server {b.name} {b.host}:{b.port}" for b in backends]
    lines += [
        "",
        "frontend stats",
        f"    bind {host}:{stats_port}",
        "    stats enable",
        "    stats uri /stats",
        "    stats refresh 0",
        "",
    ]
    return "\n".join(lines)


class HAProxyBalancer:
    """haproxy balancing HTTP/2 requests over `backends` ((host, port) pairs or `Backend`s).

    `start()` checks the configuration (`haproxy -c`), starts haproxy in the foreground of its
    own process and returns once its port accepts connections; `stop()` ends it (also at
    interpreter exit). `url` is the URI to register with Restate."""

    def __init__(
        self,
        backends: Sequence[Backend | tuple[str, int]],
        *,
        host: str = LOOPBACK,
        port: int = 0,
        binary: str | os.PathLike[str] | None = None,
        work_dir: str | os.PathLike[str] | None = None,
        install: bool = True,
        startup_timeout: float = 10.0,
    ) -> None:
        self.backends = tuple(
            b if isinstance(b, Backend) else Backend(f"replica{i}", b[0], b[1])
            for i, b in enumerate(backends, start=1)
        )
        self.host = host
        self.requested_port = port
        self._binary_arg = Path(binary) if binary is not None else None
        self._work_dir_arg = Path(work_dir) if work_dir is not None else None
        self.install = install
        self.startup_timeout = startup_timeout
        self._proc: subprocess.Popen[bytes] | None = None
        self._work_dir: Path | None = None
        self._tmp_dir: Path | None = None
        self._port: int | None = None
        self._stats_port: int | None = None
        self._cleanup_token: int | None = None

    @property
    def port(self) -> int:
        return require_started(self._port, "balancer")

    @property
    def url(self) -> str:
        """The deployment URI to register (h2c)."""
        return f"http://{self.host}:{self.port}"

    @property
    def stats_url(self) -> str:
        return f"http://{self.host}:{require_started(self._stats_port, 'balancer')}/stats;csv"

    @property
    def log_path(self) -> Path:
        return require_started(self._work_dir, "balancer") / "haproxy.log"

    @property
    def config_path(self) -> Path:
        return require_started(self._work_dir, "balancer") / "haproxy.cfg"

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self) -> HAProxyBalancer:
        if self._proc is not None:
            raise RuntimeError("the balancer is already started")
        try:
            if self._work_dir_arg is not None:
                self._work_dir = self._work_dir_arg.resolve()
                self._work_dir.mkdir(parents=True, exist_ok=True)
            else:
                self._tmp_dir = Path(tempfile.mkdtemp(prefix="restate-local-haproxy-"))
                self._work_dir = self._tmp_dir
            binary = self._binary_arg or ensure_haproxy(
                install=self.install, log=self._work_dir / "apt.log"
            )
            if self.requested_port:
                self._port = self.requested_port
                (self._stats_port,) = free_ports(1, self.host)
            else:
                self._port, self._stats_port = free_ports(2, self.host)
            self.config_path.write_text(
                haproxy_config(
                    host=self.host,
                    port=self._port,
                    stats_port=self._stats_port,
                    backends=self.backends,
                ),
                encoding="utf-8",
            )
            check = subprocess.run(
                [str(binary), "-c", "-q", "-f", str(self.config_path)],
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                check=False,
            )
            if check.returncode != 0:
                raise BalancerStartError(
                    f"haproxy rejected {self.config_path}: "
                    f"{(check.stderr or check.stdout).strip()}"
                )
            with open(self.log_path, "ab") as log:
                self._proc = subprocess.Popen(
                    # -db: stay in the foreground (no daemon), logs to stderr.
                    [str(binary), "-db", "-f", str(self.config_path)],
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    cwd=self._work_dir,
                    start_new_session=True,
                    preexec_fn=_parent_death_signal(),
                )
            self._cleanup_token = process_cleanup.register(self._stop_at_exit)
            deadline = time.monotonic() + self.startup_timeout
            while not port_accepts_connections(self.host, self._port):
                code = self._proc.poll()
                if code is not None or time.monotonic() > deadline:
                    why = f"exited with code {code}" if code is not None else "did not listen"
                    raise BalancerStartError(
                        f"haproxy {why} on {self.host}:{self._port}; its log ({self.log_path}):\n"
                        f"{tail_lines(self.log_path, 20)}"
                    )
                time.sleep(0.05)
        except BaseException:
            self.stop()
            raise
        return self

    def server_stats(self) -> dict[str, dict[str, str]]:
        """Each backend's row of haproxy's CSV statistics (status, stot = requests sent, ...)."""
        response = httpx.get(self.stats_url, timeout=2.0, trust_env=False)
        response.raise_for_status()
        text = response.text.lstrip("# ")
        return {
            row["svname"]: row
            for row in csv.DictReader(io.StringIO(text))
            if row.get("pxname") == "replicas" and row.get("svname") not in ("FRONTEND", "BACKEND")
        }

    def server_states(self) -> dict[str, str]:
        """Each backend's state as haproxy sees it right now, e.g. {"replica1": "UP"}."""
        return {name: row.get("status", "") for name, row in self.server_stats().items()}

    def wait_for_state(self, name: str, state: str, timeout: float = 10.0) -> float:
        """Waits until backend `name` is in `state` ("UP" / "DOWN"); returns the seconds taken."""
        started = time.monotonic()
        last = ""
        while True:
            with contextlib.suppress(httpx.HTTPError):
                last = self.server_states().get(name, "")
                if last.split(" ")[0] == state:
                    return time.monotonic() - started
            if time.monotonic() - started > timeout:
                raise TimeoutError(
                    f"backend {name} is {last or 'unknown'}, not {state}, after {timeout:g}s"
                )
            time.sleep(0.05)

    def stop(self, timeout: float = 5.0) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
                proc.wait()
        if self._cleanup_token is not None:
            process_cleanup.unregister(self._cleanup_token)
            self._cleanup_token = None
        if self._tmp_dir is not None:
            shutil.rmtree(self._tmp_dir, ignore_errors=True)
            self._tmp_dir = None

    def _stop_at_exit(self) -> None:
        self.stop(timeout=2.0)

    def __enter__(self) -> HAProxyBalancer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
