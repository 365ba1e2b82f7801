"""The plain, typed model that analysis produces and rendering consumes.

Nothing here knows about Pants, libcst or jinja2: the analysis step turns source text into these
values, the render step turns these values into files, and the Pants layer only moves both around.
Runs on the Pants interpreter (Python 3.9), hence `Optional`/`Tuple` spelled out.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Optional, Tuple, Union

from restate_codegen.names import python_identifier


class ComponentKind(enum.Enum):
    """The three kinds of Restate component."""

    SERVICE = "service"
    VIRTUAL_OBJECT = "object"
    WORKFLOW = "workflow"


class HandlerKind(enum.Enum):
    """What the `ctx` annotation says about one handler."""

    SERVICE = "service"  # Context
    EXCLUSIVE = "exclusive"  # ObjectContext
    SHARED = "shared"  # ObjectSharedContext
    WORKFLOW_MAIN = "workflow"  # WorkflowContext: the workflow's main handler (any name)
    WORKFLOW_SHARED = "workflow_shared"  # WorkflowSharedContext

    @property
    def component_kind(self) -> ComponentKind:
        if self is HandlerKind.SERVICE:
            return ComponentKind.SERVICE
        if self in (HandlerKind.EXCLUSIVE, HandlerKind.SHARED):
            return ComponentKind.VIRTUAL_OBJECT
        return ComponentKind.WORKFLOW


# The restate-sdk context class behind each handler kind (qualified names as libcst reports them).
CONTEXT_TYPES = {
    "restate.Context": HandlerKind.SERVICE,
    "restate.ObjectContext": HandlerKind.EXCLUSIVE,
    "restate.ObjectSharedContext": HandlerKind.SHARED,
    "restate.WorkflowContext": HandlerKind.WORKFLOW_MAIN,
    "restate.WorkflowSharedContext": HandlerKind.WORKFLOW_SHARED,
}


@dataclass(frozen=True)
class SourceFile:
    """One handler module as the caller hands it in."""

    path: str  # as the user sees it, relative to the build root: "src/python/app/user/handlers.py"
    module: str  # dotted import name: "app.user.handlers"
    text: str


@dataclass(frozen=True)
class SourceLocation:
    path: str
    line: int  # 1-based
    column: int  # 1-based

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"


@dataclass(frozen=True)
class ImportedName:
    """A name that a type annotation uses, and how generated code imports it at runtime.

    `from app.models import SignupRequest as SR` gives
    ImportedName(local="SR", module="app.models", attribute="SignupRequest");
    `import app.models as m` gives ImportedName(local="m", module="app.models", attribute=None);
    `import app.models` gives ImportedName(local="app", module="app.models", attribute=None)
    (the annotation then reads `app.models.X`, and `import app.models` binds `app`).
    Names defined in the handler module itself have module = that module.
    Builtins (`int`, `str`, `list`, `None`, ...) are not recorded.
    """

    local: str
    module: str
    attribute: Optional[str]
    # Set when the name is defined by (or only reachable through) one of the component's own
    # handler modules, so importing it loads the implementation.
    from_handler_module: bool = False


@dataclass(frozen=True)
class TypeRef:
    """A request or response annotation."""

    source: str  # the annotation's source text, normalised: "list[SignupRequest] | None"
    names: Tuple[ImportedName, ...] = ()  # every non-builtin name it uses, sorted by `local`


NONE_TYPE = TypeRef(source="None")


ANY_TYPE = TypeRef(source="Any", names=(ImportedName("Any", "typing", "Any"),))


@dataclass(frozen=True)
class Handler:
    name: str  # the Restate handler name: the function's, unless the target renames it
    module: str  # dotted module that defines the function
    kind: HandlerKind
    request: Optional[TypeRef]  # None for `async def h(ctx)`; ANY_TYPE when not annotated
    # NONE_TYPE when the function returns nothing; ANY_TYPE when it returns a value unannotated
    response: TypeRef
    docstring: Optional[str]
    location: SourceLocation
    function: str = ""  # the Python function name, when it differs from `name`

    @property
    def function_name(self) -> str:
        return self.function or self.name


@dataclass(frozen=True)
class RetryPolicy:
    """restate-sdk's `InvocationRetryPolicy` (all optional); intervals are in seconds."""

    initial_interval: Optional[float] = None
    exponentiation_factor: Optional[float] = None
    max_interval: Optional[float] = None
    max_attempts: Optional[int] = None
    on_max_attempts: Optional[str] = None  # "pause" or "kill"


# restate-sdk's `state_preload`: True (all state, the default), False (lazy), or the keys to load.
StatePreload = Union[bool, Tuple[str, ...]]
# Metadata as (key, value) pairs, sorted by key.
Metadata = Tuple[Tuple[str, str], ...]


@dataclass(frozen=True)
class HandlerOptions:
    """What the target's `handlers` field sets for one handler function (all optional);
    durations are in seconds. None means "not set": the component's value or Restate's default."""

    name: Optional[str] = None  # the Restate handler name, when not the function's
    description: Optional[str] = None  # overrides the function's docstring
    metadata: Optional[Metadata] = None
    inactivity_timeout: Optional[float] = None
    abort_timeout: Optional[float] = None
    journal_retention: Optional[float] = None
    idempotency_retention: Optional[float] = None  # not on a workflow's main handler
    workflow_retention: Optional[float] = None  # a workflow's main handler only
    ingress_private: Optional[bool] = None
    invocation_retry_policy: Optional[RetryPolicy] = None
    state_preload: Optional[StatePreload] = None  # objects and workflows only
    enable_lazy_state: Optional[bool] = None  # deprecated by restate-sdk for `state_preload`
    # Content types: what the handler accepts (wildcards allowed) and answers with. Default:
    # JSON, or any type / octet-stream for a `bytes` request / response.
    accept: Optional[str] = None
    content_type: Optional[str] = None
    # restate-sdk's `invocation_context_managers`, as "package.module:attribute" references to
    # zero-argument callables returning async context managers; run around each invocation,
    # after the component's.
    invocation_context_managers: Optional[Tuple[str, ...]] = None


@dataclass(frozen=True)
class ComponentOptions:
    """Restate options set on the target (all optional); durations are in seconds."""

    description: Optional[str] = None  # overrides the module docstrings
    inactivity_timeout: Optional[float] = None
    abort_timeout: Optional[float] = None
    idempotency_retention: Optional[float] = None
    journal_retention: Optional[float] = None
    ingress_private: bool = False
    # Per handler function, sorted by function name.
    handlers: Tuple[Tuple[str, HandlerOptions], ...] = ()
    metadata: Optional[Metadata] = None
    # Workflows only: restate-sdk takes it on the main handler (`@wf.main(workflow_retention=)`),
    # where the generated glue passes it unless the handler sets its own.
    workflow_retention: Optional[float] = None
    invocation_retry_policy: Optional[RetryPolicy] = None
    state_preload: Optional[StatePreload] = None  # objects and workflows only
    enable_lazy_state: Optional[bool] = None  # deprecated by restate-sdk for `state_preload`
    invocation_context_managers: Optional[Tuple[str, ...]] = None  # "package.module:attribute"

    def context_manager_modules(self) -> Tuple[str, ...]:
        """The modules the generated code imports for `invocation_context_managers`, sorted."""
        refs = list(self.invocation_context_managers or ())
        for _, handler in self.handlers:
            refs.extend(handler.invocation_context_managers or ())
        return tuple(sorted({ref.split(":", 1)[0] for ref in refs}))


@dataclass(frozen=True)
class Component:
    name: str  # the Restate component name: "UserManager"
    kind: ComponentKind
    handlers: Tuple[Handler, ...]  # in source order: by (path of the file, line)
    sources: Tuple[SourceFile, ...]  # sorted by path
    docstring: Optional[str]  # the module docstrings, joined with a blank line, in path order
    options: ComponentOptions = field(default_factory=ComponentOptions)

    @property
    def main_handler(self) -> Optional[Handler]:
        return next((h for h in self.handlers if h.kind is HandlerKind.WORKFLOW_MAIN), None)


@dataclass(frozen=True)
class Diagnostic:
    """A user mistake: where it is, what is wrong, what to do."""

    location: SourceLocation
    message: str
    hint: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}\n    hint: {self.hint}"


@dataclass(frozen=True)
class AnalysisResult:
    """Exactly one of the two is meaningful: a component, or the diagnostics that prevent one."""

    component: Optional[Component]
    diagnostics: Tuple[Diagnostic, ...] = ()

    @property
    def ok(self) -> bool:
        return self.component is not None and not self.diagnostics


@dataclass(frozen=True)
class GeneratedModules:
    """Where one component's generated modules live (dotted names, relative to a source root).

    For a target `user_manager` in `src/python/app/users` (source root `src/python`):
    adapter = "app.users.user_manager_restate", client = "app.users.user_manager_restate_client".
    The adapter imports the implementation; the client never does at import time.
    """

    adapter: str
    client: str

    @staticmethod
    def for_target(package: str, target_name: str) -> "GeneratedModules":
        stem = python_identifier(target_name)
        prefix = f"{package}." if package else ""
        return GeneratedModules(
            adapter=f"{prefix}{stem}_restate", client=f"{prefix}{stem}_restate_client"
        )


@dataclass(frozen=True)
class GeneratedFile:
    path: str  # relative to the source root: "app/users/user_manager_restate.py"
    content: str
