"""The oracle: restate-sdk glue written by hand over the same handler modules, declared as
upstream's food-ordering app declares it (restatedev/examples, MIT): `Workflow(...)` /
`VirtualObject(...)` objects with `@x.main()` / `@x.handler(...)` registrations, and the
`restate.app([...])` of its app.py (without the driver mobile-app simulator)."""

from __future__ import annotations

import restate

from examples.food_ordering import (
    delivery_manager,
    driver_digital_twin,
    driver_matcher,
    order_status,
    order_workflow,
)

order_workflow_definition = restate.Workflow("order-workflow")
order_workflow_definition.main()(order_workflow.run)
order_workflow_definition.handler(name="finishedPreparation")(order_workflow.finished_preparation)
order_workflow_definition.handler()(order_workflow.selected_driver)
order_workflow_definition.handler()(order_workflow.signal_driver_at_restaurant)
order_workflow_definition.handler()(order_workflow.signal_delivery_finished)
order_workflow_definition.handler()(order_workflow.get_status)

delivery_manager_object = restate.VirtualObject("delivery-manager")
delivery_manager_object.handler()(delivery_manager.start)
delivery_manager_object.handler()(delivery_manager.notify_delivery_pickup)
delivery_manager_object.handler()(delivery_manager.notify_delivery_delivered)
delivery_manager_object.handler("handleDriverLocationUpdate")(
    delivery_manager.handle_driver_location_update
)

driver_digital_twin_object = restate.VirtualObject("driver-digital-twin")
driver_digital_twin_object.handler()(driver_digital_twin.set_driver_available)
driver_digital_twin_object.handler()(driver_digital_twin.get_assigned_delivery)
driver_digital_twin_object.handler()(driver_digital_twin.assign_delivery_job)
driver_digital_twin_object.handler()(driver_digital_twin.notify_delivery_pickup)
driver_digital_twin_object.handler()(driver_digital_twin.notify_delivery_delivered)
driver_digital_twin_object.handler("handleDriverLocationUpdateEvent")(
    driver_digital_twin.handle_driver_location_update_event
)

driver_matcher_object = restate.VirtualObject("driver-delivery-matcher")
driver_matcher_object.handler()(driver_matcher.set_driver_available)
driver_matcher_object.handler()(driver_matcher.request_driver_for_delivery)

order_status_object = restate.VirtualObject("order-status")
order_status_object.handler()(order_status.get)
order_status_object.handler()(order_status.set_eta)
order_status_object.handler()(order_status.event_handler)

app = restate.app(
    [
        order_workflow_definition,
        delivery_manager_object,
        driver_digital_twin_object,
        driver_matcher_object,
        order_status_object,
    ]
)
