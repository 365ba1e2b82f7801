"""Pants' resolves ignore machine-wide pip configuration (the settings ./pants writes).

pex runs pip with `--isolated`, which still reads machine-wide config files. A `constraint =`
entry there (seen on these machines in /etc/xdg/pip/pip.conf) crashes pip's legacy download of
locked artifacts, so every requirements PEX failed. ./pants's machine rc gives Pants' processes
`PIP_CONFIG_FILE=/dev/null` and the system CA bundle instead.

The test plants such a machine-wide config where pip looks for one (`$XDG_CONFIG_DIRS/pip/
pip.conf`), passes XDG_CONFIG_DIRS to Pants' processes, and builds a requirements PEX from empty
caches twice: once with the machine rc's subprocess environment replaced (the planted config
must break the build, which shows that pip really reads it), once with it kept (the build works).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from pants_e2e.pants_project import PantsProject, PantsResult, machine_lock

PLUGIN_DIR = Path("pants-plugins")
THIRDPARTY_DIR = Path("tests/python/pants_e2e/thirdparty")
RUNTIME_DIR = Path("src/python")  # tests/python/pants_e2e:runtime

PROBE = "src/python/probe"
PEX = "dist/src.python.probe/main.pex"
FILES = {
    f"{PROBE}/BUILD": 'python_sources()\n\npex_binary(name="main", entry_point="main.py")\n',
    # msgspec: one small wheel from the project's lockfile.
    f"{PROBE}/main.py": 'import msgspec\n\nprint("PROBE", msgspec.json.encode({"ok": True}))\n',
}


@pytest.fixture(scope="module")
def project() -> Iterator[PantsProject]:
    with machine_lock("pants-e2e"):
        root = Path(tempfile.mkdtemp(prefix="restate-pants-pipconf-"))
        proj = PantsProject.create(
            root / "project",
            plugin_dir=PLUGIN_DIR.resolve(),
            thirdparty_dir=THIRDPARTY_DIR.resolve(),
            runtime_dir=RUNTIME_DIR.resolve(),
            files=FILES,
        )
        try:
            yield proj
        finally:
            proj.stop()
            shutil.rmtree(root, ignore_errors=True)


def plant_machine_wide_pip_config(root: Path) -> Path:
    """A machine-wide pip config like the one that broke CI; returns its XDG_CONFIG_DIRS."""
    config_dirs = root / "xdg"
    (config_dirs / "pip").mkdir(parents=True)
    constraints = root / "constraints.txt"
    constraints.write_text("msgspec==0.18.0\n")
    (config_dirs / "pip" / "pip.conf").write_text(f"[global]\nconstraint = {constraints}\n")
    return config_dirs


def package_from_empty_caches(
    project: PantsProject, caches: Path, subprocess_env: str
) -> PantsResult:
    (project.root / PEX).unlink(missing_ok=True)
    return project.run(
        "--no-pantsd",
        "--no-local-cache",
        f"--named-caches-dir={caches}",
        f"--subprocess-environment-env-vars={subprocess_env}",
        "package",
        f"{PROBE}:main",
    )


def test_requirements_build_does_not_read_machine_wide_pip_config(
    project: PantsProject, tmp_path: Path
) -> None:
    planted = f"XDG_CONFIG_DIRS={plant_machine_wide_pip_config(tmp_path)}"

    # Without ./pants's settings (the list is replaced), pip reads the planted config and fails.
    broken = package_from_empty_caches(project, tmp_path / "caches-a", f"['{planted}']")
    assert broken.returncode != 0, broken.describe()
    output = broken.stdout + broken.stderr
    assert "error downloading required artifacts" in output, broken.describe()
    assert "constrain" in output and "msgspec" in output, broken.describe()

    # With them (the list is extended), pip reads no config and the build works.
    fixed = package_from_empty_caches(project, tmp_path / "caches-b", f"+['{planted}']")
    assert fixed.returncode == 0, fixed.describe()
    run = subprocess.run(
        [sys.executable, str(project.root / PEX)],
        env=project.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.stdout.strip() == "PROBE b'{\"ok\":true}'", run.stdout + run.stderr
