"""Where the restate-server binary lives.

`RESTATE_SERVER_BIN` names the binary explicitly; otherwise the project's cache path is used, the
same path `build-support/install-restate-server.sh` prints.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from restate_local.errors import RestateServerBinaryNotFound

RESTATE_SERVER_VERSION = "1.7.12"
RESTATE_SERVER_BIN_ENV = "RESTATE_SERVER_BIN"
INSTALL_COMMAND = "bash build-support/install-restate-server.sh"


def default_server_binary_path(env: Mapping[str, str] | None = None) -> Path:
    """The cache path where the install script puts the pinned binary."""
    env = os.environ if env is None else env
    cache_dir = env.get("RESTATE_PANTS_CACHE_DIR")
    if not cache_dir:
        xdg = env.get("XDG_CACHE_HOME") or str(Path(env.get("HOME") or Path.home()) / ".cache")
        cache_dir = str(Path(xdg) / "restate-pants")
    return (
        Path(cache_dir)
        / f"restate-server-{RESTATE_SERVER_VERSION}"
        / "node_modules/@restatedev/restate-server-linux-x64/bin/restate-server"
    )


def _is_executable_file(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def find_server_binary(
    explicit: str | os.PathLike[str] | None = None, env: Mapping[str, str] | None = None
) -> Path:
    """Returns the restate-server binary to run.

    Order: `explicit`, then `$RESTATE_SERVER_BIN`, then the default cache path. Raises
    `RestateServerBinaryNotFound` (naming RESTATE_SERVER_BIN and the install command) otherwise.
    """
    env = os.environ if env is None else env
    if explicit is not None:
        path = Path(explicit)
        if not _is_executable_file(path):
            raise RestateServerBinaryNotFound(
                f"restate-server binary {path} does not exist or is not executable."
            )
        return path
    from_env = env.get(RESTATE_SERVER_BIN_ENV)
    if from_env:
        path = Path(from_env)
        if not _is_executable_file(path):
            raise RestateServerBinaryNotFound(
                f"{RESTATE_SERVER_BIN_ENV}={from_env} does not name an executable restate-server "
                f"binary. Fix or unset {RESTATE_SERVER_BIN_ENV}; when unset, the binary installed "
                f"by `{INSTALL_COMMAND}` is used."
            )
        return path
    path = default_server_binary_path(env)
    if not _is_executable_file(path):
        raise RestateServerBinaryNotFound(
            f"restate-server {RESTATE_SERVER_VERSION} was not found at {path}. Install it with "
            f"`{INSTALL_COMMAND}` (from the repository root), or set {RESTATE_SERVER_BIN_ENV} "
            "to the path of a restate-server binary."
        )
    return path
