"""Runs the plugin in a nested pytest (pytester) against the real restate-server."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

# The nested pytest loads the plugin by name; importing it here also tells Pants to ship it.
import restate_local.pytest_plugin  # noqa: F401
from restate_local.errors import RestateServerBinaryNotFound
from restate_local.server_binary import RESTATE_SERVER_BIN_ENV, find_server_binary

pytest_plugins = ["pytester"]

SRC_ROOT = Path(__file__).resolve().parent.parent


def _binary() -> str | None:
    # Resolved at import time: pytester points HOME (hence the default cache path) elsewhere.
    try:
        return str(find_server_binary())
    except RestateServerBinaryNotFound:
        return None


BINARY = _binary()

APP = """
import restate
from restate import ObjectContext

counter = restate.VirtualObject("Counter")


@counter.handler()
async def add(ctx: ObjectContext, n: int) -> int:
    total = (await ctx.get("count", type_hint=int) or 0) + n
    ctx.set("count", total)
    return total


app = restate.app([counter])
http11_app = restate.app([counter], protocol="request_response")
"""

TESTS = """
import pytest

from restate_local.harness import RestateTestEnvironment


@pytest.fixture(scope="session")
def env11(restate_env_factory, restate_app):
    import counter_app
    return restate_env_factory(counter_app.http11_app, http_mode="http1.1")


def test_unique_keys(unique_key, request):
    assert unique_key.startswith("test_unique_keys-")


def test_env(restate_env: RestateTestEnvironment, unique_key):
    assert restate_env.call(f"Counter/{unique_key}/add", 2) == 2
    assert restate_env.object_state("Counter", unique_key) == {"count": 2}
    print("OPTIONS", restate_env.http_mode, restate_env.server_options.disable_retries,
          restate_env.server_options.always_replay)


def test_http11(env11, unique_key):
    assert env11.call(f"Counter/{unique_key}/add", 5) == 5


def test_fails(restate_env, unique_key):
    restate_env.call(f"Counter/{unique_key}/add", 1)
    assert False, "on purpose"
"""


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    if BINARY is None:
        pytest.fail("no restate-server binary (see restate_local.server_binary)", pytrace=False)
    monkeypatch.setenv(RESTATE_SERVER_BIN_ENV, BINARY)
    monkeypatch.setenv("PYTHONPATH", f"{SRC_ROOT}:{pytester.path}")
    pytester.makepyfile(counter_app=APP, test_counter=TESTS)
    return pytester


def test_fixture_override_and_failure_report(project: pytest.Pytester) -> None:
    project.makeconftest(
        textwrap.dedent(
            """
            import pytest

            pytest_plugins = ["restate_local.pytest_plugin"]


            @pytest.fixture(scope="session")
            def restate_app():
                from counter_app import app
                return app
            """
        )
    )
    result = project.runpytest_subprocess("-s", "--restate-disable-retries")
    result.assert_outcomes(passed=3, failed=1)
    result.stdout.fnmatch_lines(["*OPTIONS h2c True False*"])
    # the failing test's report carries both logs' tails
    result.stdout.fnmatch_lines(
        [
            "*restate-server log, last 40 lines*",
            "*Starting Restate Server*",
        ]
    )
    result.stdout.fnmatch_lines(["*app log, last 40 lines*", '*"POST /invoke/Counter/add 2" 200*'])


def test_ini_option_names_the_app(project: pytest.Pytester) -> None:
    project.makeconftest('pytest_plugins = ["restate_local.pytest_plugin"]\n')
    project.makeini(
        """
        [pytest]
        restate_app = counter_app:app
        restate_always_replay = true
        """
    )
    result = project.runpytest_subprocess("-s", "-k", "test_env or test_unique_keys")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*OPTIONS h2c False True*"])


def test_missing_app_is_a_usage_error(project: pytest.Pytester) -> None:
    project.makeconftest('pytest_plugins = ["restate_local.pytest_plugin"]\n')
    result = project.runpytest_subprocess("-k", "test_env")
    result.stdout.fnmatch_lines(["*say which app to serve*"])
    assert result.ret != 0
