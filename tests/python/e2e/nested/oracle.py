"""The oracle: hand-written restate-sdk glue over the same NestedZoo handlers, as a user of
restate-sdk 1.3.0 would write it, with the SDK's default serdes (picked from the annotations);
`flip` takes and returns the raw body, which needs the SDK's BytesSerde.

Only the handlers the SDK can serve: `darken` and `box_order` take dataclasses holding enums
and TypedDicts, which the SDK's default serde cannot read (nested_test.py shows that).
"""

from __future__ import annotations

import restate
from restate.serde import BytesSerde

from e2e.nested import nested_zoo

service = restate.Service("NestedOracle")

for handler in (
    nested_zoo.sort_parcel,
    nested_zoo.tally,
    nested_zoo.mingle,
):
    service.handler()(handler)

service.handler(
    accept="*/*",
    content_type="application/octet-stream",
    input_serde=BytesSerde(),
    output_serde=BytesSerde(),
)(nested_zoo.flip)
