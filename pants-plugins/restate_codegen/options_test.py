from __future__ import annotations

from typing import Any

import pytest

from restate_codegen.model import ComponentOptions, HandlerOptions, RetryPolicy
from restate_codegen.options import (
    HANDLER_SETTINGS,
    OptionError,
    parse_duration,
    parse_handler_options,
    parse_metadata,
    parse_retry_policy,
    parse_state_preload,
)


@pytest.mark.parametrize(
    ("raw", "seconds"),
    [
        (30, 30.0),
        (1.5, 1.5),
        ("30s", 30.0),
        ("500ms", 0.5),
        ("7ms", 0.007),
        ("5m", 300.0),
        ("1h30m", 5400.0),
        ("1h 30m", 5400.0),
        ("10s 500ms", 10.5),
        ("2d", 172800.0),
        ("1.5h", 5400.0),
        (0, 0.0),
        ("0s", 0.0),
    ],
)
def test_durations(raw: Any, seconds: float) -> None:
    assert parse_duration(raw, "journal_retention") == seconds


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        (-1, "negative"),
        (-0.5, "negative"),
        ("-5s", "negative"),
        ("soon", "not a duration"),
        ("30", "not a duration"),
        ("5 minutes", "not a duration"),
        ("", "not a duration"),
        ("1h-30m", "not a duration"),
        (True, "not a duration"),
        ([30], "not a duration"),
        (float("inf"), "not a duration"),
        (float("nan"), "not a duration"),
        (0.0001, "milliseconds"),
    ],
)
def test_bad_durations(raw: Any, problem: str) -> None:
    with pytest.raises(OptionError) as error:
        parse_duration(raw, "journal_retention")
    assert problem in str(error.value)
    assert "`journal_retention`" in str(error.value)


@pytest.mark.parametrize("setting", ["inactivity_timeout", "abort_timeout"])
def test_zero_timeouts_are_rejected_but_zero_retention_is_not(setting: str) -> None:
    with pytest.raises(OptionError, match="longer than zero"):
        parse_duration(0, setting)
    assert parse_duration(0, "idempotency_retention") == 0.0


def test_retry_policy() -> None:
    policy = parse_retry_policy(
        {
            "initial_interval": "100ms",
            "exponentiation_factor": 2,
            "max_interval": "10s",
            "max_attempts": 5,
            "on_max_attempts": "kill",
        }
    )
    assert policy == RetryPolicy(0.1, 2.0, 10.0, 5, "kill")
    assert parse_retry_policy({}) == RetryPolicy()
    assert parse_retry_policy({"max_attempts": 1}) == RetryPolicy(max_attempts=1)


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ({"max_attempts": 0}, "at least 1"),
        ({"max_attempts": -3}, "at least 1"),
        ({"max_attempts": 2.5}, "whole number"),
        ({"max_attempts": "5"}, "whole number"),
        ({"exponentiation_factor": 0.5}, "below 1"),
        ({"exponentiation_factor": "2"}, "a number of at least 1"),
        ({"on_max_attempts": "retry"}, '"pause"'),
        ({"on_max_attempts": "Kill"}, '"kill"'),
        ({"initial_interval": -1}, "negative"),
        ({"initial_interval": 0}, "longer than zero"),
        ({"max_interval": "often"}, "not a duration"),
        ({"initial_interval": "10s", "max_interval": "1s"}, "shorter than"),
        ({"max_retries": 3}, "unknown setting 'max_retries'"),
        ([1, 2], "write it as a dict"),
    ],
)
def test_bad_retry_policies(raw: Any, problem: str) -> None:
    with pytest.raises(OptionError) as error:
        parse_retry_policy(raw)
    assert problem in str(error.value)
    assert "invocation_retry_policy" in str(error.value)


def test_metadata() -> None:
    assert parse_metadata({"z": "1", "a": "2"}) == (("a", "2"), ("z", "1"))
    assert parse_metadata({}) == ()
    for bad in ({"a": 1}, {1: "a"}, ["a"], "a=b"):
        with pytest.raises(OptionError, match="metadata"):
            parse_metadata(bad)


def test_state_preload() -> None:
    assert parse_state_preload(True) is True
    assert parse_state_preload(False) is False
    assert parse_state_preload(["cart", "user"]) == ("cart", "user")
    for bad in ("all", 1, [1], {"cart": True}):
        with pytest.raises(OptionError, match="state_preload"):
            parse_state_preload(bad)


def test_handler_options_every_setting() -> None:
    raw = {
        "name": "addTicket",
        "description": "Adds one.",
        "metadata": {"k": "v"},
        "inactivity_timeout": "1m",
        "abort_timeout": 2,
        "journal_retention": 0,
        "idempotency_retention": "1d",
        "workflow_retention": "2d",
        "ingress_private": True,
        "invocation_retry_policy": {"max_attempts": 3},
        "state_preload": ["cart"],
        "accept": "text/*",
        "content_type": "text/plain; charset=utf-8",
        "invocation_context_managers": ["app.tracing:span", "app.log:scope"],
    }
    assert set(raw) | {"enable_lazy_state"} == set(HANDLER_SETTINGS)
    ((function, options),) = parse_handler_options({"add_ticket": raw})
    assert function == "add_ticket"
    assert options == HandlerOptions(
        name="addTicket",
        description="Adds one.",
        metadata=(("k", "v"),),
        inactivity_timeout=60.0,
        abort_timeout=2.0,
        journal_retention=0.0,
        idempotency_retention=86400.0,
        workflow_retention=172800.0,
        ingress_private=True,
        invocation_retry_policy=RetryPolicy(max_attempts=3),
        state_preload=("cart",),
        accept="text/*",
        content_type="text/plain; charset=utf-8",
        invocation_context_managers=("app.tracing:span", "app.log:scope"),
    )


def test_handler_options_sorted_by_function() -> None:
    parsed = parse_handler_options({"b": {}, "a": {"ingress_private": False}})
    assert parsed == (("a", HandlerOptions(ingress_private=False)), ("b", HandlerOptions()))


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ({"greet": {"timeout": 3}}, "sets, for `greet`, unknown setting 'timeout'; known settings"),
        ({"greet": {"inactivity_timeout": -3}}, "sets, for `greet`, `inactivity_timeout` is -3"),
        ({"greet": {"abort_timeout": "later"}}, "`abort_timeout` is 'later', which is not a"),
        ({"greet": {"name": "add-ticket"}}, "a name Restate rejects"),
        ({"greet": {"name": 3}}, "which is not a string"),
        ({"greet": {"ingress_private": "yes"}}, "`ingress_private` is 'yes'; write True or"),
        ({"greet": {"description": 3}}, "`description` is 3"),
        (
            {"greet": {"invocation_retry_policy": {"max_attempts": 0}}},
            "`invocation_retry_policy.max_attempts` is 0",
        ),
        (
            {"greet": {"state_preload": False, "enable_lazy_state": True}},
            "both `state_preload` and `enable_lazy_state`",
        ),
        ({"greet": {"accept": "json"}}, "`accept` is 'json', which is not a content type"),
        ({"greet": {"content_type": "text/*"}}, "`content_type` is 'text/*', which is not a"),
        ({"greet": {"content_type": 1}}, "`content_type` is 1"),
        (
            {"greet": {"invocation_context_managers": "app.tracing:span"}},
            "write a list of",
        ),
        (
            {"greet": {"invocation_context_managers": ["app.tracing.span"]}},
            "'app.tracing.span', which is not a \"package.module:attribute\" reference",
        ),
        ({"greet": "greetings"}, "maps `greet` to 'greetings', which is not a dict"),
        ({3: {}}, "has the key 3, which is not a function name"),
        (["greet"], "must be a dict"),
    ],
)
def test_bad_handler_options(raw: Any, problem: str) -> None:
    with pytest.raises(OptionError) as error:
        parse_handler_options(raw)
    assert problem in str(error.value)


def test_context_manager_modules_are_what_the_adapter_imports() -> None:
    options = ComponentOptions(
        invocation_context_managers=("app.tracing:span",),
        handlers=parse_handler_options(
            {"a": {"invocation_context_managers": ["app.log:scope", "app.tracing:other"]}}
        ),
    )
    assert options.context_manager_modules() == ("app.log", "app.tracing")
    assert ComponentOptions().context_manager_modules() == ()
