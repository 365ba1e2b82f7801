from __future__ import annotations

import socket

import pytest

from restate_local.errors import PortInUseError
from restate_local.ports import bind_listen_socket, free_port, free_ports, port_accepts_connections


def test_free_ports_are_distinct_and_bindable() -> None:
    ports = free_ports(5)
    assert len(set(ports)) == 5
    for port in ports:
        with socket.socket() as s:
            s.bind(("127.0.0.1", port))


def test_free_port_is_a_port() -> None:
    assert 0 < free_port() < 65536


def test_bind_listen_socket_picks_a_free_port() -> None:
    sock = bind_listen_socket()
    try:
        assert sock.getsockname()[1] > 0
    finally:
        sock.close()


def test_bind_listen_socket_on_a_taken_port_says_so() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(PortInUseError, match=f"cannot listen on 127.0.0.1:{port}"):
            bind_listen_socket("127.0.0.1", port)
        assert port_accepts_connections("127.0.0.1", port)


def test_port_accepts_connections_false_when_nobody_listens() -> None:
    assert not port_accepts_connections("127.0.0.1", free_port())
