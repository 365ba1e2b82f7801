"""`./pants tailor` proposes a `restate_service` target for each module that defines handlers.

Handler modules are already owned by `python_sources`, so "unowned" is the wrong test here:
what matters is whether some `restate_service` target owns the module.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass

from pants.core.goals.tailor import PutativeTarget, PutativeTargets, PutativeTargetsRequest
from pants.engine.fs import Digest, DigestContents, PathGlobs
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.engine.target import SourcesPaths, SourcesPathsRequest
from pants.engine.unions import UnionRule
from pants.util.logging import LogLevel

from restate_codegen.analysis import analyze_component
from restate_codegen.model import SourceFile
from restate_pants.target_types import (
    AllRestateServiceTargets,
    RestateServiceSourcesField,
    RestateServiceTarget,
)


@dataclass(frozen=True)
class PutativeRestateServiceTargetsRequest(PutativeTargetsRequest):
    pass


def defines_handlers(path: str, text: str) -> bool:
    # A cheap textual filter first: most modules never mention a Restate context.
    if "Context" not in text:
        return False
    module = os.path.splitext(path)[0].replace(os.sep, ".")
    return analyze_component("Tailor", [SourceFile(path, module, text)]).component is not None


@rule(level=LogLevel.DEBUG, desc="Determine candidate restate_service targets to create")
async def find_putative_restate_service_targets(
    request: PutativeRestateServiceTargetsRequest, restate_targets: AllRestateServiceTargets
) -> PutativeTargets:
    owned_paths = await MultiGet(
        Get(SourcesPaths, SourcesPathsRequest(tgt[RestateServiceSourcesField]))
        for tgt in restate_targets
    )
    owned = {path for paths in owned_paths for path in paths.files}
    digest = await Get(Digest, PathGlobs, request.path_globs("*.py"))
    contents = await Get(DigestContents, Digest, digest)
    putative = []
    for file in sorted(contents, key=lambda f: f.path):
        if file.path in owned or file.path.endswith(("_test.py", "conftest.py")):
            continue
        if not defines_handlers(file.path, file.content.decode("utf-8", errors="replace")):
            continue
        directory, filename = os.path.split(file.path)
        target = PutativeTarget.for_target_type(
            RestateServiceTarget,
            path=directory,
            name=os.path.splitext(filename)[0],
            triggering_sources=[filename],
            kwargs={"sources": (filename,)},
        )
        # The module stays owned by its `python_sources` too; claiming it here would make Pants'
        # tailor report a conflict with that target.
        putative.append(dataclasses.replace(target, owned_sources=()))
    return PutativeTargets(putative)


def rules():  # type: ignore[no-untyped-def]
    return (
        *collect_rules(),
        UnionRule(PutativeTargetsRequest, PutativeRestateServiceTargetsRequest),
    )
