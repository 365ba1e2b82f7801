"""Calls the vault's ingress-private audit from inside Restate, where it is allowed."""

from __future__ import annotations

from restate import Context

from e2e.options.vault_restate_client import VaultClient


async def audit(ctx: Context, vault: str) -> str:
    return await VaultClient.from_context(ctx, vault).audit()
