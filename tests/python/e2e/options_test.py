"""Restate options set on `restate_service` targets, per component and per handler
(tests/python/e2e/options/BUILD), as a real restate-server reports them through its admin API.

The oracle: the same components written by hand with restate-sdk's decorators
(options/handwritten.py), served in the same app. Both must report the same settings, and the
settings must be the ones the BUILD file asks for."""

from __future__ import annotations

from typing import Any, cast

import httpx
import pytest
import restate

from e2e.options.deployment import (
    TellerIngressClient,
    VaultIngressClient,
    objects,
    services,
    workflows,
)
from e2e.options.handwritten import hand_approval, hand_teller, hand_vault
from e2e.support import with_ingress
from restate_local.harness import RestateTestEnvironment
from restate_local.pytest_plugin import EnvFactory
from restate_local.serving import AsgiApp

# What the admin API says about a service or a handler that options decide (not its name,
# deployment or schemas).
SERVICE_SETTINGS = (
    "ty",
    "documentation",
    "metadata",
    "public",
    "inactivity_timeout",
    "abort_timeout",
    "journal_retention",
    "idempotency_retention",
    "workflow_completion_retention",
    "enable_lazy_state",
    "retry_policy",
)
HANDLER_SETTINGS = (
    "ty",
    "input_description",
    "output_description",
    "documentation",
    "metadata",
    "public",
    "inactivity_timeout",
    "abort_timeout",
    "journal_retention",
    "idempotency_retention",
    "workflow_completion_retention",
    "enable_lazy_state",
    "retry_policy",
)


@pytest.fixture(scope="module")
def options_env(restate_env_factory: EnvFactory) -> RestateTestEnvironment:
    app = restate.app(
        [
            *services.values(),
            *objects.values(),
            *workflows.values(),
            hand_vault,
            hand_approval,
            hand_teller,
        ]
    )
    return restate_env_factory(cast(AsgiApp, app), label="options")


def settings(env: RestateTestEnvironment, name: str) -> dict[str, Any]:
    """The service's option settings, and each handler's, keyed by handler name."""
    response = httpx.get(f"{env.admin_url}/services/{name}", timeout=30)
    assert response.status_code == 200, response.text
    service = response.json()
    out = {k: service.get(k) for k in SERVICE_SETTINGS}
    out["handlers"] = {
        h["name"]: {k: h.get(k) for k in HANDLER_SETTINGS} for h in service["handlers"]
    }
    return out


def test_vault_reports_the_target_options(options_env: RestateTestEnvironment) -> None:
    vault = settings(options_env, "Vault")
    assert {k: v for k, v in vault.items() if k != "handlers"} == {
        "ty": "VirtualObject",
        "documentation": "A safe-deposit vault per key.",
        "metadata": {"team": "payments", "tier": "gold"},
        "public": True,
        "inactivity_timeout": "30s",
        "abort_timeout": "5s",
        "journal_retention": "1h",
        "idempotency_retention": "10m",
        "workflow_completion_retention": None,
        "enable_lazy_state": True,
        "retry_policy": {
            "initial_interval": "100ms",
            "exponentiation_factor": 2.0,
            "max_interval": "10s",
            "max_attempts": 5,
            "on_max_attempts": "Kill",
        },
    }
    handlers = vault["handlers"]
    deposit = handlers["deposit"]
    assert deposit["documentation"] == "Add `amount` to the vault and return the new balance."
    assert deposit["metadata"] == {"audit": "yes"}
    assert (deposit["inactivity_timeout"], deposit["abort_timeout"]) == ("1m 30s", "2s")
    assert (deposit["journal_retention"], deposit["idempotency_retention"]) == ("0s", "1d")
    assert deposit["retry_policy"]["max_attempts"] == 3
    assert deposit["retry_policy"]["on_max_attempts"] == "Pause"
    assert deposit["public"] is True
    # The description the target gives a handler without a docstring; eager state for it alone.
    assert handlers["balance"]["documentation"] == "The vault's balance."
    assert handlers["balance"]["enable_lazy_state"] is False
    assert handlers["audit"]["public"] is False


def test_workflow_retention_goes_to_the_main_handler(options_env: RestateTestEnvironment) -> None:
    approval = settings(options_env, "Approval")
    assert approval["ty"] == "Workflow"
    assert approval["workflow_completion_retention"] == "2d"
    decide, approve = approval["handlers"]["decide"], approval["handlers"]["approve"]
    assert (decide["ty"], decide["journal_retention"], decide["metadata"]) == (
        "Workflow",
        "12h",
        {"step": "main"},
    )
    assert (approve["ty"], approve["idempotency_retention"], approve["public"]) == (
        "Shared",
        "5m",
        True,
    )


@pytest.mark.parametrize(
    ("generated", "handwritten"), [("Vault", "HandVault"), ("Approval", "HandApproval")]
)
def test_generated_options_match_handwritten_restate_sdk(
    options_env: RestateTestEnvironment, generated: str, handwritten: str
) -> None:
    assert settings(options_env, generated) == settings(options_env, handwritten)


def test_ingress_private_handler_refuses_ingress_but_serves_components(
    options_env: RestateTestEnvironment,
) -> None:
    async def body(http: httpx.AsyncClient) -> tuple[int, httpx.Response, httpx.Response, str]:
        balance = await VaultIngressClient(http, "v1").deposit(42)
        refused = await http.post("/Vault/v1/audit")
        refused_by_hand = await http.post("/HandVault/v1/audit")
        # Another component may call it: the teller's call goes through Restate, not ingress.
        audited = await TellerIngressClient(http).audit("v1")
        return balance, refused, refused_by_hand, audited

    balance, refused, refused_by_hand, audited = with_ingress(options_env, body)
    assert balance == 42
    assert (refused.status_code, refused_by_hand.status_code) == (400, 400)
    assert "not public" in refused.json()["message"], refused.text
    assert audited == "v1: 42"


@pytest.mark.parametrize("vault", ["Vault", "HandVault"])
def test_accept_from_the_handlers_field(options_env: RestateTestEnvironment, vault: str) -> None:
    """`deposit` accepts `application/*`: the admin API does not show it, the ingress does."""
    for content_type in ("application/json", "application/x-amount"):
        response = options_env.ingress.post(
            f"/{vault}/v3/deposit", content=b"5", headers={"content-type": content_type}
        )
        assert response.status_code == 200, response.text
    refused = options_env.ingress.post(
        f"/{vault}/v3/deposit", content=b"5", headers={"content-type": "text/plain"}
    )
    assert refused.status_code == 400
    assert "does not match 'application/*'" in refused.json()["message"]


@pytest.mark.parametrize("teller", ["Teller", "HandTeller"])
def test_invocation_context_managers_wrap_the_handler(
    options_env: RestateTestEnvironment, teller: str
) -> None:
    """The component's context manager, then the handler's, around the invocation."""
    response = options_env.ingress.post(f"/{teller}/scopes")
    assert response.status_code == 200, response.text
    assert response.json() == ["component", "handler"]
