"""Maps generated module names to their targets, so `import app.x_restate_client` infers a
dependency on the target that generates it (as Pants' protobuf backend does for `_pb2`)."""

from __future__ import annotations

from collections import defaultdict
from typing import DefaultDict

from pants.backend.python.dependency_inference.module_mapper import (
    FirstPartyPythonMappingImpl,
    FirstPartyPythonMappingImplMarker,
    ModuleProvider,
    ModuleProviderType,
    ResolveName,
)
from pants.backend.python.subsystems.setup import PythonSetup
from pants.backend.python.target_types import PythonResolveField
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.engine.target import AllTargets
from pants.engine.unions import UnionRule
from pants.source.source_root import SourceRoot, SourceRootRequest
from pants.util.logging import LogLevel

from restate_codegen.model import GeneratedModules
from restate_pants.codegen import deployment_module, package_for_directory
from restate_pants.target_types import RestateDeploymentSourcesField, RestateServiceSourcesField


class RestateGeneratedModulesMappingMarker(FirstPartyPythonMappingImplMarker):
    pass


@rule(desc="Map Restate targets to their generated Python modules", level=LogLevel.DEBUG)
async def map_restate_targets_to_python_modules(
    all_targets: AllTargets, python_setup: PythonSetup, _: RestateGeneratedModulesMappingMarker
) -> FirstPartyPythonMappingImpl:
    targets = [
        tgt
        for tgt in all_targets
        if tgt.has_field(RestateServiceSourcesField) or tgt.has_field(RestateDeploymentSourcesField)
    ]
    source_roots = await MultiGet(
        Get(SourceRoot, SourceRootRequest, SourceRootRequest.for_address(tgt.address))
        for tgt in targets
    )
    providers: DefaultDict[ResolveName, DefaultDict[str, list[ModuleProvider]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for tgt, source_root in zip(targets, source_roots):
        resolve = tgt[PythonResolveField].normalized_value(python_setup)
        package = package_for_directory(tgt.address.spec_path, source_root.path)
        if tgt.has_field(RestateServiceSourcesField):
            generated = GeneratedModules.for_target(package, tgt.address.target_name)
            modules = [generated.adapter, generated.client]
        else:
            modules = [deployment_module(package, tgt.address.target_name)]
        for module in modules:
            providers[resolve][module].append(ModuleProvider(tgt.address, ModuleProviderType.IMPL))
    return FirstPartyPythonMappingImpl.create(providers)


def rules():  # type: ignore[no-untyped-def]
    return (
        *collect_rules(),
        UnionRule(FirstPartyPythonMappingImplMarker, RestateGeneratedModulesMappingMarker),
    )
