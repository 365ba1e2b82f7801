"""A whole local topology: a Restate cluster, app replicas, and HAProxy in front of them.

    with ClusterTopology("app.deployment:make_app", nodes=3, replicas=2) as topology:
        topology.cluster.ingress_urls     # call through any node
        topology.replicas[0].kill()       # the balancer routes around it
        topology.balancer.url             # the one URI registered with Restate

Request identity is on: a fresh ed25519 key pair under the work dir; every node signs with the
private key and every replica accepts only requests signed with it (`RESTATE_IDENTITY_KEYS`).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType

import httpx

from restate_local import identity
from restate_local.admin import AdminClient, Deployment
from restate_local.balancer import HAProxyBalancer
from restate_local.cluster import ClusterOptions, RestateCluster, ingress_services
from restate_local.lifecycle import require_started
from restate_local.replica import AppReplica


class ClusterTopology:
    def __init__(
        self,
        app_spec: str,
        *,
        nodes: int = 3,
        replicas: int = 2,
        workers: int = 1,
        identity_keys: bool = True,
        work_dir: str | os.PathLike[str] | None = None,
        app_env: Mapping[str, str] | None = None,
        cluster_name: str = "restate-local",
        num_partitions: int = 4,
        balancer_port: int = 0,
        register_via: int = 0,
        server_binary: str | os.PathLike[str] | None = None,
        keep_files: bool = False,
    ) -> None:
        if replicas < 1:
            raise ValueError(f"at least one app replica, not {replicas}")
        self.app_spec = app_spec
        self.nodes = nodes
        self.replica_count = replicas
        self.workers = workers
        self.identity_keys = identity_keys
        self._work_dir_arg = Path(work_dir) if work_dir is not None else None
        self.app_env = dict(app_env or {})
        self.cluster_name = cluster_name
        self.num_partitions = num_partitions
        self.balancer_port = balancer_port
        self.register_via = register_via
        self.server_binary = server_binary
        self.keep_files = keep_files
        self._work_dir: Path | None = None
        self._cluster: RestateCluster | None = None
        self._balancer: HAProxyBalancer | None = None
        self.replicas: list[AppReplica] = []
        self.deployment: Deployment | None = None
        self.timings: dict[str, float] = {}

    @property
    def work_dir(self) -> Path:
        return require_started(self._work_dir, "topology")

    @property
    def cluster(self) -> RestateCluster:
        return require_started(self._cluster, "topology")

    @property
    def balancer(self) -> HAProxyBalancer:
        return require_started(self._balancer, "topology")

    def start(self) -> ClusterTopology:
        try:
            if self._work_dir_arg is not None:
                self._work_dir = self._work_dir_arg.resolve()
                self._work_dir.mkdir(parents=True, exist_ok=True)
            else:
                self._work_dir = Path(tempfile.mkdtemp(prefix="restate-local-topology-"))
            t0 = time.monotonic()
            keys: tuple[str, ...] = ()
            private_key = None
            if self.identity_keys:
                pair = identity.ensure_key_pair(self._work_dir / "identity" / "private.pem")
                keys, private_key = (pair.public_key,), pair.private_key_pem
            # The balancer first: without haproxy nothing else needs to start.
            self.replicas = [
                AppReplica(
                    self.app_spec,
                    name=f"replica{i}",
                    workers=self.workers,
                    identity_keys=keys,
                    env=self.app_env,
                    log_path=self._work_dir / f"replica{i}.log",
                )
                for i in range(1, self.replica_count + 1)
            ]
            self._balancer = HAProxyBalancer(
                [(r.host, r.port) for r in self.replicas],
                port=self.balancer_port,
                work_dir=self._work_dir / "haproxy",
            ).start()
            t1 = time.monotonic()
            self._cluster = RestateCluster(
                ClusterOptions(
                    nodes=self.nodes,
                    cluster_name=self.cluster_name,
                    num_partitions=self.num_partitions,
                    request_identity_private_key=private_key,
                ),
                binary=self.server_binary,
                work_dir=self._work_dir / "cluster",
            ).start()
            t2 = time.monotonic()
            for replica in self.replicas:
                replica.start()
            for replica in self.replicas:
                self.balancer.wait_for_state(replica.name, "UP")
            t3 = time.monotonic()
            admin_url = self.cluster.admin_urls[self.register_via % self.nodes]
            with AdminClient(admin_url) as admin:
                self.deployment = admin.register_deployment(self.balancer.url, use_http_11=False)
            self.wait_services_everywhere(self.deployment.services)
            t4 = time.monotonic()
            self.timings = {
                "balancer_start": t1 - t0,
                "cluster_start": t2 - t1,
                "replicas_start": t3 - t2,
                "registration": t4 - t3,
            }
        except BaseException:
            self.stop()
            raise
        return self

    def wait_services_everywhere(self, services: tuple[str, ...], timeout: float = 30.0) -> None:
        """Waits until every node's ingress serves `services`: a registration through one node
        reaches the others with the next metadata update, and until then they answer 404."""
        deadline = time.monotonic() + timeout
        with httpx.Client(timeout=2.0, trust_env=False) as client:
            for ingress_url in self.cluster.ingress_urls:
                while True:
                    with contextlib.suppress(httpx.HTTPError):
                        response = client.get(f"{ingress_url}/restate/health")
                        if set(services) <= ingress_services(response):
                            break
                    if time.monotonic() > deadline:
                        raise TimeoutError(
                            f"{ingress_url} does not serve {sorted(services)} {timeout:g}s after "
                            "the registration"
                        )
                    time.sleep(0.1)

    def stop(self) -> None:
        # Restate first, so its HTTP/2 connections to the replicas close before they stop.
        if self._cluster is not None:
            self._cluster.stop()
            self._cluster = None
        for replica in self.replicas:
            replica.stop()
        if self._balancer is not None:
            self._balancer.stop()
            self._balancer = None
        if self._work_dir is not None and self._work_dir_arg is None and not self.keep_files:
            shutil.rmtree(self._work_dir, ignore_errors=True)
        self._work_dir = None

    def __enter__(self) -> ClusterTopology:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
