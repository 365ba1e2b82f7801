from __future__ import annotations

from pathlib import Path

import pytest

from restate_glue.settings import ConfigError, EmbeddedRestate, ExternalRestate, Settings

KEY = "publickeyv1_" + "A" * 44


def test_defaults_serve_h2c_on_9080_next_to_an_embedded_server() -> None:
    settings = Settings.from_env({})
    assert (settings.host, settings.port, settings.http_mode) == ("127.0.0.1", 9080, "h2c")
    assert settings.data_dir == Path(".app-data")
    assert settings.restate == EmbeddedRestate(
        data_dir=Path(".restate-data"),
        ingress_port=8080,
        admin_port=9070,
        node_port=5122,
        identity="auto",
    )
    assert settings.deployment_url(9080) == "http://127.0.0.1:9080"


def test_restate_admin_url_selects_an_external_server() -> None:
    settings = Settings.from_env(
        {
            "RESTATE_ADMIN_URL": "http://restate.internal:9070/",
            "RESTATE_IDENTITY_KEYS": f"{KEY}, {KEY[:-1]}B",
        }
    )
    assert settings.restate == ExternalRestate(
        admin_url="http://restate.internal:9070",
        ingress_url="http://restate.internal:8080",
        identity_keys=(KEY, KEY[:-1] + "B"),
    )
    explicit = Settings.from_env(
        {"RESTATE_ADMIN_URL": "http://a:1", "RESTATE_INGRESS_URL": "https://b/"}
    )
    assert isinstance(explicit.restate, ExternalRestate)
    assert explicit.restate.ingress_url == "https://b"


def test_app_settings() -> None:
    settings = Settings.from_env(
        {
            "APP_HOST": "0.0.0.0",
            "APP_PORT": "0",
            "APP_HTTP": "HTTP1.1",
            "APP_DATA_DIR": "/tmp/x",
            "APP_IDENTITY": "off",
            "APP_RESTATE_INGRESS_PORT": "18080",
            "APP_RESTATE_DATA_DIR": "/tmp/r",
        }
    )
    assert (settings.host, settings.port, settings.http_mode) == ("0.0.0.0", 0, "http1.1")
    assert settings.deployment_url(4321) == "http://127.0.0.1:4321"
    assert isinstance(settings.restate, EmbeddedRestate)
    assert settings.restate.identity == "off"
    assert settings.restate.ingress_url == "http://127.0.0.1:18080"
    assert settings.restate.data_dir == Path("/tmp/r")
    with_url = Settings.from_env({"APP_URL": "http://app.internal:9080"})
    assert with_url.deployment_url(1) == "http://app.internal:9080"
    assert Settings.from_env({"APP_HOST": "::"}).deployment_url(9) == "http://[::1]:9"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"APP_PORT": "http"}, "APP_PORT must be a port number"),
        ({"APP_PORT": "70000"}, "APP_PORT must be between 0 and 65535"),
        ({"APP_HOST": "localhost"}, "APP_HOST must be an IP address"),
        ({"APP_HTTP": "h3"}, "APP_HTTP must be h2c"),
        ({"APP_WORKERS": "0"}, "APP_WORKERS must be between 1 and 64, not 0"),
        ({"APP_WORKERS": "two"}, "APP_WORKERS must be a whole number, not 'two'"),
        ({"APP_WORKERS": "65"}, "APP_WORKERS must be between 1 and 64, not 65"),
        ({"APP_URL": "app:9080"}, "APP_URL must be an http(s) URL"),
        ({"APP_IDENTITY": "maybe"}, "APP_IDENTITY must be auto, on or off"),
        ({"APP_RESTATE_ADMIN_PORT": "0"}, "APP_RESTATE_ADMIN_PORT must be between 1"),
        ({"APP_RESTATE_ADMIN_PORT": "8080"}, "three distinct ports"),
        ({"APP_PORT": "9070"}, "also a port of the embedded Restate server"),
        ({"RESTATE_ADMIN_URL": "localhost:9070"}, "RESTATE_ADMIN_URL must be an http(s) URL"),
        ({"RESTATE_ADMIN_URL": "http://h:99999"}, "RESTATE_ADMIN_URL has a bad port"),
        ({"RESTATE_INGRESS_URL": "http://h:8080"}, "RESTATE_ADMIN_URL is not"),
        ({"RESTATE_IDENTITY_KEYS": KEY}, "only applies to an external Restate server"),
        (
            {"RESTATE_ADMIN_URL": "http://h:9070", "RESTATE_IDENTITY_KEYS": "secret"},
            "not a request-identity public key",
        ),
    ],
)
def test_bad_settings_name_the_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Settings.from_env(env)


def test_app_workers() -> None:
    assert Settings.from_env({}).workers == 1
    assert Settings.from_env({"APP_WORKERS": "3"}).workers == 3


def test_empty_values_mean_the_default() -> None:
    assert Settings.from_env({"APP_PORT": "", "RESTATE_ADMIN_URL": " "}) == Settings.from_env({})


@pytest.mark.parametrize(
    ("env", "force"),
    [
        ({}, True),  # the embedded server: the dev loop re-registers changed code
        ({"RESTATE_ADMIN_URL": "http://r:9070"}, False),  # a server with work in flight
        ({"RESTATE_ADMIN_URL": "http://r:9070", "APP_REGISTER_FORCE": "1"}, True),
        ({"APP_REGISTER_FORCE": "off"}, False),
        ({"APP_REGISTER_FORCE": "AUTO"}, True),
    ],
)
def test_register_force_only_in_the_dev_loop_unless_set(env: dict[str, str], force: bool) -> None:
    assert Settings.from_env(env).register_force is force


def test_bad_register_force_names_the_variable() -> None:
    with pytest.raises(ConfigError, match="APP_REGISTER_FORCE must be auto, 1 or 0"):
        Settings.from_env({"APP_REGISTER_FORCE": "maybe"})
