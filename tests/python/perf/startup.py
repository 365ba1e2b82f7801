"""Start-up of the packaged server: from launching the PEX to registered and serving.

    build-support/bench-startup.sh [--runs 5]    (packages src/python/app:server, then runs this)

The server command prints its "Restate ingress: ..." line after the deployment is registered,
with the app already listening, so the time to that line is the time a user waits. Measured:

- external: an already running restate-server (`RESTATE_ADMIN_URL`); the app starts, binds and
  registers;
- embedded: the command also starts its own restate-server (over the same data dir each run, as
  a developer restarting it would; the first run, which provisions a new data dir, is shown
  apart).

The first launch of a PEX also unpacks it into PEX_ROOT; it is reported apart, and every other
run reuses that PEX_ROOT, as every later start on a machine does.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

from restate_local import RestateServer, ServerOptions
from restate_local.ports import free_ports

READY = "Restate ingress: "


def launch_until_ready(pex: Path, env: Mapping[str, str], timeout: float = 120.0) -> float:
    """Seconds from launching the PEX to its ready line; then stops it with SIGTERM."""
    inherited = {
        k: v for k, v in os.environ.items() if not k.startswith(("PEX", "RESTATE_", "APP_"))
    }
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, str(pex)],
        env={**inherited, **env},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    seen: list[str] = []
    try:
        for line in proc.stdout:
            seen.append(line)
            if line.startswith(READY):
                return time.perf_counter() - start
            if time.perf_counter() - start > timeout:
                break
        raise SystemExit(f"the server never got ready (exit {proc.poll()}):\n{''.join(seen)}")
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def summary(label: str, seconds: list[float]) -> str:
    runs = ", ".join(f"{s:.2f}" for s in seconds)
    return f"{label:<34} median {statistics.median(seconds):5.2f}s  ({runs})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pex", type=Path, required=True, help="the packaged server PEX")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    pex = args.pex.resolve()
    with tempfile.TemporaryDirectory(prefix="restate-startup-") as tmp:
        work = Path(tmp)
        (app_port,) = free_ports(1)
        common = {
            "APP_PORT": str(app_port),
            "APP_DATA_DIR": str(work / "app-data"),
            "PEX_ROOT": str(work / "pex-root"),
        }
        with RestateServer(ServerOptions(num_partitions=4)) as server:
            external_env = {
                **common,
                "RESTATE_ADMIN_URL": server.admin_url,
                "RESTATE_INGRESS_URL": server.ingress_url,
            }
            first_launch = launch_until_ready(pex, external_env)
            external = [launch_until_ready(pex, external_env) for _ in range(args.runs)]
        ingress, admin, node = free_ports(3)
        embedded_env = {
            **common,
            "APP_RESTATE_DATA_DIR": str(work / "restate-data"),
            "APP_RESTATE_INGRESS_PORT": str(ingress),
            "APP_RESTATE_ADMIN_PORT": str(admin),
            "APP_RESTATE_NODE_PORT": str(node),
        }
        embedded_first = launch_until_ready(pex, embedded_env)
        embedded = [launch_until_ready(pex, embedded_env) for _ in range(args.runs)]
    print(f"server PEX start-up to registered and serving ({pex.name}), {args.runs} runs each")
    print(summary("external Restate", external))
    print(summary("embedded Restate (existing data)", embedded))
    print(f"{'first launch (unpacks the PEX)':<34} {first_launch:5.2f}s, external")
    print(f"{'embedded, new data dir':<34} {embedded_first:5.2f}s")


if __name__ == "__main__":
    main()
