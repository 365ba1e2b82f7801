from __future__ import annotations

import subprocess
from pathlib import Path

import httpx
import pytest

from restate_local.balancer import (
    INSTALL_LINE,
    Backend,
    BalancerNotFound,
    HAProxyBalancer,
    ensure_haproxy,
    find_haproxy,
    haproxy_config,
)
from restate_local.serving import AppServer

BACKENDS = [Backend("replica1", "127.0.0.1", 9081), Backend("replica2", "127.0.0.1", 9082)]


@pytest.fixture(scope="module")
def haproxy() -> Path:
    """Installs the Debian package when missing and allowed; otherwise fails with the line
    naming it (never skips)."""
    try:
        return ensure_haproxy()
    except BalancerNotFound as e:
        pytest.fail(str(e), pytrace=False)


def test_config_balances_each_request_over_h2c() -> None:
    config = haproxy_config(host="127.0.0.1", port=8000, stats_port=8001, backends=BACKENDS)
    assert "bind 127.0.0.1:8000 proto h2" in config
    assert "balance roundrobin" in config
    assert "proto h2 check" in config
    assert "server replica1 127.0.0.1:9081" in config
    assert "server replica2 127.0.0.1:9082" in config


def test_config_rejects_nothing_to_balance() -> None:
    with pytest.raises(ValueError, match="at least one backend"):
        haproxy_config(host="127.0.0.1", port=1, stats_port=2, backends=[])
    with pytest.raises(ValueError, match="unique"):
        haproxy_config(host="127.0.0.1", port=1, stats_port=2, backends=[BACKENDS[0]] * 2)


def test_missing_haproxy_names_the_package(tmp_path: Path) -> None:
    env = {"PATH": str(tmp_path)}
    with pytest.raises(BalancerNotFound) as error:
        ensure_haproxy(install=False, env={**env, "HAPROXY_BIN": str(tmp_path / "nope")})
    assert "HAPROXY_BIN" in str(error.value)
    with pytest.raises(BalancerNotFound) as error:
        ensure_haproxy(install=False, env=env, search_dirs=[str(tmp_path)])
    assert str(error.value) == INSTALL_LINE
    assert "haproxy" in INSTALL_LINE and "apt-get install -y haproxy" in INSTALL_LINE
    assert "\n" not in INSTALL_LINE


def test_haproxy_accepts_the_config(haproxy: Path, tmp_path: Path) -> None:
    cfg = tmp_path / "haproxy.cfg"
    cfg.write_text(haproxy_config(host="127.0.0.1", port=8000, stats_port=8001, backends=BACKENDS))
    check = subprocess.run([str(haproxy), "-c", "-f", str(cfg)], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    assert find_haproxy() is not None


async def _who(scope: dict[str, object], receive: object, send: object) -> None:
    assert scope["type"] == "http"
    body = f"{scope['path']} {scope['http_version']}".encode()
    await send({"type": "http.response.start", "status": 200, "headers": []})  # type: ignore[operator]
    await send({"type": "http.response.body", "body": body})  # type: ignore[operator]


def test_requests_on_one_http2_connection_reach_every_replica(haproxy: Path) -> None:
    with AppServer(_who) as one, AppServer(_who) as two:
        backends = [("127.0.0.1", one.port), ("127.0.0.1", two.port)]
        with HAProxyBalancer(backends, binary=haproxy) as balancer:
            balancer.wait_for_state("replica1", "UP")
            balancer.wait_for_state("replica2", "UP")
            before = {n: int(r["stot"]) for n, r in balancer.server_stats().items()}
            # One HTTP/2 connection, as restate-server keeps: requests still spread.
            with httpx.Client(http1=False, http2=True, trust_env=False, timeout=5) as client:
                answers = [client.get(f"{balancer.url}/invoke/{i}").text for i in range(10)]
            after = {n: int(r["stot"]) for n, r in balancer.server_stats().items()}
        assert all(a.endswith(" 2") for a in answers), answers  # h2 to the replicas too
        assert {n: after[n] - before[n] for n in after} == {"replica1": 5, "replica2": 5}
    assert not balancer.running
