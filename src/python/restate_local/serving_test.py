from __future__ import annotations

import asyncio
import socket
from pathlib import Path
from typing import Any

import httpx
import pytest

from restate_local.errors import AppServerError, PortInUseError
from restate_local.serving import AppServer, check_http_mode, serve_app


async def hello_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    body = f"{scope['http_version']} {scope['path']}".encode()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": body})


def test_serves_http11_and_h2c_prior_knowledge(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    with AppServer(hello_app, log_path=log) as served:
        assert served.url.startswith("http://127.0.0.1:")
        assert httpx.get(f"{served.url}/x").text == "1.1 /x"
        with httpx.Client(http1=False, http2=True) as h2c:
            assert h2c.get(f"{served.url}/y").text == "2 /y"
    assert "Running on" in log.read_text()
    assert '"GET /x 1.1" 200' in log.read_text()


def test_taken_port_is_a_clear_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(PortInUseError, match=f"127.0.0.1:{port}"):
            AppServer(hello_app, port=port).start()


def test_failing_app_startup_is_reported() -> None:
    async def broken_lifespan(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await receive()
            await send({"type": "lifespan.startup.failed", "message": "no database"})

    with pytest.raises(AppServerError, match="could not serve the app"):
        AppServer(broken_lifespan, startup_timeout=5).start()


def test_stop_is_quick_and_the_port_is_released() -> None:
    server = AppServer(hello_app)
    served = server.start()
    server.stop()
    assert not server.running
    with pytest.raises(httpx.ConnectError):
        httpx.get(served.url)


def test_http_mode_is_checked() -> None:
    assert check_http_mode("http1.1") == "http1.1"
    with pytest.raises(ValueError, match="http_mode"):
        check_http_mode("http3")


def test_serve_app_on_the_running_loop() -> None:
    async def main() -> str:
        async with serve_app(hello_app, http_mode="http1.1") as served:
            assert served.use_http_11
            async with httpx.AsyncClient() as client:
                return (await client.get(f"{served.url}/z")).text

    assert asyncio.run(main()) == "1.1 /z"
