"""Times `pants export-codegen` with pantsd: on the codegen sample (4 components + a deployment),
or with `--targets N` on a generated repo of N handler modules (services, virtual objects and
workflows, one `restate_service` each) and one deployment serving them all.

Run through build-support/bench-export-codegen.sh (from the repo root). The project is a
throwaway copy (see pants_project.py) with its own pantsd, so the figures do not depend on the
repo's pantsd; the persistent caches (~/.cache/pants) are the user's, as in real use.

- cold: no pantsd yet; the run starts it (what the first command of the day costs);
- no change: the same command again, pantsd warm;
- after edit: one handler module gets one more handler, then the same command (repeated);
- cold, --no-pantsd: for reference, every run without the daemon.

Each edit is checked: the exported client must have the new handler. With `--targets`, one more
edit runs with debug logging to count how many targets' analysis re-ran (it should be one).
`--json PATH` appends the run's figures, under `--label`, to a JSON record there (for
tests/python/perf_plots: run it once on a base checkout and once on the work tree).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from pants_e2e.pants_project import PantsProject, machine_lock

SAMPLE = Path("restate_codegen/testdata/sample/app")  # under pants-plugins
EDITED = "src/python/app/mail/email_service.py"
EXPORTED_CLIENT = "dist/codegen/src/python/app/mail/email_restate_client.py"
SERVICES = [
    "src/python/app/users:user",
    "src/python/app/users:user_manager",
    "src/python/app/users:signup_flow",
    "src/python/app/mail:email",
]
BUILDS = {
    "src/python/app/BUILD": (
        "python_sources()\n\n" f"restate_deployment(name='deployment', services={SERVICES!r})\n"
    ),
    "src/python/app/users/BUILD": (
        "python_sources()\n\n"
        "restate_service(name='user', sources=['user.py'])\n"
        "restate_service(name='user_manager', sources=['user_manager.py'])\n"
        "restate_service(name='signup_flow', sources=['signup_flow.py'])\n"
    ),
    "src/python/app/mail/BUILD": (
        "python_sources()\n\nrestate_service(name='email', sources=['email_service.py'])\n"
    ),
}


def sample_files(plugin_dir: Path) -> dict[str, str]:
    root = plugin_dir / SAMPLE
    files = {
        f"src/python/app/{p.relative_to(root)}": p.read_text()
        for p in sorted(root.rglob("*.py"))
        if "__pycache__" not in p.parts
    }
    return {**files, **BUILDS}


# The generated repo: N modules in packages of 25, kinds in turn.
SCALE_KINDS = (
    ("Context", "Context"),
    ("ObjectContext", "ObjectSharedContext"),
    ("WorkflowContext", "WorkflowSharedContext"),
)
SCALE_MODELS = """\
from pydantic import BaseModel


class Order(BaseModel):
    id: str
    quantity: int = 1
"""


def scale_module(number: int) -> str:
    main_ctx, other_ctx = SCALE_KINDS[number % len(SCALE_KINDS)]
    main = "run" if main_ctx == "WorkflowContext" else "handle"
    return (
        f'"""Component {number} of the scale benchmark."""\n\n'
        "from __future__ import annotations\n\n"
        f"from restate import {main_ctx}, {other_ctx}\n\n"
        "from scale.models import Order\n\n\n"
        f"async def {main}(ctx: {main_ctx}, req: Order) -> Order:\n"
        '    """Handles one order."""\n'
        "    return req\n\n\n"
        f"async def count(ctx: {other_ctx}, n: int) -> int:\n"
        "    return n + 1\n"
    )


def scale_files(targets: int) -> tuple[dict[str, str], str, str]:
    """The repo's files, the module the edits change and the client module it exports."""
    files = {"src/python/scale/__init__.py": "", "src/python/scale/models.py": SCALE_MODELS}
    services = []
    for package in range((targets + 24) // 25):
        numbers = range(package * 25, min(targets, (package + 1) * 25))
        directory = f"src/python/scale/p{package}"
        files[f"{directory}/__init__.py"] = ""
        build = ["python_sources()\n"]
        for number in numbers:
            files[f"{directory}/c{number}.py"] = scale_module(number)
            build.append(f"restate_service(name='c{number}_svc', sources=['c{number}.py'])")
            services.append(f"{directory}:c{number}_svc")
        files[f"{directory}/BUILD"] = "\n".join(build) + "\n"
    files["src/python/scale/BUILD"] = (
        f"python_sources()\n\nrestate_deployment(name='deployment', services={services!r})\n"
    )
    return (
        files,
        "src/python/scale/p0/c0.py",
        "dist/codegen/src/python/scale/p0/c0_svc_restate_client.py",
    )


def analyses_in(result_stderr: str) -> int:
    """How many targets were analysed (restate_pants.codegen logs each at debug level)."""
    return result_stderr.count("Restate analysis of ")


def timed_export(project: PantsProject, *flags: str) -> float:
    return project.ok(*flags, "export-codegen", "::").seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", type=Path, default=Path.cwd(), help="the repo root")
    parser.add_argument("--edits", type=int, default=5, help="edit-then-export rounds")
    parser.add_argument("--targets", type=int, default=0, help="a generated repo of N targets")
    parser.add_argument("--keep", action="store_true", help="keep the temp project")
    parser.add_argument(
        "--runtime-dir",
        type=Path,
        help="where the runtime packages are (default: the repo's src/python; an old checkout "
        "may predate them)",
    )
    parser.add_argument("--json", type=Path, help="add this run's figures to a JSON record")
    parser.add_argument("--label", default="work tree", help="this run's name in that record")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    plugin_dir = (args.repo / "pants-plugins").resolve()
    thirdparty_dir = (args.repo / "3rdparty/python").resolve()
    if args.targets:
        files, edited, exported_client = scale_files(args.targets)
        what = f"a generated repo of {args.targets} restate_service targets + deployment"
    else:
        files, edited, exported_client = sample_files(plugin_dir), EDITED, EXPORTED_CLIENT
        what = f"the codegen sample ({len(SERVICES)} components + deployment)"

    reran = None
    with machine_lock("pants-e2e"):
        tmp = Path(tempfile.mkdtemp(prefix="restate-bench-export-codegen-"))
        project = PantsProject.create(
            tmp / "project",
            plugin_dir=plugin_dir,
            thirdparty_dir=thirdparty_dir,
            runtime_dir=(args.runtime_dir or args.repo / "src/python").resolve(),
            files=files,
        )
        try:
            cold = timed_export(project)
            no_change = timed_export(project)
            handler = project.read(edited)
            edits = []
            for i in range(args.edits + (1 if args.targets else 0)):
                handler += (
                    f"\n\nasync def ping_{i}(ctx: restate.Context, n: int) -> int:\n"
                    f'    """Bench edit {i}."""\n'
                    f"    return n + {i}\n"
                )
                if "import restate\n" not in handler:
                    handler = "import restate\n" + handler
                if i == args.edits:
                    # pantsd sets its Python log level when it starts: start one at debug level
                    # and warm it up first.
                    project.stop()
                    project.ok("-ldebug", "export-codegen", "::")
                project.write({edited: handler})
                if i == args.edits:  # the extra, untimed round: count what re-ran
                    result = project.ok("-ldebug", "export-codegen", "::")
                    reran = analyses_in(result.stderr)
                else:
                    edits.append(timed_export(project))
                exported = project.read(exported_client)
                if f"async def ping_{i}(" not in exported:
                    raise AssertionError(f"export-codegen did not see edit {i}: stale glue")
            project.stop()
            no_pantsd = timed_export(project, "--no-pantsd")
        finally:
            project.stop()
            if args.keep:
                print(f"kept {tmp}", file=sys.stderr)
            else:
                shutil.rmtree(tmp, ignore_errors=True)

    print(f"export-codegen :: on {what}")
    print(f"  cold (starts pantsd):             {cold:6.2f}s")
    print(f"  warm pantsd, no change:           {no_change:6.2f}s")
    print(
        f"  warm pantsd, after editing {edited.rsplit('/', 1)[1]}: "
        f"median {statistics.median(edits):.2f}s "
        f"(min {min(edits):.2f}s, max {max(edits):.2f}s, n={len(edits)})"
    )
    if reran is not None:
        print(f"  targets re-analysed after one edit: {reran}")
    print(f"  --no-pantsd (for reference):      {no_pantsd:6.2f}s")
    if args.json:
        run = {
            "label": args.label,
            "what": what,
            "cold_s": cold,
            "no_change_s": no_change,
            "after_edit_s": edits,
            "reanalysed_after_edit": reran,
            "no_pantsd_s": no_pantsd,
            "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        }
        record_run(args.json, run)
        print(f"added {args.label!r} to {args.json}")
    return 0


def record_run(path: Path, run: dict[str, object]) -> None:
    """Adds `run` to the record at `path`, replacing an earlier run with the same label."""
    record = json.loads(path.read_text()) if path.exists() else {}
    record.setdefault("benchmark", "export-codegen")
    record["command"] = "build-support/bench-export-codegen.sh"
    runs = [r for r in record.get("runs", []) if r.get("label") != run["label"]]
    record["runs"] = [*runs, run]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")


if __name__ == "__main__":
    sys.exit(main())
