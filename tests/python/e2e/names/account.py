"""A lower-case Restate name (`account`), a handler renamed for Restate (`add_ticket` ->
`addTicket`), a camelCase function, handlers without annotations, and a delayed send to
itself through its own generated client."""

from __future__ import annotations

from datetime import timedelta

from restate import ObjectContext, ObjectSharedContext

from e2e.names.account_restate_client import AccountClient


async def add_ticket(ctx: ObjectContext, ticket: str) -> list[str]:
    tickets = await ctx.get("tickets", type_hint=list[str]) or []
    tickets.append(ticket)
    ctx.set("tickets", tickets)
    return tickets


async def markAsSold(ctx: ObjectContext, ticket: str) -> bool:
    sold = await ctx.get("sold", type_hint=list[str]) or []
    if ticket in sold:
        return False
    ctx.set("sold", [*sold, ticket])
    return True


async def summary(ctx: ObjectSharedContext):
    return {
        "tickets": await ctx.get("tickets", type_hint=list[str]) or [],
        "sold": await ctx.get("sold", type_hint=list[str]) or [],
    }


async def echo(ctx: ObjectSharedContext, req):
    return req


async def remind_later(ctx: ObjectContext, note: str) -> None:
    """Sends `remember(note)` to this same object, 200 ms later."""
    AccountClient.from_context(ctx, ctx.key()).send(timedelta(milliseconds=200)).remember(note)


async def remember(ctx: ObjectContext, note: str) -> None:
    notes = await ctx.get("notes", type_hint=list[str]) or []
    ctx.set("notes", [*notes, note])


async def notes(ctx: ObjectSharedContext) -> list[str]:
    return await ctx.get("notes", type_hint=list[str]) or []
