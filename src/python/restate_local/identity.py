"""Request identity for a Restate server: an ed25519 key pair (the `cryptography` library).

The server signs every request to the app with the private key (PEM file); the app accepts only
requests signed by it, checking with the public key in Restate's `publickeyv1_<base58>` form.
`ensure_key_pair` keeps the pair (mode 0600) where it is told, e.g. under an embedded server's
data dir, and reuses it across runs; a file that is not a usable ed25519 key is replaced.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import base58 as b58
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey


class IdentityError(Exception):
    """No key pair could be made or read."""


@dataclass(frozen=True)
class KeyPair:
    private_key_pem: Path
    public_key: str  # publickeyv1_...


def base58(data: bytes) -> str:
    """Bitcoin-alphabet base58 (Restate's), leading zero bytes as '1'."""
    return b58.b58encode(data).decode("ascii")


def public_key_string(public_key: Ed25519PublicKey) -> str:
    """Restate's form of an ed25519 public key: `publickeyv1_` + base58 of the raw 32 bytes."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "publickeyv1_" + base58(raw)


def read_public_key(private_key_pem: Path) -> str:
    try:
        key = serialization.load_pem_private_key(private_key_pem.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as e:
        raise IdentityError(f"{private_key_pem} is not a usable private key: {e}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise IdentityError(f"{private_key_pem} is not an ed25519 private key")
    return public_key_string(key.public_key())


def generate(private_key_pem: Path) -> KeyPair:
    """A new key pair; the PEM file (PKCS#8, as restate-server reads it) appears atomically,
    readable only by its owner."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    try:
        private_key_pem.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".private-", suffix=".pem", dir=private_key_pem.parent)
    except OSError as e:
        raise IdentityError(
            f"cannot write a key pair under {private_key_pem.parent}: {e}"
        ) from None
    try:
        with os.fdopen(fd, "wb") as out:  # mkstemp made it 0600
            out.write(pem)
        os.replace(tmp, private_key_pem)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return KeyPair(private_key_pem, public_key_string(key.public_key()))


def ensure_key_pair(private_key_pem: Path) -> KeyPair:
    """The key pair in `private_key_pem`, made first if missing or unusable."""
    if private_key_pem.is_file():
        try:
            return KeyPair(private_key_pem, read_public_key(private_key_pem))
        except IdentityError:
            pass
    return generate(private_key_pem)
