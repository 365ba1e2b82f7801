"""Request-identity tokens as Restate signs them (scheme v1): an EdDSA JWT in the
`x-restate-jwt-v1` header, `aud` = the request path, valid for a minute. Signed with ed25519 over
the raw signing input (the `cryptography` library, as `restate_local.identity` makes the keys),
so tests can forge, expire and misaddress them."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

SCHEME_HEADER = "x-restate-signature-scheme"
JWT_HEADER = "x-restate-jwt-v1"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sign_ed25519(private_key_pem: Path, data: bytes) -> bytes:
    key = serialization.load_pem_private_key(private_key_pem.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise TypeError(f"{private_key_pem} is not an ed25519 private key")
    return key.sign(data)


def token(
    private_key_pem: Path,
    audience: str,
    *,
    now: float | None = None,
    lifetime: float = 60.0,
    issued_ago: float = 0.0,
) -> str:
    """A JWT for `audience` (the request path), issued `issued_ago` seconds before `now` and
    valid for `lifetime` seconds from then."""
    now = time.time() if now is None else now
    issued = int(now - issued_ago)
    header = {"typ": "JWT", "alg": "EdDSA"}
    claims = {"aud": audience, "iat": issued, "nbf": issued, "exp": int(issued + lifetime)}
    signing_input = f"{_b64url(json.dumps(header).encode())}.{_b64url(json.dumps(claims).encode())}"
    signature = sign_ed25519(private_key_pem, signing_input.encode())
    return f"{signing_input}.{_b64url(signature)}"


def headers(jwt: str, scheme: str = "v1") -> dict[str, str]:
    return {SCHEME_HEADER: scheme, JWT_HEADER: jwt}
