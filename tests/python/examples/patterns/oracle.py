"""The oracle: restate-sdk glue written by hand over the same handler modules, declared as
upstream's patterns-use-cases declare them (restatedev/examples, MIT): a
`restate.VirtualObject(...)` per component with `@x.handler(...)` registrations, served by one
`restate.app(...)` (upstream serves each pattern on its own)."""

from __future__ import annotations

import restate

from examples.patterns.durablerpc import app as durablerpc
from examples.patterns.parallelizework import app as parallelizework
from examples.patterns.queueing import app as queueing
from examples.patterns.schedulingtasks import app as schedulingtasks
from examples.patterns.statefulactors import app as statefulactors
from examples.patterns.statemachinepayments import accounts, payment_processor

account = restate.VirtualObject("account")
account.handler()(accounts.deposit)
account.handler()(accounts.withdraw)

payment_processor_object = restate.VirtualObject("PaymentProcessor")
payment_processor_object.handler("makePayment")(payment_processor.make_payment)
payment_processor_object.handler("cancelPayment")(payment_processor.cancel_payment)
payment_processor_object.handler()(payment_processor.expire)

product_service = restate.VirtualObject("product")
product_service.handler()(durablerpc.reserve)

payment_tracker = restate.VirtualObject("PaymentTracker")  # one instance per invoice ID
payment_tracker.handler("onPaymentSuccess")(schedulingtasks.on_payment_success)
payment_tracker.handler("onPaymentFailure")(schedulingtasks.on_payment_failure)

async_task_worker = restate.Service("AsyncTaskWorker")
async_task_worker.handler()(queueing.run)

machine_operator = restate.VirtualObject("machine-operator")
machine_operator.handler("setUp")(statefulactors.set_up)
machine_operator.handler("tearDown")(statefulactors.tear_down)

fan_out_worker = restate.Service("FanOutWorker")
fan_out_worker.handler()(parallelizework.run)

app = restate.app(
    [
        payment_processor_object,
        account,
        product_service,
        payment_tracker,
        async_task_worker,
        machine_operator,
        fan_out_worker,
    ]
)
