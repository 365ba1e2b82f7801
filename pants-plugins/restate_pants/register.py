"""The Restate backend: `restate_service` and `restate_deployment` targets and their codegen."""

from restate_pants import codegen, dependency_inference, module_mapper, tailor
from restate_pants import target_types as restate_target_types
from restate_pants.target_types import RestateDeploymentTarget, RestateServiceTarget


def rules():  # type: ignore[no-untyped-def]
    return (
        *restate_target_types.rules(),
        *codegen.rules(),
        *dependency_inference.rules(),
        *module_mapper.rules(),
        *tailor.rules(),
    )


def target_types():  # type: ignore[no-untyped-def]
    return (RestateServiceTarget, RestateDeploymentTarget)
