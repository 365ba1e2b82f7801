"""`./pants run src/python/app:cluster`: the sample beyond one machine, on this one.

Starts a 3-node Restate cluster, 2 replicas of the sample's deployment (`app.deployment`), and
HAProxy in front of the replicas (HTTP/2, per request); registers the balancer's URI once, prints
every node's ingress URL and what to try, and stops everything on Ctrl-C / SIGTERM.

Settings (environment): `APP_CLUSTER_NODES` (3), `APP_CLUSTER_REPLICAS` (2), `APP_WORKERS`
(hypercorn worker processes per replica, 1), `APP_DATA_DIR` (the outbox, `.app-data`). Without
haproxy it installs the Debian package `haproxy` when it runs as root with apt-get, and otherwise
stops with one line naming the package.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Mapping
from types import FrameType
from typing import TextIO

from app import outbox
from restate_local import RestateServerBinaryNotFound, RestateServerStartError, find_server_binary
from restate_local.balancer import (
    BalancerNotFound,
    BalancerStartError,
    can_install,
    ensure_haproxy,
    find_haproxy,
)
from restate_local.env import whole_number
from restate_local.errors import RestateLocalError
from restate_local.topology import ClusterTopology

APP_SPEC = "app.deployment:make_app"


def what_to_try(topology: ClusterTopology) -> list[str]:
    cluster = topology.cluster
    first, last = cluster.ingress_urls[0], cluster.ingress_urls[-1]
    node1 = cluster.node(1)
    replica = topology.replicas[0]
    lines = [
        f"RESTATE_INGRESS_URL={first} ./pants run src/python/app:client -- signup ada@example.com",
        f"RESTATE_INGRESS_URL={last} ./pants run src/python/app:client -- status ada@example.com",
        f"RESTATE_INGRESS_URL={last} ./pants run src/python/app:client -- confirm ada@example.com",
    ]
    if node1 is not None and node1.pid is not None:
        lines.append(f"kill -9 {node1.pid}    # crash node1: calls through the other nodes go on")
    if replica.pid is not None:
        lines.append(
            f"kill -9 {replica.pid}    # crash {replica.name}: the balancer routes around it"
        )
    return lines


def run(env: Mapping[str, str] | None = None, out: TextIO | None = None) -> int:
    env = os.environ if env is None else env
    stream = out or sys.stdout

    def say(line: str = "") -> None:
        print(line, file=stream, flush=True)

    def fail(message: str, code: int = 1) -> int:
        print(f"cluster: error: {message}", file=sys.stderr, flush=True)
        return code

    try:
        nodes = whole_number(env, "APP_CLUSTER_NODES", 3, 1, 7)
        replicas = whole_number(env, "APP_CLUSTER_REPLICAS", 2, 1, 8)
        workers = whole_number(env, "APP_WORKERS", 1, 1, 32)
    except ValueError as e:
        return fail(str(e), 2)
    data_dir = outbox.data_dir(env).resolve()
    try:
        find_server_binary(env=env)
        if find_haproxy(env) is None and can_install():
            say("haproxy is missing: installing the Debian package 'haproxy' with apt-get ...")
        ensure_haproxy(env=env)
    except (RestateServerBinaryNotFound, BalancerNotFound) as e:
        return fail(str(e).splitlines()[0])

    stopping = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        del signum, frame
        stopping.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    topology = ClusterTopology(
        APP_SPEC,
        nodes=nodes,
        replicas=replicas,
        workers=workers,
        app_env={outbox.DATA_DIR_ENV: str(data_dir)},
    )
    try:
        say(f"Starting {nodes} Restate nodes, {replicas} app replicas and HAProxy ...")
        try:
            topology.start()
        except (RestateServerStartError, BalancerStartError, RestateLocalError) as e:
            return fail(str(e).splitlines()[0])
        cluster = topology.cluster
        deployment = topology.deployment
        assert deployment is not None
        say(
            f"Restate cluster '{topology.cluster_name}': {nodes} nodes, replication "
            f"{cluster.options.effective_replication}"
        )
        for i in range(cluster.size):
            urls = cluster.node_urls(i)
            say(f"  {urls.name}: ingress {urls.ingress_url}   admin {urls.admin_url}")
        say(
            f"App replicas: {', '.join(r.url for r in topology.replicas)} "
            f"({workers} worker{'s' if workers != 1 else ''} each)"
        )
        say(
            f"Balancer (HAProxy, h2c, per request): {topology.balancer.url}, registered as "
            f"{deployment.id} ({', '.join(sorted(deployment.services))})"
        )
        say(f"Outbox: {outbox.outbox_path(env).resolve()}    logs: {topology.work_dir}")
        say("Try:")
        for line in what_to_try(topology):
            say(f"  {line}")
        say("Ctrl-C stops everything.")
        stopping.wait()
        say("Stopping ...")
    finally:
        topology.stop()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    say("Stopped.")
    return 0


def main() -> None:
    sys.exit(run())


if __name__ == "__main__":
    main()
