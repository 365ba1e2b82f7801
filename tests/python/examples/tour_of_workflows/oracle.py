"""The oracle: restate-sdk glue written by hand over the same handler modules, declared as
upstream's tour-of-workflows-python declares it (restatedev/examples, MIT): a
`restate.Workflow(...)` per workflow with `@x.main()` / `@x.handler("camelName")`, the
`UserService`, and the `restate.app([...])` of its __main__.py."""

from __future__ import annotations

import restate

from examples.tour_of_workflows import user_service as user_service_module
from examples.tour_of_workflows.workflows import (
    signup_with_activities as activities,
)
from examples.tour_of_workflows.workflows import (
    signup_with_events as events,
)
from examples.tour_of_workflows.workflows import (
    signup_with_queries as queries,
)
from examples.tour_of_workflows.workflows import (
    signup_with_retries as retries,
)
from examples.tour_of_workflows.workflows import (
    signup_with_sagas as sagas,
)
from examples.tour_of_workflows.workflows import (
    signup_with_signals as signals,
)
from examples.tour_of_workflows.workflows import (
    signup_with_timers as timers,
)
from examples.tour_of_workflows.workflows import (
    signup_workflow as signup,
)

signup_workflow = restate.Workflow("SignupWorkflow")
signup_workflow.main()(signup.run)

signup_with_activities = restate.Workflow("SignupWithActivitiesWorkflow")
signup_with_activities.main()(activities.run)

signup_with_events = restate.Workflow("SignupWithEventsWorkflow")
signup_with_events.main()(events.run)
signup_with_events.handler("waitForUserCreation")(events.wait_for_user_creation)

signup_with_queries = restate.Workflow("SignupWithQueriesWorkflow")
signup_with_queries.main()(queries.run)
signup_with_queries.handler("getStatus")(queries.get_status)

signup_with_retries = restate.Workflow("SignupWithRetriesWorkflow")
signup_with_retries.main()(retries.run)

signup_with_sagas = restate.Workflow("SignupWithSagasWorkflow")
signup_with_sagas.main()(sagas.run)

signup_with_signals = restate.Workflow("SignupWithSignalsWorkflow")
signup_with_signals.main()(signals.run)
signup_with_signals.handler("verifyEmail")(signals.verify_email)

signup_with_timers = restate.Workflow("SignupWithTimersWorkflow")
signup_with_timers.main()(timers.run)
signup_with_timers.handler("verifyEmail")(timers.verify_email)

user_service = restate.Service("UserService")
user_service.handler("createUser")(user_service_module.create_user_handler)

app = restate.app(
    [
        signup_workflow,
        signup_with_activities,
        signup_with_events,
        signup_with_queries,
        signup_with_retries,
        signup_with_sagas,
        signup_with_signals,
        signup_with_timers,
        user_service,
    ]
)
