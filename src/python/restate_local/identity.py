"""Request identity for a Restate server: an ed25519 key pair made with openssl.

The server signs every request to the app with the private key (PEM file); the app accepts only
requests signed by it, checking with the public key in Restate's `publickeyv1_<base58>` form.
`ensure_key_pair` keeps the pair (mode 0600) where it is told, e.g. under an embedded server's
data dir, and reuses it across runs; a file that is not a usable ed25519 key is replaced.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
# DER SubjectPublicKeyInfo of an ed25519 key: this 12-byte prefix, then the raw 32-byte key.
_ED25519_SPKI_PREFIX = bytes.fromhex("302a300506032b6570032100")
_TIMEOUT = 20.0


class IdentityError(Exception):
    """No key pair could be made or read."""


@dataclass(frozen=True)
class KeyPair:
    private_key_pem: Path
    public_key: str  # publickeyv1_...


def base58(data: bytes) -> str:
    """Bitcoin-alphabet base58, leading zero bytes as '1'."""
    number = int.from_bytes(data, "big")
    out = ""
    while number:
        number, digit = divmod(number, 58)
        out = _B58[digit] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


def public_key_from_spki_der(der: bytes) -> str:
    if len(der) != len(_ED25519_SPKI_PREFIX) + 32 or not der.startswith(_ED25519_SPKI_PREFIX):
        raise IdentityError("not an ed25519 public key")
    return "publickeyv1_" + base58(der[-32:])


def _openssl() -> str:
    path = shutil.which("openssl")
    if path is None:
        raise IdentityError("openssl is not installed (needed to make a request-identity key)")
    return path


def _run(args: list[str]) -> bytes:
    try:
        done = subprocess.run(args, capture_output=True, timeout=_TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise IdentityError(f"{args[0]} failed: {e}") from None
    if done.returncode != 0:
        detail = done.stderr.decode(errors="replace").strip().splitlines()
        raise IdentityError(f"`{' '.join(args[1:3])}` failed: {detail[0] if detail else ''}")
    return done.stdout


def read_public_key(private_key_pem: Path) -> str:
    openssl = _openssl()
    der = _run([openssl, "pkey", "-in", str(private_key_pem), "-pubout", "-outform", "DER"])
    return public_key_from_spki_der(der)


def generate(private_key_pem: Path) -> KeyPair:
    """A new key pair; the PEM file appears atomically, readable only by its owner."""
    openssl = _openssl()
    private_key_pem.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".private-", suffix=".pem", dir=private_key_pem.parent)
    os.close(fd)  # mkstemp made it 0600; openssl writes into it
    try:
        _run([openssl, "genpkey", "-algorithm", "ed25519", "-out", tmp])
        public = read_public_key(Path(tmp))
        os.chmod(tmp, 0o600)
        os.replace(tmp, private_key_pem)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return KeyPair(private_key_pem, public)


def ensure_key_pair(private_key_pem: Path) -> KeyPair:
    """The key pair in `private_key_pem`, made first if missing or unusable."""
    if private_key_pem.is_file():
        try:
            return KeyPair(private_key_pem, read_public_key(private_key_pem))
        except IdentityError:
            if shutil.which("openssl") is None:
                raise
    return generate(private_key_pem)
