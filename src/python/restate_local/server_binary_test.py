from __future__ import annotations

from pathlib import Path

import pytest

from restate_local.errors import RestateServerBinaryNotFound
from restate_local.server_binary import (
    RESTATE_SERVER_BIN_ENV,
    default_server_binary_path,
    find_server_binary,
)

SUFFIX = (
    "restate-server-1.7.12/node_modules/@restatedev/restate-server-linux-x64/bin/restate-server"
)


def _executable(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n")
    path.chmod(0o755)
    return path


def test_default_path_follows_the_install_script() -> None:
    assert default_server_binary_path({"RESTATE_PANTS_CACHE_DIR": "/c"}) == Path("/c", SUFFIX)
    assert default_server_binary_path({"XDG_CACHE_HOME": "/x", "HOME": "/h"}) == Path(
        "/x/restate-pants", SUFFIX
    )
    assert default_server_binary_path({"HOME": "/h"}) == Path("/h/.cache/restate-pants", SUFFIX)


def test_env_var_wins_over_the_default(tmp_path: Path) -> None:
    binary = _executable(tmp_path / "my-restate")
    _executable(tmp_path / "cache" / SUFFIX)
    env = {RESTATE_SERVER_BIN_ENV: str(binary), "RESTATE_PANTS_CACHE_DIR": str(tmp_path / "cache")}
    assert find_server_binary(env=env) == binary


def test_default_is_used_when_the_env_var_is_unset(tmp_path: Path) -> None:
    binary = _executable(tmp_path / SUFFIX)
    assert find_server_binary(env={"RESTATE_PANTS_CACHE_DIR": str(tmp_path)}) == binary


def test_missing_default_names_the_env_var_and_the_install_command(tmp_path: Path) -> None:
    with pytest.raises(RestateServerBinaryNotFound) as info:
        find_server_binary(env={"RESTATE_PANTS_CACHE_DIR": str(tmp_path)})
    message = str(info.value)
    assert RESTATE_SERVER_BIN_ENV in message
    assert "bash build-support/install-restate-server.sh" in message
    assert str(tmp_path) in message


def test_bad_env_var_is_reported(tmp_path: Path) -> None:
    with pytest.raises(RestateServerBinaryNotFound, match=f"{RESTATE_SERVER_BIN_ENV}=.*nope"):
        find_server_binary(env={RESTATE_SERVER_BIN_ENV: str(tmp_path / "nope")})


def test_not_executable_is_refused(tmp_path: Path) -> None:
    plain = tmp_path / "restate-server"
    plain.write_text("")
    with pytest.raises(RestateServerBinaryNotFound):
        find_server_binary(plain)
