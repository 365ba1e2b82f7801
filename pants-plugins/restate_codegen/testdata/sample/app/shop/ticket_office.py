"""Sells tickets: a Restate name that is not a Python identifier, renamed and camelCase
handlers, and handlers without annotations."""

from restate import Context


async def add_ticket(ctx: Context, ticket_id: str) -> bool:
    """Registered as `addTicket` by the target's `handlers` field."""
    return ticket_id != ""


async def markAsSold(ctx: Context, ticket_id: str) -> None:
    """A camelCase function: its own name is the handler name."""


async def echo(ctx: Context, req):
    """No annotations: any JSON value in, the same out."""
    return req
