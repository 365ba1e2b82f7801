# Ported from https://github.com/restatedev/examples,
# python/patterns-use-cases/durablerpc/app.py,
# MIT License, Copyright (c) 2024 - Restate Software, Inc., Restate GmbH.
# The upstream file has no license header of its own; the repository's LICENSE applies.
# Changed for the port: see BUILD (and README, "Ported public examples").

import restate
import logging

logging.basicConfig(
    level=logging.INFO,
    format="[%(asctime)s] [%(process)d] [%(levelname)s] - %(message)s",
)
logger = logging.getLogger(__name__)

async def reserve(ctx: restate.ObjectContext) -> bool:
    if await ctx.get("reserved", type_hint=bool):
        logging.info(f"Product already reserved {ctx.key()}")
        return False
    logging.info(f"Reserving product {ctx.key()}")
    ctx.set("reserved", True)
    return True
