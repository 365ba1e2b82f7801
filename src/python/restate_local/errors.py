"""Exceptions raised by restate_local; all derive from `RestateLocalError`."""

from __future__ import annotations


class RestateLocalError(Exception):
    """Base class of every error this package raises on purpose."""


class RestateServerBinaryNotFound(RestateLocalError):
    """No usable restate-server binary (see `server_binary.find_server_binary`)."""


class RestateServerStartError(RestateLocalError):
    """restate-server exited during start-up or never became healthy."""


class PortInUseError(RestateLocalError):
    """A requested loopback port is already taken."""


class AppServerError(RestateLocalError):
    """The ASGI app could not be served (it failed to start, or stopped unexpectedly)."""


class AdminApiError(RestateLocalError):
    """The Restate admin API refused a request; carries the server's own message."""

    def __init__(
        self,
        what: str,
        status_code: int,
        message: str,
        restate_code: str | None = None,
    ) -> None:
        self.what = what
        self.status_code = status_code
        self.message = message
        self.restate_code = restate_code
        code = f" [{restate_code}]" if restate_code else ""
        super().__init__(f"{what} failed: HTTP {status_code}{code}: {message}")


class DeploymentRegistrationError(AdminApiError):
    """`POST /deployments` was refused (discovery failed, incompatible schemas, ...)."""
