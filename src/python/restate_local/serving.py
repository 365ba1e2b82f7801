"""Serves an ASGI app (e.g. `restate.app([...])`) with hypercorn on a loopback port.

Hypercorn accepts HTTP/2 over cleartext with prior knowledge (h2c, what restate-server uses for
its bidirectional protocol) and HTTP/1.1 on the same port. `http_mode` records how Restate should
talk to the app, i.e. what to register: `"h2c"` (default) or `"http1.1"` (request/response only).

- `AppServer`: runs in a background thread with its own event loop (sync API, for tests).
- `serve_app(...)`: an async context manager serving on the current loop as a task.
- `run_app(...)`: blocks serving until SIGINT/SIGTERM (for a server command).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

from hypercorn.asyncio import serve
from hypercorn.config import Config

from restate_local.errors import AppServerError
from restate_local.ports import LOOPBACK, bind_listen_socket, port_accepts_connections

HttpMode = Literal["h2c", "http1.1"]
HTTP_MODES: tuple[HttpMode, ...] = ("h2c", "http1.1")

# Loggers whose records go to the app log file by default (the SDK logs handler errors there).
DEFAULT_CAPTURED_LOGGERS: tuple[str, ...] = ("restate",)

# An ASGI application; kept loose because the SDK and hypercorn type it differently.
AsgiApp = Callable[..., Any]


def check_http_mode(http_mode: str) -> HttpMode:
    if http_mode == "h2c":
        return "h2c"
    if http_mode == "http1.1":
        return "http1.1"
    raise ValueError(f"http_mode must be one of {HTTP_MODES}, not {http_mode!r}")


def hypercorn_config(
    *,
    bind: str,
    error_logger: logging.Logger | None = None,
    access_logger: logging.Logger | None = None,
    graceful_timeout: float = 2.0,
) -> Config:
    """A hypercorn config suited to Restate: restate-server multiplexes many invocations over
    one long-lived HTTP/2 connection, so concurrent streams and keep-alive are not capped low."""
    config = Config()
    config.bind = [bind]
    config.h2_max_concurrent_streams = 2**31 - 1
    config.keep_alive_max_requests = 2**31 - 1
    config.keep_alive_timeout = 600.0
    config.graceful_timeout = graceful_timeout
    config.include_server_header = False
    if access_logger is not None:
        config.accesslog = access_logger
    if error_logger is not None:
        config.errorlog = error_logger
    return config


@dataclass(frozen=True)
class ServedApp:
    host: str
    port: int
    http_mode: HttpMode

    @property
    def url(self) -> str:
        """The URI to register with Restate."""
        return f"http://{self.host}:{self.port}"

    @property
    def use_http_11(self) -> bool:
        return self.http_mode == "http1.1"


class _AppLog:
    """Sends hypercorn's logs and the `captured` loggers to one file while serving."""

    def __init__(self, path: Path | None, captured: Sequence[str], name: str) -> None:
        self.path = path
        self.captured = tuple(captured)
        self.error_logger: logging.Logger | None = None
        self.access_logger: logging.Logger | None = None
        self._handler: logging.Handler | None = None
        self._saved_levels: dict[str, int] = {}
        self._name = name

    def open(self) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(self.path, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        self._handler = handler
        for kind in ("error", "access"):
            logger = logging.getLogger(f"restate_local.app.{self._name}.{kind}")
            logger.handlers = [handler]
            logger.setLevel(logging.INFO)
            logger.propagate = False
            if kind == "error":
                self.error_logger = logger
            else:
                self.access_logger = logger
        for name in self.captured:
            logger = logging.getLogger(name)
            logger.addHandler(handler)
            if logger.level == logging.NOTSET:
                self._saved_levels[name] = logger.level
                logger.setLevel(logging.INFO)

    def close(self) -> None:
        if self._handler is None:
            return
        for name in self.captured:
            logger = logging.getLogger(name)
            logger.removeHandler(self._handler)
            if name in self._saved_levels:
                logger.setLevel(self._saved_levels.pop(name))
        for own in (self.error_logger, self.access_logger):
            if own is not None:
                own.handlers = []
        self._handler.close()
        self._handler = None


def _serve_config(sock: socket.socket, app_log: _AppLog, graceful_timeout: float) -> Config:
    # Hand our bound socket to hypercorn by file descriptor: the port was reserved (or found
    # taken) by us, so there is no race between picking a free port and binding it.
    fd = sock.detach()
    return hypercorn_config(
        bind=f"fd://{fd}",
        error_logger=app_log.error_logger,
        access_logger=app_log.access_logger,
        graceful_timeout=graceful_timeout,
    )


class AppServer:
    """Serves `app` from a background thread with its own event loop.

    with AppServer(app) as served:
        register(served.url, use_http_11=served.use_http_11)
    """

    def __init__(
        self,
        app: AsgiApp,
        *,
        host: str = LOOPBACK,
        port: int = 0,
        http_mode: HttpMode = "h2c",
        log_path: str | os.PathLike[str] | None = None,
        captured_loggers: Sequence[str] = DEFAULT_CAPTURED_LOGGERS,
        startup_timeout: float = 10.0,
        graceful_timeout: float = 2.0,
    ) -> None:
        self.app = app
        self.host = host
        self.requested_port = port
        self.http_mode = check_http_mode(http_mode)
        self.startup_timeout = startup_timeout
        self.graceful_timeout = graceful_timeout
        self._log = _AppLog(
            Path(log_path) if log_path is not None else None, captured_loggers, str(id(self))
        )
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop_event: asyncio.Event | None = None
        self._error: BaseException | None = None
        self._served: ServedApp | None = None

    @property
    def served(self) -> ServedApp:
        if self._served is None:
            raise RuntimeError("the app server is not started: call start() first")
        return self._served

    @property
    def url(self) -> str:
        return self.served.url

    @property
    def port(self) -> int:
        return self.served.port

    @property
    def log_path(self) -> Path | None:
        return self._log.path

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> ServedApp:
        if self._thread is not None:
            raise RuntimeError("the app server is already started")
        sock = bind_listen_socket(self.host, self.requested_port)
        port = int(sock.getsockname()[1])
        self._log.open()
        config = _serve_config(sock, self._log, self.graceful_timeout)
        ready = threading.Event()

        async def main() -> None:
            self._loop = asyncio.get_running_loop()
            self._stop_event = asyncio.Event()
            ready.set()
            await serve(self.app, config, shutdown_trigger=self._stop_event.wait, mode="asgi")

        def run() -> None:
            try:
                asyncio.run(main())
            except BaseException as e:  # noqa: BLE001 - reported by start() / stop()
                self._error = e
            finally:
                ready.set()

        self._thread = threading.Thread(target=run, name=f"restate-local-app-{port}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + self.startup_timeout
        ready.wait(self.startup_timeout)
        while not port_accepts_connections(self.host, port):
            if not self._thread.is_alive() or time.monotonic() > deadline:
                error = self._error
                self.stop()
                reason = f"{type(error).__name__}: {error}" if error else "it did not listen"
                raise AppServerError(
                    f"could not serve the app on {self.host}:{port}: {reason}"
                ) from error
            time.sleep(0.02)
        self._served = ServedApp(self.host, port, self.http_mode)
        return self._served

    def stop(self, timeout: float | None = None) -> None:
        """Graceful shutdown (open connections get `graceful_timeout`), then joins the thread."""
        thread, loop, event = self._thread, self._loop, self._stop_event
        if thread is not None:
            if loop is not None and event is not None and not loop.is_closed():
                with contextlib.suppress(RuntimeError):  # loop closed meanwhile
                    loop.call_soon_threadsafe(event.set)
            thread.join(self.graceful_timeout + 3.0 if timeout is None else timeout)
        self._thread = None
        self._loop = None
        self._stop_event = None
        self._log.close()

    def __enter__(self) -> ServedApp:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


@contextlib.asynccontextmanager
async def serve_app(
    app: AsgiApp,
    *,
    host: str = LOOPBACK,
    port: int = 0,
    http_mode: HttpMode = "h2c",
    log_path: str | os.PathLike[str] | None = None,
    captured_loggers: Sequence[str] = DEFAULT_CAPTURED_LOGGERS,
    startup_timeout: float = 10.0,
    graceful_timeout: float = 2.0,
) -> AsyncIterator[ServedApp]:
    """Serves `app` as a task on the running loop while the block runs.

    Register with `AsyncAdminClient` from inside the block: a blocking call would stall the
    loop that has to answer Restate's discovery request.
    """
    mode = check_http_mode(http_mode)
    http_mode = check_http_mode(http_mode)
    app = without_lifespan(app)
    sock = bind_listen_socket(host, port)
    port = int(sock.getsockname()[1])
    app_log = _AppLog(
        Path(log_path) if log_path is not None else None, captured_loggers, f"async{port}"
    )
    app_log.open()
    stop = asyncio.Event()
    try:
        config = _serve_config(sock, app_log, graceful_timeout)
        task = asyncio.create_task(serve(app, config, shutdown_trigger=stop.wait, mode="asgi"))
        deadline = time.monotonic() + startup_timeout
        while not await asyncio.to_thread(port_accepts_connections, host, port):
            if task.done() or time.monotonic() > deadline:
                error = task.exception() if task.done() else None
                task.cancel()
                reason = f"{type(error).__name__}: {error}" if error else "it did not listen"
                raise AppServerError(f"could not serve the app on {host}:{port}: {reason}")
            await asyncio.sleep(0.02)
        try:
            yield ServedApp(host, port, mode)
        finally:
            stop.set()
            await task
    finally:
        app_log.close()


def _on_signals(loop: asyncio.AbstractEventLoop, callback: Callable[[], None]) -> None:
    """Calls `callback` on SIGINT and SIGTERM while `loop` runs.

    restate-sdk 1.3.0's ASGI app takes over the loop's SIGTERM handler on its first request
    (`loop.add_signal_handler` keeps one handler per signal), which silently disables hypercorn's
    own: plain `hypercorn.asyncio.serve(restate_app, config)` never stops on SIGTERM. The SDK
    offers `restate.server.install_shutdown_hook` so several parties can share the signal; use it
    when present.
    """
    try:
        from restate.server import install_shutdown_hook
    except ImportError:  # another SDK version: plain asyncio handlers
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, callback)
        return
    for signum in (signal.SIGINT, signal.SIGTERM):
        install_shutdown_hook(loop, callback, signum)


def without_lifespan(app: AsgiApp) -> AsgiApp:
    """`app`, answering ASGI lifespan events itself: restate-sdk's app does not, and hypercorn
    would log a "Lifespan error" warning at every start."""

    async def wrapped(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "lifespan":
            await app(scope, receive, send)
            return
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return

    return wrapped


def run_app(
    app: AsgiApp,
    *,
    host: str = LOOPBACK,
    port: int = 9080,
    http_mode: HttpMode = "h2c",
    on_ready: Callable[[ServedApp], None] | None = None,
    graceful_timeout: float = 5.0,
) -> None:
    """Serves `app` in the foreground (main thread) until SIGINT / SIGTERM, then shuts down
    gracefully. Hypercorn logs to stderr. `http_mode` is what `on_ready` is told to register
    (hypercorn answers h2c and HTTP/1.1 alike).

    `on_ready` runs once the port accepts connections, from a helper thread; it may block
    (e.g. register the deployment with the sync `AdminClient`), since the app is served by the
    main thread's loop meanwhile. If it raises, the server stops and the exception propagates.
    """
    http_mode = check_http_mode(http_mode)
    app = without_lifespan(app)
    sock = bind_listen_socket(host, port)
    port = int(sock.getsockname()[1])
    config = hypercorn_config(bind=f"fd://{sock.detach()}", graceful_timeout=graceful_timeout)
    config.errorlog = "-"

    async def main() -> None:
        stop = asyncio.Event()
        _on_signals(asyncio.get_running_loop(), stop.set)
        server = asyncio.create_task(serve(app, config, shutdown_trigger=stop.wait, mode="asgi"))
        if on_ready is not None:
            while not await asyncio.to_thread(port_accepts_connections, host, port):
                if server.done():
                    break
                await asyncio.sleep(0.02)
            if not server.done():
                try:
                    await asyncio.to_thread(on_ready, ServedApp(host, port, http_mode))
                except BaseException:
                    stop.set()
                    await server
                    raise
        await server

    asyncio.run(main())


@contextlib.contextmanager
def served_app(app: AsgiApp, **kwargs: Any) -> Iterator[ServedApp]:
    """`with served_app(app) as served:`, the `AppServer` equivalent of `serve_app`."""
    server = AppServer(app, **kwargs)
    with server as served:
        yield served
