"""Adoption: another Pants repo uses the product from the two built wheels, and nothing else.

The throwaway repo (in a temp dir, Pants from the venv ./pants bootstrapped) gets:
- the plugin only from the built `restate-pants` wheel, through `[GLOBAL].plugins` and
  `[python-repos].find_links` at the built dists: no `pythonpath`, no copy of our sources;
- the runtime only from its own lockfile, generated there, which locks the `restate-glue` wheel
  from find_links and its requirements from the package index.

Then, in order: `tailor` writes the BUILD targets, `export-codegen` writes the glue, `test` runs a
test that gets the harness fixtures from the runtime's `pytest11` entry point, `run` serves the
deployment (embedded restate-server) and answers calls, restarts on a handler edit keeping the
embedded server's state (the dev loop), and the packaged server answers a call on a real
restate-server started here. Each step's time is printed; the module's total is the
adoption test's time.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

import httpx
import pytest

from pants_e2e.pants_project import (
    PANTS_VERSION,
    PantsProject,
    find_pants,
    machine_lock,
    machine_rc,
    pants_env,
)
from restate_local import RestateServer, ServerOptions
from restate_local.output_lines import OutputLines
from restate_local.ports import free_ports

VERSION = "0.1.0"  # the wheels' version (lockstep; the test checks the built file names)
WHEELS = (f"restate_pants-{VERSION}-py3-none-any.whl", f"restate_glue-{VERSION}-py3-none-any.whl")
READY = "Restate ingress: "

# What a user writes (README.md, "Use it in your monorepo", shows the same lines).
PANTS_TOML = """\
[GLOBAL]
pants_version = "{pants_version}"
plugins = ["restate-pants=={version}"]
backend_packages = [
  "pants.backend.python",
  "pants.backend.python.typecheck.mypy",
  "restate_pants",
]
ignore_warnings = ["DEPRECATED: Running Pants in an external Python interpreter"]
pants_ignore.add = ["/wheels/", "/pex_root/", "/dist/", "/.restate-data/", "/.app-data/"]

# The dev loop: on a restart, give the server time to stop its embedded restate-server.
process_execution_graceful_shutdown_timeout = 20

[anonymous-telemetry]
enabled = false

[python-repos]
# Where the two wheels are (until they are on a package index).
find_links = ["file://%(buildroot)s/wheels"]

[source]
root_patterns = ["/src/python"]

[python]
interpreter_constraints = ["==3.11.*"]
enable_resolves = true

[python.resolves]
python-default = "3rdparty/python/python-default.lock"

[python-infer]
use_rust_parser = true

[python-bootstrap]
search_path = ["<PYENV>", "<PATH>"]

[pytest]
install_from_resolve = "python-default"
requirements = ["pytest"]

[mypy]
install_from_resolve = "python-default"
requirements = ["mypy"]
args = ["--strict"]

[test]
# The harness starts this restate-server binary (see restate_local.server_binary).
extra_env_vars = ["RESTATE_SERVER_BIN"]
"""

REQUIREMENTS = f"""\
restate-glue=={VERSION}
restate-sdk==1.3.0
httpx==0.28.1
pytest==7.0.1
mypy==1.18.2
"""

THIRDPARTY_BUILD = """\
python_requirements(
    name="reqs",
    module_mapping={
        "restate-sdk": ["restate"],
        "restate-glue": ["restate_glue", "restate_local"],
    },
)
"""

GREETER = '''\
"""Greets people."""

import restate


async def greet(ctx: restate.Context, name: str) -> str:
    """Say hello."""
    return f"Hello {name}!"
'''

COUNTER = '''\
"""A counter per key."""

import restate


async def add(ctx: restate.ObjectContext, amount: int) -> int:
    """Add `amount`; returns the new total."""
    total = (await ctx.get("total", type_hint=int) or 0) + amount
    ctx.set("total", total)
    return total
'''

WRONG_CALL = """\
import httpx

from greet.deployment import GreeterIngressClient


async def wrong(http: httpx.AsyncClient) -> str:
    return await GreeterIngressClient(http).greet(42)
"""

CONFTEST = """\
import pytest

from greet import deployment


@pytest.fixture(scope="session")
def restate_app() -> object:
    return deployment.app
"""

GREET_TEST = """\
import asyncio
from typing import Any

from restate_glue.testing import FakeRestate

from greet import deployment
from greet.deployment import CounterIngressClient, GreeterIngressClient


def test_calls_through_a_real_restate_server(restate_env: Any) -> None:
    async def calls() -> tuple[str, int, int]:
        async with restate_env.async_client() as http:
            counter = CounterIngressClient(http, "c1")
            await counter.add(2)
            return await GreeterIngressClient(http).greet("Ada"), await counter.add(3), 0

    assert asyncio.run(calls())[:2] == ("Hello Ada!", 5)


def test_the_fake_in_memory() -> None:
    fake = FakeRestate(deployment)
    assert asyncio.run(fake.call("Greeter", "greet", "Bob")) == "Hello Bob!"
"""

# What the user adds after `pants tailor`: the deployment and its server.
DEPLOYMENT_BUILD = """
restate_deployment(name="deployment", services=[":greeter", ":counter"])

pex_binary(name="server", entry_point="greet.deployment:main", restartable=True)
"""


@pytest.fixture(scope="module")
def timings() -> Iterator[dict[str, float]]:
    steps: dict[str, float] = {}
    start = time.monotonic()
    yield steps
    steps["total"] = time.monotonic() - start
    print("[adoption] " + ", ".join(f"{name} {seconds:.1f}s" for name, seconds in steps.items()))


@pytest.fixture(scope="module")
def project(timings: dict[str, float]) -> Iterator[PantsProject]:
    wheels = sorted(Path.cwd().glob("*.whl"))  # built by `runtime_package_dependencies`
    assert sorted(w.name for w in wheels) == sorted(WHEELS), wheels
    waiting = time.monotonic()
    with machine_lock("pants-e2e"):
        timings["waiting for other e2e tests"] = time.monotonic() - waiting
        root = Path(tempfile.mkdtemp(prefix="restate-adoption-")) / "repo"
        (root / "wheels").mkdir(parents=True)
        for wheel in wheels:
            shutil.copy(wheel, root / "wheels" / wheel.name)
        env = pants_env(root)
        if os.environ.get("RESTATE_SERVER_BIN"):
            env["RESTATE_SERVER_BIN"] = os.environ["RESTATE_SERVER_BIN"]
        proj = PantsProject(root, find_pants(), env)
        proj.write(
            {
                "pants.toml": PANTS_TOML.format(pants_version=PANTS_VERSION, version=VERSION),
                ".pants.rc": machine_rc(),  # this machine's pex tool and pip settings
                "3rdparty/python/requirements.txt": REQUIREMENTS,
                "3rdparty/python/BUILD": THIRDPARTY_BUILD,
                "src/python/greet/__init__.py": "",
                "src/python/greet/greeter.py": GREETER,
                "src/python/greet/counter.py": COUNTER,
                "src/python/greet/conftest.py": CONFTEST,
                "src/python/greet/greet_test.py": GREET_TEST,
            }
        )
        try:
            started = time.monotonic()
            proj.ok("generate-lockfiles", "--resolve=python-default")
            timings["generate-lockfiles"] = time.monotonic() - started
            yield proj
        finally:
            proj.stop()
            if os.environ.get("RESTATE_E2E_KEEP"):
                print(f"[adoption] kept {root}")
            else:
                shutil.rmtree(root.parent, ignore_errors=True)


def timed(timings: dict[str, float], step: str, project: PantsProject, *args: str) -> str:
    result = project.ok(*args)
    timings[step] = result.seconds
    return result.stdout + result.stderr


def test_the_lockfile_locks_the_runtime_wheel_from_find_links(project: PantsProject) -> None:
    lock = project.read("3rdparty/python/python-default.lock")
    assert '"project_name": "restate-glue"' in lock
    assert f"wheels/restate_glue-{VERSION}-py3-none-any.whl" in lock
    assert "pants-plugins" not in project.read("pants.toml")  # no pythonpath to our code


def test_tailor_writes_the_targets(project: PantsProject, timings: dict[str, float]) -> None:
    timed(timings, "tailor", project, "tailor", "::")
    build = project.read("src/python/greet/BUILD")
    for line in (
        'restate_service(\n    name="greeter",',
        'restate_service(\n    name="counter",',
        "python_sources(",
        "python_tests(",
        "python_test_utils(",
    ):
        assert line in build, build
    project.write({"src/python/greet/BUILD": build + DEPLOYMENT_BUILD})


def test_export_codegen_writes_the_glue(project: PantsProject, timings: dict[str, float]) -> None:
    timed(timings, "export-codegen", project, "export-codegen", "::")
    written = {p.name for p in (project.root / "dist/codegen").rglob("*.py")}
    assert {
        "greeter_restate.py",
        "greeter_restate_client.py",
        "counter_restate.py",
        "counter_restate_client.py",
        "deployment.py",
    } <= written, written
    [deployment] = (project.root / "dist/codegen").rglob("deployment.py")
    assert "def main() -> None:" in deployment.read_text()


def test_test_gets_the_harness_from_the_entry_point(
    project: PantsProject, timings: dict[str, float]
) -> None:
    output = timed(timings, "test", project, "test", "::")
    assert "src/python/greet/greet_test.py:tests succeeded" in output, output


def test_check_type_checks_the_handlers_and_the_glue_strictly(
    project: PantsProject, timings: dict[str, float]
) -> None:
    """mypy --strict over the user's code and the generated glue, which imports the runtime
    wheel: that passes only if the wheel is typed (PEP 561), and a wrongly typed call through a
    generated client fails."""
    timed(timings, "check", project, "check", "::")
    project.write({"src/python/greet/wrong.py": WRONG_CALL})
    try:
        result = project.run("check", "::")
        assert result.returncode != 0, result.stdout + result.stderr
        assert 'Argument 1 to "greet" of "GreeterIngressClient" has incompatible type' in (
            result.stdout + result.stderr
        ), result.stdout + result.stderr
    finally:
        project.remove(["src/python/greet/wrong.py"])


class ServerCommand:
    """A server command in a child process (its own session), its output kept by line."""

    def __init__(self, argv: list[str], env: Mapping[str, str], cwd: Path) -> None:
        self.proc = subprocess.Popen(
            argv,
            env=dict(env),
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self.output = OutputLines(self.proc)
        self.lines = self.output.lines

    def wait_for(self, prefix: str, timeout: float = 600) -> str:
        """The next output line that starts with `prefix`."""
        return self.output.wait_for(prefix, timeout)

    def interrupt(self, timeout: float = 60) -> int:
        """Ctrl-C, as a user would press it; returns the exit code once the output ends."""
        self.proc.send_signal(signal.SIGINT)
        code = self.proc.wait(timeout=timeout)
        self.output.drain(timeout=10)
        return code

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


def call(ingress: str, path: str, body: object) -> object:
    response = httpx.post(f"{ingress}{path}", json=body, timeout=60, trust_env=False)
    assert response.status_code == 200, (path, response.status_code, response.text)
    return response.json()


def ingress_of(ready_line: str) -> str:
    return ready_line[len(READY) :].split()[0]


def test_run_serves_and_restarts_on_a_handler_edit_keeping_state(
    project: PantsProject, timings: dict[str, float]
) -> None:
    """`pants run` of the server: embedded restate-server, a call; then the dev loop: editing a
    handler regenerates the glue, restarts the server (restartable=True) and re-registers it,
    and the embedded server's state (the counter) survives the restart."""
    ingress_port, admin, node, app = free_ports(4)
    env = {
        **project.env,
        "APP_PORT": str(app),
        "APP_RESTATE_INGRESS_PORT": str(ingress_port),
        "APP_RESTATE_ADMIN_PORT": str(admin),
        "APP_RESTATE_NODE_PORT": str(node),
        "APP_RESTATE_DATA_DIR": str(project.root / ".restate-data"),
    }
    started = time.monotonic()
    command = ServerCommand(
        [str(project.pants), "run", "src/python/greet:server"], env, project.root
    )
    try:
        ingress = ingress_of(command.wait_for(READY))
        timings["run"] = time.monotonic() - started
        assert call(ingress, "/Greeter/greet", "Ada") == "Hello Ada!"
        assert call(ingress, "/Counter/c1/add", 2) == 2

        edited = time.monotonic()
        project.write({"src/python/greet/greeter.py": GREETER.replace("Hello", "Hi")})
        assert "; registered as dp_" in command.wait_for("Serving ")  # registered again
        ingress = ingress_of(command.wait_for(READY))
        timings["restart after an edit"] = time.monotonic() - edited
        assert call(ingress, "/Greeter/greet", "Ada") == "Hi Ada!"
        assert call(ingress, "/Counter/c1/add", 3) == 5  # the embedded server kept its state

        code = command.interrupt()
    finally:
        command.kill()
    lines = command.lines
    # The server stops cleanly on Ctrl-C; the Pants client then reports the interrupt itself
    # ("Interrupted by user.", exit 1).
    stopped = len(lines) - 1 - lines[::-1].index("Stopped.")
    assert lines[stopped - 1] == "Stopping the embedded Restate server ...", lines
    assert [line for line in lines[stopped + 1 :] if line] in ([], ["Interrupted by user."])
    assert code in (0, 1), "\n".join(lines)
    with socket.socket() as sock:  # the embedded server let go of its ports
        sock.bind(("127.0.0.1", admin))
    project.write({"src/python/greet/greeter.py": GREETER})


def test_the_packaged_server_answers_on_a_real_restate_server(
    project: PantsProject, timings: dict[str, float]
) -> None:
    timed(timings, "package", project, "package", "src/python/greet:server")
    pex = project.root / "dist/src.python.greet/server.pex"
    assert pex.is_file()
    with RestateServer(ServerOptions(num_partitions=1)) as server:
        env = {
            **project.env,
            "APP_PORT": "0",
            "RESTATE_ADMIN_URL": server.admin_url,
            "RESTATE_INGRESS_URL": server.ingress_url,
        }
        started = time.monotonic()
        command = ServerCommand([sys.executable, str(pex)], env, project.root)
        try:
            command.wait_for(READY)
            timings["packaged server"] = time.monotonic() - started
            answer = call(server.ingress_url, "/Greeter/greet", "Ada")
            code = command.interrupt()
        finally:
            command.kill()
        lines = command.lines
    assert answer == "Hello Ada!"
    assert code == 0, "\n".join(lines)
    assert lines[-1] == "Stopped.", lines
