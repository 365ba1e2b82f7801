from __future__ import annotations

import os
import subprocess
from pathlib import Path

import httpx
import pytest
import tomllib

from restate_local import cluster as cluster_module
from restate_local.cluster import ClusterOptions, RestateCluster, default_replication, node_env
from restate_local.errors import RestateServerBinaryNotFound
from restate_local.ports import LOOPBACK, bind_listen_socket, free_ports
from restate_local.server_binary import find_server_binary
from restate_local.server_config import ServerOptions, ServerPorts, process_env, server_args

PORTS = [ServerPorts(ingress=18080 + i, admin=19070 + i, node=15122 + i) for i in range(3)]


@pytest.fixture
def binary() -> Path:
    try:
        return find_server_binary()
    except RestateServerBinaryNotFound as e:
        pytest.fail(str(e), pytrace=False)


def test_replication_is_a_majority() -> None:
    assert [default_replication(n) for n in (1, 2, 3, 4, 5)] == [1, 2, 2, 3, 3]
    assert ClusterOptions(nodes=3).effective_replication == 2
    assert ClusterOptions(nodes=3, replication=3).effective_replication == 3


def test_bad_options() -> None:
    with pytest.raises(ValueError, match="at least one node"):
        ClusterOptions(nodes=0)
    with pytest.raises(ValueError, match="replication must be between 1 and"):
        ClusterOptions(nodes=3, replication=4)


def test_exactly_one_node_provisions() -> None:
    options = ClusterOptions(nodes=3, cluster_name="c1")
    envs = [node_env(options, i, PORTS) for i in range(3)]
    assert [e["RESTATE_AUTO_PROVISION"] for e in envs] == ["true", "false", "false"]
    assert {e["RESTATE_CLUSTER_NAME"] for e in envs} == {"c1"}
    assert {e["RESTATE_DEFAULT_REPLICATION"] for e in envs} == {"2"}
    assert len({e["RESTATE_METADATA_CLIENT__ADDRESSES"] for e in envs}) == 1


def test_the_real_server_reads_the_cluster_settings(binary: Path, tmp_path: Path) -> None:
    """Unknown RESTATE_* variables are silently ignored: check each one lands in the config."""
    options = ClusterOptions(nodes=3, cluster_name="c1")
    env = process_env(
        ServerOptions(ports=PORTS[1], extra_env=node_env(options, 1, PORTS)), PORTS[1]
    )
    dumped = subprocess.run(
        [*server_args(binary, tmp_path), "--dump-config"],
        env=env,
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout.decode()
    config = tomllib.loads(dumped)
    assert config["cluster-name"] == "c1"
    assert config["auto-provision"] is False
    assert config["default-replication"] == 2
    assert set(config["roles"]) == {
        "metadata-server",
        "admin",
        "worker",
        "log-server",
        "http-ingress",
    }
    assert config["metadata-client"]["addresses"] == [f"http://127.0.0.1:{p.node}/" for p in PORTS]
    assert config["rocksdb-total-memory-size"] == "256.0 MiB"


def _pids_alive(pids: list[int]) -> list[int]:
    alive = []
    for pid in pids:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            continue
        alive.append(pid)
    return alive


def test_a_real_three_node_cluster(binary: Path) -> None:
    cluster = RestateCluster(ClusterOptions(nodes=3, num_partitions=2), binary=binary)
    with cluster:
        assert len(cluster.ingress_urls) == len(set(cluster.admin_urls)) == 3
        work_dir = cluster.log_path(0).parent.parent
        with httpx.Client(timeout=5, trust_env=False) as client:
            for i in range(3):
                assert cluster.node_health(i, client) is None
                members = client.get(f"{cluster.admin_urls[i]}/cluster-health").json()
                assert sorted(members["metadata_cluster_health"]["members"]) == [1, 2, 3]
        node2 = cluster.node(2)
        assert node2 is not None
        base_dir = node2.base_dir
        cluster.kill(2)
        assert not cluster.is_running(2)
        assert base_dir.is_dir(), "a killed node keeps its data"
        assert cluster.restart(2) < 60
        assert cluster.is_running(2)
        cluster.stop_node(1)
        assert cluster.restart(1) < 60
        pids = [p for p in (cluster.node(i).pid for i in range(3)) if p]  # type: ignore[union-attr]
    assert _pids_alive(pids) == []
    assert not work_dir.exists(), "the temporary files are removed"


def test_a_port_taken_before_its_node_binds_it_means_new_ports(
    binary: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    taken = bind_listen_socket(LOOPBACK, 0)
    taken.listen(1)
    taken_port = int(taken.getsockname()[1])
    picks: list[list[int]] = []

    def pick(count: int, host: str = LOOPBACK) -> list[int]:
        ports = free_ports(count, host)
        if not picks:
            ports[0] = taken_port  # node0's ingress port: someone got there first
        picks.append(ports)
        return ports

    monkeypatch.setattr(cluster_module, "free_ports", pick)
    try:
        with RestateCluster(ClusterOptions(nodes=1, num_partitions=1), binary=binary) as cluster:
            assert len(picks) == 2
            assert cluster.ingress_urls == [f"http://127.0.0.1:{picks[1][0]}"]
    finally:
        taken.close()
