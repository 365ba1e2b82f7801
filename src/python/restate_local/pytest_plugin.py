"""pytest plugin: a real Restate server + your ASGI app per test session.

In a conftest.py:

    pytest_plugins = ["restate_local.pytest_plugin"]

    @pytest.fixture(scope="session")
    def restate_app():
        from app.deployment import app
        return app

(or set the ini option `restate_app = app.deployment:app` instead of the fixture). Tests then use
`restate_env` (a started `RestateTestEnvironment`) and `unique_key`.

Options (command line, or ini without the leading dashes and with underscores):
`--restate-http-mode=h2c|http1.1`, `--restate-disable-retries`, `--restate-always-replay`,
`--restate-keep-files`. Other environments (e.g. one more in HTTP/1.1 mode) come from the
session-scoped `restate_env_factory(app=None, **overrides)`.

When a test using an environment fails, the tails of the server's and the app's logs are added
to its report.
"""

from __future__ import annotations

import importlib
import re
import uuid
from collections.abc import Callable, Generator, Iterator
from typing import Any

import pytest

from restate_local.harness import RestateTestEnvironment
from restate_local.server_process import tail_lines
from restate_local.serving import HTTP_MODES, AsgiApp, check_http_mode

_LOG_TAIL_LINES_DEFAULT = "40"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("restate", "Restate test environment (restate_local)")
    group.addoption(
        "--restate-http-mode",
        choices=HTTP_MODES,
        default=None,
        help="how restate-server talks to the app: h2c (default) or http1.1",
    )
    group.addoption(
        "--restate-disable-retries",
        action="store_true",
        default=None,
        help="one attempt per invocation, then kill it",
    )
    group.addoption(
        "--restate-always-replay",
        action="store_true",
        default=None,
        help="suspend at every suspension point and replay (finds non-determinism)",
    )
    group.addoption(
        "--restate-keep-files",
        action="store_true",
        default=None,
        help="keep the server's data dir and the logs after the session",
    )
    parser.addini("restate_app", "the ASGI app to serve, as module:attribute", default="")
    parser.addini("restate_http_mode", "h2c or http1.1", default="h2c")
    parser.addini("restate_disable_retries", "see --restate-disable-retries", type="bool")
    parser.addini("restate_always_replay", "see --restate-always-replay", type="bool")
    parser.addini("restate_keep_files", "see --restate-keep-files", type="bool")
    parser.addini(
        "restate_log_tail_lines",
        "log lines of the server and the app shown for a failing test",
        default=_LOG_TAIL_LINES_DEFAULT,
    )


def _option(config: pytest.Config, name: str) -> Any:
    value = config.getoption(f"--restate-{name.replace('_', '-')}")
    if value is None:
        value = config.getini(f"restate_{name}")
    return value


def load_app(spec: str) -> AsgiApp:
    """Imports `module:attribute` (attribute may be dotted)."""
    module_name, sep, attribute = spec.partition(":")
    if not sep or not module_name or not attribute:
        raise pytest.UsageError(f"restate_app must look like 'package.module:app', not {spec!r}")
    obj: Any = importlib.import_module(module_name)
    for part in attribute.split("."):
        obj = getattr(obj, part)
    if not callable(obj):
        raise pytest.UsageError(f"restate_app {spec!r} is not an ASGI app (not callable)")
    return obj  # type: ignore[no-any-return]


@pytest.fixture(scope="session")
def restate_app(pytestconfig: pytest.Config) -> AsgiApp:
    """The ASGI app to serve. Override this fixture (session scope) in your conftest.py, or set
    the ini option `restate_app = package.module:app`."""
    spec = str(pytestconfig.getini("restate_app") or "")
    if not spec:
        raise pytest.UsageError(
            "restate_local: say which app to serve: define a session-scoped `restate_app` "
            "fixture returning the ASGI app (e.g. `restate.app([...])`) in conftest.py, or set "
            "the ini option `restate_app = package.module:app`."
        )
    return load_app(spec)


@pytest.fixture(scope="session")
def restate_env_options(pytestconfig: pytest.Config) -> dict[str, Any]:
    """Keyword arguments for `RestateTestEnvironment`, from the command line / ini. Override
    to pass anything else (e.g. `server_options`)."""
    return {
        "http_mode": check_http_mode(str(_option(pytestconfig, "http_mode") or "h2c")),
        "disable_retries": bool(_option(pytestconfig, "disable_retries")),
        "always_replay": bool(_option(pytestconfig, "always_replay")),
        "keep_files": bool(_option(pytestconfig, "keep_files")),
    }


EnvFactory = Callable[..., RestateTestEnvironment]


@pytest.fixture(scope="session")
def restate_env_factory(
    restate_app: AsgiApp, restate_env_options: dict[str, Any]
) -> Iterator[EnvFactory]:
    """`factory(app=None, **overrides)` starts (once per distinct arguments) an environment
    for the session; they are all stopped at the end of the session."""
    started: dict[tuple[int, tuple[tuple[str, str], ...]], RestateTestEnvironment] = {}

    def factory(app: AsgiApp | None = None, **overrides: Any) -> RestateTestEnvironment:
        the_app = restate_app if app is None else app
        kwargs = {**restate_env_options, **overrides}
        cache_key = (id(the_app), tuple(sorted((k, repr(v)) for k, v in kwargs.items())))
        env = started.get(cache_key)
        if env is None:
            env = RestateTestEnvironment(the_app, **kwargs).start()
            started[cache_key] = env
        return env

    try:
        yield factory
    finally:
        for env in reversed(list(started.values())):
            env.stop()


@pytest.fixture(scope="session")
def restate_env(restate_env_factory: EnvFactory) -> RestateTestEnvironment:
    """restate-server + `restate_app`, served and registered, for the whole session."""
    return restate_env_factory()


@pytest.fixture
def unique_key(request: pytest.FixtureRequest) -> str:
    """A key no other test uses (object / workflow keys, idempotency keys): the test's name
    plus a random suffix."""
    name = re.sub(r"[^A-Za-z0-9_-]+", "-", request.node.name).strip("-")[:60]
    return f"{name}-{uuid.uuid4().hex[:10]}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, Any, None]:
    del call
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    if not report.failed:
        return
    funcargs: dict[str, Any] = getattr(item, "funcargs", {})
    envs = [v for v in funcargs.values() if isinstance(v, RestateTestEnvironment) and v.started]
    if not envs:
        return
    try:
        lines = int(str(item.config.getini("restate_log_tail_lines")))
    except ValueError:
        lines = int(_LOG_TAIL_LINES_DEFAULT)
    seen: set[int] = set()
    for env in envs:
        if id(env) in seen:
            continue
        seen.add(id(env))
        for label, path in (("restate-server", env.server_log_path), ("app", env.app_log_path)):
            report.sections.append(
                (f"{label} log, last {lines} lines ({path})", tail_lines(path, lines))
            )
