"""Failover, for real: a 3-node Restate cluster and 2 replicas of the sample app behind HAProxy,
under a steady stream of calls and signups, while nodes and replicas are killed and restarted.

The figures (failed calls, p99 latency during the fault, time to rejoin) are printed; see them
with `./pants test --test-output=all tests/python/cluster:tests`. Nothing here asserts speed:
only that no call fails and that everything comes back.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from cluster.traffic import Call, Figures, SteadyTraffic

from app import outbox
from restate_local import find_server_binary
from restate_local.balancer import BalancerNotFound, ensure_haproxy
from restate_local.errors import RestateServerBinaryNotFound
from restate_local.topology import ClusterTopology

APP_SPEC = "app.deployment:make_app"
RUN = uuid.uuid4().hex[:8]
FIGURES: dict[str, str] = {}


@pytest.fixture(scope="module")
def app_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("app-data")


@pytest.fixture(scope="module")
def topology(app_data: Path) -> Iterator[ClusterTopology]:
    # A missing balancer or server fails here with the one line that says what to install.
    try:
        find_server_binary()
        ensure_haproxy()
    except (BalancerNotFound, RestateServerBinaryNotFound) as e:
        pytest.fail(str(e), pytrace=False)
    with ClusterTopology(
        APP_SPEC, nodes=3, replicas=2, app_env={"APP_DATA_DIR": str(app_data)}, register_via=1
    ) as t:
        yield t


class SampleTraffic:
    """Alternates a signup of a new user (starting their verification workflow) with a read of
    the user just signed up; remembers every email it signed up."""

    def __init__(self, tag: str) -> None:
        self.tag = tag
        self.emails: list[str] = []
        self._lock = threading.Lock()
        self._last: dict[int, str] = {}

    def __call__(self, worker: int, n: int) -> Call:
        if n % 2 == 0 or worker not in self._last:
            email = f"{self.tag}-{RUN}-w{worker}-{n}@example.com"
            with self._lock:
                self.emails.append(email)
                self._last[worker] = email
            return Call(
                "UserManager/signup_user",
                {"email": email, "name": f"user {n}"},
                idempotency_key=f"signup-{email}",
                kind="signup",
            )
        return Call(f"User/{self._last[worker]}/read", kind="read")


def signed_up(traffic: SteadyTraffic) -> list[str]:
    return [
        str(o.call.body["email"])  # type: ignore[index]
        for o in traffic.outcomes
        if o.ok and o.call.kind == "signup"
    ]


def report(capsys: pytest.CaptureFixture[str], name: str, lines: list[str]) -> None:
    FIGURES[name] = "\n".join(lines)
    with capsys.disabled():
        print(f"\n[failover] {name}:\n  " + "\n  ".join(lines), flush=True)


def confirm_and_attach(ingress_url: str, attach_url: str, outbox_path: Path, email: str) -> str:
    """Clicks the emailed link (via `ingress_url`) and waits for the workflow's result (via
    `attach_url`); returns the final stage."""
    deadline = time.monotonic() + 30
    secret = outbox.latest_secret(outbox_path, email)
    while secret is None:
        assert time.monotonic() < deadline, f"no verification email to {email} in {outbox_path}"
        time.sleep(0.1)
        secret = outbox.latest_secret(outbox_path, email)
    with httpx.Client(timeout=30, trust_env=False) as client:
        confirmed = client.post(
            f"{ingress_url}/UserManager/confirm_email", json={"email": email, "secret": secret}
        )
        assert confirmed.is_success, confirmed.text
        result = client.get(f"{attach_url}/restate/workflow/UserWorkflow/{email}/attach")
        assert result.is_success, result.text
        return str(result.json()["stage"])


def wait_until_served(traffic: SteadyTraffic, since: float, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        started = traffic.figures(since)
        if started.calls > started.failed:  # one call started since then has been served
            return
        time.sleep(0.1)


def test_kill_the_restate_node_the_client_talks_to(
    topology: ClusterTopology, app_data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cluster = topology.cluster
    calls = SampleTraffic("node")
    # Worker 0's client talks to node 0 (the node that provisioned the cluster); workers 1 and 2
    # talk to nodes 1 and 2. A worker moves to the next node only when its node is unreachable.
    traffic = SteadyTraffic(cluster.ingress_urls, calls, workers=3, interval=0.05, max_seconds=60)
    traffic.start()
    try:
        time.sleep(2.0)
        killed_at = time.monotonic()
        cluster.kill(0)
        time.sleep(4.0)
        # The surviving nodes take over node 0's partitions in a few seconds, longer on a busy
        # machine: the fault lasts until a call started during it has been served (at most 30 s
        # more; the assertions below then say what was not).
        wait_until_served(traffic, since=killed_at, timeout=30.0)
        restarted_at = time.monotonic()
        # A restarted node accepts connections before it has caught up with the registered
        # services (its ingress answers 404 meanwhile): clients wait for the rejoin, as a
        # readiness check in front of the ingress would make them.
        traffic.avoid(0)
        rejoin_seconds = cluster.restart(0)
        traffic.allow(0)
        rejoined_at = time.monotonic()
        time.sleep(2.0)
    finally:
        traffic.stop()

    during: Figures = traffic.figures(killed_at, rejoined_at)
    overall = traffic.figures()
    survivors = [o for o in traffic.outcomes if killed_at <= o.started < restarted_at and o.ok]
    assert overall.failed == 0, f"{overall.line()}; first errors: {overall.errors}"
    assert survivors and all(o.nodes_tried[-1] != 0 for o in survivors)
    assert overall.failed_over > 0, "no call was ever sent to the killed node"

    # Workflows started before and during the fault wait for their confirmation; they complete
    # once it comes, clicked through the node that was killed and has rejoined.
    emails = signed_up(traffic)
    started = time.monotonic()
    with ThreadPoolExecutor(4) as pool:
        stages = list(
            pool.map(
                lambda e: confirm_and_attach(
                    cluster.ingress_urls[0],
                    cluster.ingress_urls[2],
                    outbox.outbox_path({outbox.DATA_DIR_ENV: str(app_data)}),
                    e,
                ),
                emails,
            )
        )
    assert stages == ["confirmed"] * len(emails)
    report(
        capsys,
        "kill restate node0 (the client's node)",
        [
            f"during the fault ({rejoined_at - killed_at:.1f} s, kill -> rejoined): "
            f"{during.line()}",
            f"whole run: {overall.line()}",
            f"node0 rejoined {rejoin_seconds:.1f} s after its restart",
            f"{len(emails)} workflows started before/while node0 was down all completed "
            f"after it rejoined ({time.monotonic() - started:.1f} s to confirm and attach)",
        ],
    )


def test_kill_an_app_replica(topology: ClusterTopology, capsys: pytest.CaptureFixture[str]) -> None:
    balancer = topology.balancer
    replica = topology.replicas[0]
    traffic = SteadyTraffic(
        topology.cluster.ingress_urls,
        SampleTraffic("replica"),
        workers=3,
        interval=0.05,
        max_seconds=60,
    )
    traffic.start()
    try:
        time.sleep(2.0)
        killed_at = time.monotonic()
        replica.kill()
        down_seconds = balancer.wait_for_state(replica.name, "DOWN")
        time.sleep(3.0)
        restarted_at = time.monotonic()
        replica.start()
        up_seconds = balancer.wait_for_state(replica.name, "UP")
        rejoined_at = time.monotonic()
        served_before = int(balancer.server_stats()[replica.name]["stot"])
        time.sleep(2.0)
        served_after = int(balancer.server_stats()[replica.name]["stot"])
    finally:
        traffic.stop()

    during = traffic.figures(killed_at, rejoined_at)
    overall = traffic.figures()
    assert overall.failed == 0, f"{overall.line()}; first errors: {overall.errors}"
    assert served_after > served_before, "the restarted replica got no requests"
    report(
        capsys,
        f"kill app {replica.name}",
        [
            f"during the fault ({rejoined_at - killed_at:.1f} s, kill -> back in the balancer): "
            f"{during.line()}",
            f"whole run: {overall.line()}",
            f"haproxy marked it DOWN {down_seconds:.2f} s after the kill; after its restart "
            f"it was UP in the balancer {rejoined_at - restarted_at:.2f} s later "
            f"(health check {up_seconds:.2f} s) and served {served_after - served_before} "
            "requests in the next 2 s",
        ],
    )


def test_everything_rejoined(
    topology: ClusterTopology, app_data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cluster = topology.cluster
    cluster.wait_healthy(timeout=30)
    assert set(topology.balancer.server_states().values()) == {"UP"}
    outbox_path = outbox.outbox_path({outbox.DATA_DIR_ENV: str(app_data)})
    with httpx.Client(timeout=30, trust_env=False) as client:
        for i, url in enumerate(cluster.ingress_urls):
            email = f"final-{RUN}-{i}@example.com"
            response = client.post(
                f"{url}/UserManager/signup_user", json={"email": email, "name": "final"}
            )
            assert response.is_success, response.text
            attach = cluster.ingress_urls[(i + 1) % cluster.size]
            assert confirm_and_attach(url, attach, outbox_path, email) == "confirmed"
    report(
        capsys,
        "summary",
        [f"{name}:\n    " + text.replace("\n", "\n    ") for name, text in FIGURES.items()],
    )
