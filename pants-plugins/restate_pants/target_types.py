"""The `restate_service` and `restate_deployment` targets users write in BUILD files."""

from __future__ import annotations

import re
from typing import Any, ClassVar, Optional, Tuple

from pants.backend.python.target_types import PythonResolveField
from pants.engine.addresses import Address
from pants.engine.rules import collect_rules, rule
from pants.engine.target import (
    COMMON_TARGET_FIELDS,
    AllTargets,
    BoolField,
    Dependencies,
    Field,
    InvalidFieldException,
    MultipleSourcesField,
    ScalarField,
    StringField,
    StringSequenceField,
    Target,
    Targets,
)
from pants.util.logging import LogLevel

from restate_codegen.model import (
    ComponentOptions,
    HandlerOptions,
    Metadata,
    RetryPolicy,
    StatePreload,
)
from restate_codegen.names import component_name_problem
from restate_codegen.options import (
    HANDLER_SETTINGS,
    OptionError,
    parse_bool,
    parse_context_managers,
    parse_duration,
    parse_handler_options,
    parse_metadata,
    parse_retry_policy,
    parse_state_preload,
)


class RestateServiceSourcesField(MultipleSourcesField):
    # NB: not a `PythonSourceField` subclass: the handler modules stay ordinary `python_sources`,
    # and this field is only the codegen input.
    expected_file_extensions = (".py",)
    default = ("*.py", "!*_test.py", "!test_*.py", "!conftest.py")
    help = "The handler modules of this Restate component (plain async functions)."


class RestateServiceNameField(StringField):
    alias = "service_name"
    help = (
        "The Restate component name. Defaults to the target name in PascalCase "
        "(`user_manager` -> `UserManager`). Any name Restate accepts (`account`, "
        "`order-workflow`, `Order.Service`); the clients' class names are derived from it "
        "(`AccountClient`, `OrderWorkflowClient`)."
    )

    @classmethod
    def compute_value(cls, raw_value: Optional[str], address: Address) -> Optional[str]:
        value = super().compute_value(raw_value, address)
        if value is not None:
            problem = component_name_problem(value)
            if problem is not None:
                raise InvalidFieldException(
                    f"The {repr(cls.alias)} field in target {address} is not a name Restate "
                    f"accepts: {problem}. Choose a name such as `UserManager` or "
                    "`order-workflow`."
                )
        return value

    @staticmethod
    def derive(target_name: str) -> str:
        return "".join(part[:1].upper() + part[1:] for part in re.split(r"[_\-.]+", target_name))


class RestateDescriptionField(StringField):
    alias = "description"
    help = "Shown in Restate's UI and discovery. Defaults to the handler modules' docstrings."


def _invalid(alias: str, address: Address, error: OptionError) -> InvalidFieldException:
    return InvalidFieldException(f"The {alias!r} field in target {address}: {error}.")


class DurationField(ScalarField[float]):
    """A duration: seconds (`30`, `1.5`) or a string such as "500ms", "30s", "5m", "1h30m"."""

    expected_type = (int, float, str)  # type: ignore[assignment]
    expected_type_description = 'a number of seconds or a duration string such as "30s"'

    @classmethod
    def compute_value(cls, raw_value: Optional[Any], address: Address) -> Optional[float]:
        value = super().compute_value(raw_value, address)
        if value is None:
            return None
        try:
            return parse_duration(value, cls.alias)
        except OptionError as error:
            raise _invalid(cls.alias, address, error) from None


class RestateInactivityTimeoutField(DurationField):
    alias = "inactivity_timeout"
    help = (
        "How long an invocation may be inactive before Restate asks it to suspend (seconds, or "
        '"30s", "5m"). Per handler: the `handlers` field.'
    )


class RestateAbortTimeoutField(DurationField):
    alias = "abort_timeout"
    help = "How long after the inactivity timeout Restate aborts the invocation."


class RestateIdempotencyRetentionField(DurationField):
    alias = "idempotency_retention"
    help = "How long Restate keeps the result of an idempotent invocation (0: not at all)."


class RestateJournalRetentionField(DurationField):
    alias = "journal_retention"
    help = "How long Restate keeps the journal of a completed invocation (0: not at all)."


class RestateWorkflowRetentionField(DurationField):
    alias = "workflow_retention"
    help = (
        "Workflows only: how long Restate keeps a completed workflow (its result and state). "
        "Passed to the main handler, as `@workflow.main(workflow_retention=...)` would."
    )


class RestateIngressPrivateField(BoolField):
    alias = "ingress_private"
    default = False
    help = "If true, the component can only be called from other components, not from ingress."


class _ParsedField(Field):
    """A field whose raw BUILD value restate_codegen.options parses and checks."""

    default: ClassVar[Any] = None

    @classmethod
    def parse(cls, raw: Any) -> Any:
        raise NotImplementedError

    @classmethod
    def compute_value(cls, raw_value: Optional[Any], address: Address) -> Any:
        value = super().compute_value(raw_value, address)
        if value is None:
            return None
        try:
            return cls.parse(value)
        except OptionError as error:
            raise _invalid(cls.alias, address, error) from None


class RestateInvocationRetryPolicyField(_ParsedField):
    alias = "invocation_retry_policy"
    help = (
        "How Restate retries failed invocations of every handler (restate-sdk's "
        "`InvocationRetryPolicy`): a dict with any of `initial_interval`, "
        "`exponentiation_factor` (>= 1), `max_interval`, `max_attempts` (>= 1, the first call "
        'included) and `on_max_attempts` ("pause" or "kill"). Intervals are durations.'
    )
    value: Optional[RetryPolicy]

    @classmethod
    def parse(cls, raw: Any) -> RetryPolicy:
        return parse_retry_policy(raw, cls.alias)


class RestateMetadataField(_ParsedField):
    alias = "metadata"
    help = "Component metadata shown in Restate's admin API: a dict of strings to strings."
    value: Optional[Metadata]

    @classmethod
    def parse(cls, raw: Any) -> Metadata:
        return parse_metadata(raw, cls.alias)


class RestateStatePreloadField(_ParsedField):
    alias = "state_preload"
    help = (
        "Virtual objects and workflows: which state Restate sends with each invocation: True "
        "(all of it, the default), False (none: lazy state) or a list of keys (restate-server "
        ">= 1.8)."
    )
    value: Optional[StatePreload]

    @classmethod
    def parse(cls, raw: Any) -> StatePreload:
        return parse_state_preload(raw, cls.alias)


class RestateEnableLazyStateField(_ParsedField):
    alias = "enable_lazy_state"
    help = "Deprecated by restate-sdk in favour of `state_preload` (True is `state_preload=False`)."
    value: Optional[bool]

    @classmethod
    def parse(cls, raw: Any) -> bool:
        return parse_bool(raw, cls.alias)


class RestateInvocationContextManagersField(_ParsedField):
    alias = "invocation_context_managers"
    help = (
        "Async context managers restate-sdk enters around every invocation of the component "
        '(tracing, logging context): a list of "package.module:attribute" references to '
        "zero-argument callables returning an async context manager, e.g. "
        '`["app.tracing:invocation_span"]`. The modules are inferred as dependencies.'
    )
    value: Optional[Tuple[str, ...]]

    @classmethod
    def parse(cls, raw: Any) -> Tuple[str, ...]:
        return parse_context_managers(raw, cls.alias)


HandlerOptionsByFunction = Tuple[Tuple[str, HandlerOptions], ...]


class RestateHandlersField(Field):
    alias = "handlers"
    default: ClassVar[HandlerOptionsByFunction] = ()
    help = (
        "Per handler function, its Restate settings: "
        '`handlers={"add_ticket": {"name": "addTicket", "inactivity_timeout": "30s"}}` '
        "registers the function `add_ticket` as the Restate handler `addTicket` (the generated "
        "clients keep the method `add_ticket`) with its own inactivity timeout. Keys are "
        f"function names; the settings are {', '.join(f'`{s}`' for s in HANDLER_SETTINGS)} "
        "(`workflow_retention` on a workflow's main handler only; `state_preload` and "
        "`enable_lazy_state` not on services; no `idempotency_retention` on a workflow's main "
        "handler)."
    )
    value: HandlerOptionsByFunction

    @classmethod
    def compute_value(cls, raw_value: Optional[Any], address: Address) -> HandlerOptionsByFunction:
        value = super().compute_value(raw_value, address)
        if value is None or value == ():  # not set (the default)
            return ()
        try:
            return parse_handler_options(value)
        except OptionError as error:
            raise InvalidFieldException(
                f"The {repr(cls.alias)} field in target {address} {error}."
            ) from None


class RestateServiceDependenciesField(Dependencies):
    pass


class RestateServiceTarget(Target):
    alias = "restate_service"
    core_fields = (
        *COMMON_TARGET_FIELDS,
        RestateServiceDependenciesField,
        RestateServiceSourcesField,
        RestateServiceNameField,
        RestateDescriptionField,
        RestateInactivityTimeoutField,
        RestateAbortTimeoutField,
        RestateIdempotencyRetentionField,
        RestateJournalRetentionField,
        RestateIngressPrivateField,
        RestateWorkflowRetentionField,
        RestateInvocationRetryPolicyField,
        RestateMetadataField,
        RestateStatePreloadField,
        RestateEnableLazyStateField,
        RestateInvocationContextManagersField,
        RestateHandlersField,
        PythonResolveField,
    )
    help = (
        "A Restate component (service, virtual object or workflow) made of plain async handler "
        "functions. Generates the restate-sdk adapter (`<name>_restate`) and typed clients "
        "(`<name>_restate_client`) next to the handler modules."
    )


def component_name(target: Target) -> str:
    """The Restate name: `service_name`, or one derived from the target name (checked here, so
    that the error names the target rather than a handler module)."""
    name = target[RestateServiceNameField].value
    if name is not None:
        return name
    derived = RestateServiceNameField.derive(target.address.target_name)
    problem = component_name_problem(derived)
    if problem is not None:
        raise InvalidFieldException(
            f"The target {target.address} has no `service_name`, and the name derived from its "
            f"target name, {derived!r}, is not one Restate accepts: {problem}. Set "
            "`service_name` to a name such as `UserManager` or `order-workflow`."
        )
    return derived


def component_options(target: Target) -> ComponentOptions:
    return ComponentOptions(
        description=target[RestateDescriptionField].value,
        inactivity_timeout=target[RestateInactivityTimeoutField].value,
        abort_timeout=target[RestateAbortTimeoutField].value,
        idempotency_retention=target[RestateIdempotencyRetentionField].value,
        journal_retention=target[RestateJournalRetentionField].value,
        ingress_private=bool(target[RestateIngressPrivateField].value),
        handlers=target[RestateHandlersField].value,
        metadata=target[RestateMetadataField].value,
        workflow_retention=target[RestateWorkflowRetentionField].value,
        invocation_retry_policy=target[RestateInvocationRetryPolicyField].value,
        state_preload=target[RestateStatePreloadField].value,
        enable_lazy_state=target[RestateEnableLazyStateField].value,
        invocation_context_managers=target[RestateInvocationContextManagersField].value,
    )


def component_options_from_fields(
    context_managers: RestateInvocationContextManagersField, handlers: RestateHandlersField
) -> ComponentOptions:
    """The options dependency inference needs (which modules the adapter imports)."""
    return ComponentOptions(
        invocation_context_managers=context_managers.value, handlers=handlers.value
    )


class RestateDeploymentSourcesField(MultipleSourcesField):
    # A deployment has no sources of its own; the field exists because Pants' codegen is keyed
    # on a sources field type.
    expected_num_files = 0
    default = ()
    help = "Unused: a deployment generates its module from the services it serves."


class RestateDeploymentServicesField(StringSequenceField):
    alias = "services"
    required = True
    help = "Addresses of the `restate_service` targets this deployment serves."


class RestateDeploymentDependenciesField(Dependencies):
    pass


class RestateDeploymentTarget(Target):
    alias = "restate_deployment"
    core_fields = (
        *COMMON_TARGET_FIELDS,
        RestateDeploymentDependenciesField,
        RestateDeploymentSourcesField,
        RestateDeploymentServicesField,
        PythonResolveField,
    )
    help = (
        "A set of Restate components served together. Generates one module, named after the "
        "target, with the registry (`services`, `objects`, `workflows`), every served "
        "component's clients, and `app` / `make_app()`: the ASGI app that serves them."
    )


class AllRestateServiceTargets(Targets):
    pass


@rule(desc="Find all restate_service targets in the project", level=LogLevel.DEBUG)
def find_all_restate_service_targets(targets: AllTargets) -> AllRestateServiceTargets:
    return AllRestateServiceTargets(
        tgt for tgt in targets if tgt.has_field(RestateServiceSourcesField)
    )


def rules():  # type: ignore[no-untyped-def]
    return collect_rules()
