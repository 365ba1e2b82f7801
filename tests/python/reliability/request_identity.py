"""Request-identity tokens as Restate signs them (scheme v1): an EdDSA JWT in the
`x-restate-jwt-v1` header, `aud` = the request path, valid for a minute. Signed with `openssl`
(ed25519 over the raw signing input), so tests can forge, expire and misaddress them."""

from __future__ import annotations

import base64
import json
import subprocess
import tempfile
import time
from pathlib import Path

SCHEME_HEADER = "x-restate-signature-scheme"
JWT_HEADER = "x-restate-jwt-v1"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sign_ed25519(private_key_pem: Path, data: bytes) -> bytes:
    # ed25519 is one-shot: openssl wants the message as a file (it needs its size).
    with tempfile.NamedTemporaryFile() as message:
        message.write(data)
        message.flush()
        done = subprocess.run(
            ["openssl", "pkeyutl", "-sign", "-rawin", "-inkey", str(private_key_pem)]
            + ["-in", message.name],
            capture_output=True,
            timeout=20,
            check=True,
        )
    if len(done.stdout) != 64:
        raise RuntimeError(f"openssl gave a {len(done.stdout)}-byte ed25519 signature")
    return done.stdout


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
