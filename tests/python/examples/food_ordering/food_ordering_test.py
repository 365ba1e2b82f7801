"""restatedev/examples' food-ordering app (python/end-to-end-applications/food-ordering), its
ordering components ported to plain handler modules: an order goes from submission to delivery
while the test plays the restaurant and the driver's app, through the generated deployment and
through the hand-written oracle, each on a real restate-server."""

from __future__ import annotations

from typing import Any, cast

import pytest

from examples.food_ordering import deployment, oracle
from examples.food_ordering.clients.restaurant_client import PREPARE_REQUESTS
from examples.ported import Script, Step, decode, diff_steps, run_script
from restate_local.harness import RestateTestEnvironment
from restate_local.pytest_plugin import EnvFactory
from restate_local.serving import AsgiApp

REGION = "San Jose (CA)"
MATCHER = f"/driver-delivery-matcher/{REGION}"


def order(order_id: str) -> dict[str, Any]:
    return {
        "id": order_id,
        "restaurant_id": "r1",
        "products": [{"product_id": "p1", "description": "pizza", "quantity": 2}],
        "total_cost": 20,
        "delivery_delay": 50,
    }


async def status_of(run: Script, order_id: str) -> Any:
    return decode(await run.http.post(f"/order-workflow/{order_id}/get_status"))


async def until_status(run: Script, order_id: str, wanted: str) -> None:
    await run.poll(
        f"{order_id} is {wanted}", lambda: status_of(run, order_id), lambda s: s == wanted
    )


async def matcher_state(run: Script) -> dict[str, Any]:
    return run.env.object_state("driver-delivery-matcher", REGION)


async def script(run: Script) -> None:
    PREPARE_REQUESTS.clear()
    # The driver's app: driver d1 starts working.
    await run.post("d1 available", "/driver-digital-twin/d1/set_driver_available", REGION)
    await run.poll(
        "d1 in the pool", lambda: matcher_state(run), lambda s: s == {"AVAILABLE_DRIVERS": ["d1"]}
    )

    await run.send("o1 submitted", "/order-workflow/o1/run", order("o1"))
    await until_status(run, "o1", "IN_PREPARATION")
    run.record("restaurant asked to prepare", list(PREPARE_REQUESTS))
    # The restaurant's callback (upstream: a send with delay=5s).
    await run.post("o1 prepared", "/order-workflow/o1/finishedPreparation")
    await until_status(run, "o1", "WAITING_FOR_DRIVER")
    status, job = await run.post(
        "d1 job", "/driver-digital-twin/d1/get_assigned_delivery", record=False
    )
    run.record("d1 job", (status, sorted(job), job["restaurant_id"]))
    run.record("matcher after assignment", await matcher_state(run))

    await run.post("d1 picked up", "/driver-digital-twin/d1/notify_delivery_pickup")
    await until_status(run, "o1", "IN_DELIVERY")
    await run.post("d1 delivered", "/driver-digital-twin/d1/notify_delivery_delivered")
    await until_status(run, "o1", "DELIVERED")
    await run.get("o1 result", "/restate/workflow/order-workflow/o1/attach")
    run.record("d1 state", run.env.object_state("driver-digital-twin", "d1"))
    await run.post("d1 picked up twice", "/driver-digital-twin/d1/notify_delivery_pickup")

    # No driver free: the delivery waits in the matcher until one comes.
    await run.send("o2 submitted", "/order-workflow/o2/run", order("o2"))
    await until_status(run, "o2", "IN_PREPARATION")
    await run.post("o2 prepared", "/order-workflow/o2/finishedPreparation")
    await run.poll(
        "o2 waits for a driver",
        lambda: matcher_state(run),
        lambda s: len(s.get("PENDING_DELIVERIES", [])) == 1,
        shown=lambda s: (sorted(s), sorted(s["PENDING_DELIVERIES"][0])),
    )
    await run.post("d1 available again", "/driver-digital-twin/d1/set_driver_available", REGION)
    await until_status(run, "o2", "WAITING_FOR_DRIVER")
    run.record("matcher at the end", await matcher_state(run))
    run.record("restaurant orders", list(PREPARE_REQUESTS))


async def eta_script(run: Script) -> None:
    """A driver's location update flows twin -> delivery-manager -> order-status, which shows
    an ETA (computed from random locations: the script checks that there is one)."""
    await run.post("d2 available", "/driver-digital-twin/d2/set_driver_available", REGION)
    await run.send("o3 submitted", "/order-workflow/o3/run", order("o3"))
    await until_status(run, "o3", "IN_PREPARATION")
    await run.post("o3 prepared", "/order-workflow/o3/finishedPreparation")
    await until_status(run, "o3", "WAITING_FOR_DRIVER")
    await run.post(
        "d2 location",
        "/driver-digital-twin/d2/handleDriverLocationUpdateEvent",
        {"long": 0.01, "lat": 0.02},
    )
    await run.poll(
        "o3 has an ETA",
        lambda: _order_status(run, "o3"),
        lambda view: view.get("eta") is not None,
        shown=lambda view: (sorted(view), view["status"], view["eta"] > 0),
        timeout=8.0,  # the oracle shows it in well under a second
    )


EXPECTED_ETA: list[Step] = [
    ("d2 available", (200, None)),
    ("o3 submitted", (202, ["invocationId", "status"])),
    ("o3 is IN_PREPARATION", "IN_PREPARATION"),
    ("o3 prepared", (200, None)),
    ("o3 is WAITING_FOR_DRIVER", "WAITING_FOR_DRIVER"),
    ("d2 location", (200, None)),
    ("o3 has an ETA", (["eta", "status"], "WAITING_FOR_DRIVER", True)),
]


async def _order_status(run: Script, order_id: str) -> dict[str, Any]:
    response = await run.http.post(f"/order-status/{order_id}/get")
    return cast(dict[str, Any], decode(response))


DRIVER_STATE_ERROR = "Driver status wrong. Expected DriverStatus.DELIVERING but was IDLE"
EXPECTED: list[Step] = [
    ("d1 available", (200, None)),
    ("d1 in the pool", {"AVAILABLE_DRIVERS": ["d1"]}),
    ("o1 submitted", (202, ["invocationId", "status"])),
    ("o1 is IN_PREPARATION", "IN_PREPARATION"),
    ("restaurant asked to prepare", ["o1"]),
    ("o1 prepared", (200, None)),
    ("o1 is WAITING_FOR_DRIVER", "WAITING_FOR_DRIVER"),
    (
        "d1 job",
        (200, ["customer_location", "delivery_id", "restaurant_id", "restaurant_location"], "r1"),
    ),
    ("matcher after assignment", {"AVAILABLE_DRIVERS": []}),
    ("d1 picked up", (200, None)),
    ("o1 is IN_DELIVERY", "IN_DELIVERY"),
    ("d1 delivered", (200, None)),
    ("o1 is DELIVERED", "DELIVERED"),
    ("o1 result", (200, None)),
    ("d1 state", {"driver-status": "IDLE"}),
    (
        "d1 picked up twice",
        (500, {"code": 500, "message": DRIVER_STATE_ERROR, "source": "invocation"}),
    ),
    ("o2 submitted", (202, ["invocationId", "status"])),
    ("o2 is IN_PREPARATION", "IN_PREPARATION"),
    ("o2 prepared", (200, None)),
    ("o2 waits for a driver", (["AVAILABLE_DRIVERS", "PENDING_DELIVERIES"], ["promise_id"])),
    ("d1 available again", (200, None)),
    ("o2 is WAITING_FOR_DRIVER", "WAITING_FOR_DRIVER"),
    ("matcher at the end", {"AVAILABLE_DRIVERS": [], "PENDING_DELIVERIES": []}),
    ("restaurant orders", ["o1", "o2"]),
]


@pytest.fixture(scope="module")
def generated_env(restate_env_factory: EnvFactory) -> RestateTestEnvironment:
    return restate_env_factory(cast(AsgiApp, deployment.app))


@pytest.fixture(scope="module")
def oracle_env(restate_env_factory: EnvFactory) -> RestateTestEnvironment:
    return restate_env_factory(cast(AsgiApp, oracle.app))


def test_components_are_served_under_their_upstream_names() -> None:
    assert set(deployment.workflows) == {"order-workflow"}
    assert set(deployment.objects) == {
        "delivery-manager",
        "driver-digital-twin",
        "driver-delivery-matcher",
        "order-status",
    }


def test_food_ordering_matches_the_oracle(
    generated_env: RestateTestEnvironment, oracle_env: RestateTestEnvironment
) -> None:
    from_oracle = run_script(oracle_env, script)
    from_generated = run_script(generated_env, script)
    assert from_oracle == EXPECTED
    assert not diff_steps(from_generated, from_oracle)


def test_eta_updates_on_the_oracle(oracle_env: RestateTestEnvironment) -> None:
    assert run_script(oracle_env, eta_script) == EXPECTED_ETA


@pytest.mark.xfail(
    strict=True,
    reason=(
        "a difference by design, pinned here: delivery-manager sends the float from "
        "geo.calculate_eta_millis to order-status/set_eta(eta: int). restate-sdk hands the "
        "float to the handler unchecked; the generated glue checks requests against their "
        "declared types and ends that invocation with a terminal 400 naming `int`, so no ETA is "
        "shown (mypy flags the call through the typed client at build time, the fix belongs in "
        "the program: annotate `eta: float` or send an int). If this ever passes, the glue "
        "stopped checking request types"
    ),
)
def test_eta_updates_through_the_generated_glue(generated_env: RestateTestEnvironment) -> None:
    assert run_script(generated_env, eta_script) == EXPECTED_ETA
