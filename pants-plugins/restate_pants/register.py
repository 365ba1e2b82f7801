"""The Restate backend: `restate_service` and `restate_deployment` targets and their codegen."""

import logging

from pants.version import PANTS_SEMVER

from restate_pants import codegen, dependency_inference, module_mapper, tailor
from restate_pants import target_types as restate_target_types
from restate_pants.target_types import RestateDeploymentTarget, RestateServiceTarget

# Pants' plugin API changes between minor versions and 2.17.1 is the newest Pants on the package
# index, so that is the only one tested: under another, say so before anything fails deep inside
# the rule graph.
TESTED_PANTS = (2, 17)
if (PANTS_SEMVER.major, PANTS_SEMVER.minor) != TESTED_PANTS:
    logging.getLogger(__name__).warning(
        "restate-pants is tested with Pants 2.17 only; this is Pants %s. If its rules fail to "
        'load, pin `pants_version = "2.17.1"` in pants.toml.',
        PANTS_SEMVER,
    )


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
