"""The golden files: the sample handler modules under testdata/sample, analysed and rendered.

`render_test.py` checks that rendering them gives testdata/golden byte for byte. After a change
that alters the generated code on purpose, regenerate them and review the diff:

    ./pants run pants-plugins/restate_codegen:update-golden

(`pants run` works in the repo, where a test's sandbox cannot write.) testdata/check_generated.sh
proves the golden output against a real Restate server.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from restate_codegen.analysis import analyze_component
from restate_codegen.model import (
    Component,
    ComponentOptions,
    GeneratedFile,
    GeneratedModules,
    HandlerOptions,
    RetryPolicy,
    SourceFile,
)
from restate_codegen.render import render_component, render_deployment

TESTDATA = Path(__file__).parent / "testdata"
SAMPLE = TESTDATA / "sample"
GOLDEN = TESTDATA / "golden"
SOURCE_ROOT = "src/python"

# (component name, handler files under sample/, package, target name, options)
SAMPLE_COMPONENTS: Sequence[Tuple[str, Sequence[str], str, str, ComponentOptions]] = (
    ("Email", ["app/mail/email_service.py"], "app.mail", "email", ComponentOptions()),
    (
        "User",
        ["app/users/user.py"],
        "app.users",
        "user",
        ComponentOptions(
            inactivity_timeout=60,
            abort_timeout=10.5,
            journal_retention=86400,
            idempotency_retention=3600,
        ),
    ),
    (
        "UserManager",
        ["app/users/user_manager.py"],
        "app.users",
        "user_manager",
        ComponentOptions(description="Signs users up and looks them up (target description)."),
    ),
    (
        "SignupFlow",
        ["app/users/signup_flow.py"],
        "app.users",
        "signup_flow",
        ComponentOptions(
            workflow_retention=604800,
            state_preload=False,
            metadata=(("team", "growth"),),
            handlers=(
                ("run", HandlerOptions(journal_retention=0, metadata=(("step", "main"),))),
                ("stage", HandlerOptions(state_preload=True)),
            ),
        ),
    ),
    (
        "ticket-office",
        ["app/shop/ticket_office.py"],
        "app.shop",
        "ticket-office",
        ComponentOptions(
            invocation_retry_policy=RetryPolicy(max_attempts=10, on_max_attempts="pause"),
            handlers=(
                (
                    "add_ticket",
                    HandlerOptions(
                        name="addTicket",
                        description="Adds a ticket (target description).",
                        inactivity_timeout=30,
                        idempotency_retention=600,
                        invocation_retry_policy=RetryPolicy(
                            initial_interval=0.1,
                            exponentiation_factor=2,
                            max_interval=10,
                            max_attempts=5,
                            on_max_attempts="kill",
                        ),
                    ),
                ),
            ),
        ),
    ),
)
DEPLOYMENT_MODULE = "app.deployment"


def sample_source(relative: str) -> SourceFile:
    return SourceFile(
        path=f"{SOURCE_ROOT}/{relative}",
        module=relative[: -len(".py")].replace("/", "."),
        text=(SAMPLE / relative).read_text(),
    )


def sample_components() -> List[Tuple[Component, GeneratedModules]]:
    out = []
    for name, files, package, target, options in SAMPLE_COMPONENTS:
        result = analyze_component(name, [sample_source(f) for f in files], options)
        if result.component is None:
            raise ValueError("\n".join(str(d) for d in result.diagnostics))
        out.append((result.component, GeneratedModules.for_target(package, target)))
    return out


def render_sample() -> Dict[str, str]:
    components = sample_components()
    files: List[GeneratedFile] = []
    for component, modules in components:
        files.extend(render_component(component, modules))
    files.append(render_deployment(DEPLOYMENT_MODULE, components))
    return {f.path: f.content for f in files}


def write_golden(directory: Path) -> int:
    """Replaces `directory` with the rendered sample; returns how many files it wrote."""
    rendered = render_sample()
    if directory.exists():
        shutil.rmtree(directory)
    for path, content in rendered.items():
        (directory / path).parent.mkdir(parents=True, exist_ok=True)
        (directory / path).write_text(content)
    return len(rendered)


def main(argv: Optional[Sequence[str]] = None) -> None:
    """Writes the golden files into the repo (run from its root, as `pants run` does)."""
    args = list(sys.argv[1:] if argv is None else argv)
    directory = Path(args[0]) if args else Path("pants-plugins/restate_codegen/testdata/golden")
    if not directory.parent.is_dir():
        sys.exit(f"{directory.parent}: no such directory (run from the repo root)")
    print(f"wrote {write_golden(directory)} files to {directory}")


if __name__ == "__main__":
    main()
