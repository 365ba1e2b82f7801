from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from restate_local import identity


def test_base58_matches_the_bitcoin_alphabet() -> None:
    assert identity.base58(b"") == ""
    assert identity.base58(b"\0\0\x01") == "112"
    assert identity.base58(b"hello world") == "StV1DL6CwTryKyV"


def test_a_key_pair_is_made_once_then_reused(tmp_path: Path) -> None:
    path = tmp_path / "identity" / "private.pem"
    made = identity.ensure_key_pair(path)
    assert made.private_key_pem == path
    assert made.public_key.startswith("publickeyv1_")
    assert path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----\n")  # PKCS#8 PEM
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert identity.ensure_key_pair(path) == made
    assert [p.name for p in path.parent.iterdir()] == ["private.pem"]  # no temporary files left


def test_the_public_key_is_base58_of_the_raw_ed25519_key(tmp_path: Path) -> None:
    pair = identity.generate(tmp_path / "private.pem")
    key = serialization.load_pem_private_key(pair.private_key_pem.read_bytes(), password=None)
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert len(raw) == 32
    assert pair.public_key == "publickeyv1_" + identity.base58(raw)


@pytest.mark.parametrize("kind", ["garbage", "not ed25519"])
def test_an_unusable_key_file_is_replaced(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "private.pem"
    if kind == "garbage":
        path.write_text("not a key")
    else:
        other = ec.generate_private_key(ec.SECP256R1())
        path.write_bytes(
            other.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    with pytest.raises(identity.IdentityError):
        identity.read_public_key(path)
    pair = identity.ensure_key_pair(path)
    assert pair.public_key.startswith("publickeyv1_")
    assert identity.read_public_key(path) == pair.public_key


def test_a_key_that_cannot_be_written_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(identity.IdentityError, match="cannot write a key pair under"):
        identity.ensure_key_pair(blocker / "identity" / "private.pem")
