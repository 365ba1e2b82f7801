# Ported from https://github.com/restatedev/examples,
# python/patterns-use-cases/queueing/app.py,
# MIT License, Copyright (c) 2024 - Restate Software, Inc., Restate GmbH.
# The upstream file has no license header of its own; the repository's LICENSE applies.
# Changed for the port: see BUILD (and README, "Ported public examples").

import restate

from pydantic import BaseModel
from datetime import timedelta


class TaskOpts(BaseModel):
    id: str


async def run(ctx: restate.Context, params: TaskOpts):
    # ... some heavy work ...
    return f"Finished work on task: {params.id}"
