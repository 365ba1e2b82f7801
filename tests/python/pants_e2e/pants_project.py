"""A throwaway Pants project that uses a copy of this repo's Restate plugin, run for real.

The end-to-end tests (and build-support/bench-export-codegen.sh) build one in a temp dir: the
same backends, source roots, resolves (copies of this repo's lockfiles) and pex tool as the real
repo, with the in-repo plugin copied under `pants-plugins/` and put on Pants' `pythonpath`.
Pants itself is the venv `./pants` bootstraps; the project runs its own pantsd, which `stop()`
ends. Named caches and the local store are the user's (~/.cache/pants), so resolves stay warm.

Stdlib only: the bench script runs this module with a bare Python.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

PANTS_VERSION = "2.17.1"

# What the project copies: the plugin's packages (from a `pants-plugins` dir) and the lockfiles
# and requirements files of the resolves it uses (from `3rdparty/python`, or in the test sandbox
# from `tests/python/pants_e2e/thirdparty`, whose symlinks point there).
PLUGIN_PACKAGES = ("restate_pants", "restate_codegen")
PLUGIN_SUFFIXES = (".py", ".j2")
# The runtime library the generated code imports, copied (without its tests) to the project's
# source root: first-party code there, as in this repo.
RUNTIME_PACKAGES = ("restate_glue", "restate_local")
THIRDPARTY_FILES = (
    "python-default.lock",
    "requirements.txt",
    "tools.lock",
    "tools-requirements.txt",
)
THIRDPARTY_DIR = "3rdparty/python"

THIRDPARTY_BUILD = """\
python_requirements(
    name="reqs",
    source="requirements.txt",
    resolve="python-default",
    module_mapping={"restate-sdk": ["restate"]},
)

python_requirements(
    name="tools",
    source="tools-requirements.txt",
    resolve="tools",
)
"""

PANTS_TOML = """\
[GLOBAL]
pants_version = "{pants_version}"
pythonpath = ["%(buildroot)s/pants-plugins"]
backend_packages = [
  "pants.backend.python",
  "pants.backend.experimental.python.lint.ruff",
  "pants.backend.python.typecheck.mypy",
  "pants.backend.plugin_development",
  "restate_pants",
]
ignore_warnings = ["DEPRECATED: Running Pants in an external Python interpreter"]
# The plugin copy is Pants' code here, not the project's; pex_root is what `pants run` unpacks.
pants_ignore.add = ["/pants-plugins/", "/pex_root/", "/dist/"]

[anonymous-telemetry]
enabled = false

[source]
root_patterns = ["/src/python"]

[python]
interpreter_constraints = ["==3.11.*"]
enable_resolves = true
default_resolve = "python-default"

[python.resolves]
python-default = "3rdparty/python/python-default.lock"
tools = "3rdparty/python/tools.lock"

[python.resolves_to_interpreter_constraints]
tools = [">=3.9,<3.12"]

[python-infer]
use_rust_parser = true

[python-bootstrap]
search_path = ["<PYENV>", "<PATH>"]

[pytest]
install_from_resolve = "tools"
requirements = ["pytest"]
args = ["-p", "no:cacheprovider"]

[mypy]
install_from_resolve = "tools"
requirements = ["mypy"]

[ruff]
install_from_resolve = "tools"
requirements = ["ruff"]
"""

MYPY_INI = """\
[mypy]
strict = True
namespace_packages = True
explicit_package_bases = True
"""


class PantsNotBootstrapped(Exception):
    pass


def restate_pants_cache_dir(env: Mapping[str, str] = os.environ) -> Path:
    """Where ./pants keeps its venv and pex tool (see build-support/common.sh)."""
    if env.get("RESTATE_PANTS_CACHE_DIR"):
        return Path(env["RESTATE_PANTS_CACHE_DIR"])
    cache_home = env.get("XDG_CACHE_HOME") or os.path.join(env.get("HOME", "~"), ".cache")
    return Path(cache_home).expanduser() / "restate-pants"


def find_pants(env: Mapping[str, str] = os.environ) -> Path:
    """The `pants` script of the venv ./pants bootstrapped (RESTATE_E2E_PANTS overrides)."""
    if env.get("RESTATE_E2E_PANTS"):
        return Path(env["RESTATE_E2E_PANTS"])
    cache = restate_pants_cache_dir(env)
    venvs = sorted(
        (p for p in cache.glob(f"pants-venv-{PANTS_VERSION}-*") if (p / ".complete").exists()),
        key=lambda p: p.stat().st_mtime,
    )
    if not venvs:
        raise PantsNotBootstrapped(
            f"no complete Pants {PANTS_VERSION} venv under {cache}: run ./pants once to "
            "bootstrap it (or set RESTATE_E2E_PANTS to a `pants` script)."
        )
    return venvs[-1] / "bin" / "pants"


def machine_rc(env: Mapping[str, str] = os.environ) -> str:
    """The machine-local Pants settings ./pants wrote: the pex tool, pip without pip config."""
    path = restate_pants_cache_dir(env) / "machine.pants.rc"
    if not path.is_file():
        raise PantsNotBootstrapped(f"no {path}: run ./pants once to write it.")
    return path.read_text()


@contextlib.contextmanager
def machine_lock(name: str, env: Mapping[str, str] = os.environ) -> Iterator[None]:
    """Holds an exclusive lock shared by every checkout on this machine (the cache dir's)."""
    path = restate_pants_cache_dir(env) / f"{name}.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def pants_toml() -> str:
    return PANTS_TOML.format(pants_version=PANTS_VERSION)


def pants_env(root: Path, env: Mapping[str, str] = os.environ) -> dict[str, str]:
    """A small, explicit environment for the inner Pants (the test sandbox has little)."""
    home = env.get("HOME") or str(Path.home())
    path = env.get("PATH") or "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    result = {
        "HOME": home,
        "PATH": path,
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        # `pants run` of a pex_binary unpacks into PEX_ROOT (~/.pex otherwise).
        "PEX_ROOT": str(root / "pex_root"),
    }
    for name in ("RESTATE_PANTS_CACHE_DIR", "PYENV_ROOT", "XDG_CACHE_HOME", "TMPDIR"):
        if env.get(name):
            result[name] = env[name]
    return result


@dataclass(frozen=True)
class PantsResult:
    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    seconds: float

    def describe(self) -> str:
        return (
            f"`pants {' '.join(self.args)}` exited {self.returncode} after {self.seconds:.1f}s\n"
            f"--- stdout\n{self.stdout}\n--- stderr\n{self.stderr}"
        )


class PantsProject:
    """A Pants project in `root`; `run()` runs the bootstrapped Pants there, with pantsd."""

    def __init__(self, root: Path, pants: Path, env: Mapping[str, str]) -> None:
        self.root = root
        self.pants = pants
        self.env = dict(env)
        self.log: list[PantsResult] = []

    @classmethod
    def create(
        cls,
        root: Path,
        *,
        plugin_dir: Path,
        thirdparty_dir: Path,
        runtime_dir: Path,
        files: Mapping[str, str],
        env: Mapping[str, str] = os.environ,
    ) -> PantsProject:
        """Writes the project into `root`: copies of the plugin, its runtime library and the
        lockfiles, then `files`."""
        pants = find_pants(env)
        root.mkdir(parents=True, exist_ok=True)
        for package in PLUGIN_PACKAGES:
            sources = [
                p
                for p in sorted((plugin_dir / package).rglob("*"))
                if p.is_file() and p.suffix in PLUGIN_SUFFIXES and "__pycache__" not in p.parts
            ]
            if not sources:
                raise FileNotFoundError(f"no plugin package {package} under {plugin_dir}")
            for src in sources:
                dest = root / "pants-plugins" / src.relative_to(plugin_dir)
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(src, dest)
        for package in RUNTIME_PACKAGES:
            sources = [
                p
                for p in sorted((runtime_dir / package).glob("*.py"))
                if not p.name.endswith("_test.py")
            ]
            if not sources:
                raise FileNotFoundError(f"no runtime package {package} under {runtime_dir}")
            for src in sources:
                dest = root / "src/python" / package / src.name
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(src, dest)
            (root / "src/python" / package / "BUILD").write_text("python_sources()\n")
        for name in THIRDPARTY_FILES:
            dest = root / THIRDPARTY_DIR / name
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(thirdparty_dir / name, dest)
        project = cls(root, pants, pants_env(root, env))
        project.write(
            {
                "pants.toml": pants_toml(),
                # Pants reads a .pants.rc at the build root, as in the real repo.
                ".pants.rc": machine_rc(env),
                "mypy.ini": MYPY_INI,
                f"{THIRDPARTY_DIR}/BUILD": THIRDPARTY_BUILD,
                **files,
            }
        )
        return project

    def write(self, files: Mapping[str, str]) -> None:
        for relpath, text in files.items():
            path = self.root / relpath
            path.parent.mkdir(parents=True, exist_ok=True)
            # Write-then-rename: pantsd's watcher never sees a half-written file.
            tmp = path.with_name(f".{path.name}.tmp")
            tmp.write_text(text)
            os.replace(tmp, path)

    def remove(self, paths: Iterable[str]) -> None:
        for relpath in paths:
            (self.root / relpath).unlink(missing_ok=True)

    def read(self, relpath: str) -> str:
        return (self.root / relpath).read_text()

    def run(self, *args: str, timeout: float = 900) -> PantsResult:
        start = time.monotonic()
        proc = subprocess.run(
            [str(self.pants), *args],
            cwd=self.root,
            env=self.env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        result = PantsResult(
            tuple(args), proc.returncode, proc.stdout, proc.stderr, time.monotonic() - start
        )
        self.log.append(result)
        print(f"[pants_e2e] pants {' '.join(args)}: rc={proc.returncode} {result.seconds:.1f}s")
        return result

    def ok(self, *args: str, timeout: float = 900) -> PantsResult:
        """Runs Pants; raises AssertionError with its output unless it exits 0."""
        result = self.run(*args, timeout=timeout)
        if result.returncode != 0:
            raise AssertionError(result.describe())
        return result

    def pantsd_pids(self) -> list[int]:
        pids = []
        for pid_file in self.root.glob(".pids/*/pantsd/pid"):
            try:
                pids.append(int(pid_file.read_text().strip()))
            except (OSError, ValueError):
                continue
        return pids

    def stop(self, timeout: float = 30) -> None:
        """Ends this project's pantsd (the only process started here that outlives a run)."""
        for pid in self.pantsd_pids():
            if not _alive(pid) or not _is_pantsd_of(pid, self.root):
                continue
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + timeout
            while _alive(pid) and time.monotonic() < deadline:
                time.sleep(0.2)
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    return state not in ("Z", "X")


def _is_pantsd_of(pid: int, root: Path) -> bool:
    """True if `pid` still runs in `root` (pid files can outlive their process)."""
    try:
        return Path(f"/proc/{pid}/cwd").resolve() == root.resolve()
    except OSError:
        # No /proc (macOS): trust the pid file, which pantsd removes when it exits.
        return sys.platform != "linux"
