"""The oracle: restate-sdk glue written by hand over the same handler modules, declared as
upstream's tour-of-orchestration-python declares it (restatedev/examples, MIT): one
`restate.Service(...)` / `VirtualObject(...)` per component, `@x.handler()` registrations, and
the `restate.app(...)` of its __main__.py."""

from __future__ import annotations

import restate

from examples.tour_of_orchestration import email_service, payment_service
from examples.tour_of_orchestration.communication import service as communication
from examples.tour_of_orchestration.concurrenttasks import service as concurrenttasks
from examples.tour_of_orchestration.events import service as events
from examples.tour_of_orchestration.getstarted import service as getstarted
from examples.tour_of_orchestration.objects import service as objects
from examples.tour_of_orchestration.sagas import service as sagas
from examples.tour_of_orchestration.timers import service as timers

subscription_service = restate.Service("SubscriptionService")
subscription_service.handler()(getstarted.add)

subscription_saga = restate.Service("SubscriptionSaga")
subscription_saga.handler()(sagas.add)

concert_ticketing_service = restate.Service("ConcertTicketingService")
concert_ticketing_service.handler()(communication.buy)

parallel_subscription_service = restate.Service("ParallelSubscriptionService")
parallel_subscription_service.handler()(concurrenttasks.add)

payments = restate.Service("Payments")
payments.handler()(events.process)
payments.handler()(events.confirm)

user_subscriptions = restate.VirtualObject("UserSubscriptions")
user_subscriptions.handler()(objects.add)
user_subscriptions.handler("getSubscriptions")(objects.get_subscriptions)

payments_with_timeout = restate.Service("PaymentsWithTimeout")
payments_with_timeout.handler()(timers.process)
payments_with_timeout.handler()(timers.confirm)

payment_service_definition = restate.Service("PaymentService")
payment_service_definition.handler()(payment_service.charge)

email_service_definition = restate.Service("EmailService")
email_service_definition.handler()(email_service.email_ticket)
email_service_definition.handler()(email_service.send_reminder_email)

app = restate.app(
    services=[
        subscription_service,
        subscription_saga,
        concert_ticketing_service,
        parallel_subscription_service,
        payments,
        user_subscriptions,
        payments_with_timeout,
        payment_service_definition,
        email_service_definition,
    ]
)
