"""Times `pants export-codegen` on the codegen sample (4 components + a deployment), with pantsd.

Run through build-support/bench-export-codegen.sh (from the repo root). The project is a
throwaway copy (see pants_project.py) with its own pantsd, so the figures do not depend on the
repo's pantsd; the persistent caches (~/.cache/pants) are the user's, as in real use.

- cold: no pantsd yet; the run starts it (what the first command of the day costs);
- no change: the same command again, pantsd warm;
- after edit: one handler module gets one more handler, then the same command (repeated);
- cold, --no-pantsd: for reference, every run without the daemon.

Each edit is checked: the exported client must have the new handler.
"""

from __future__ import annotations

import argparse
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


def timed_export(project: PantsProject, *flags: str) -> float:
    return project.ok(*flags, "export-codegen", "::").seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", type=Path, default=Path.cwd(), help="the repo root")
    parser.add_argument("--edits", type=int, default=5, help="edit-then-export rounds")
    parser.add_argument("--keep", action="store_true", help="keep the temp project")
    args = parser.parse_args()
    plugin_dir = (args.repo / "pants-plugins").resolve()
    thirdparty_dir = (args.repo / "3rdparty/python").resolve()

    with machine_lock("pants-e2e"):
        tmp = Path(tempfile.mkdtemp(prefix="restate-bench-export-codegen-"))
        project = PantsProject.create(
            tmp / "project",
            plugin_dir=plugin_dir,
            thirdparty_dir=thirdparty_dir,
            runtime_dir=(args.repo / "src/python").resolve(),
            files=sample_files(plugin_dir),
        )
        try:
            cold = timed_export(project)
            no_change = timed_export(project)
            handler = project.read(EDITED)
            edits = []
            for i in range(args.edits):
                handler += (
                    f"\n\nasync def ping_{i}(ctx: restate.Context, n: int) -> int:\n"
                    f'    """Bench edit {i}."""\n'
                    f"    return n + {i}\n"
                )
                project.write({EDITED: handler})
                edits.append(timed_export(project))
                exported = project.read(EXPORTED_CLIENT)
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

    print(f"export-codegen :: on the codegen sample ({len(SERVICES)} components + deployment)")
    print(f"  cold (starts pantsd):             {cold:6.2f}s")
    print(f"  warm pantsd, no change:           {no_change:6.2f}s")
    print(
        f"  warm pantsd, after editing {EDITED.rsplit('/', 1)[1]}: "
        f"median {statistics.median(edits):.2f}s "
        f"(min {min(edits):.2f}s, max {max(edits):.2f}s, n={len(edits)})"
    )
    print(f"  --no-pantsd (for reference):      {no_pantsd:6.2f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
