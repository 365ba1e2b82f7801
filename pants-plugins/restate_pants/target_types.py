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

from restate_codegen.model import ComponentOptions, HandlerOptions
from restate_codegen.names import component_name_problem, handler_name_problem


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


class SecondsField(ScalarField[float]):
    """A duration in seconds; BUILD files say `30` as often as `30.0`."""

    expected_type = (int, float)  # type: ignore[assignment]
    expected_type_description = "a number of seconds"

    @classmethod
    def compute_value(cls, raw_value: Optional[float], address: Address) -> Optional[float]:
        value = super().compute_value(raw_value, address)
        if value is None:
            return None
        if isinstance(value, bool) or value <= 0:
            raise InvalidFieldException(
                f"The {repr(cls.alias)} field in target {address} must be a positive number of "
                f"seconds, but was {value!r}."
            )
        return float(value)


class RestateInactivityTimeoutField(SecondsField):
    alias = "inactivity_timeout"
    help = "Seconds of inactivity after which Restate suspends or retries an invocation."


class RestateAbortTimeoutField(SecondsField):
    alias = "abort_timeout"
    help = "Seconds after the inactivity timeout before Restate aborts the invocation."


class RestateIdempotencyRetentionField(SecondsField):
    alias = "idempotency_retention"
    help = "Seconds Restate keeps the result of an idempotent invocation."


class RestateJournalRetentionField(SecondsField):
    alias = "journal_retention"
    help = "Seconds Restate keeps the journal of a completed invocation."


class RestateIngressPrivateField(BoolField):
    alias = "ingress_private"
    default = False
    help = "If true, the component can only be called from other components, not from ingress."


HandlerOptionsByFunction = Tuple[Tuple[str, HandlerOptions], ...]


class RestateHandlersField(Field):
    alias = "handlers"
    default: ClassVar[HandlerOptionsByFunction] = ()
    help = (
        "Per handler function, its Restate settings: "
        '`handlers={"add_ticket": {"name": "addTicket"}}` registers the function `add_ticket` '
        "as the Restate handler `addTicket` (the generated clients keep the method "
        "`add_ticket`). Keys are function names; the settings are `name`."
    )
    value: HandlerOptionsByFunction
    _SETTINGS = ("name",)

    @classmethod
    def compute_value(cls, raw_value: Optional[Any], address: Address) -> HandlerOptionsByFunction:
        value = super().compute_value(raw_value, address)
        if value is None or value == ():  # not set (the default)
            return ()

        def invalid(problem: str) -> InvalidFieldException:
            return InvalidFieldException(
                f"The {repr(cls.alias)} field in target {address} {problem}. Write it as "
                '`handlers={"function_name": {"name": "restateName"}}`.'
            )

        if not isinstance(value, dict):
            raise invalid(f"must be a dict, but was {type(value).__name__}")
        out = []
        for function, settings in value.items():
            if not isinstance(function, str):
                raise invalid(f"has the key {function!r}, which is not a function name")
            if not isinstance(settings, dict):
                raise invalid(f"maps `{function}` to {settings!r}, which is not a dict")
            unknown = sorted(str(k) for k in settings if k not in cls._SETTINGS)
            if unknown:
                raise invalid(
                    f"sets {', '.join(repr(k) for k in unknown)} for `{function}`; known "
                    f"settings: {', '.join(repr(k) for k in cls._SETTINGS)}"
                )
            name = settings.get("name")
            if name is not None:
                if not isinstance(name, str):
                    raise invalid(f"gives `{function}` the name {name!r}, which is not a string")
                problem = handler_name_problem(name)
                if problem is not None:
                    raise invalid(f"gives `{function}` a name Restate rejects: {problem}")
            out.append((function, HandlerOptions(name=name)))
        return tuple(sorted(out))


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
    def seconds(field: type[SecondsField]) -> Optional[float]:
        return target[field].value

    return ComponentOptions(
        description=target[RestateDescriptionField].value,
        inactivity_timeout=seconds(RestateInactivityTimeoutField),
        abort_timeout=seconds(RestateAbortTimeoutField),
        idempotency_retention=seconds(RestateIdempotencyRetentionField),
        journal_retention=seconds(RestateJournalRetentionField),
        ingress_private=bool(target[RestateIngressPrivateField].value),
        handlers=target[RestateHandlersField].value,
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
