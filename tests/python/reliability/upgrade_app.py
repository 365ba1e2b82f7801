"""A small deployment in two code versions, served by the real server command
(`restate_glue.serve`) as a child process: `python -m reliability.upgrade_app` with
`UPGRADE_APP_VERSION=1|2` and the server command's usual env vars.

Version 2 changes the workflow's journal: it records a step (`ctx.run`) before it waits on its
promise, so a version-1 journal replayed against version-2 code no longer matches. It also adds
a handler, so Restate sees that the deployment changed.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import timedelta
from types import SimpleNamespace
from typing import Any, Literal

import restate

from restate_glue.serve import main as serve_main

VERSION_ENV = "UPGRADE_APP_VERSION"
WORKFLOW = "Upgrade"


def build(version: int) -> restate.Workflow:
    # Suspend a second after the last step (default: a minute), so waiting is cheap to reach.
    workflow = restate.Workflow(WORKFLOW, inactivity_timeout=timedelta(seconds=1))

    @workflow.main(name="run")
    async def run(ctx: restate.WorkflowContext) -> str:
        if version >= 2:
            await ctx.run("v2 step", lambda: "v2")  # a journal entry version 1 never wrote
        released = await ctx.promise("release", type_hint=str).value()
        return f"v{version}:{released}"

    @workflow.handler(name="release")
    async def release(ctx: restate.WorkflowSharedContext, value: str) -> None:
        await ctx.promise("release", type_hint=str).resolve(value)

    if version >= 2:

        @workflow.handler(name="version")
        async def version_handler(ctx: restate.WorkflowSharedContext) -> int:
            return version

    return workflow


class UpgradeDeployment(SimpleNamespace):
    """What the server command needs of a deployment (`restate_glue.serve.Deployment`)."""

    def __init__(self, version: int) -> None:
        super().__init__()
        self.workflow = build(version)

    @property
    def services(self) -> Mapping[str, Any]:
        return {}

    @property
    def objects(self) -> Mapping[str, Any]:
        return {}

    @property
    def workflows(self) -> Mapping[str, Any]:
        return {WORKFLOW: self.workflow}

    def make_app(
        self,
        identity_keys: list[str] | None = None,
        protocol: Literal["bidi", "request_response"] | None = None,
    ) -> Any:
        return restate.app(services=[self.workflow], identity_keys=identity_keys, protocol=protocol)


def main() -> None:
    serve_main(UpgradeDeployment(int(os.environ.get(VERSION_ENV, "1"))))


if __name__ == "__main__":
    main()
