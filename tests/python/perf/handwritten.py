"""The same handlers bound by hand with restate-sdk, as a user would without this project."""

from __future__ import annotations

from typing import Any

import restate

from perf import orders

hand_orders = restate.Service("HandOrders")
hand_orders.handler(name="place")(orders.place)


def make_app() -> Any:
    return restate.app([hand_orders])
