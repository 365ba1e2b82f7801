"""What generated code imports, as dependencies of the targets that generate it.

Pants does not read imports of generated files, so the codegen targets carry them: the handler
modules (their `python_sources` owners), the modules of the target's
`invocation_context_managers`, the served services of a deployment, and the runtime
libraries the generated code imports: restate-sdk and our own `restate_glue` (first-party source
in this repo, the `restate-glue` requirement anywhere else), as Pants' protobuf backend infers
its runtime library.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from pants.backend.python.dependency_inference.module_mapper import (
    PythonModuleOwners,
    PythonModuleOwnersRequest,
)
from pants.backend.python.subsystems.setup import PythonSetup
from pants.backend.python.target_types import PythonResolveField, PythonSourceField
from pants.engine.addresses import Address, Addresses, UnparsedAddressInputs
from pants.engine.internals.graph import Owners, OwnersRequest
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.engine.target import (
    FieldSet,
    InferDependenciesRequest,
    InferredDependencies,
    SourcesPaths,
    SourcesPathsRequest,
    Targets,
)
from pants.engine.unions import UnionRule
from pants.util.logging import LogLevel

from restate_codegen.version import __version__
from restate_pants.codegen import RestateCodegenError
from restate_pants.target_types import (
    RestateDeploymentServicesField,
    RestateHandlersField,
    RestateInvocationContextManagersField,
    RestateServiceSourcesField,
    component_options_from_fields,
)

# (module the generated code imports, the requirement line that provides it)
RUNTIME_REQUIREMENT = f"restate-glue=={__version__}"
SERVICE_RUNTIME_MODULES = (
    ("restate", "restate-sdk"),
    ("restate_glue", RUNTIME_REQUIREMENT),
)
# The deployment's `main()` is the runtime's serve command (a module of its own in this repo,
# where the runtime is first-party source; part of the one requirement elsewhere).
DEPLOYMENT_RUNTIME_MODULES = SERVICE_RUNTIME_MODULES + (
    ("restate_glue.serve", RUNTIME_REQUIREMENT),
)


class MissingRestateRuntimeLibrary(RestateCodegenError):
    """The resolve of a restate target lacks a library the generated code imports."""


class UnknownContextManagerModule(RestateCodegenError):
    """An `invocation_context_managers` reference names a module no target provides."""


# Defined before the rules that await it: Pants finds a rule's Gets in helpers defined earlier.
async def _the_owner(
    module: str,
    resolve: str,
    error: type[RestateCodegenError],
    *,
    several: Callable[[str], str],
    none: str,
) -> Addresses:
    """The one target of `resolve` that provides `module`; else `error`, saying `several(the
    candidates)` or `none`."""
    owners = await Get(PythonModuleOwners, PythonModuleOwnersRequest(module, resolve))
    if owners.unambiguous:
        return Addresses(owners.unambiguous)
    if owners.ambiguous:
        candidates = ", ".join(sorted(a.spec for a in owners.ambiguous))
        raise error(several(candidates))
    raise error(none)


@dataclass(frozen=True)
class ContextManagerModuleRequest:
    address: Address
    resolve: str
    module: str


@rule(desc="Find the modules of Restate invocation context managers", level=LogLevel.DEBUG)
async def find_context_manager_module(request: ContextManagerModuleRequest) -> Addresses:
    return await _the_owner(
        request.module,
        request.resolve,
        UnknownContextManagerModule,
        several=lambda candidates: f"{request.address}: `invocation_context_managers` names "
        f"the module `{request.module}`, which several targets provide: {candidates}. Keep one "
        "of them.",
        none=f"{request.address}: `invocation_context_managers` names the module "
        f"`{request.module}`, but no target of the resolve '{request.resolve}' provides it. "
        'Check the "package.module:attribute" reference, or add `python_sources()` for that '
        "module.",
    )


@dataclass(frozen=True)
class RuntimeLibraryRequest:
    address: Address
    resolve: str
    module: str
    requirement: str


@rule(desc="Find the runtime library of generated Restate code", level=LogLevel.DEBUG)
async def find_runtime_library(request: RuntimeLibraryRequest) -> Addresses:
    return await _the_owner(
        request.module,
        request.resolve,
        MissingRestateRuntimeLibrary,
        several=lambda candidates: f"{request.address}: generated Restate code imports "
        f"`{request.module}`, which several targets of the resolve '{request.resolve}' provide: "
        f"{candidates}. Keep one of them.",
        none=f"{request.address}: generated Restate code imports `{request.module}`, but nothing "
        f"in the resolve '{request.resolve}' provides it. Add `{request.requirement}` to that "
        "resolve's requirements (e.g. requirements.txt next to a `python_requirements` target) "
        "and regenerate its lockfile (`pants generate-lockfiles`).",
    )


async def runtime_libraries(
    address: Address, resolve: str, modules: tuple[tuple[str, str], ...]
) -> list[Address]:
    found = await MultiGet(
        Get(Addresses, RuntimeLibraryRequest(address, resolve, module, requirement))
        for module, requirement in modules
    )
    return sorted({a for addresses in found for a in addresses})


@dataclass(frozen=True)
class RestateServiceInferenceFieldSet(FieldSet):
    required_fields = (RestateServiceSourcesField, PythonResolveField)

    sources: RestateServiceSourcesField
    resolve: PythonResolveField
    context_managers: RestateInvocationContextManagersField
    handlers: RestateHandlersField


class InferRestateServiceDependencies(InferDependenciesRequest):
    infer_from = RestateServiceInferenceFieldSet


@rule(desc="Infer dependencies of a restate_service target")
async def infer_restate_service_dependencies(
    request: InferRestateServiceDependencies,
    python_setup: PythonSetup,
) -> InferredDependencies:
    field_set = request.field_set
    paths = await Get(SourcesPaths, SourcesPathsRequest(field_set.sources))
    owners = await Get(Owners, OwnersRequest(tuple(paths.files)))
    owner_targets = await Get(Targets, Addresses(owners))
    python_owners = [t for t in owner_targets if t.has_field(PythonSourceField)]
    handler_owners = [t.address for t in python_owners]
    owned = {t[PythonSourceField].file_path for t in python_owners}
    unowned = sorted(set(paths.files) - owned)
    if unowned:
        raise RestateCodegenError(
            f"{field_set.address}: the handler modules {', '.join(unowned)} are not owned by a "
            "`python_sources` target, so the generated code could not import them. Add "
            "`python_sources()` to their BUILD file (`./pants tailor ::` does it)."
        )
    resolve = field_set.resolve.normalized_value(python_setup)
    runtime = await runtime_libraries(field_set.address, resolve, SERVICE_RUNTIME_MODULES)
    options = component_options_from_fields(field_set.context_managers, field_set.handlers)
    context_managers = await MultiGet(
        Get(Addresses, ContextManagerModuleRequest(field_set.address, resolve, module))
        for module in options.context_manager_modules()
    )
    context_manager_owners = sorted({a for found in context_managers for a in found})
    return InferredDependencies([*handler_owners, *runtime, *context_manager_owners])


@dataclass(frozen=True)
class RestateDeploymentInferenceFieldSet(FieldSet):
    required_fields = (RestateDeploymentServicesField, PythonResolveField)

    services: RestateDeploymentServicesField
    resolve: PythonResolveField


class InferRestateDeploymentDependencies(InferDependenciesRequest):
    infer_from = RestateDeploymentInferenceFieldSet


@rule(desc="Infer dependencies of a restate_deployment target")
async def infer_restate_deployment_dependencies(
    request: InferRestateDeploymentDependencies,
    python_setup: PythonSetup,
) -> InferredDependencies:
    field_set = request.field_set
    services = await Get(
        Addresses,
        UnparsedAddressInputs(
            field_set.services.value or (),
            owning_address=field_set.address,
            description_of_origin=f"the `services` field of {field_set.address}",
        ),
    )
    resolve = field_set.resolve.normalized_value(python_setup)
    runtime = await runtime_libraries(field_set.address, resolve, DEPLOYMENT_RUNTIME_MODULES)
    return InferredDependencies([*services, *runtime])


def rules():  # type: ignore[no-untyped-def]
    return (
        *collect_rules(),
        UnionRule(InferDependenciesRequest, InferRestateServiceDependencies),
        UnionRule(InferDependenciesRequest, InferRestateDeploymentDependencies),
    )
