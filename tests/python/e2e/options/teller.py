"""Calls the vault's ingress-private audit from inside Restate, where it is allowed; reports
the invocation context managers restate-sdk entered around a handler."""

from __future__ import annotations

from restate import Context

from e2e.options import tracing
from e2e.options.vault_restate_client import VaultClient


async def audit(ctx: Context, vault: str) -> str:
    return await VaultClient.from_context(ctx, vault).audit()


async def scopes(ctx: Context) -> list[str]:
    return list(tracing.scopes.get())
