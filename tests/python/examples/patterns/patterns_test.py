"""Six of restatedev/examples' patterns-use-cases (statemachinepayments, durablerpc,
schedulingtasks, queueing, statefulactors, parallelizework), ported to plain handler modules:
the same scripted ingress calls through the generated deployment and through the hand-written
oracle, each on a real restate-server."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, cast

import pytest

from examples.patterns import deployment, oracle
from examples.patterns.queueing.app import TaskOpts
from examples.patterns.queueing.async_task_worker_restate_client import (
    AsyncTaskWorkerIngressClient,
)
from examples.ported import Script, Step, diff_steps, run_script, with_ingress
from restate_local.harness import RestateTestEnvironment
from restate_local.pytest_plugin import EnvFactory
from restate_local.server_config import ServerOptions
from restate_local.serving import AsgiApp

# statefulactors crashes 40% of its transitions on purpose and Restate retries them; the
# server's default backoff grows to 20 s between attempts, which a few crashes in a row turn
# into minutes. Both sides get the same server, with retries at most 0.5 s apart.
FAST_RETRIES = ServerOptions(
    num_partitions=1,
    extra_env={
        "RESTATE_DEFAULT_RETRY_POLICY__INITIAL_INTERVAL": "50ms",
        "RESTATE_DEFAULT_RETRY_POLICY__MAX_INTERVAL": "500ms",
    },
)


@pytest.fixture(scope="module")
def generated_env(restate_env_factory: EnvFactory) -> RestateTestEnvironment:
    return restate_env_factory(cast(AsgiApp, deployment.app), server_options=FAST_RETRIES)


@pytest.fixture(scope="module")
def oracle_env(restate_env_factory: EnvFactory) -> RestateTestEnvironment:
    return restate_env_factory(cast(AsgiApp, oracle.app), server_options=FAST_RETRIES)


def compare(
    generated_env: RestateTestEnvironment,
    oracle_env: RestateTestEnvironment,
    script: Callable[[Script], Awaitable[None]],
    expected: list[Step],
) -> None:
    from_oracle = run_script(oracle_env, script)
    from_generated = run_script(generated_env, script)
    assert from_oracle == expected
    assert not diff_steps(from_generated, from_oracle)


def scheduled(run: Script, service: str) -> list[tuple[str, str]]:
    """(key, handler) of the invocations of `service` waiting for their delay."""
    rows = run.env.admin.query(
        "SELECT target_service_key, target_handler_name FROM sys_invocation "
        f"WHERE target_service_name = '{service}' AND status = 'scheduled'"
    )
    return sorted((str(r["target_service_key"]), str(r["target_handler_name"])) for r in rows)


def balance(run: Script, account: str) -> Any:
    return run.env.object_state("account", account).get("balance")


async def state_machine_payments(run: Script) -> None:
    payment = {"account_id": "a1", "amount_cents": 5_000}
    await run.post("p1 makePayment", "/PaymentProcessor/p1/makePayment", payment)
    # The account starts with a random balance: what the script checks is how it moves.
    after_payment = balance(run, "a1")
    await run.post("p1 makePayment again", "/PaymentProcessor/p1/makePayment", payment)
    run.record("p1 charged once", balance(run, "a1") == after_payment)
    run.record("p1 state", run.env.object_state("PaymentProcessor", "p1"))
    await run.post("p1 cancelPayment", "/PaymentProcessor/p1/cancelPayment")
    await run.poll(
        "p1 refunded (one-way deposit)",
        lambda: _async(balance(run, "a1")),
        lambda now: now == after_payment + 5_000,
        shown=lambda now: "refunded",
    )
    run.record("p1 state after cancel", run.env.object_state("PaymentProcessor", "p1"))

    await run.post("p2 cancelPayment first", "/PaymentProcessor/p2/cancelPayment")
    await run.post(
        "p2 makePayment after cancel",
        "/PaymentProcessor/p2/makePayment",
        {"account_id": "a1", "amount_cents": 100},
    )
    run.record("p2 state", run.env.object_state("PaymentProcessor", "p2"))

    status, message = await run.post(
        "p3 too much",
        "/PaymentProcessor/p3/makePayment",
        {"account_id": "a1", "amount_cents": 10_000_000},
        record=False,
    )
    run.record("p3 too much", (status, str(message).split(":")[0]))
    run.record("p3 state", run.env.object_state("PaymentProcessor", "p3"))
    await run.post("deposit nothing", "/account/a1/deposit", 0)
    run.record("expiries scheduled (self-sends)", scheduled(run, "PaymentProcessor"))


async def _async(value: Any) -> Any:
    return value


STATE_MACHINE_PAYMENTS: list[Step] = [
    ("p1 makePayment", (200, "Withdrawal successful")),
    ("p1 makePayment again", (200, "Payment already completed in prior call")),
    ("p1 charged once", True),
    (
        "p1 state",
        {
            "status": "COMPLETED_SUCCESSFULLY",
            "payment": {"account_id": "a1", "amount_cents": 5_000},
        },
    ),
    ("p1 cancelPayment", (200, None)),
    ("p1 refunded (one-way deposit)", "refunded"),
    (
        "p1 state after cancel",
        {"status": "CANCELED", "payment": {"account_id": "a1", "amount_cents": 5_000}},
    ),
    ("p2 cancelPayment first", (200, None)),
    ("p2 makePayment after cancel", (200, "Payment already cancelled")),
    ("p2 state", {"status": "CANCELED"}),
    ("p3 too much", (200, "Insufficient funds")),
    ("p3 state", {}),
    (
        "deposit nothing",
        (500, {"code": 500, "message": "Amount must be greater than 0", "source": "invocation"}),
    ),
    ("expiries scheduled (self-sends)", [("p1", "expire"), ("p2", "expire")]),
]


async def durable_rpc(run: Script) -> None:
    # upstream's client.py: POST /product/<id>/reserve with an idempotency key
    for label, key in (("r1", "r1"), ("r1 retried", "r1"), ("r2", "r2")):
        await run.post(label, "/product/p1/reserve", headers={"idempotency-key": key})
    run.record("state", run.env.object_state("product", "p1"))


DURABLE_RPC: list[Step] = [
    ("r1", (200, True)),
    ("r1 retried", (200, True)),
    ("r2", (200, False)),
    ("state", {"reserved": True}),
]


def stripe_event(invoice: str) -> dict[str, Any]:
    return {
        "type": "invoice.payment_failed",
        "created": 1_700_000_000,
        "data": {"id": invoice, "customer": "cus_1"},
    }


async def scheduling_tasks(run: Script) -> None:
    await run.post("inv1 failure", "/PaymentTracker/inv1/onPaymentFailure", stripe_event("inv1"))
    run.record("inv1 state", run.env.object_state("PaymentTracker", "inv1"))
    await run.post("inv1 success", "/PaymentTracker/inv1/onPaymentSuccess", stripe_event("inv1"))
    await run.post(
        "inv1 failure after paid", "/PaymentTracker/inv1/onPaymentFailure", stripe_event("inv1")
    )
    run.record("inv1 state after paid", run.env.object_state("PaymentTracker", "inv1"))
    for attempt in range(4):
        await run.post(
            f"inv2 failure {attempt}", "/PaymentTracker/inv2/onPaymentFailure", stripe_event("inv2")
        )
    run.record("inv2 state", run.env.object_state("PaymentTracker", "inv2"))
    run.record("reminders scheduled (delayed self-sends)", scheduled(run, "PaymentTracker"))


SCHEDULING_TASKS: list[Step] = [
    ("inv1 failure", (200, None)),
    ("inv1 state", {"reminder_count": 1}),
    ("inv1 success", (200, None)),
    ("inv1 failure after paid", (200, None)),
    ("inv1 state after paid", {"reminder_count": 1, "paid": True}),
    ("inv2 failure 0", (200, None)),
    ("inv2 failure 1", (200, None)),
    ("inv2 failure 2", (200, None)),
    ("inv2 failure 3", (200, None)),  # the fourth escalates instead
    ("inv2 state", {"reminder_count": 3}),
    (
        "reminders scheduled (delayed self-sends)",
        [("inv1", "onPaymentFailure")] + [("inv2", "onPaymentFailure")] * 3,
    ),
]


async def queueing(run: Script) -> None:
    """What upstream's queueing/client.py does: submit a task as a send with an idempotency
    key, then attach to it by that key; submitting again is deduplicated."""
    task = {"id": "task-1"}
    key = {"idempotency-key": "task-1"}
    for label in ("submit", "submit again"):
        status, answer = await run.post(
            label, "/AsyncTaskWorker/run/send", task, headers=key, record=False
        )
        run.record(label, (status, answer["status"]))
    await run.get(
        "attach by idempotency key", "/restate/invocation/AsyncTaskWorker/run/task-1/attach"
    )
    await run.post("call with the same key", "/AsyncTaskWorker/run", task, headers=key)


QUEUEING: list[Step] = [
    ("submit", (202, "Accepted")),
    ("submit again", (202, "PreviouslyAccepted")),
    ("attach by idempotency key", (200, "Finished work on task: task-1")),
    ("call with the same key", (200, "Finished work on task: task-1")),
]


async def stateful_actors(run: Script) -> None:
    """A machine's state machine: each transition takes 5 s and crashes 40% of the time
    (retried); duplicate and out-of-order transitions are answered from the state."""
    await run.post("setUp", "/machine-operator/m1/setUp")
    await run.post("setUp again", "/machine-operator/m1/setUp")
    await run.post("tearDown", "/machine-operator/m1/tearDown")
    await run.post("tearDown again", "/machine-operator/m1/tearDown")
    run.record("state", run.env.object_state("machine-operator", "m1"))


STATEFUL_ACTORS: list[Step] = [
    ("setUp", (200, "m1 is now up")),
    ("setUp again", (200, "m1 is already up, so nothing to do")),
    ("tearDown", (200, "m1 is now down")),
    ("tearDown again", (200, "m1 is not up, cannot tear down")),
    ("state", {"status": "DOWN"}),
]


async def parallelize_work(run: Script) -> None:
    """Fan out a task's subtasks as parallel `ctx.run` steps (each sleeps 0-10 s), fan in."""
    await run.post("fan out, fan in", "/FanOutWorker/run", {"description": "a,b"})


PARALLELIZE_WORK: list[Step] = [
    (
        "fan out, fan in",
        (200, {"description": "description='a': DONE,description='b': DONE"}),
    ),
]


def test_components_are_served_under_their_upstream_names() -> None:
    assert set(deployment.objects) == {
        "account",
        "PaymentProcessor",
        "product",
        "PaymentTracker",
        "machine-operator",
    }
    assert set(deployment.services) == {"AsyncTaskWorker", "FanOutWorker"}


def test_state_machine_payments_match_the_oracle(
    generated_env: RestateTestEnvironment, oracle_env: RestateTestEnvironment
) -> None:
    compare(generated_env, oracle_env, state_machine_payments, STATE_MACHINE_PAYMENTS)


def test_durable_rpc_matches_the_oracle(
    generated_env: RestateTestEnvironment, oracle_env: RestateTestEnvironment
) -> None:
    compare(generated_env, oracle_env, durable_rpc, DURABLE_RPC)


def test_scheduling_tasks_match_the_oracle(
    generated_env: RestateTestEnvironment, oracle_env: RestateTestEnvironment
) -> None:
    compare(generated_env, oracle_env, scheduling_tasks, SCHEDULING_TASKS)


def test_queueing_matches_the_oracle(
    generated_env: RestateTestEnvironment, oracle_env: RestateTestEnvironment
) -> None:
    compare(generated_env, oracle_env, queueing, QUEUEING)


def test_queueing_client_through_the_typed_ingress_client(
    generated_env: RestateTestEnvironment,
) -> None:
    """Upstream's queueing/client.py: send, then await the result later through the handle."""

    async def body(http: Any) -> object:  # upstream's `run` has no return annotation: Any
        worker = AsyncTaskWorkerIngressClient(http)
        handle = await worker.send().run(TaskOpts(id="task-2"), idempotency_key="task-2")
        return await handle.attach()

    assert with_ingress(generated_env, body) == "Finished work on task: task-2"


def test_stateful_actors_match_the_oracle(
    generated_env: RestateTestEnvironment, oracle_env: RestateTestEnvironment
) -> None:
    compare(generated_env, oracle_env, stateful_actors, STATEFUL_ACTORS)


def test_parallelize_work_matches_the_oracle(
    generated_env: RestateTestEnvironment, oracle_env: RestateTestEnvironment
) -> None:
    compare(generated_env, oracle_env, parallelize_work, PARALLELIZE_WORK)
