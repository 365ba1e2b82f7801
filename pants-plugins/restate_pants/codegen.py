"""Codegen rules: hand a target's files to the codegen core and its output back to Pants."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Sequence

from pants.backend.python.target_types import PythonSourceField
from pants.engine.addresses import Address, Addresses, UnparsedAddressInputs
from pants.engine.fs import CreateDigest, Digest, DigestContents, FileContent, Snapshot
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.engine.target import (
    GeneratedSources,
    GenerateSourcesRequest,
    HydratedSources,
    HydrateSourcesRequest,
    Targets,
    WrappedTarget,
    WrappedTargetRequest,
)
from pants.engine.unions import UnionRule
from pants.source.source_root import SourceRoot, SourceRootRequest
from pants.util.logging import LogLevel

from restate_codegen.analysis import analyze_component
from restate_codegen.model import Component, Diagnostic, GeneratedFile, GeneratedModules, SourceFile
from restate_codegen.names import class_stem, python_identifier
from restate_codegen.render import render_component, render_deployment
from restate_pants.target_types import (
    RestateDeploymentServicesField,
    RestateDeploymentSourcesField,
    RestateServiceSourcesField,
    component_name,
    component_options,
)

logger = logging.getLogger(__name__)

# Logged (at debug level) once per analysis that actually runs: the scale benchmark counts these
# to show that an edit re-analyses only the edited target.
ANALYSIS_LOG_PREFIX = "Restate analysis of"


class RestateCodegenError(Exception):
    """A user mistake in a restate target or its handler modules."""


def module_for_path(path: str, source_root: str) -> str:
    relative = os.path.relpath(path, source_root) if source_root not in ("", ".") else path
    module = relative[: -len(".py")].replace(os.sep, ".")
    return module[: -len(".__init__")] if module.endswith(".__init__") else module


def package_for_directory(directory: str, source_root: str) -> str:
    if source_root in ("", "."):
        return directory.replace(os.sep, ".")
    relative = os.path.relpath(directory, source_root)
    return "" if relative == "." else relative.replace(os.sep, ".")


def deployment_module(package: str, target_name: str) -> str:
    stem = python_identifier(target_name)
    return f"{package}.{stem}" if package else stem


def format_diagnostics(address: Address, diagnostics: Sequence[Diagnostic]) -> str:
    lines = [f"Cannot generate Restate glue for {address}:"]
    lines.extend(str(d) for d in diagnostics)
    return "\n".join(lines)


@dataclass(frozen=True)
class RestateServiceAnalysisRequest:
    """Keyed by the address alone, so that a target's own codegen and every deployment serving
    it share one analysis."""

    address: Address


@dataclass(frozen=True)
class AnalyzedRestateService:
    address: Address
    component: Component
    modules: GeneratedModules
    source_root: str


@rule(desc="Analyze Restate handler modules", level=LogLevel.DEBUG)
async def analyze_restate_service(request: RestateServiceAnalysisRequest) -> AnalyzedRestateService:
    wrapped = await Get(
        WrappedTarget,
        WrappedTargetRequest(request.address, description_of_origin="a restate_service analysis"),
    )
    target = wrapped.target
    source_root, hydrated = await MultiGet(
        Get(SourceRoot, SourceRootRequest, SourceRootRequest.for_address(request.address)),
        Get(HydratedSources, HydrateSourcesRequest(target[RestateServiceSourcesField])),
    )
    contents = await Get(DigestContents, Digest, hydrated.snapshot.digest)
    sources = []
    for file in contents:
        try:
            text = file.content.decode("utf-8")
        except UnicodeDecodeError as e:
            raise RestateCodegenError(
                f"{file.path}: not UTF-8 text ({e.reason} at byte {e.start}); "
                "save the handler module as UTF-8."
            ) from None
        sources.append(SourceFile(file.path, module_for_path(file.path, source_root.path), text))

    logger.debug("%s %s", ANALYSIS_LOG_PREFIX, request.address)
    result = analyze_component(component_name(target), sources, component_options(target))
    if result.component is None or result.diagnostics:
        raise RestateCodegenError(format_diagnostics(request.address, result.diagnostics))
    modules = GeneratedModules.for_target(
        package_for_directory(request.address.spec_path, source_root.path),
        request.address.target_name,
    )
    return AnalyzedRestateService(request.address, result.component, modules, source_root.path)


async def _snapshot_of(files: Sequence[GeneratedFile], source_root: str) -> Snapshot:
    digest = await Get(
        Digest,
        CreateDigest(
            FileContent(os.path.join(source_root, f.path), f.content.encode("utf-8")) for f in files
        ),
    )
    return await Get(Snapshot, Digest, digest)


class GeneratePythonFromRestateServiceRequest(GenerateSourcesRequest):
    input = RestateServiceSourcesField
    output = PythonSourceField


@rule(desc="Generate Restate adapter and clients", level=LogLevel.DEBUG)
async def generate_restate_service_glue(
    request: GeneratePythonFromRestateServiceRequest,
) -> GeneratedSources:
    analyzed = await Get(
        AnalyzedRestateService, RestateServiceAnalysisRequest(request.protocol_target.address)
    )
    files = render_component(analyzed.component, analyzed.modules)
    return GeneratedSources(await _snapshot_of(files, analyzed.source_root))


@dataclass(frozen=True)
class DeploymentServicesRequest:
    address: Address
    services: tuple[str, ...]


@dataclass(frozen=True)
class DeploymentServices:
    services: tuple[AnalyzedRestateService, ...]


@rule(desc="Resolve the services of a Restate deployment", level=LogLevel.DEBUG)
async def resolve_deployment_services(request: DeploymentServicesRequest) -> DeploymentServices:
    origin = f"the `services` field of {request.address}"
    addresses = await Get(
        Addresses,
        UnparsedAddressInputs(
            request.services, owning_address=request.address, description_of_origin=origin
        ),
    )
    targets = await Get(Targets, Addresses(sorted(addresses)))
    for target in targets:
        if not target.has_field(RestateServiceSourcesField):
            raise RestateCodegenError(
                f"{target.address} ({origin}) is a `{target.alias}` target, "
                "not a `restate_service`: list only restate_service targets there."
            )
    analyzed = await MultiGet(
        Get(AnalyzedRestateService, RestateServiceAnalysisRequest(target.address))
        for target in targets
    )
    by_name: dict[str, AnalyzedRestateService] = {}
    by_class: dict[str, AnalyzedRestateService] = {}
    for service in analyzed:
        name = service.component.name
        other = by_name.setdefault(name, service)
        if other is not service:
            raise RestateCodegenError(
                f"{request.address} serves two components named {name!r}: "
                f"{other.address} and {service.address}. Restate needs unique names: set "
                "`service_name` on one of them, or serve them from different deployments."
            )
        other = by_class.setdefault(class_stem(name), service)
        if other is not service:
            raise RestateCodegenError(
                f"{request.address} serves the components {other.component.name!r} "
                f"({other.address}) and {name!r} ({service.address}), whose clients would both "
                f"be named {class_stem(name)}Client. Set `service_name` on one of them to a "
                "name that differs in more than punctuation."
            )
    return DeploymentServices(tuple(analyzed))


class GeneratePythonFromRestateDeploymentRequest(GenerateSourcesRequest):
    input = RestateDeploymentSourcesField
    output = PythonSourceField


@rule(desc="Generate a Restate deployment module", level=LogLevel.DEBUG)
async def generate_restate_deployment(
    request: GeneratePythonFromRestateDeploymentRequest,
) -> GeneratedSources:
    target = request.protocol_target
    source_root, deployment = await MultiGet(
        Get(SourceRoot, SourceRootRequest, SourceRootRequest.for_address(target.address)),
        Get(
            DeploymentServices,
            DeploymentServicesRequest(
                target.address, tuple(target[RestateDeploymentServicesField].value or ())
            ),
        ),
    )
    package = package_for_directory(target.address.spec_path, source_root.path)
    module = deployment_module(package, target.address.target_name)
    file = render_deployment(module, [(s.component, s.modules) for s in deployment.services])
    return GeneratedSources(await _snapshot_of([file], source_root.path))


def rules():  # type: ignore[no-untyped-def]
    return (
        *collect_rules(),
        UnionRule(GenerateSourcesRequest, GeneratePythonFromRestateServiceRequest),
        UnionRule(GenerateSourcesRequest, GeneratePythonFromRestateDeploymentRequest),
    )
