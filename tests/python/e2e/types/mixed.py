"""A handler whose request is a msgspec Struct nesting a pydantic model: restate-sdk cannot
build its JSON schema (msgspec raises TypeError), so the glue supplies it at discovery
(`restate_glue.fill_json_schemas`; see types_test.py)."""

from __future__ import annotations

from restate import Context

from e2e.types.models import Batch


async def echo_batch(ctx: Context, req: Batch) -> Batch:
    return req
