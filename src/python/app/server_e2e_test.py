"""The server command and the client command for real: restate-server, hypercorn, registration,
the whole signup -> confirm -> read flow through the typed ingress clients, and a clean stop on
SIGTERM / SIGINT. Skipped when there is no restate-server binary."""

from __future__ import annotations

import asyncio
import io
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from app import client, deployment
from app.models import ConfirmEmailRequest, SignupRequest
from app.users.user_manager_restate_client import UserManagerIngressClient
from app.users.user_restate_client import UserIngressClient
from app.users.user_workflow_restate_client import UserWorkflowIngressClient
from restate_local import RestateServer, RestateTestEnvironment, ServerOptions, find_server_binary
from restate_local.errors import RestateServerBinaryNotFound
from restate_local.output_lines import OutputLines
from restate_local.ports import free_ports

SRC_ROOT = Path(__file__).resolve().parent.parent
READY = "Restate ingress: "


@pytest.fixture(scope="module", autouse=True)
def server_binary() -> None:
    try:
        find_server_binary()
    except RestateServerBinaryNotFound as e:
        pytest.fail(str(e), pytrace=False)


class ServerCommand:
    """`python -m app.deployment` (the server command) in a child process; output kept by line."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", deployment.__name__],
            env={**os.environ, "PYTHONPATH": str(SRC_ROOT), **env},
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.output = OutputLines(self.proc)
        self.lines = self.output.lines

    def wait_for(self, prefix: str, timeout: float = 90.0) -> str:
        return self.output.wait_for(prefix, timeout)

    def stop(self, signum: int, timeout: float = 30.0) -> int:
        self.proc.send_signal(signum)
        code = self.proc.wait(timeout)
        self.output.drain(timeout=5)
        return code

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def run_client(env: dict[str, str], *argv: str) -> str:
    out = io.StringIO()
    assert client.run(list(argv), env=env, out=out) == 0, out.getvalue()
    return out.getvalue()


def sign_up_and_confirm(env: dict[str, str], email: str = "ada@example.com") -> None:
    out = run_client(env, "signup", email, "--name", "Ada")
    assert out.splitlines() == [
        f"signed up: {email} (Ada), email NOT confirmed",
        f"verification workflow UserWorkflow/{email}: awaiting-email-confirmation",
    ]
    out = run_client(env, "confirm", email)
    assert out.splitlines()[1:] == [
        "confirm_email: email confirmed",
        "workflow finished: stage confirmed, email_confirmed=True",
        f"user: {email} (Ada), email confirmed",
    ]
    assert run_client(env, "status", email).splitlines() == [
        "workflow stage: confirmed",
        f"user: {email} (Ada), email confirmed",
    ]


@pytest.fixture
def cleanup() -> Iterator[list[ServerCommand]]:
    commands: list[ServerCommand] = []
    yield commands
    for command in commands:
        command.kill()


def test_embedded_server_with_request_identity_then_sigterm(
    tmp_path: Path, cleanup: list[ServerCommand]
) -> None:
    ingress, admin, node = free_ports(3)
    env = {
        "APP_PORT": "0",
        "APP_RESTATE_INGRESS_PORT": str(ingress),
        "APP_RESTATE_ADMIN_PORT": str(admin),
        "APP_RESTATE_NODE_PORT": str(node),
    }
    command = ServerCommand(env, cwd=tmp_path)  # relative default dirs land in tmp_path
    cleanup.append(command)
    line = command.wait_for(READY)
    assert line.startswith(f"Restate ingress: http://127.0.0.1:{ingress}")
    serving = next(x for x in command.lines if x.startswith("Serving "))
    assert "(HTTP/2, request identity on)" in serving
    assert (tmp_path / ".restate-data" / "identity" / "private.pem").is_file()

    client_env = {
        "RESTATE_INGRESS_URL": f"http://127.0.0.1:{ingress}",
        "APP_DATA_DIR": str(tmp_path / ".app-data"),
    }
    sign_up_and_confirm(client_env)
    assert (tmp_path / ".app-data" / "outbox.jsonl").is_file()

    assert command.stop(signal.SIGTERM) == 0, "\n".join(command.lines)
    assert command.lines[-2:] == ["Stopping the embedded Restate server ...", "Stopped."]
    assert port_is_closed(admin), "the embedded Restate server outlived the command"


def port_is_closed(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


@pytest.fixture(scope="module")
def external() -> Iterator[RestateServer]:
    with RestateServer(ServerOptions(num_partitions=1)) as server:
        yield server


def test_external_server_over_http_1_1_then_sigint(
    tmp_path: Path, external: RestateServer, cleanup: list[ServerCommand]
) -> None:
    env = {
        "APP_PORT": "0",
        "APP_HTTP": "http1.1",
        "APP_DATA_DIR": str(tmp_path / "data"),
        "RESTATE_ADMIN_URL": external.admin_url,
        "RESTATE_INGRESS_URL": external.ingress_url,
    }
    command = ServerCommand(env, cwd=tmp_path)
    cleanup.append(command)
    command.wait_for(READY)
    assert any("(HTTP/1.1 request/response, request identity off)" in x for x in command.lines)
    sign_up_and_confirm({"RESTATE_INGRESS_URL": external.ingress_url, **env})
    assert command.stop(signal.SIGINT) == 0
    assert command.lines[-1] == "Stopped."
    assert external.running  # an external server is left alone


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()] if path.exists() else []


def test_app_workers_serve_from_several_processes_then_sigterm(
    tmp_path: Path, external: RestateServer, cleanup: list[ServerCommand]
) -> None:
    env = {
        "APP_PORT": "0",
        "APP_WORKERS": "2",
        "APP_DATA_DIR": str(tmp_path / "data"),
        "RESTATE_ADMIN_URL": external.admin_url,
        "RESTATE_INGRESS_URL": external.ingress_url,
    }
    command = ServerCommand(env, cwd=tmp_path)
    cleanup.append(command)
    command.wait_for(READY)
    workers = _children(command.proc.pid)
    assert len(workers) == 2, command.lines
    sign_up_and_confirm({"RESTATE_INGRESS_URL": external.ingress_url, **env}, "grace@example.com")
    assert command.stop(signal.SIGTERM) == 0, command.lines
    assert not any(Path(f"/proc/{pid}").exists() for pid in workers)


def test_external_server_refuses_an_app_that_wants_identity(
    tmp_path: Path, external: RestateServer, cleanup: list[ServerCommand]
) -> None:
    env = {
        "APP_PORT": "0",
        "RESTATE_ADMIN_URL": external.admin_url,
        # a key the server does not sign with: discovery gets 401, registration is refused
        "RESTATE_IDENTITY_KEYS": "publickeyv1_" + "A" * 44,
    }
    command = ServerCommand(env, cwd=tmp_path)
    cleanup.append(command)
    code = command.proc.wait(60)
    command.stop(signal.SIGTERM)
    own = [x for x in command.lines if not x.startswith("[")]
    assert code == 1, own
    assert own[-2].startswith("server: error: Restate refused to register the deployment at")
    assert own[-1].startswith("The app only accepts requests signed by the Restate server")


def test_the_flow_on_the_harness_through_the_typed_ingress_clients(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Registration and calls by restate_local's harness; no server command involved."""
    monkeypatch.setenv("APP_DATA_DIR", str(tmp_path))
    with RestateTestEnvironment(deployment.make_app(), disable_retries=True) as env:

        async def flow() -> None:
            async with env.async_client() as http:
                await UserManagerIngressClient(http).signup_user(
                    SignupRequest(email="bob@example.com")
                )
                workflow = UserWorkflowIngressClient(http, "bob@example.com")
                while await workflow.get_stage() != "awaiting-email-confirmation":
                    await asyncio.sleep(0.05)
                secret = env.object_state("UserWorkflow", "bob@example.com")["secret"]
                wrong = await UserManagerIngressClient(http).confirm_email(
                    ConfirmEmailRequest(email="bob@example.com", secret="nope")
                )
                assert not wrong.accepted
                right = await UserManagerIngressClient(http).confirm_email(
                    ConfirmEmailRequest(email="bob@example.com", secret=secret)
                )
                assert right.accepted
                assert (await workflow.attach()).email_confirmed
                user = await UserIngressClient(http, "bob@example.com").read()
                assert user is not None and user.email_confirmed

        asyncio.run(flow())
