"""The server command of every generated deployment: `<package>.deployment:main`.

    pex_binary(name="server", entry_point="app.deployment:main")

Serves the deployment with hypercorn (HTTP/2 cleartext by default, HTTP/1.1 with
`APP_HTTP=http1.1`), registers it with the Restate admin API and prints how to call it. With the
embedded server (the dev loop) registration forces: a restart after a code change replaces the
old registration. With a Restate server of its own (`RESTATE_ADMIN_URL`) it does not, because
invocations in flight at that URI would replay their journals against the new code: when the
deployment registered at the URI has other handlers, the command exits saying to serve the new
version at a new URI (Restate's versioning). `APP_REGISTER_FORCE` overrides either way.
Without `RESTATE_ADMIN_URL` it first starts a local restate-server (data under
`.restate-data/`) and stops it on exit. Settings: see `restate_glue.settings`. Exits 0 after
Ctrl-C / SIGTERM, 1 with a one- or two-line message when something is in the way, 2 on a bad
setting.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import FrameType
from typing import Any, Literal, Protocol, TextIO

import httpx

from restate_glue.settings import ConfigError, EmbeddedRestate, ExternalRestate, Settings
from restate_local import (
    AdminClient,
    DeploymentRegistrationError,
    PortInUseError,
    RestateServer,
    RestateServerBinaryNotFound,
    RestateServerStartError,
    ServedApp,
    ServerOptions,
    ServerPorts,
    find_server_binary,
    identity,
    run_app,
)
from restate_local.ports import bind_listen_socket
from restate_local.replica import serve_with_workers

_CHECK_TIMEOUT = 5.0
_REGISTER_TIMEOUT = 60.0
_EMBEDDED_STARTUP_TIMEOUT = 60.0


class Deployment(Protocol):
    """What a generated deployment module offers the server command."""

    @property
    def services(self) -> Mapping[str, Any]: ...

    @property
    def objects(self) -> Mapping[str, Any]: ...

    @property
    def workflows(self) -> Mapping[str, Any]: ...

    def make_app(
        self,
        identity_keys: list[str] | None = None,
        protocol: Literal["bidi", "request_response"] | None = None,
    ) -> Any: ...


class StartupError(Exception):
    """Something in the way of serving; the message (one or two lines) is all the user sees."""


@dataclass(frozen=True)
class RestateEndpoints:
    admin_url: str
    ingress_url: str
    identity_keys: tuple[str, ...]
    embedded: RestateServer | None = None


def _one_line(text: str, limit: int = 300) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _check_free(host: str, port: int, what: str) -> None:
    try:
        bind_listen_socket(host, port).close()
    except PortInUseError:
        raise StartupError(f"port {port} on {host} is taken: {what}") from None


def check_admin(admin_url: str, timeout: float = _CHECK_TIMEOUT) -> None:
    """Raises StartupError unless `GET {admin_url}/health` answers 200."""
    try:
        response = httpx.get(f"{admin_url}/health", timeout=timeout, trust_env=False)
    except httpx.HTTPError as e:
        raise StartupError(
            f"cannot reach the Restate admin API at {admin_url} (RESTATE_ADMIN_URL): "
            f"{_one_line(str(e)) or type(e).__name__}\n"
            "Start that server, fix RESTATE_ADMIN_URL, or unset it to run an embedded server."
        ) from None
    if response.status_code != 200:
        raise StartupError(
            f"{admin_url}/health answered HTTP {response.status_code}: is RESTATE_ADMIN_URL the "
            "admin API of a Restate server (usually port 9070)?"
        )


@contextlib.contextmanager
def external_restate(config: ExternalRestate) -> Iterator[RestateEndpoints]:
    check_admin(config.admin_url)
    yield RestateEndpoints(config.admin_url, config.ingress_url, config.identity_keys)


@contextlib.contextmanager
def embedded_restate(
    config: EmbeddedRestate, say: Any, env: Mapping[str, str]
) -> Iterator[RestateEndpoints]:
    for port, variable, role in (
        (config.ingress_port, "APP_RESTATE_INGRESS_PORT", "ingress"),
        (config.admin_port, "APP_RESTATE_ADMIN_PORT", "admin API"),
        (config.node_port, "APP_RESTATE_NODE_PORT", "node"),
    ):
        _check_free(
            config.host,
            port,
            f"the embedded Restate server's {role} port ({variable}). Is a Restate server "
            "already running? Use it with RESTATE_ADMIN_URL and RESTATE_INGRESS_URL, or pick "
            "other ports.",
        )
    try:
        binary = find_server_binary(env=env)
    except RestateServerBinaryNotFound as e:
        raise StartupError(
            f"{_one_line(str(e), 400)}\n"
            "Or point this app at a running Restate server with RESTATE_ADMIN_URL."
        ) from None
    data_dir = config.data_dir.resolve()
    keys: tuple[str, ...] = ()
    private_key = None
    if config.identity != "off":
        try:
            pair = identity.ensure_key_pair(data_dir / "identity" / "private.pem")
        except identity.IdentityError as e:
            if config.identity == "on":
                raise StartupError(f"request identity (APP_IDENTITY=on): {e}") from None
            say(f"warning: request identity is off: {e}")
        else:
            keys, private_key = (pair.public_key,), pair.private_key_pem
    options = ServerOptions(
        host=config.host,
        ports=ServerPorts(
            ingress=config.ingress_port, admin=config.admin_port, node=config.node_port
        ),
        base_dir=data_dir / "server",
        request_identity_private_key=private_key,
        num_partitions=4,
        node_name="app-dev",
    )
    log_path = data_dir / "restate-server.log"
    server = RestateServer(
        options, binary=binary, log_path=log_path, startup_timeout=_EMBEDDED_STARTUP_TIMEOUT
    )
    say(f"Starting the embedded Restate server (data: {data_dir}) ...")
    try:
        server.start()
    except RestateServerStartError as e:
        first = str(e).splitlines()[0] if str(e) else "it did not start"
        raise StartupError(
            f"the embedded Restate server did not start: {_one_line(first)}\n"
            f"Its log: {log_path}"
        ) from None
    try:
        yield RestateEndpoints(server.admin_url, server.ingress_url, keys, embedded=server)
    finally:
        say("Stopping the embedded Restate server ...")
        server.stop()


def register(
    admin_url: str,
    uri: str,
    *,
    use_http_11: bool,
    force: bool = False,
    handlers: Mapping[str, frozenset[str]] | None = None,
    timeout: float = _REGISTER_TIMEOUT,
) -> str:
    """Registers the app served at `uri` (with `force`: replacing a changed deployment there);
    returns the deployment id. Without `force`, `handlers` (component -> handler names) is what
    the app serves: restate-server 1.7 answers 200 with the registration it already holds for
    `uri`, unchanged, so a difference means another version is registered there."""
    try:
        with AdminClient(admin_url, timeout=timeout) as admin:
            registered = admin.register_deployment(uri, use_http_11=use_http_11, force=force)
    except DeploymentRegistrationError as e:
        if not force and e.status_code == 409:
            raise StartupError(_other_version_registered(uri)) from None
        hint = ""
        if "401" in e.message or e.status_code == 401:
            hint = (
                "\nThe app only accepts requests signed by the Restate server: "
                "RESTATE_IDENTITY_KEYS must be that server's request-identity public key."
            )
        elif e.restate_code == "META0003":
            hint = f"\nRestate must reach the app at {uri}: set APP_URL (and APP_HOST) to suit."
        raise StartupError(
            f"Restate refused to register the deployment at {uri}: "
            f"HTTP {e.status_code}: {_one_line(e.message)}{hint}"
        ) from None
    except httpx.HTTPError as e:
        raise StartupError(
            f"registering the deployment: cannot reach the Restate admin API at {admin_url}: "
            f"{_one_line(str(e)) or type(e).__name__}"
        ) from None
    if not force and handlers is not None and registered_handlers(registered.raw) != handlers:
        raise StartupError(_other_version_registered(uri))
    return registered.id


def _other_version_registered(uri: str) -> str:
    return (
        f"another version of this deployment is registered at {uri} (its handlers differ) and "
        "may have invocations in flight, so it was left as it is: serve this version at a new "
        "URI (APP_PORT / APP_URL) and Restate sends new invocations there while the old one "
        "drains (APP_REGISTER_FORCE=1 overwrites it, for development only)"
    )


def registered_handlers(registration: Mapping[str, Any]) -> dict[str, frozenset[str]]:
    """Component -> handler names, from the admin API's answer to a registration."""
    return {
        str(service["name"]): frozenset(str(h["name"]) for h in service.get("handlers", []))
        for service in registration.get("services", [])
    }


def served_handlers(deployment: Deployment) -> dict[str, frozenset[str]]:
    """Component (its Restate name) -> handler names the deployment serves."""
    return {
        str(getattr(component, "name", name)): frozenset(getattr(component, "handlers", {}))
        for registry in (deployment.services, deployment.objects, deployment.workflows)
        for name, component in registry.items()
    }


def example_calls(deployment: Deployment, ingress_url: str) -> list[str]:
    """One line per component: the URL of each handler (POST a JSON body to call it)."""
    ingress = ingress_url.rstrip("/")
    lines = []
    for registry, key in (
        (deployment.services, ""),
        (deployment.objects, "/<key>"),
        (deployment.workflows, "/<key>"),
    ):
        for name in sorted(registry):
            handlers = sorted(getattr(registry[name], "handlers", {}))
            lines.append(f"curl -sS {ingress}/{name}{key}/{{{','.join(handlers)}}} -d '<json>'")
    return lines


def _announce(
    say: Any,
    deployment: Deployment,
    settings: Settings,
    restate: RestateEndpoints,
    uri: str,
    deployment_id: str,
) -> None:
    components = sorted([*deployment.services, *deployment.objects, *deployment.workflows])
    protocol = "HTTP/1.1 request/response" if settings.http_mode == "http1.1" else "HTTP/2"
    identity_note = "on" if restate.identity_keys else "off"
    say(
        f"Serving {', '.join(components)} at {uri} ({protocol}, request identity "
        f"{identity_note}); registered as {deployment_id}"
    )
    say(f"Restate ingress: {restate.ingress_url}    admin API: {restate.admin_url}")
    say("Try:")
    for line in example_calls(deployment, restate.ingress_url):
        say(f"  {line}")
    stop = " and the embedded Restate server" if restate.embedded is not None else ""
    say(f"Ctrl-C stops the app{stop}.")


def _importable_name(deployment: Deployment) -> str:
    """The deployment module's import name, also when it runs as `python -m` (`__main__`)."""
    spec = getattr(deployment, "__spec__", None)
    name = getattr(spec, "name", None) or getattr(deployment, "__name__", None)
    if not isinstance(name, str):
        raise StartupError("APP_WORKERS > 1 needs the deployment to be an importable module")
    return name


def _interrupt(signum: int, frame: FrameType | None) -> None:
    del signum, frame
    raise KeyboardInterrupt


def serve(
    deployment: Deployment, env: Mapping[str, str] | None = None, out: TextIO | None = None
) -> int:
    """Serves `deployment` until a signal; returns the exit code."""
    env = os.environ if env is None else env
    stream = out or sys.stdout

    def say(line: str) -> None:
        print(line, file=stream, flush=True)

    def fail(message: str, code: int = 1) -> int:
        print(f"server: error: {message}", file=sys.stderr, flush=True)
        return code

    try:
        settings = Settings.from_env(env)
    except ConfigError as e:
        return fail(str(e), 2)
    # Until the app's event loop takes SIGTERM over, it means the same as Ctrl-C.
    with contextlib.suppress(ValueError):  # not the main thread (tests)
        signal.signal(signal.SIGTERM, _interrupt)
    try:
        _check_free(
            settings.host,
            settings.port,
            "set APP_PORT to another port (or 0 for a free one), or stop what listens there.",
        )
        restate_cm = (
            external_restate(settings.restate)
            if isinstance(settings.restate, ExternalRestate)
            else embedded_restate(settings.restate, say, env)
        )
        with restate_cm as restate:
            if not restate.identity_keys:
                say("Note: request identity is off; anything that reaches the app can invoke it.")
            app = deployment.make_app(
                identity_keys=list(restate.identity_keys) or None,
                protocol="request_response" if settings.http_mode == "http1.1" else "bidi",
            )

            def on_ready(served: ServedApp) -> None:
                uri = settings.deployment_url(served.port)
                deployment_id = register(
                    restate.admin_url,
                    uri,
                    use_http_11=served.use_http_11,
                    force=settings.register_force,
                    handlers=served_handlers(deployment),
                )
                _announce(say, deployment, settings, restate, uri, deployment_id)

            try:
                if settings.workers > 1:
                    # Each worker process imports the deployment module and builds its app.
                    code = serve_with_workers(
                        f"{_importable_name(deployment)}:make_app",
                        host=settings.host,
                        port=settings.port,
                        workers=settings.workers,
                        identity_keys=restate.identity_keys,
                        http_mode=settings.http_mode,
                        on_ready=on_ready,
                    )
                    if code != 0:
                        return fail(f"a worker process exited with {code}")
                else:
                    run_app(
                        app,
                        host=settings.host,
                        port=settings.port,
                        http_mode=settings.http_mode,
                        on_ready=on_ready,
                        graceful_timeout=3.0,
                    )
            except PortInUseError as e:
                raise StartupError(f"{e} (APP_PORT)") from None
    except StartupError as e:
        return fail(str(e))
    except KeyboardInterrupt:
        say("Interrupted.")
        return 130
    finally:
        with contextlib.suppress(ValueError):
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
    say("Stopped.")
    return 0


def main(deployment: Deployment) -> None:
    """The server command: serves `deployment` with settings from the environment, then exits."""
    sys.exit(serve(deployment))
