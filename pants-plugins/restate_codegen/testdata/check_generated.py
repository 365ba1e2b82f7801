"""Prove the golden generated code for real (run with a Python 3.11 that has restate-sdk, pydantic,
msgspec, httpx, hypercorn and mypy; see check_generated.sh).

A developer tool outside Pants: the same real-server round trips, per type kind, run under Pants
in tests/python/e2e (types_test.py); this script checks the golden files themselves.

1. The sample handlers + golden generated modules pass `mypy --strict`.
2. mypy rejects wrongly typed calls through the generated clients (wrong_calls.py below).
3. Importing a generated client module does not import the component's handler modules.
4. The generated deployment `app`, served by hypercorn (h2c) and registered with a real
   restate-server, answers every handler kind through the generated ingress clients; the
   handlers call each other through the generated context clients.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import timedelta
from pathlib import Path
from typing import Any, Awaitable, Callable, TypeVar

HERE = Path(__file__).resolve().parent
T = TypeVar("T")

WRONG_CALLS = """\
from __future__ import annotations

import httpx

from app.models import SignupRequest, UserProfile
from app.users.signup_flow_restate_client import SignupFlowIngressClient
from app.users.user_manager_restate_client import UserManagerIngressClient
from app.users.user_restate_client import UserClient, UserIngressClient


async def wrong(http: httpx.AsyncClient, ctx: object) -> None:
    manager = UserManagerIngressClient(http)
    await manager.signup("ada@example.com")  # E: arg-type
    count: int = await manager.signup(SignupRequest(email="a", name="b"))  # E: assignment
    await UserIngressClient(http).read()  # E: call-arg
    await manager.stats(1)  # E: misc
    stage: int | None = await SignupFlowIngressClient(http, "k").stage()  # E: assignment
    flow = SignupFlowIngressClient(http, "k")
    result: UserProfile = await flow.attach()  # E: assignment
    profile = UserProfile(email="a", name="b")
    await UserIngressClient(http, "k").write(profile, headers=1)  # E: arg-type
    await manager.lookup(["a"], idempotency_key=3)  # E: arg-type
    UserClient.from_context(ctx, "k")  # E: arg-type
    user = UserIngressClient(http, "k")
    sent = await user.send().read()
    stored: int = await sent.attach()  # E: assignment
    submitted = await flow.submit(SignupRequest(email="a", name="b"))
    accepted: str = submitted.accepted  # E: assignment
    by_id: int = await user.invocation_handle(user.read, "inv_1").attach()  # E: assignment
    by_key = user.idempotent_invocation_handle(user.read, "k1")
    read: str = await by_key.output()  # E: assignment
    user.invocation_handle(user.read, 1)  # E: arg-type
"""


def log(message: str) -> None:
    print(f"[check_generated] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(url: str, timeout: float, what: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{what} exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status < 500:
                    return
        except Exception:
            time.sleep(0.1)
    raise SystemExit(f"{what} did not come up at {url} within {timeout}s")


def make_tree(root: Path) -> None:
    shutil.copytree(HERE / "sample" / "app", root / "app")
    shutil.copytree(HERE / "golden" / "app", root / "app", dirs_exist_ok=True)


# The sample's `ticket_office.echo` has no annotations on purpose (served as any JSON, typed
# `Any` in the clients): strict everywhere else, including the code generated for it.
MYPY_INI = """\
[mypy]

[mypy-app.shop.ticket_office]
disallow_untyped_defs = False
disallow_incomplete_defs = False
"""


def check_mypy(root: Path) -> None:
    (root / "mypy.ini").write_text(MYPY_INI)
    mypy = [
        sys.executable,
        "-m",
        "mypy",
        "--config-file",
        "mypy.ini",
        "--strict",
        "--python-version",
        "3.11",
        "--no-incremental",
    ]
    result = subprocess.run(mypy + ["app"], cwd=root, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit("mypy --strict failed on the generated code:\n" + result.stdout)
    log("mypy --strict: " + result.stdout.strip().splitlines()[-1])

    (root / "wrong_calls.py").write_text(WRONG_CALLS)
    result = subprocess.run(mypy + ["wrong_calls.py"], cwd=root, capture_output=True, text=True)
    expected = {
        (number, match.group(1))
        for number, line in enumerate(WRONG_CALLS.splitlines(), start=1)
        for match in [re.search(r"# E: ([\w-]+)", line)]
        if match
    }
    found = {
        (int(m.group(1)), m.group(2))
        for m in re.finditer(r"^wrong_calls\.py:(\d+): error: .*\[([\w-]+)\]$", result.stdout, re.M)
    }
    if not expected <= found or result.returncode == 0:
        raise SystemExit(
            f"mypy should reject every wrong call: expected {sorted(expected)}, got {sorted(found)}"
            f"\n{result.stdout}"
        )
    log(f"mypy rejects all {len(expected)} wrongly typed client calls")


def check_no_implementation_import(root: Path) -> None:
    probe = (
        "import sys\n"
        "import app.users.signup_flow_restate_client, app.users.user_manager_restate_client\n"
        "import app.users.user_restate_client, app.mail.email_restate_client\n"
        "handlers = {'app.users.signup_flow', 'app.users.user_manager', 'app.users.user',\n"
        "            'app.mail.email_service'}\n"
        "print(sorted(handlers & set(sys.modules)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=root, capture_output=True, text=True, check=True
    ).stdout.strip()
    if out != "[]":
        raise SystemExit(f"importing the clients imported handler modules: {out}")
    log("importing the four client modules imports no handler module")


async def poll(
    what: str, fetch: Callable[[], Awaitable[T]], done: Callable[[T], bool], timeout: float = 15
) -> T:
    deadline = time.monotonic() + timeout
    while True:
        value = await fetch()
        if done(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: still {value!r} after {timeout}s")
        await asyncio.sleep(0.1)


async def exercise(ingress: str) -> list[str]:
    import httpx
    import restate
    from app.mail.email_restate_client import EmailIngressClient
    from app.models import SignupRequest, UserProfile
    from app.users.signup_flow_restate_client import SignupFlowIngressClient
    from app.users.user_manager_restate_client import UserManagerIngressClient
    from app.users.user_restate_client import UserIngressClient

    checked: list[str] = []
    timings: dict[str, float] = {}

    async def timed(name: str, call: Awaitable[T]) -> T:
        start = time.perf_counter()
        value = await call
        timings[name] = (time.perf_counter() - start) * 1000
        return value

    async with httpx.AsyncClient(base_url=ingress, timeout=30) as http:
        manager = UserManagerIngressClient(http)
        email = EmailIngressClient(http)

        # Service handler with a dataclass request and a pydantic response; inside, a context
        # call to the User object and a context send to the Email service (msgspec Struct).
        req = SignupRequest(email="ada@example.com", name="Ada", tags=["early"])
        profile = await timed("signup", manager.signup(req, headers={"x-trace": "1"}))
        assert profile == UserProfile(email="ada@example.com", name="Ada", tags=["early"]), profile
        checked.append("service call: dataclass in, pydantic out")
        ada = UserIngressClient(http, "ada@example.com")
        stored = await timed("object shared read", ada.read())
        assert stored == profile, stored
        checked.append("ctx object call (UserManager.signup -> User.write), shared read")
        last = await poll("Email.last_to", email.last_to, lambda v: v == "ada@example.com")
        checked.append(f"ctx send (UserManager.signup -> Email.send_email, msgspec): {last}")

        tags = await timed("object exclusive", ada.add_tag("vip"))
        assert tags == ["early", "vip"], tags
        checked.append("object exclusive handler: str in, list[str] out")
        found = await manager.lookup(["ada@example.com", "nobody@example.com"])
        tagged = profile.model_copy(update={"tags": ["early", "vip"]})
        assert found == {"ada@example.com": tagged, "nobody@example.com": None}, found
        checked.append("list in, dict[str, Optional[pydantic]] out (inner ctx calls)")

        stats = await manager.stats()
        assert type(stats).__name__ == "Stats" and stats.signups >= 1, stats
        echoed = await manager.echo_stats(stats)
        assert echoed == stats, echoed
        checked.append("no-request handler; dataclass from the handler module both ways")

        before = await email.sent_count()
        again = SignupRequest(email="bob@example.com", name="Bob")
        first = await manager.signup(again, idempotency_key="signup-bob")
        second = await manager.signup(again, idempotency_key="signup-bob")
        assert first == second
        await poll("sent_count", email.sent_count, lambda n: n >= before + 1)
        await asyncio.sleep(0.5)
        assert await email.sent_count() == before + 1, "idempotency key ignored"
        checked.append("idempotency-key: second call replays the first (one email sent)")

        carol = UserIngressClient(http, "carol@example.com")
        sent = await carol.send().write(UserProfile(email="carol@example.com", name="C"))
        invocation = sent.invocation_id
        assert invocation.startswith("inv_"), invocation
        await poll("User(carol).read", carol.read, lambda v: v is not None)
        checked.append(f"ingress send -> invocation id {invocation[:12]}...")
        start = time.monotonic()
        await carol.send(delay=timedelta(seconds=1.5)).add_tag("late")
        await poll("delayed add_tag", carol.read, lambda v: v is not None and "late" in v.tags)
        waited = time.monotonic() - start
        assert waited >= 1.4, waited
        checked.append(f"ingress send with delay=1.5s: applied after {waited:.2f}s")

        flow = SignupFlowIngressClient(http, "flow-dave")
        dave = SignupRequest(email="dave@example.com", name="Dave")
        submitted = await flow.submit(dave)
        assert submitted.invocation_id.startswith("inv_") and submitted.accepted, submitted
        await poll("SignupFlow.stage", flow.stage, lambda s: s == "waiting")
        try:
            await flow.output()
        except restate.HttpError as err:
            checked.append(f"workflow output before the end -> HttpError {err.status_code}")
        else:
            raise AssertionError("output() of a running workflow should fail")
        await flow.approve("1234")
        result = await timed("workflow attach", flow.attach())
        assert result.verified and result.profile is not None, result
        assert result.profile.confirmed and result.email == "dave@example.com", result
        assert await flow.output() == result
        assert await flow.stage() == "done"
        dave_stored = await UserIngressClient(http, "dave@example.com").read()
        assert dave_stored is not None and dave_stored.confirmed, dave_stored
        checked.append("workflow submit/stage/approve/attach/output (dataclass with pydantic)")

        n = 50
        start = time.perf_counter()
        for _ in range(n):
            await ada.read()
        per_call = (time.perf_counter() - start) / n * 1000
    checked.append(
        "latency (ms): "
        + ", ".join(f"{k} {v:.1f}" for k, v in timings.items())
        + f", shared read avg of {n}: {per_call:.1f}"
    )
    return checked


def check_service_metadata(admin_port: int) -> None:
    def service(name: str) -> dict[str, Any]:
        url = f"http://127.0.0.1:{admin_port}/services/{name}"
        with urllib.request.urlopen(url) as response:
            return dict(json.loads(response.read()))

    user = service("User")
    expected = {
        "documentation": "One user's profile, keyed by email address.",
        "inactivity_timeout": "1m",
        "abort_timeout": "10s 500ms",
        "journal_retention": "1d",
        "idempotency_retention": "1h",
    }
    actual = {k: user.get(k) for k in expected}
    assert actual == expected, actual
    kinds = {h["name"]: (h["ty"], h.get("documentation")) for h in user["handlers"]}
    assert kinds == {
        "write": ("Exclusive", "Replace the stored profile."),
        "read": ("Shared", "The stored profile, if any."),
        "add_tag": ("Exclusive", "Add a tag to the profile and return all tags."),
    }, kinds
    manager = service("UserManager")
    assert manager["documentation"] == "Signs users up and looks them up (target description)."
    flow = {h["name"]: h["ty"] for h in service("SignupFlow")["handlers"]}
    assert flow == {"run": "Workflow", "approve": "Shared", "stage": "Shared"}, flow
    log("admin API shows the options, descriptions and handler kinds from the target")


def run_against_server(root: Path, server_bin: str) -> None:
    app_port, ingress_port, admin_port, fabric_port = (free_port() for _ in range(4))
    env = dict(os.environ, PYTHONPATH=str(root))
    data = root / "restate-data"
    procs: list[subprocess.Popen[bytes]] = []
    app_log = open(root / "app.log", "wb")
    server_log = open(root / "server.log", "wb")
    try:
        app = subprocess.Popen(
            [sys.executable, "-m", "hypercorn", "app.deployment:app"]
            + ["--bind", f"127.0.0.1:{app_port}"],
            cwd=root,
            env=env,
            stdout=app_log,
            stderr=subprocess.STDOUT,
        )
        procs.append(app)
        server_env = dict(
            os.environ,
            RESTATE_BASE_DIR=str(data),
            RESTATE_LISTEN_MODE="tcp",
            RESTATE_LOG_FILTER="warn",
            RESTATE_BIND_ADDRESS=f"127.0.0.1:{fabric_port}",
            RESTATE_INGRESS__BIND_ADDRESS=f"127.0.0.1:{ingress_port}",
            RESTATE_ADMIN__BIND_ADDRESS=f"127.0.0.1:{admin_port}",
        )
        start = time.monotonic()
        server = subprocess.Popen(
            [server_bin, "--no-logo"],
            cwd=root,
            env=server_env,
            stdout=server_log,
            stderr=subprocess.STDOUT,
        )
        procs.append(server)
        wait_for(f"http://127.0.0.1:{admin_port}/health", 60, "restate-server admin", server)
        wait_for(f"http://127.0.0.1:{ingress_port}/restate/health", 60, "ingress", server)
        log(f"restate-server up in {time.monotonic() - start:.2f}s")
        body = json.dumps({"uri": f"http://127.0.0.1:{app_port}", "use_http_11": False}).encode()
        request = urllib.request.Request(
            f"http://127.0.0.1:{admin_port}/deployments",
            data=body,
            headers={"content-type": "application/json"},
            method="POST",
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    registered = json.loads(response.read())
                break
            except Exception as err:
                if time.monotonic() > deadline:
                    raise SystemExit(f"registration failed: {err}") from err
                time.sleep(0.3)
        services = sorted(f"{s['name']}({s['ty']})" for s in registered.get("services", []))
        log(f"registered deployment: {', '.join(services)}")
        check_service_metadata(admin_port)
        sys.path.insert(0, str(root))
        checked = asyncio.run(exercise(f"http://127.0.0.1:{ingress_port}"))
        for line in checked:
            log("ok: " + line)
    except BaseException:
        app_log.flush()
        server_log.flush()
        sys.stderr.write((root / "app.log").read_text()[-4000:])
        sys.stderr.write((root / "server.log").read_text(errors="replace")[-4000:])
        raise
    finally:
        for proc in reversed(procs):
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        app_log.close()
        server_log.close()


def main() -> None:
    server_bin = os.environ.get("RESTATE_SERVER_BIN") or (sys.argv[1] if len(sys.argv) > 1 else "")
    with tempfile.TemporaryDirectory(prefix="restate-codegen-check-") as tmp:
        root = Path(tmp)
        make_tree(root)
        check_mypy(root)
        check_no_implementation_import(root)
        if not server_bin:
            log("no RESTATE_SERVER_BIN: skipping the real-server run")
            return
        run_against_server(root, server_bin)
    log("all checks passed")


if __name__ == "__main__":
    main()
