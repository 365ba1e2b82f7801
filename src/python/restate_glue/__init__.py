"""The runtime of the restate-pants code generator: what generated modules and apps share.

- `serde`: JSON serdes for any request/response type, and the 400 for invalid requests.
- `clients`: base classes of the generated typed clients (in-handler calls return the SDK's
  own call futures; ingress calls go over httpx).
- `ingress`: what callers outside Restate use beside the generated clients: invocation handles
  (`SendHandle`, `InvocationHandle`, `IdempotentInvocationHandle`: attach, output, cancel),
  `resolve_awakeable` / `reject_awakeable`, `cancel_invocation`, and `IngressError`.
- `serve`: the server command behind every generated deployment's `main()`.
- `testing`: `FakeRestate`, an in-memory stand-in for unit tests of plain handlers.

The Docker-free test harness (a real restate-server) is `restate_local`, whose pytest fixtures
load through the `pytest11` entry point of this distribution.
"""

from restate_glue.clients import (
    CallOptions,
    HandlerIO,
    KeyedClient,
    KeyedIngressClient,
    KeyedIngressSendClient,
    KeyedSendClient,
    ServiceClient,
    ServiceIngressClient,
    ServiceIngressSendClient,
    ServiceSendClient,
    WorkflowIngressClient,
)
from restate_glue.ingress import (
    IdempotentInvocationHandle,
    IngressError,
    InvocationHandle,
    SendHandle,
    cancel_invocation,
    ingress_request,
    reject_awakeable,
    resolve_awakeable,
)
from restate_glue.serde import JsonSerde, RequestSerde, SerdeError, checked, fill_json_schemas
from restate_glue.version import RuntimeVersionError, __version__, require_runtime

__all__ = [
    "CallOptions",
    "HandlerIO",
    "IdempotentInvocationHandle",
    "IngressError",
    "InvocationHandle",
    "JsonSerde",
    "KeyedClient",
    "KeyedIngressClient",
    "KeyedIngressSendClient",
    "KeyedSendClient",
    "RequestSerde",
    "RuntimeVersionError",
    "SendHandle",
    "SerdeError",
    "ServiceClient",
    "ServiceIngressClient",
    "ServiceIngressSendClient",
    "ServiceSendClient",
    "WorkflowIngressClient",
    "__version__",
    "cancel_invocation",
    "checked",
    "fill_json_schemas",
    "ingress_request",
    "reject_awakeable",
    "require_runtime",
    "resolve_awakeable",
]
