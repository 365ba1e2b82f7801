# Ported from https://github.com/restatedev/examples,
# python/patterns-use-cases/statefulactors/app.py,
# MIT License, Copyright (c) 2024 - Restate Software, Inc., Restate GmbH.
# The upstream file has no license header of its own; the repository's LICENSE applies.
# Changed for the port: see BUILD (and README, "Ported public examples").

import restate

from examples.patterns.statefulactors.utils import bring_up_machine, Status, tear_down_machine

# This is a State Machine implemented with a Virtual Object
#
# - The object holds the state of the state machine and defines the methods
#   to transition between the states.
# - The object's unique id identifies the state machine. Many parallel state
#   machines exist, but only state machine (object) exists per id.
# - The "single-writer-per-key" characteristic of virtual objects ensures
#   that one state transition per state machine is in progress at a time.
#   Additional transitions are enqueued for that object, while a transition
#   for a machine is still in progress.


async def set_up(ctx: restate.ObjectContext):
    machine_id = ctx.key()

    # Ignore duplicate calls to 'setUp'
    status = await ctx.get("status", type_hint=str)
    if status == Status.UP:
        return f"{machine_id} is already up, so nothing to do"

    # Bringing up a machine is a slow process that frequently crashes
    await bring_up_machine(ctx, machine_id)
    ctx.set("status", Status.UP)

    return f"{machine_id} is now up"


async def tear_down(ctx: restate.ObjectContext):
    machine_id = ctx.key()

    status = await ctx.get("status", type_hint=str)
    if status != Status.UP:
        return f"{machine_id} is not up, cannot tear down"

    # Tearing down a machine is a slow process that frequently crashes
    await tear_down_machine(ctx, machine_id)
    ctx.set("status", Status.DOWN)

    return f"{machine_id} is now down"
