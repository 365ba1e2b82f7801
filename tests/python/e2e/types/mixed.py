"""A handler whose request is a msgspec Struct nesting a pydantic model: not in the zoo's
deployment, because restate-sdk cannot produce its JSON schema and then the whole deployment
fails discovery (see types_test.py)."""

from __future__ import annotations

from restate import Context

from e2e.types.models import Batch


async def echo_batch(ctx: Context, req: Batch) -> Batch:
    return req
