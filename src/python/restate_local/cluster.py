"""An N-node restate-server cluster on loopback, for tests and local development.

    with RestateCluster(ClusterOptions(nodes=3)) as cluster:
        cluster.ingress_urls   # one per node; any node serves every deployment
        cluster.kill(0)        # SIGKILL node 0
        cluster.restart(0)     # same ports and data; returns the seconds until it rejoined

Every node runs every role (metadata server, admin, worker, log server, ingress) with its own
base dir and free ports, the same cluster name and the list of all nodes as metadata servers;
exactly one node auto-provisions the cluster, with log replication 2 for 3 nodes (a majority in
general). `start()` returns once every node answers its health endpoints, sees all metadata
members on `/cluster-health` and can run a query (its partition processors are reachable).
Each node is a `RestateServer` (server_process.py), so clean-up is the same as for one server:
stopped at exit and on SIGTERM, temporary files removed.
"""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import httpx

from restate_local import process_cleanup
from restate_local.errors import RestateServerStartError
from restate_local.ports import LOOPBACK, free_ports
from restate_local.server_config import ServerOptions, ServerPorts
from restate_local.server_process import DEFAULT_STARTUP_TIMEOUT, RestateServer, tail_lines

ALL_ROLES = ("metadata-server", "admin", "worker", "log-server", "http-ingress")
_PROBE_QUERY = "SELECT count(*) AS n FROM sys_invocation"
_PORT_ATTEMPTS = 3


def default_replication(nodes: int) -> int:
    """A majority of the nodes: 2 of 3 (survives one node), 3 of 5, ..."""
    return nodes // 2 + 1


@dataclass(frozen=True)
class ClusterOptions:
    nodes: int = 3
    cluster_name: str = "restate-local"
    # None: a majority of the nodes (2 for 3).
    replication: int | None = None
    num_partitions: int = 4
    host: str = LOOPBACK
    # PEM file with an ed25519 private key: every node signs its requests to deployments.
    request_identity_private_key: Path | None = None
    # Each node's RocksDB budget; the server default (2 GiB) is a lot for several on one machine.
    rocksdb_memory: str = "256MiB"
    shutdown_timeout_seconds: float = 5.0
    log_filter: str | None = None
    # Added to every node's environment last.
    extra_env: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.nodes < 1:
            raise ValueError(f"a cluster needs at least one node, not {self.nodes}")
        if self.replication is not None and not 1 <= self.replication <= self.nodes:
            raise ValueError(
                f"replication must be between 1 and the number of nodes ({self.nodes}), "
                f"not {self.replication}"
            )

    @property
    def effective_replication(self) -> int:
        return self.replication if self.replication is not None else default_replication(self.nodes)


def node_env(options: ClusterOptions, index: int, all_ports: list[ServerPorts]) -> dict[str, str]:
    """The cluster settings of node `index` (on top of `server_config.server_env`)."""
    addresses = ",".join(f'"http://{options.host}:{p.node}/"' for p in all_ports)
    env = {
        "RESTATE_CLUSTER_NAME": options.cluster_name,
        "RESTATE_ROLES": "[" + ",".join(f'"{r}"' for r in ALL_ROLES) + "]",
        "RESTATE_METADATA_CLIENT__ADDRESSES": f"[{addresses}]",
        "RESTATE_DEFAULT_REPLICATION": str(options.effective_replication),
        "RESTATE_AUTO_PROVISION": "true" if index == 0 else "false",
        "RESTATE_ROCKSDB_TOTAL_MEMORY_SIZE": options.rocksdb_memory,
    }
    env.update(options.extra_env)
    return env


def ingress_services(response: httpx.Response) -> set[str]:
    """The services an ingress serves, from its `GET /restate/health` answer
    (`{"services": [...]}` in 1.7)."""
    try:
        body = response.json()
    except ValueError:
        return set()
    services = body.get("services") if isinstance(body, dict) else None
    return {str(s) for s in services} if isinstance(services, list) else set()


@dataclass(frozen=True)
class NodeUrls:
    name: str
    ingress_url: str
    admin_url: str
    node_address: str


class RestateCluster:
    """N restate-server processes forming one cluster. Context manager; sync API."""

    def __init__(
        self,
        options: ClusterOptions | None = None,
        *,
        binary: str | os.PathLike[str] | None = None,
        work_dir: str | os.PathLike[str] | None = None,
        keep_files: bool = False,
        startup_timeout: float = DEFAULT_STARTUP_TIMEOUT,
    ) -> None:
        self.options = options or ClusterOptions()
        self.binary = binary
        self._work_dir_arg = Path(work_dir) if work_dir is not None else None
        self.keep_files = keep_files
        self.startup_timeout = startup_timeout
        self._work_dir: Path | None = None
        self._ports: list[ServerPorts] = []
        self._nodes: list[RestateServer | None] = []
        self._cleanup_token: int | None = None
        self.startup_seconds: float | None = None

    # -- accessors --------------------------------------------------------------------------

    @property
    def size(self) -> int:
        return self.options.nodes

    def _node_options(self, index: int) -> ServerOptions:
        assert self._work_dir is not None
        return ServerOptions(
            host=self.options.host,
            ports=self._ports[index],
            base_dir=self._work_dir / f"node{index}" / "data",
            request_identity_private_key=self.options.request_identity_private_key,
            num_partitions=self.options.num_partitions,
            node_name=f"node{index}",
            log_filter=self.options.log_filter,
            shutdown_timeout_seconds=self.options.shutdown_timeout_seconds,
            extra_env=node_env(self.options, index, self._ports),
        )

    def node_urls(self, index: int) -> NodeUrls:
        ports = self._require_ports()[index]
        host = self.options.host
        return NodeUrls(
            name=f"node{index}",
            ingress_url=f"http://{host}:{ports.ingress}",
            admin_url=f"http://{host}:{ports.admin}",
            node_address=f"http://{host}:{ports.node}",
        )

    def _require_ports(self) -> list[ServerPorts]:
        if not self._ports:
            raise RuntimeError("the cluster is not started: call start() first")
        return self._ports

    @property
    def ingress_urls(self) -> list[str]:
        return [self.node_urls(i).ingress_url for i in range(self.size)]

    @property
    def admin_urls(self) -> list[str]:
        return [self.node_urls(i).admin_url for i in range(self.size)]

    def node(self, index: int) -> RestateServer | None:
        """The running server of node `index`, or None while it is stopped."""
        self._require_ports()
        return self._nodes[index]

    def is_running(self, index: int) -> bool:
        server = self.node(index)
        return server is not None and server.running

    def log_path(self, index: int) -> Path:
        assert self._work_dir is not None
        return self._work_dir / f"node{index}" / "restate-server.log"

    def log_tails(self, lines: int = 30) -> str:
        parts = []
        for i in range(self.size):
            path = self.log_path(i)
            parts.append(
                f"--- node{i} log ({path}), last {lines} lines ---\n{tail_lines(path, lines)}"
            )
        return "\n".join(parts)

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> RestateCluster:
        if self._ports:
            raise RuntimeError("the cluster is already started")
        started = time.monotonic()
        try:
            if self._work_dir_arg is not None:
                self._work_dir = self._work_dir_arg.resolve()
                self._work_dir.mkdir(parents=True, exist_ok=True)
            else:
                self._work_dir = Path(tempfile.mkdtemp(prefix="restate-local-cluster-"))
            self._cleanup_token = process_cleanup.register(self._stop_at_exit)
            for attempt in range(1, _PORT_ATTEMPTS + 1):
                try:
                    self._start_nodes()
                    break
                except RestateServerStartError as e:
                    # A port picked as free was taken before its node bound it: start afresh
                    # on new ports (the nodes' addresses are in every node's settings).
                    if attempt == _PORT_ATTEMPTS or "address in use" not in str(e):
                        raise
                    self._stop_nodes()
                    for i in range(self.size):
                        shutil.rmtree(self._work_dir / f"node{i}", ignore_errors=True)
            self.wait_healthy(timeout=self.startup_timeout)
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.monotonic() - started
        return self

    def _start_nodes(self) -> None:
        # Every node must know every node's address up front (metadata-client addresses), so
        # all ports are picked together.
        flat = free_ports(3 * self.size, self.options.host)
        self._ports = [
            ServerPorts(ingress=flat[3 * i], admin=flat[3 * i + 1], node=flat[3 * i + 2])
            for i in range(self.size)
        ]
        self._nodes = [None] * self.size
        # Each node answers its own health endpoints before the cluster is provisioned, so
        # starting them one after another (from this thread) works.
        for i in range(self.size):
            self._nodes[i] = self._start_node(i)

    def _stop_nodes(self) -> None:
        for i in reversed(range(len(self._nodes))):
            server, self._nodes[i] = self._nodes[i], None
            if server is not None:
                server.stop()

    def _start_node(self, index: int) -> RestateServer:
        server = RestateServer(
            self._node_options(index),
            binary=self.binary,
            log_path=self.log_path(index),
            startup_timeout=self.startup_timeout,
        )
        return server.start()

    def node_health(self, index: int, client: httpx.Client) -> str | None:
        """None when node `index` is a healthy member of the whole cluster, else why not."""
        urls = self.node_urls(index)
        try:
            if client.get(f"{urls.admin_url}/health").status_code != 200:
                return f"{urls.admin_url}/health is not 200"
            response = client.get(f"{urls.ingress_url}/restate/health")
            if response.status_code != 200:
                return f"{urls.ingress_url}/restate/health is not 200"
            # A restarted node's ingress answers before it has caught up with the registered
            # services, and meanwhile says 404 "service not found" to their calls.
            missing = self._services_elsewhere(index, client) - ingress_services(response)
            if missing:
                return f"its ingress does not serve {sorted(missing)} yet"
            response = client.get(f"{urls.admin_url}/cluster-health")
            if response.status_code != 200:
                return f"/cluster-health answered {response.status_code} (not provisioned yet?)"
            health = response.json().get("metadata_cluster_health") or {}
            members = health.get("members") or []
            if len(members) < self.size:
                return f"{len(members)} of {self.size} metadata members"
            response = client.post(
                f"{urls.admin_url}/query",
                json={"query": _PROBE_QUERY},
                headers={"accept": "application/json"},
            )
            if response.status_code != 200:
                return f"query answered {response.status_code}: {response.text[:200]}"
        except httpx.HTTPError as e:
            return f"{type(e).__name__}: {e}"
        return None

    def _services_elsewhere(self, index: int, client: httpx.Client) -> set[str]:
        """The services the other running nodes' ingresses serve."""
        services: set[str] = set()
        for other in range(self.size):
            if other == index or not self.is_running(other):
                continue
            try:
                response = client.get(f"{self.node_urls(other).ingress_url}/restate/health")
            except httpx.HTTPError:
                continue
            if response.status_code == 200:
                services |= ingress_services(response)
        return services

    def wait_node_healthy(self, index: int, timeout: float = 30.0) -> float:
        """Waits until node `index` is a healthy member; returns the seconds taken."""
        return self._wait([index], timeout)

    def wait_healthy(self, timeout: float = 30.0) -> float:
        """Waits until every running node is a healthy member; returns the seconds taken."""
        return self._wait([i for i in range(self.size) if self.is_running(i)], timeout)

    def _wait(self, indexes: list[int], timeout: float) -> float:
        started = time.monotonic()
        pending = dict.fromkeys(indexes, "not checked")
        with httpx.Client(timeout=2.0, trust_env=False) as client:
            while pending:
                for i in list(pending):
                    server = self._nodes[i]
                    if server is None or not server.running:
                        raise RestateServerStartError(
                            f"node{i} is not running.\n{self.log_tails(20)}"
                        )
                    why = self.node_health(i, client)
                    if why is None:
                        del pending[i]
                    else:
                        pending[i] = why
                if not pending:
                    break
                if time.monotonic() - started > timeout:
                    status = "; ".join(f"node{i}: {why}" for i, why in pending.items())
                    raise RestateServerStartError(
                        f"the cluster did not become healthy within {timeout:g}s ({status}).\n"
                        f"{self.log_tails(20)}"
                    )
                time.sleep(0.1)
        return time.monotonic() - started

    def stop_node(self, index: int) -> None:
        """Graceful stop (SIGTERM, then SIGKILL after the shutdown timeout); data is kept."""
        self._require_ports()
        server, self._nodes[index] = self._nodes[index], None
        if server is not None:
            server.stop()

    def kill(self, index: int) -> None:
        """SIGKILL node `index` (a crash: no graceful shutdown); data is kept."""
        self._require_ports()
        server, self._nodes[index] = self._nodes[index], None
        if server is not None:
            pid = server.pid
            if pid is not None and server.running:
                os.kill(pid, signal.SIGKILL)
            server.stop(timeout=5.0)  # reaps the process

    def restart(self, index: int, timeout: float = 60.0) -> float:
        """(Re)starts node `index` with its ports and data, stopping it first if it runs;
        returns the seconds from the start until it is a healthy member again."""
        if self._nodes[index] is not None:
            self.stop_node(index)
        started = time.monotonic()
        self._nodes[index] = self._start_node(index)
        self.wait_node_healthy(index, timeout=max(0.0, timeout - (time.monotonic() - started)))
        return time.monotonic() - started

    def stop(self) -> None:
        """Stops every node (in reverse order) and removes the temporary files."""
        self._stop_nodes()
        self._nodes = []
        self._ports = []
        if self._cleanup_token is not None:
            process_cleanup.unregister(self._cleanup_token)
            self._cleanup_token = None
        if self._work_dir is not None and self._work_dir_arg is None and not self.keep_files:
            shutil.rmtree(self._work_dir, ignore_errors=True)
        self._work_dir = None

    def _stop_at_exit(self) -> None:
        for server in self._nodes:
            if server is not None:
                server.stop(timeout=3.0)
        if self._work_dir is not None and self._work_dir_arg is None and not self.keep_files:
            shutil.rmtree(self._work_dir, ignore_errors=True)

    def __enter__(self) -> RestateCluster:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
