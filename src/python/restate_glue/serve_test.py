"""The server command's configuration and error paths, on real sockets and processes: a port
that is taken, an admin URL where nothing listens, an admin API that refuses the registration,
a missing restate-server binary. The whole thing for real: the sample's `server_e2e_test.py`."""

from __future__ import annotations

import io
import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Literal

import pytest
import restate

from restate_glue import serve as server
from restate_local.ports import free_port, free_ports

LOOPBACK = "127.0.0.1"

greeter = restate.Service("Greeter")
counter = restate.VirtualObject("Counter")


@greeter.handler()
async def greet(ctx: restate.Context, name: str) -> str:
    return f"Hello {name}"


@counter.handler()
async def add(ctx: restate.ObjectContext, n: int) -> int:
    return n


class Deployment:
    """What a generated deployment module offers the server command."""

    services: dict[str, Any] = {"Greeter": greeter}
    objects: dict[str, Any] = {"Counter": counter}
    workflows: dict[str, Any] = {}

    def make_app(
        self,
        identity_keys: list[str] | None = None,
        protocol: Literal["bidi", "request_response"] | None = None,
    ) -> Any:
        return restate.app([greeter, counter], protocol=protocol, identity_keys=identity_keys)


@pytest.fixture
def listening() -> Iterator[int]:
    """A port something already listens on."""
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        sock.listen()
        yield int(sock.getsockname()[1])


class FakeAdmin(BaseHTTPRequestHandler):
    """/health: 200; POST /deployments: the answer in `server.refusal`."""

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self._answer(200 if self.path == "/health" else 404, b"")

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", "0")))
        status, body = self.server.refusal  # type: ignore[attr-defined]
        self._answer(status, json.dumps(body).encode())

    def _answer(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def fake_admin() -> Iterator[ThreadingHTTPServer]:
    httpd = ThreadingHTTPServer((LOOPBACK, 0), FakeAdmin)
    httpd.refusal = (  # type: ignore[attr-defined]
        400,
        {"message": "bad deployment: discovery failed\n  with details", "restate_code": "META0003"},
    )
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def serve(env: dict[str, str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Runs the server command in-process; returns its exit code, stdout, and its own stderr
    lines (without hypercorn's log lines)."""
    out = io.StringIO()
    code = server.serve(Deployment(), env, out=out)
    err = capsys.readouterr().err
    own = "".join(line for line in err.splitlines(keepends=True) if not line.startswith("["))
    return code, out.getvalue(), own


def admin_url(httpd: ThreadingHTTPServer) -> str:
    return f"http://{LOOPBACK}:{httpd.server_address[1]}"


def test_a_bad_setting_exits_2_naming_the_variable(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = serve({"APP_PORT": "eighty"}, capsys)
    assert code == 2
    assert err == "server: error: APP_PORT must be a port number, not 'eighty'\n"


def test_a_taken_app_port_is_one_clear_line(
    listening: int, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = serve(
        {"APP_PORT": str(listening), "RESTATE_ADMIN_URL": "http://127.0.0.1:1"}, capsys
    )
    assert code == 1
    assert err.startswith(f"server: error: port {listening} on 127.0.0.1 is taken: set APP_PORT")
    assert len(err.splitlines()) == 1 and "Traceback" not in err


def test_an_unreachable_admin_url(capsys: pytest.CaptureFixture[str]) -> None:
    admin = f"http://127.0.0.1:{free_port()}"
    code, _, err = serve({"APP_PORT": "0", "RESTATE_ADMIN_URL": admin}, capsys)
    assert code == 1
    lines = err.splitlines()
    assert lines[0].startswith(f"server: error: cannot reach the Restate admin API at {admin}")
    assert "RESTATE_ADMIN_URL" in lines[0] and len(lines) == 2


def test_something_else_on_the_admin_url(
    fake_admin: ThreadingHTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    url = admin_url(fake_admin) + "/elsewhere"
    code, _, err = serve({"APP_PORT": "0", "RESTATE_ADMIN_URL": url}, capsys)
    assert code == 1
    assert "answered HTTP 404" in err


def test_a_refused_registration_stops_the_app(
    fake_admin: ThreadingHTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    port = free_port()
    code, out, err = serve(
        {"APP_PORT": str(port), "RESTATE_ADMIN_URL": admin_url(fake_admin)}, capsys
    )
    assert code == 1
    lines = err.splitlines()
    assert lines[0] == (
        f"server: error: Restate refused to register the deployment at http://127.0.0.1:{port}: "
        "HTTP 400: bad deployment: discovery failed with details"
    )
    assert lines[1] == (
        f"Restate must reach the app at http://127.0.0.1:{port}: "
        "set APP_URL (and APP_HOST) to suit."
    )
    assert "Note: request identity is off" in out
    with socket.socket() as sock:  # the app let go of its port
        sock.bind((LOOPBACK, port))


def test_a_registration_refused_for_identity_says_what_to_fix(
    fake_admin: ThreadingHTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_admin.refusal = (  # type: ignore[attr-defined]
        400,
        {
            "message": "error when reading the response: 401 Unauthorized",
            "restate_code": "META0003",
        },
    )
    code, _, err = serve({"APP_PORT": "0", "RESTATE_ADMIN_URL": admin_url(fake_admin)}, capsys)
    assert code == 1
    assert "RESTATE_IDENTITY_KEYS must be that server's request-identity public key" in err


def embedded_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    ingress, admin, node = free_ports(3)
    return {
        "APP_PORT": "0",
        "APP_RESTATE_DATA_DIR": str(tmp_path / "restate"),
        "APP_RESTATE_INGRESS_PORT": str(ingress),
        "APP_RESTATE_ADMIN_PORT": str(admin),
        "APP_RESTATE_NODE_PORT": str(node),
        "APP_IDENTITY": "off",
        **extra,
    }


def test_no_restate_server_binary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    env = embedded_env(tmp_path, RESTATE_SERVER_BIN=str(tmp_path / "no-such-restate-server"))
    code, _, err = serve(env, capsys)
    assert code == 1
    lines = err.splitlines()
    assert len(lines) == 2
    assert "RESTATE_SERVER_BIN" in lines[0]
    assert lines[1] == "Or point this app at a running Restate server with RESTATE_ADMIN_URL."


def test_a_taken_embedded_server_port(
    tmp_path: Path, listening: int, capsys: pytest.CaptureFixture[str]
) -> None:
    env = embedded_env(tmp_path, APP_RESTATE_ADMIN_PORT=str(listening))
    code, _, err = serve(env, capsys)
    assert code == 1
    assert err.startswith(
        f"server: error: port {listening} on 127.0.0.1 is taken: the embedded Restate server's "
        "admin API port (APP_RESTATE_ADMIN_PORT). Is a Restate server already running?"
    )


def test_identity_on_without_a_usable_key_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    env = embedded_env(tmp_path, APP_IDENTITY="on", APP_RESTATE_DATA_DIR=str(blocker / "data"))
    code, _, err = serve(env, capsys)
    assert code == 1
    assert err.startswith("server: error: request identity (APP_IDENTITY=on): cannot write a key")


def test_example_calls_name_every_handler_at_the_ingress() -> None:
    assert server.example_calls(Deployment(), "http://10.0.0.5:18080/") == [
        "curl -sS http://10.0.0.5:18080/Greeter/{greet} -d '<json>'",
        "curl -sS http://10.0.0.5:18080/Counter/<key>/{add} -d '<json>'",
    ]


def test_served_handlers_match_what_the_admin_api_answers_for_the_same_code() -> None:
    registration: dict[str, Any] = {
        "id": "dp_1",
        "services": [
            {"name": "Greeter", "handlers": [{"name": "greet"}]},
            {"name": "Counter", "handlers": [{"name": "add"}]},
        ],
    }
    served = server.served_handlers(Deployment())
    assert served == {"Greeter": frozenset({"greet"}), "Counter": frozenset({"add"})}
    assert server.registered_handlers(registration) == served
    registration["services"][1]["handlers"].append({"name": "subtract"})
    assert server.registered_handlers(registration) != served
