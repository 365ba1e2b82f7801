"""App replicas: the same deployment served by several processes, each on its own port.

Run one replica by hand (what `AppReplica` does):

    APP_PORT=9081 RESTATE_IDENTITY_KEYS=publickeyv1_... \\
        python -m restate_local.replica app.deployment:make_app

The argument names a factory `make_app(identity_keys=..., protocol=...)` (what generated
deployment modules provide) or an ASGI app. A replica only serves: it does not register itself,
because replicas sit behind one balancer whose URI is registered once (see `balancer.py`).
Settings come from the same environment variables as the sample's server command: `APP_HOST`,
`APP_PORT`, `APP_HTTP` (h2c | http1.1), `RESTATE_IDENTITY_KEYS`, and `APP_WORKERS`: the number of
hypercorn worker processes sharing the replica's port (default 1).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx
from hypercorn.asyncio import serve

from restate_local import process_cleanup
from restate_local.env import whole_number
from restate_local.errors import AppServerError
from restate_local.ports import LOOPBACK, bind_listen_socket, free_port
from restate_local.server_process import _parent_death_signal, tail_lines
from restate_local.serving import (
    AsgiApp,
    HttpMode,
    ServedApp,
    _on_signals,
    check_http_mode,
    hypercorn_config,
    run_app,
    without_lifespan,
)

WORKERS_ENV = "APP_WORKERS"
_FD_FLAG = "--listen-fd"


def load_app(spec: str, identity_keys: Sequence[str], http_mode: HttpMode) -> AsgiApp:
    """`module:attr` -> the ASGI app: a factory taking `identity_keys`/`protocol` is called."""
    module_name, _, attr = spec.partition(":")
    if not module_name or not attr:
        raise ValueError(f"expected module:attribute (e.g. app.deployment:make_app), not {spec!r}")
    target = getattr(importlib.import_module(module_name), attr)
    if attr == "make_app" or getattr(target, "__name__", "") == "make_app":
        return target(  # type: ignore[no-any-return]
            identity_keys=list(identity_keys) or None,
            protocol="request_response" if http_mode == "http1.1" else "bidi",
        )
    return target  # type: ignore[no-any-return]


def _settings(env: Mapping[str, str]) -> tuple[str, int, HttpMode, tuple[str, ...], int]:
    """The replica's settings; a bad one exits with a one-line message."""
    host = env.get("APP_HOST", "").strip() or LOOPBACK
    try:
        port = whole_number(env, "APP_PORT", 9080, 0, 65535)
        workers = whole_number(env, WORKERS_ENV, 1, 1, 64)
    except ValueError as e:
        raise SystemExit(f"replica: error: {e}") from None
    http = (env.get("APP_HTTP", "").strip() or "h2c").lower()
    if http not in ("h2c", "h2", "http2", "http1.1", "http1", "h1"):
        raise SystemExit(f"replica: error: APP_HTTP must be h2c or http1.1, not {http!r}")
    http_mode = check_http_mode("http1.1" if http in ("http1.1", "http1", "h1") else "h2c")
    keys = tuple(k for k in re.split(r"[,\s]+", env.get("RESTATE_IDENTITY_KEYS", "")) if k)
    return host, port, http_mode, keys, workers


def _serve_fd(app: AsgiApp, fd: int) -> None:
    """One worker: serves on an inherited listening socket until SIGINT / SIGTERM."""
    config = hypercorn_config(bind=f"fd://{fd}", graceful_timeout=3.0)
    config.errorlog = "-"
    wrapped = without_lifespan(app)

    async def main() -> None:
        stop = asyncio.Event()
        _on_signals(asyncio.get_running_loop(), stop.set)
        await serve(wrapped, config, shutdown_trigger=stop.wait, mode="asgi")

    asyncio.run(main())


def serve_with_workers(
    spec: str,
    *,
    host: str = LOOPBACK,
    port: int = 9080,
    workers: int = 2,
    identity_keys: Sequence[str] = (),
    http_mode: HttpMode = "h2c",
    on_ready: Callable[[ServedApp], None] | None = None,
) -> int:
    """Serves the app `spec` names from `workers` processes sharing one port, until SIGINT /
    SIGTERM; returns the exit code. The port is bound once, here, and every worker accepts on
    it (the kernel spreads connections over them, as with hypercorn's own `--workers`);
    restate-server opens several HTTP/2 connections to a deployment, so all workers get work.

    `on_ready` runs once the port answers `GET /health`, from a helper thread: e.g. register
    the deployment, once for all workers. If it raises, the workers stop and it propagates."""
    http_mode = check_http_mode(http_mode)
    sock = bind_listen_socket(host, port)
    sock.listen(1024)
    port = int(sock.getsockname()[1])
    fd = sock.fileno()
    env = {
        **os.environ,
        "PYTHONPATH": child_pythonpath(),
        "APP_HTTP": http_mode,
        "RESTATE_IDENTITY_KEYS": ",".join(identity_keys),
    }
    children = [
        subprocess.Popen(
            [sys.executable, "-m", "restate_local.replica", spec, _FD_FLAG, str(fd)],
            env=env,
            pass_fds=(fd,),
            preexec_fn=_parent_death_signal(),
        )
        for _ in range(workers)
    ]

    def stop_workers(signum: int = signal.SIGTERM) -> None:
        for child in children:
            with contextlib.suppress(ProcessLookupError):
                child.send_signal(signum)

    def forward(signum: int, frame: object) -> None:
        del frame
        stop_workers(signum)

    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, forward)
    failure: list[BaseException] = []

    def announce() -> None:
        served = ServedApp(host, port, http_mode)
        with httpx.Client(timeout=1.0, trust_env=False) as client:
            while all(child.poll() is None for child in children):
                with contextlib.suppress(httpx.HTTPError):
                    if client.get(f"{served.url}/health").status_code == 200:
                        break
                time.sleep(0.05)
            else:
                return
        try:
            assert on_ready is not None
            on_ready(served)
        except BaseException as e:  # noqa: BLE001 - re-raised by the caller's thread
            failure.append(e)
            stop_workers()

    if on_ready is not None:
        threading.Thread(target=announce, name="replica-on-ready", daemon=True).start()
    try:
        codes = [child.wait() for child in children]
    finally:
        stop_workers()
        sock.close()
    if failure:
        raise failure[0]
    return max((c for c in codes if c > 0), default=0)


def main(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    env = os.environ if env is None else env
    if not args:
        print("usage: python -m restate_local.replica module:make_app", file=sys.stderr)
        return 2
    spec = args[0]
    host, port, http_mode, keys, workers = _settings(env)
    if _FD_FLAG in args:
        fd = int(args[args.index(_FD_FLAG) + 1])
        _serve_fd(load_app(spec, keys, http_mode), fd)
        return 0
    if workers > 1:
        return serve_with_workers(
            spec,
            host=host,
            port=port,
            workers=workers,
            identity_keys=keys,
            http_mode=http_mode,
        )
    run_app(
        load_app(spec, keys, http_mode),
        host=host,
        port=port,
        http_mode=http_mode,
        graceful_timeout=3.0,
    )
    return 0


def child_pythonpath() -> str:
    """This interpreter's import path, for child processes that import the same code (works in a
    Pants test sandbox and inside a PEX, where the path is set up at run time)."""
    # Absolute: Pants puts sandbox-relative source roots on the path, and children may run in
    # another working directory.
    return os.pathsep.join(os.path.abspath(p) for p in sys.path if p)


class AppReplica:
    """One replica process (`python -m restate_local.replica SPEC`) on a fixed loopback port.

    `start()` returns once `GET /health` answers 200; `kill()` is SIGKILL to the replica and its
    workers; `restart()` starts it again on the same port. Stopped at interpreter exit."""

    def __init__(
        self,
        spec: str,
        *,
        name: str = "replica",
        host: str = LOOPBACK,
        port: int = 0,
        workers: int = 1,
        identity_keys: Sequence[str] = (),
        http_mode: HttpMode = "h2c",
        env: Mapping[str, str] | None = None,
        log_path: str | os.PathLike[str] | None = None,
        cwd: str | os.PathLike[str] | None = None,
        startup_timeout: float = 30.0,
    ) -> None:
        self.spec = spec
        self.name = name
        self.host = host
        self.port = port or free_port(host)
        self.workers = workers
        self.identity_keys = tuple(identity_keys)
        self.http_mode = check_http_mode(http_mode)
        self.extra_env = dict(env or {})
        self.log_path = Path(log_path) if log_path is not None else None
        self.cwd = Path(cwd) if cwd is not None else None
        self.startup_timeout = startup_timeout
        self._proc: subprocess.Popen[bytes] | None = None
        self._cleanup_token: int | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def _env(self) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("APP_", "RESTATE_")) or k == "APP_DATA_DIR"
        }
        env.update(
            {
                "PYTHONPATH": child_pythonpath(),
                "APP_HOST": self.host,
                "APP_PORT": str(self.port),
                "APP_HTTP": self.http_mode,
                WORKERS_ENV: str(self.workers),
                "RESTATE_IDENTITY_KEYS": ",".join(self.identity_keys),
            }
        )
        env.update(self.extra_env)
        return env

    def start(self) -> AppReplica:
        if self.running:
            raise RuntimeError(f"{self.name} is already running")
        started = time.monotonic()
        with contextlib.ExitStack() as stack:
            if self.log_path is not None:
                self.log_path.parent.mkdir(parents=True, exist_ok=True)
                out: Any = stack.enter_context(open(self.log_path, "ab"))
            else:
                out = subprocess.DEVNULL
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "restate_local.replica", self.spec],
                env=self._env(),
                cwd=self.cwd,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_parent_death_signal(),
            )
        if self._cleanup_token is None:
            self._cleanup_token = process_cleanup.register(self._stop_at_exit)
        with httpx.Client(timeout=1.0, trust_env=False) as client:
            while True:
                code = self._proc.poll()
                if code is not None:
                    tail = tail_lines(self.log_path, 20) if self.log_path else ""
                    self.stop()
                    raise AppServerError(
                        f"{self.name} exited with code {code} during start-up\n{tail}"
                    )
                with contextlib.suppress(httpx.HTTPError):
                    if client.get(f"{self.url}/health").status_code == 200:
                        return self
                if time.monotonic() - started > self.startup_timeout:
                    self.stop()
                    raise AppServerError(
                        f"{self.name} did not answer {self.url}/health "
                        f"within {self.startup_timeout:g}s"
                    )
                time.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL the replica and its worker processes (a crash)."""
        proc = self._proc
        if proc is not None and proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()

    def stop(self, timeout: float = 8.0) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        if self._cleanup_token is not None:
            process_cleanup.unregister(self._cleanup_token)
            self._cleanup_token = None

    def restart(self) -> float:
        """Stops (if needed) and starts the replica on the same port; returns the seconds taken
        until it answered its health check."""
        self.stop()
        started = time.monotonic()
        self.start()
        return time.monotonic() - started

    def _stop_at_exit(self) -> None:
        self.stop(timeout=2.0)

    def __enter__(self) -> AppReplica:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


if __name__ == "__main__":
    sys.exit(main())
