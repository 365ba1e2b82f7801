"""The oracle: restate-sdk glue written by hand over the same handler modules, as upstream's
examples/*.py declare it (restatedev/sdk-python, MIT), served as a second deployment."""

from __future__ import annotations

import restate

from examples.sdk_examples import (
    concurrent_greeter as concurrent_greeter_module,
)
from examples.sdk_examples import (
    greeter as greeter_module,
)
from examples.sdk_examples import (
    pydantic_greeter as pydantic_greeter_module,
)
from examples.sdk_examples import (
    virtual_object,
)
from examples.sdk_examples import (
    workflow as workflow_module,
)

greeter = restate.Service("greeter")
greeter.handler()(greeter_module.greet)

counter = restate.VirtualObject("counter")
counter.handler()(virtual_object.increment)
counter.handler(kind="shared")(virtual_object.count)

payment = restate.Workflow("payment")
payment.main()(workflow_module.pay)
payment.handler()(workflow_module.payment_verified)

pydantic_greeter = restate.Service("pydantic_greeter")
pydantic_greeter.handler()(pydantic_greeter_module.greet)

concurrent_greeter = restate.Service("concurrent_greeter")
concurrent_greeter.handler()(concurrent_greeter_module.greet)
concurrent_greeter.handler()(concurrent_greeter_module.claude_sonnet)
concurrent_greeter.handler()(concurrent_greeter_module.open_ai)

app = restate.app(services=[greeter, counter, payment, pydantic_greeter, concurrent_greeter])
