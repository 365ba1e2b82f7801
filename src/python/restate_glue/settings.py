"""The server command's settings, all from environment variables; README.md ("The sample app:
configuration") lists them with their defaults. Unset or empty means the default.

- The app: `APP_HOST`, `APP_PORT`, `APP_HTTP` (h2c | http1.1), `APP_URL`, `APP_DATA_DIR`,
  `APP_WORKERS` (worker processes sharing the port, default 1), `APP_REGISTER_FORCE`
  (auto | 1 | 0: overwrite a changed deployment registered at the same URI; auto: only with the
  embedded server, i.e. the dev loop).
- A running Restate server: `RESTATE_ADMIN_URL` (set: use it), `RESTATE_INGRESS_URL`,
  `RESTATE_IDENTITY_KEYS`.
- Otherwise the embedded one: `APP_RESTATE_DATA_DIR`, `APP_RESTATE_INGRESS_PORT`,
  `APP_RESTATE_ADMIN_PORT`, `APP_RESTATE_NODE_PORT`, `APP_IDENTITY` (auto | on | off), and
  `RESTATE_SERVER_BIN` (read by restate_local).
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

from restate_local import HttpMode
from restate_local.env import whole_number

IdentityMode = Literal["auto", "on", "off"]

_YES = ("1", "on", "true", "yes")
_NO = ("0", "off", "false", "no")

MAX_WORKERS = 64
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 9080
DEFAULT_RESTATE_DATA_DIR = ".restate-data"
DEFAULT_INGRESS_PORT = 8080
DEFAULT_ADMIN_PORT = 9070
DEFAULT_NODE_PORT = 5122

_PUBLIC_KEY = re.compile(r"^publickeyv1_[1-9A-HJ-NP-Za-km-z]{32,50}$")


class ConfigError(Exception):
    """A setting is malformed or settings contradict each other; the message names the variable."""


@dataclass(frozen=True)
class ExternalRestate:
    """A Restate server (or cluster) that is already running."""

    admin_url: str
    ingress_url: str
    identity_keys: tuple[str, ...]


@dataclass(frozen=True)
class EmbeddedRestate:
    """A restate-server this command starts, and stops on exit."""

    data_dir: Path
    ingress_port: int
    admin_port: int
    node_port: int
    identity: IdentityMode
    host: str = "127.0.0.1"

    @property
    def ingress_url(self) -> str:
        return f"http://{self.host}:{self.ingress_port}"

    @property
    def admin_url(self) -> str:
        return f"http://{self.host}:{self.admin_port}"


@dataclass(frozen=True)
class Settings:
    host: str
    port: int
    http_mode: HttpMode
    app_url: str | None  # None: derived from host and the port actually bound
    data_dir: Path
    restate: ExternalRestate | EmbeddedRestate
    workers: int = 1  # hypercorn worker processes sharing the port (APP_WORKERS)
    # Register with `force`: replace a changed deployment at the same URI (APP_REGISTER_FORCE).
    # Right for the dev loop; in production it replays in-flight journals against new code.
    register_force: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env

        def get(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

        admin_url = get("RESTATE_ADMIN_URL")
        restate: ExternalRestate | EmbeddedRestate
        if admin_url is not None:
            admin_url = _url("RESTATE_ADMIN_URL", admin_url)
            ingress = get("RESTATE_INGRESS_URL")
            restate = ExternalRestate(
                admin_url=admin_url,
                ingress_url=(
                    _url("RESTATE_INGRESS_URL", ingress)
                    if ingress
                    else _with_port(admin_url, DEFAULT_INGRESS_PORT)
                ),
                identity_keys=_identity_keys(get("RESTATE_IDENTITY_KEYS")),
            )
        else:
            if get("RESTATE_INGRESS_URL") is not None:
                raise ConfigError(
                    "RESTATE_INGRESS_URL is set but RESTATE_ADMIN_URL is not: set both to use a "
                    "running Restate server, or neither for the embedded one"
                )
            if get("RESTATE_IDENTITY_KEYS") is not None:
                raise ConfigError(
                    "RESTATE_IDENTITY_KEYS only applies to an external Restate server "
                    "(RESTATE_ADMIN_URL); the embedded one gets a generated key pair (APP_IDENTITY)"
                )
            ports = {
                name: _port(name, get(name), default, allow_zero=False)
                for name, default in (
                    ("APP_RESTATE_INGRESS_PORT", DEFAULT_INGRESS_PORT),
                    ("APP_RESTATE_ADMIN_PORT", DEFAULT_ADMIN_PORT),
                    ("APP_RESTATE_NODE_PORT", DEFAULT_NODE_PORT),
                )
            }
            if len(set(ports.values())) != len(ports):
                raise ConfigError(
                    f"the embedded Restate server needs three distinct ports: {ports}"
                )
            identity = (get("APP_IDENTITY") or "auto").lower()
            if identity not in ("auto", "on", "off"):
                raise ConfigError(f"APP_IDENTITY must be auto, on or off, not {identity!r}")
            restate = EmbeddedRestate(
                data_dir=Path(get("APP_RESTATE_DATA_DIR") or DEFAULT_RESTATE_DATA_DIR),
                ingress_port=ports["APP_RESTATE_INGRESS_PORT"],
                admin_port=ports["APP_RESTATE_ADMIN_PORT"],
                node_port=ports["APP_RESTATE_NODE_PORT"],
                identity=identity,  # type: ignore[arg-type]
            )

        host = get("APP_HOST") or DEFAULT_HOST
        try:
            ipaddress.ip_address(host)
        except ValueError:
            raise ConfigError(f"APP_HOST must be an IP address, not {host!r}") from None
        port = _port("APP_PORT", get("APP_PORT"), DEFAULT_PORT, allow_zero=True)
        http = (get("APP_HTTP") or "h2c").lower()
        http_mode: HttpMode
        if http in ("h2c", "h2", "http2"):
            http_mode = "h2c"
        elif http in ("http1.1", "http1", "h1"):
            http_mode = "http1.1"
        else:
            raise ConfigError(f"APP_HTTP must be h2c (HTTP/2, default) or http1.1, not {http!r}")
        try:
            workers = whole_number(env, "APP_WORKERS", 1, 1, MAX_WORKERS)
        except ValueError as e:
            raise ConfigError(str(e)) from None
        force = (get("APP_REGISTER_FORCE") or "auto").lower()
        if force not in ("auto", *_YES, *_NO):
            raise ConfigError(
                f"APP_REGISTER_FORCE must be auto, 1 or 0, not {force!r} (1: a restart replaces "
                "a changed deployment at the same URI, for development only)"
            )
        # auto: the embedded server is the dev loop's (`pants run`); a Restate server of its own
        # (RESTATE_ADMIN_URL) is where work is in flight, so a changed deployment is refused.
        register_force = isinstance(restate, EmbeddedRestate) if force == "auto" else force in _YES
        app_url = get("APP_URL")
        if isinstance(restate, EmbeddedRestate) and port in (
            restate.ingress_port,
            restate.admin_port,
            restate.node_port,
        ):
            raise ConfigError(f"APP_PORT={port} is also a port of the embedded Restate server")
        return cls(
            host=host,
            port=port,
            http_mode=http_mode,
            app_url=_url("APP_URL", app_url) if app_url else None,
            data_dir=Path(get("APP_DATA_DIR") or ".app-data"),
            restate=restate,
            workers=workers,
            register_force=register_force,
        )

    def deployment_url(self, bound_port: int) -> str:
        """The URI to register: `APP_URL`, or this host (loopback for a wildcard) and port."""
        if self.app_url is not None:
            return self.app_url
        host = self.host
        if ipaddress.ip_address(host).is_unspecified:
            host = "127.0.0.1" if ipaddress.ip_address(host).version == 4 else "::1"
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{bound_port}"


def _port(name: str, raw: str | None, default: int, *, allow_zero: bool) -> int:
    if raw is None:
        return default
    try:
        port = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a port number, not {raw!r}") from None
    low = 0 if allow_zero else 1
    if not low <= port <= 65535:
        raise ConfigError(f"{name} must be between {low} and 65535, not {port}")
    return port


def _url(name: str, raw: str) -> str:
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            f"{name} must be an http(s) URL such as http://127.0.0.1:9070, not {raw!r}"
        )
    try:
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise ConfigError(f"{name} has a bad port: {raw!r}") from None
    return raw.rstrip("/")


def _with_port(url: str, port: int) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    return urlunsplit((parts.scheme, f"{host}:{port}", "", "", ""))


def _identity_keys(raw: str | None) -> tuple[str, ...]:
    if raw is None:
        return ()
    keys = tuple(k for k in re.split(r"[,\s]+", raw) if k)
    for key in keys:
        if not _PUBLIC_KEY.match(key):
            raise ConfigError(
                f"RESTATE_IDENTITY_KEYS: {key!r} is not a request-identity public key "
                "(publickeyv1_ followed by base58)"
            )
    return keys
