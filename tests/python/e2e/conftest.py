"""The end-to-end suite's environments: a real restate-server serving the generated
deployments (tests/python/e2e/kinds, and the sample app in src/python/app).

Every environment a test module starts is timed; the terminal summary reports, per pytest
session (Pants runs one per test file), the start-up of each environment (server, app,
registration), its shutdown, and the session's wall time. Pants shows it with
`./pants test tests/python/e2e:: --test-output=all` (add `--test-force` to rerun cached tests).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, cast

import pytest

from restate_local.harness import RestateTestEnvironment
from restate_local.serving import AsgiApp

if TYPE_CHECKING:
    # Not imported for real: pytest must import the plugin itself (for assertion rewriting).
    from restate_local.pytest_plugin import EnvFactory

pytest_plugins = ["restate_local.pytest_plugin"]

_SESSION_STARTED = time.monotonic()
# (label, timings: the harness's start-up phases, plus "shutdown" once stopped)
_ENV_TIMINGS: list[tuple[str, dict[str, float]]] = []


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "smoke: run over both HTTP/2 (h2c) and HTTP/1.1 (request/response protocol)"
    )


@pytest.fixture(scope="session")
def restate_app() -> AsgiApp:
    """The default app: every handler kind (tests/python/e2e/kinds), over HTTP/2."""
    from e2e.kinds.deployment import app

    return cast(AsgiApp, app)


@pytest.fixture(scope="session")
def restate_env_factory(restate_env_factory: EnvFactory) -> Iterator[EnvFactory]:
    """The plugin's factory, timed: start-up per environment, and shutdown (done here, so it
    is measured; the plugin's own stop afterwards finds nothing left to do)."""
    started: dict[int, tuple[RestateTestEnvironment, dict[str, float]]] = {}

    def factory(
        app: AsgiApp | None = None, *, label: str | None = None, **overrides: Any
    ) -> RestateTestEnvironment:
        env = restate_env_factory(app, **overrides)
        if id(env) not in started:
            timings = dict(env.timings)
            started[id(env)] = (env, timings)
            settings = ", ".join(f"{k}={v}" for k, v in sorted(overrides.items()))
            _ENV_TIMINGS.append((label or settings or "default", timings))
        return env

    yield factory
    for env, timings in reversed(list(started.values())):
        t0 = time.monotonic()
        env.stop()
        timings["shutdown"] = time.monotonic() - t0


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not _ENV_TIMINGS:
        return
    wall = time.monotonic() - _SESSION_STARTED
    write = terminalreporter.write_line
    terminalreporter.section("restate environments: start-up vs wall time")
    total_startup = 0.0
    total_shutdown = 0.0
    for label, timings in _ENV_TIMINGS:
        startup = timings["server_start"] + timings["app_start"] + timings["registration"]
        shutdown = timings.get("shutdown", 0.0)
        total_startup += startup
        total_shutdown += shutdown
        write(
            f"env [{label}]: start-up {startup:.2f}s (server {timings['server_start']:.2f}s, "
            f"app {timings['app_start']:.2f}s, registration {timings['registration']:.2f}s), "
            f"shutdown {shutdown:.2f}s"
        )
    write(
        f"session wall time {wall:.2f}s (from conftest import); start-up {total_startup:.2f}s "
        f"({100 * total_startup / wall:.0f}%), shutdown {total_shutdown:.2f}s "
        f"({100 * total_shutdown / wall:.0f}%)"
    )
