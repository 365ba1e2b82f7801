"""What generated code imports, as dependencies of the targets that generate it.

Pants does not read imports of generated files, so the codegen targets carry them: the handler
modules (their `python_sources` owners), the served services of a deployment, and the
third-party libraries the generated code imports.
"""

from __future__ import annotations

from dataclasses import dataclass

from pants.backend.codegen.utils import find_python_runtime_library_or_raise_error
from pants.backend.python.dependency_inference.module_mapper import ThirdPartyPythonModuleMapping
from pants.backend.python.subsystems.setup import PythonSetup
from pants.backend.python.target_types import PythonResolveField, PythonSourceField
from pants.engine.addresses import Address, Addresses, UnparsedAddressInputs
from pants.engine.internals.graph import Owners, OwnersRequest
from pants.engine.rules import Get, collect_rules, rule
from pants.engine.target import (
    FieldSet,
    InferDependenciesRequest,
    InferredDependencies,
    SourcesPaths,
    SourcesPathsRequest,
    Targets,
)
from pants.engine.unions import UnionRule

from restate_pants.codegen import RestateCodegenError
from restate_pants.target_types import (
    RestateDeploymentServicesField,
    RestateServiceSourcesField,
)

# (module the generated code imports, distribution that provides it)
GENERATED_CODE_RUNTIME_LIBRARIES = (
    ("restate", "restate-sdk"),
    ("pydantic", "pydantic"),
    ("httpx", "httpx"),
)


def runtime_libraries(
    address: Address,
    resolve: str,
    python_setup: PythonSetup,
    mapping: ThirdPartyPythonModuleMapping,
) -> list[Address]:
    return [
        find_python_runtime_library_or_raise_error(
            mapping,
            address,
            module,
            resolve=resolve,
            resolves_enabled=python_setup.enable_resolves,
            recommended_requirement_name=distribution,
            recommended_requirement_url=f"https://pypi.org/project/{distribution}/",
            disable_inference_option="(none: generated Restate code always imports it)",
        )
        for module, distribution in GENERATED_CODE_RUNTIME_LIBRARIES
    ]


@dataclass(frozen=True)
class RestateServiceInferenceFieldSet(FieldSet):
    required_fields = (RestateServiceSourcesField, PythonResolveField)

    sources: RestateServiceSourcesField
    resolve: PythonResolveField


class InferRestateServiceDependencies(InferDependenciesRequest):
    infer_from = RestateServiceInferenceFieldSet


@rule(desc="Infer dependencies of a restate_service target")
async def infer_restate_service_dependencies(
    request: InferRestateServiceDependencies,
    python_setup: PythonSetup,
    mapping: ThirdPartyPythonModuleMapping,
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
    return InferredDependencies(
        [*handler_owners, *runtime_libraries(field_set.address, resolve, python_setup, mapping)]
    )


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
    mapping: ThirdPartyPythonModuleMapping,
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
    return InferredDependencies(
        [*services, *runtime_libraries(field_set.address, resolve, python_setup, mapping)]
    )


def rules():  # type: ignore[no-untyped-def]
    return (
        *collect_rules(),
        UnionRule(InferDependenciesRequest, InferRestateServiceDependencies),
        UnionRule(InferDependenciesRequest, InferRestateDeploymentDependencies),
    )
