"""restatedev/examples' Tour of Orchestration (python/tutorials/tour-of-orchestration-python),
ported to plain handler modules: the same scripted ingress calls through the generated
deployment and through the hand-written oracle, each on a real restate-server."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

import pytest

from examples.ported import Script, Step, diff_steps, run_script, with_ingress
from examples.tour_of_orchestration import deployment, oracle
from examples.tour_of_orchestration.utils import CONFIRMATION_IDS
from restate_glue import resolve_awakeable
from restate_local.harness import RestateTestEnvironment
from restate_local.pytest_plugin import EnvFactory
from restate_local.serving import AsgiApp

# Three days ahead: the reminder email is scheduled for the day before, about two days out.
CONCERT_DATE = (datetime.now() + timedelta(days=3)).replace(microsecond=0).isoformat()
TICKET = {"ticketId": "t1", "concertDate": CONCERT_DATE, "price": 50.0, "customerEmail": "a@b.c"}


def subscriptions(*names: str) -> dict[str, object]:
    return {"userId": "u1", "creditCard": "4111-1111", "subscriptions": list(names)}


async def confirmation_id(run: Script, order_id: str) -> str:
    """The awakeable id the mock payment provider was given for `order_id` (upstream prints it
    for a human to curl)."""
    found = await run.poll(
        f"{order_id}: provider has a confirmation id",
        lambda: _lookup(order_id),
        lambda cid: cid is not None,
        shown=lambda cid: "<awakeable>",  # a new id on every run
    )
    del CONFIRMATION_IDS[order_id]
    return str(found)


async def _lookup(order_id: str) -> str | None:
    return CONFIRMATION_IDS.get(order_id)


async def script(run: Script) -> None:
    CONFIRMATION_IDS.clear()
    await run.post("get started: add", "/SubscriptionService/add", subscriptions("Hulu", "Max"))

    await run.post("saga: all fine", "/SubscriptionSaga/add", subscriptions("Hulu"))
    # Disney fails terminally: the compensations run, and the call fails.
    await run.post("saga: compensated", "/SubscriptionSaga/add", subscriptions("Hulu", "Disney"))

    await run.post("parallel", "/ParallelSubscriptionService/add", subscriptions("Hulu", "Max"))

    await run.post("buy a ticket", "/ConcertTicketingService/buy", TICKET)
    await run.poll(
        "reminder email scheduled (delayed send)",
        lambda: _scheduled(run),
        lambda targets: targets == ["EmailService/send_reminder_email"],
    )

    for service, order_id in (("Payments", "o1"), ("PaymentsWithTimeout", "o2")):
        payment = {"amount": 100, "currency": "EUR", "customerId": "c1", "orderId": order_id}
        invocation = await run.send(f"{service}: process", f"/{service}/process", payment)
        cid = await confirmation_id(run, order_id)
        result = {"success": True, "transactionId": f"txn-{order_id}"}
        await run.post(f"{service}: confirm", f"/{service}/confirm", {"id": cid, "result": result})
        await run.attach(f"{service}: result", invocation)

    await run.post("object: add Hulu", "/UserSubscriptions/u1/add", "Hulu")
    await run.post("object: add Hulu again", "/UserSubscriptions/u1/add", "Hulu")
    await run.post("object: add Max", "/UserSubscriptions/u1/add", "Max")
    await run.post("object: getSubscriptions", "/UserSubscriptions/u1/getSubscriptions")
    state = run.env.object_state("UserSubscriptions", "u1")
    run.record("object: state", (sorted(state), state["subscriptions"]))


async def _scheduled(run: Script) -> list[str]:
    rows = run.env.admin.query(
        "SELECT target FROM sys_invocation WHERE target_service_name = 'EmailService' "
        "AND status = 'scheduled'"
    )
    return sorted(str(row["target"]) for row in rows)


DISNEY = '[👻 SIMULATED] "Disney subscription is not available in this region"'
EXPECTED: list[Step] = [
    ("get started: add", (200, None)),
    ("saga: all fine", (200, None)),
    ("saga: compensated", (500, {"code": 500, "message": DISNEY, "source": "invocation"})),
    ("parallel", (200, {"success": True, "payment_ref": "payRef-<uuid>"})),
    ("buy a ticket", (200, "Ticket purchased successfully with payment reference: <uuid>")),
    ("reminder email scheduled (delayed send)", ["EmailService/send_reminder_email"]),
    ("Payments: process", (202, ["invocationId", "status"])),
    ("o1: provider has a confirmation id", "<awakeable>"),
    ("Payments: confirm", (200, None)),
    (
        "Payments: result",
        (200, {"success": True, "transaction_id": "txn-o1", "error_message": None}),
    ),
    ("PaymentsWithTimeout: process", (202, ["invocationId", "status"])),
    ("o2: provider has a confirmation id", "<awakeable>"),
    ("PaymentsWithTimeout: confirm", (200, None)),
    (
        "PaymentsWithTimeout: result",
        (200, {"success": True, "transaction_id": "txn-o2", "error_message": None}),
    ),
    ("object: add Hulu", (200, None)),
    ("object: add Hulu again", (200, None)),
    ("object: add Max", (200, None)),
    ("object: getSubscriptions", (200, ["Hulu", "Max"])),
    ("object: state", (["lastUpdated", "subscriptions"], ["Hulu", "Max"])),
]


@pytest.fixture(scope="module")
def generated_env(restate_env_factory: EnvFactory) -> RestateTestEnvironment:
    return restate_env_factory(cast(AsgiApp, deployment.app))


@pytest.fixture(scope="module")
def oracle_env(restate_env_factory: EnvFactory) -> RestateTestEnvironment:
    return restate_env_factory(cast(AsgiApp, oracle.app))


def test_components_are_served_under_their_upstream_names() -> None:
    assert set(deployment.services) == {
        "SubscriptionService",
        "SubscriptionSaga",
        "ConcertTicketingService",
        "ParallelSubscriptionService",
        "Payments",
        "PaymentsWithTimeout",
        "PaymentService",
        "EmailService",
    }
    assert set(deployment.objects) == {"UserSubscriptions"}


def test_tour_of_orchestration_matches_the_oracle(
    generated_env: RestateTestEnvironment, oracle_env: RestateTestEnvironment
) -> None:
    from_oracle = run_script(oracle_env, script)
    from_generated = run_script(generated_env, script)
    assert from_oracle == EXPECTED
    assert not diff_steps(from_generated, from_oracle)


def test_payment_confirmed_from_outside_through_the_runtime(
    generated_env: RestateTestEnvironment,
) -> None:
    async def body(http: Any) -> Any:
        CONFIRMATION_IDS.clear()
        payment = {"amount": 7, "currency": "EUR", "customerId": "c9", "orderId": "o9"}
        sent = await http.post("/Payments/process/send", json=payment)
        invocation = sent.json()["invocationId"]
        run = Script(generated_env, http)
        cid = await confirmation_id(run, "o9")
        # What the provider's webhook would do, through the runtime's ingress API.
        await resolve_awakeable(http, cid, {"success": True, "transactionId": "txn-o9"})
        return (await http.get(f"/restate/invocation/{invocation}/attach")).json()

    result = with_ingress(generated_env, body)
    assert result == {"success": True, "transaction_id": "txn-o9", "error_message": None}
