"""Run a real restate-server (the npm-packaged binary, no Docker) next to an ASGI app.

- `server_process.RestateServer`: one restate-server on free loopback ports.
- `serving.AppServer` / `serve_app` / `run_app`: hypercorn (h2c) serving an ASGI app.
- `admin.AdminClient` / `AsyncAdminClient`: register deployments, read / seed object state.
- `harness.RestateTestEnvironment`: all of the above together, for tests.
- `pytest_plugin`: fixtures (`restate_env`, `unique_key`, ...) built on the harness.
"""

from restate_local.admin import AdminClient, AsyncAdminClient, Deployment
from restate_local.errors import (
    AdminApiError,
    AppServerError,
    DeploymentRegistrationError,
    PortInUseError,
    RestateLocalError,
    RestateServerBinaryNotFound,
    RestateServerStartError,
)
from restate_local.harness import RestateTestEnvironment
from restate_local.server_binary import RESTATE_SERVER_BIN_ENV, find_server_binary
from restate_local.server_config import ServerOptions, ServerPorts
from restate_local.server_process import RestateServer, restate_server
from restate_local.serving import AppServer, HttpMode, ServedApp, run_app, serve_app

__all__ = [
    "RESTATE_SERVER_BIN_ENV",
    "AdminApiError",
    "AdminClient",
    "AppServer",
    "AppServerError",
    "AsyncAdminClient",
    "Deployment",
    "DeploymentRegistrationError",
    "HttpMode",
    "PortInUseError",
    "RestateLocalError",
    "RestateServer",
    "RestateServerBinaryNotFound",
    "RestateServerStartError",
    "RestateTestEnvironment",
    "ServedApp",
    "ServerOptions",
    "ServerPorts",
    "find_server_binary",
    "restate_server",
    "run_app",
    "serve_app",
]
