"""A real Restate server plus an ASGI app, wired together for tests (no Docker).

    with RestateTestEnvironment(app) as env:
        assert env.call("Greeter/greet", {"name": "Ada"}) == {"message": "Hello Ada"}
        assert env.object_state("Counter", "k1") == {"count": 1}

It starts restate-server on free loopback ports with a temporary data directory, serves the app
with hypercorn on a free port (its own event loop in a background thread), registers it, and
tears everything down in order (server first, so its HTTP/2 connections to the app close).
The API is synchronous so pytest fixtures stay simple; `async_client()` gives an
`httpx.AsyncClient` on the ingress for async code (e.g. the generated ingress clients).
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

import httpx
from restate import HttpError

from restate_local.admin import AdminClient, Deployment
from restate_local.errors import DeploymentRegistrationError
from restate_local.lifecycle import require_started
from restate_local.server_config import ServerOptions
from restate_local.server_process import DEFAULT_STARTUP_TIMEOUT, RestateServer, tail_lines
from restate_local.serving import (
    DEFAULT_CAPTURED_LOGGERS,
    AppServer,
    AsgiApp,
    HttpMode,
    check_http_mode,
)

DEFAULT_CALL_TIMEOUT = 30.0


_T = TypeVar("_T")


def _started(part: _T | None) -> _T:
    return require_started(part, "environment")


class RestateTestEnvironment:
    """restate-server + the app served + registered. Context manager; sync API.

    `http_mode="h2c"` registers the app for HTTP/2 (bidirectional protocol); `"http1.1"`
    registers it with `use_http_11` (then serve an app built with
    `restate.app(..., protocol="request_response")`).
    `disable_retries` / `always_replay` configure the server (see `ServerOptions`).
    """

    def __init__(
        self,
        app: AsgiApp,
        *,
        http_mode: HttpMode = "h2c",
        disable_retries: bool = False,
        always_replay: bool = False,
        server_options: ServerOptions | None = None,
        server_binary: str | os.PathLike[str] | None = None,
        work_dir: str | os.PathLike[str] | None = None,
        keep_files: bool = False,
        startup_timeout: float = DEFAULT_STARTUP_TIMEOUT,
        captured_loggers: Sequence[str] = DEFAULT_CAPTURED_LOGGERS,
        call_timeout: float = DEFAULT_CALL_TIMEOUT,
    ) -> None:
        self.app = app
        self.http_mode = check_http_mode(http_mode)
        options = server_options or ServerOptions(num_partitions=1)
        self.server_options = dataclasses.replace(
            options,
            disable_retries=options.disable_retries or disable_retries,
            always_replay=options.always_replay or always_replay,
        )
        self.server_binary = server_binary
        self._work_dir_arg = Path(work_dir) if work_dir is not None else None
        self.keep_files = keep_files
        self.startup_timeout = startup_timeout
        self.captured_loggers = tuple(captured_loggers)
        self.call_timeout = call_timeout
        self._work_dir: Path | None = None
        self._server: RestateServer | None = None
        self._app_server: AppServer | None = None
        self._admin: AdminClient | None = None
        self._ingress: httpx.Client | None = None
        self._deployment: Deployment | None = None
        self.timings: dict[str, float] = {}

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> RestateTestEnvironment:
        if self._server is not None:
            raise RuntimeError("the environment is already started")
        try:
            if self._work_dir_arg is not None:
                self._work_dir = self._work_dir_arg.resolve()
                self._work_dir.mkdir(parents=True, exist_ok=True)
            else:
                self._work_dir = Path(tempfile.mkdtemp(prefix="restate-test-env-"))
            options = self.server_options
            if options.base_dir is None:
                options = dataclasses.replace(options, base_dir=self._work_dir / "data")
            t0 = time.monotonic()
            self._server = RestateServer(
                options,
                binary=self.server_binary,
                log_path=self._work_dir / "restate-server.log",
                startup_timeout=self.startup_timeout,
            ).start()
            t1 = time.monotonic()
            self._app_server = AppServer(
                self.app,
                http_mode=self.http_mode,
                log_path=self._work_dir / "app.log",
                captured_loggers=self.captured_loggers,
            )
            served = self._app_server.start()
            t2 = time.monotonic()
            self._admin = AdminClient(self._server.admin_url)
            try:
                self._deployment = self._admin.register_deployment(
                    served.url, use_http_11=served.use_http_11
                )
            except DeploymentRegistrationError as e:
                e.add_note(self.log_tails())
                raise
            t3 = time.monotonic()
            self.timings = {
                "server_start": t1 - t0,
                "app_start": t2 - t1,
                "registration": t3 - t2,
            }
            self._ingress = httpx.Client(
                base_url=self._server.ingress_url, timeout=self.call_timeout, trust_env=False
            )
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        if self._ingress is not None:
            self._ingress.close()
            self._ingress = None
        if self._admin is not None:
            self._admin.close()
            self._admin = None
        if self._server is not None:
            self._server.stop()
            self._server = None
        if self._app_server is not None:
            self._app_server.stop()
            self._app_server = None
        if self._work_dir is not None and self._work_dir_arg is None and not self.keep_files:
            shutil.rmtree(self._work_dir, ignore_errors=True)
        self._work_dir = None

    def __enter__(self) -> RestateTestEnvironment:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- accessors --------------------------------------------------------------------------

    @property
    def started(self) -> bool:
        return self._ingress is not None

    @property
    def server(self) -> RestateServer:
        return _started(self._server)

    @property
    def app_server(self) -> AppServer:
        return _started(self._app_server)

    @property
    def admin(self) -> AdminClient:
        return _started(self._admin)

    @property
    def ingress(self) -> httpx.Client:
        """A shared sync client on the ingress (closed by `stop()`)."""
        return _started(self._ingress)

    @property
    def deployment(self) -> Deployment:
        return _started(self._deployment)

    @property
    def ingress_url(self) -> str:
        return self.server.ingress_url

    @property
    def admin_url(self) -> str:
        return self.server.admin_url

    @property
    def app_url(self) -> str:
        return self.app_server.url

    @property
    def server_log_path(self) -> Path:
        return self.server.log_path

    @property
    def app_log_path(self) -> Path:
        path = self.app_server.log_path
        assert path is not None
        return path

    def log_tails(self, lines: int = 40) -> str:
        """The last lines of the server's and the app's logs, labelled, for failure reports."""
        parts = []
        for label, path in (
            ("restate-server", self._server.log_path if self._server else None),
            ("app", self._app_server.log_path if self._app_server else None),
        ):
            if path is None:
                continue
            tail = tail_lines(path, lines)
            parts.append(f"--- {label} log ({path}), last {lines} lines ---\n{tail}")
        return "\n".join(parts)

    # -- clients ----------------------------------------------------------------------------

    def client(self, **kwargs: Any) -> httpx.Client:
        """A new sync httpx client on the ingress; the caller closes it."""
        kwargs.setdefault("timeout", self.call_timeout)
        kwargs.setdefault("trust_env", False)
        return httpx.Client(base_url=self.ingress_url, **kwargs)

    def async_client(self, **kwargs: Any) -> httpx.AsyncClient:
        """A new `httpx.AsyncClient` on the ingress (for the generated ingress clients); create
        and close it on the event loop that uses it."""
        kwargs.setdefault("timeout", self.call_timeout)
        kwargs.setdefault("trust_env", False)
        return httpx.AsyncClient(base_url=self.ingress_url, **kwargs)

    def call(
        self,
        path: str,
        body: Any = None,
        *,
        headers: Mapping[str, str] | None = None,
        idempotency_key: str | None = None,
        raw: bytes | None = None,
    ) -> Any:
        """`POST {ingress}/{path}` (e.g. `"Greeter/greet"`, `"Counter/k1/add"`,
        `"Counter/k1/add/send"`) with `body` as JSON (or `raw` bytes); returns the decoded JSON
        answer (None when empty). Non-2xx answers raise `restate.HttpError`."""
        request_headers = dict(headers or {})
        if idempotency_key is not None:
            request_headers["idempotency-key"] = idempotency_key
        if raw is not None:
            response = self.ingress.post(
                f"/{path.lstrip('/')}", content=raw, headers=request_headers
            )
        elif body is None:
            response = self.ingress.post(f"/{path.lstrip('/')}", headers=request_headers)
        else:
            response = self.ingress.post(f"/{path.lstrip('/')}", json=body, headers=request_headers)
        return _decode(response)

    def get(self, path: str) -> Any:
        """`GET {ingress}/{path}` (e.g. `"restate/workflow/Signup/k1/output"`), decoded."""
        return _decode(self.ingress.get(f"/{path.lstrip('/')}"))

    # -- state ------------------------------------------------------------------------------

    def object_state(self, service: str, key: str) -> dict[str, Any]:
        """A virtual object's (or workflow's) state; values JSON-decoded where possible."""
        return self.admin.object_state(service, key)

    def seed_object_state(self, service: str, key: str, state: Mapping[str, Any]) -> None:
        """Replaces the whole state of `service`/`key`; returns once it reads back."""
        self.admin.seed_object_state(service, key, state)


def _decode(response: httpx.Response) -> Any:
    if not response.is_success:
        message = response.text
        try:
            body = response.json()
            if isinstance(body, dict) and isinstance(body.get("message"), str):
                message = body["message"]
        except ValueError:
            pass
        raise HttpError(response.status_code, message, response.text)
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return response.content
