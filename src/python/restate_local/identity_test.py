from __future__ import annotations

import shutil
import stat
from pathlib import Path

import pytest

from restate_local import identity

needs_openssl = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")


def test_base58_matches_the_bitcoin_alphabet() -> None:
    assert identity.base58(b"") == ""
    assert identity.base58(b"\0\0\x01") == "112"
    assert identity.base58(b"hello world") == "StV1DL6CwTryKyV"


def test_only_ed25519_public_keys_are_accepted() -> None:
    with pytest.raises(identity.IdentityError):
        identity.public_key_from_spki_der(b"\x30" * 44)
    key = identity.public_key_from_spki_der(bytes.fromhex("302a300506032b6570032100") + b"\1" * 32)
    assert key.startswith("publickeyv1_")


@needs_openssl
def test_a_key_pair_is_made_once_then_reused(tmp_path: Path) -> None:
    path = tmp_path / "identity" / "private.pem"
    made = identity.ensure_key_pair(path)
    assert made.private_key_pem == path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert identity.ensure_key_pair(path) == made
    assert [p.name for p in path.parent.iterdir()] == ["private.pem"]  # no temporary files left


@needs_openssl
def test_an_unusable_key_file_is_replaced(tmp_path: Path) -> None:
    path = tmp_path / "private.pem"
    path.write_text("not a key")
    pair = identity.ensure_key_pair(path)
    assert pair.public_key.startswith("publickeyv1_")
    assert identity.read_public_key(path) == pair.public_key


def test_without_openssl_the_error_says_so(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(identity.IdentityError, match="openssl is not installed"):
        identity.ensure_key_pair(tmp_path / "private.pem")
