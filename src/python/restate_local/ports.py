"""Loopback port helpers."""

from __future__ import annotations

import contextlib
import errno
import socket

from restate_local.errors import PortInUseError

LOOPBACK = "127.0.0.1"


def free_ports(count: int, host: str = LOOPBACK) -> list[int]:
    """Returns `count` distinct ports that were free on `host` a moment ago.

    The sockets are held open together so the ports are distinct, then closed: another process
    may still grab one before it is used, so callers that start a server on them should retry
    on "address in use".
    """
    if count < 0:
        raise ValueError(f"count must be >= 0, not {count}")
    with contextlib.ExitStack() as stack:
        ports: list[int] = []
        for _ in range(count):
            sock = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
            sock.bind((host, 0))
            ports.append(int(sock.getsockname()[1]))
        return ports


def free_port(host: str = LOOPBACK) -> int:
    """Returns one port that was free on `host` a moment ago (see `free_ports`)."""
    return free_ports(1, host)[0]


def bind_listen_socket(host: str = LOOPBACK, port: int = 0) -> socket.socket:
    """Binds a TCP socket (not yet listening) on `host:port`; port 0 picks a free one.

    Raises `PortInUseError` with a readable message when the port is taken.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError as e:
        sock.close()
        if e.errno in (errno.EADDRINUSE, errno.EACCES):
            raise PortInUseError(
                f"cannot listen on {host}:{port}: {e.strerror or e} "
                "(is another server running there? pick another port, or 0 for a free one)"
            ) from None
        raise
    return sock


def port_accepts_connections(host: str, port: int, timeout: float = 0.2) -> bool:
    """True when a TCP connection to `host:port` succeeds."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False
