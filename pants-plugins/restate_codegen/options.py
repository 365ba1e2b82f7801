"""Restate options as BUILD files write them, parsed and checked into the model.

The `restate_service` target's fields hand their raw values (whatever the BUILD file says) to
these functions, which return model values (`RetryPolicy`, `HandlerOptions`, ...) or raise
`OptionError` saying what is wrong. The Pants layer only adds the target address. Checks that
depend on the component's kind (a workflow's `workflow_retention`, a service's `state_preload`)
need the analysed handlers, so they live in `analysis.py` (`option_problems`).

What is accepted is what restate-sdk 1.3.0's `Service` / `VirtualObject` / `Workflow` and their
`handler()` / `main()` take, with durations as seconds or strings such as "30s", "1h30m".
Runs on the Pants interpreter (Python 3.9).
"""

from __future__ import annotations

import math
import re
from typing import Any, Dict, List, Mapping, Optional, Tuple

from restate_codegen.model import HandlerOptions, Metadata, RetryPolicy, StatePreload
from restate_codegen.names import handler_name_problem


class OptionError(ValueError):
    """A Restate option that restate-sdk or Restate would reject, or that would not mean what
    it says; the message names the setting and what to write instead."""


# Timeouts of zero would suspend or abort every invocation at once; a retention of zero is
# meaningful (keep nothing after completion).
TIMEOUTS = ("inactivity_timeout", "abort_timeout")
RETENTIONS = ("journal_retention", "idempotency_retention", "workflow_retention")
DURATIONS = TIMEOUTS + RETENTIONS
# restate-sdk drops a zero retry interval silently (Restate then uses its default).
_NONZERO = TIMEOUTS + ("initial_interval", "max_interval")
RETRY_POLICY_SETTINGS = (
    "initial_interval",
    "exponentiation_factor",
    "max_interval",
    "max_attempts",
    "on_max_attempts",
)
ON_MAX_ATTEMPTS = ("pause", "kill")
HANDLER_SETTINGS = (
    "name",
    "description",
    "metadata",
    *DURATIONS,
    "ingress_private",
    "invocation_retry_policy",
    "state_preload",
    "enable_lazy_state",
    "accept",
    "content_type",
    "invocation_context_managers",
)

DURATION_HELP = (
    'a duration is a number of seconds (30, 1.5) or a string such as "500ms", "30s", "5m", '
    '"1h30m" or "2d"'
)
_UNIT_SECONDS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_DURATION_PART = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*")


def parse_duration(value: Any, setting: str) -> float:
    """Seconds, from `30`, `1.5` or a string like "1h30m"; rejects negative, non-finite and
    non-numeric values, a zero timeout, and a positive value under Restate's millisecond."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise OptionError(f"`{setting}` is {value!r}, which is not a duration: {DURATION_HELP}")
    if isinstance(value, str):
        seconds = _parse_duration_text(value, setting)
    else:
        seconds = float(value)
        if not math.isfinite(seconds):
            raise OptionError(f"`{setting}` is {value!r}, which is not a duration: {DURATION_HELP}")
    if seconds < 0:
        raise OptionError(f"`{setting}` is {value!r}, a negative duration: {DURATION_HELP}")
    if seconds == 0 and setting.rsplit(".", 1)[-1] in _NONZERO:
        raise OptionError(f"`{setting}` is {value!r}: it must be longer than zero")
    if 0 < seconds < 0.001:
        raise OptionError(
            f"`{setting}` is {value!r}: Restate counts durations in milliseconds, so it would "
            "be zero; use at least 1 ms"
        )
    return seconds


def _parse_duration_text(text: str, setting: str) -> float:
    stripped = text.strip()
    if stripped.startswith("-"):
        raise OptionError(f"`{setting}` is {text!r}, a negative duration: {DURATION_HELP}")
    position = 0
    seconds = 0.0
    while stripped and position < len(stripped):
        match = _DURATION_PART.match(stripped, position)
        if match is None:
            break
        number, unit = float(match.group(1)), match.group(2)
        # Milliseconds divided, not multiplied by 0.001: "7ms" is 0.007, not 0.007000000000000001.
        seconds += number / 1000 if unit == "ms" else number * _UNIT_SECONDS[unit]
        position = match.end()
    if not stripped or position != len(stripped):
        raise OptionError(f"`{setting}` is {text!r}, which is not a duration: {DURATION_HELP}")
    return seconds


def parse_description(value: Any, setting: str = "description") -> str:
    if not isinstance(value, str):
        raise OptionError(f"`{setting}` is {value!r}; write the description as a string")
    return value


def parse_bool(value: Any, setting: str) -> bool:
    if not isinstance(value, bool):
        raise OptionError(f"`{setting}` is {value!r}; write True or False")
    return value


def parse_metadata(value: Any, setting: str = "metadata") -> Metadata:
    """A dict of strings to strings, as (key, value) pairs sorted by key."""
    if not isinstance(value, Mapping):
        raise OptionError(
            f'`{setting}` is {value!r}; write it as a dict of strings: {{"team": "payments"}}'
        )
    pairs: List[Tuple[str, str]] = []
    for key, item in value.items():
        if not isinstance(key, str) or not isinstance(item, str):
            raise OptionError(
                f"`{setting}` maps {key!r} to {item!r}; Restate metadata keys and values are "
                'strings: {"team": "payments"}'
            )
        pairs.append((key, item))
    return tuple(sorted(pairs))


def parse_retry_policy(value: Any, setting: str = "invocation_retry_policy") -> RetryPolicy:
    """restate-sdk's `InvocationRetryPolicy` fields; every one optional."""
    example = (
        f'`{setting}={{"initial_interval": "100ms", "exponentiation_factor": 2, '
        '"max_interval": "10s", "max_attempts": 5, "on_max_attempts": "kill"}`'
    )
    if not isinstance(value, Mapping):
        raise OptionError(f"`{setting}` is {value!r}; write it as a dict: {example}")
    _check_known(value, RETRY_POLICY_SETTINGS, setting)
    initial = _optional(value, "initial_interval", lambda v, s: parse_duration(v, s), setting)
    maximum = _optional(value, "max_interval", lambda v, s: parse_duration(v, s), setting)
    factor = _optional(value, "exponentiation_factor", _parse_factor, setting)
    attempts = _optional(value, "max_attempts", _parse_attempts, setting)
    on_max = _optional(value, "on_max_attempts", _parse_on_max_attempts, setting)
    if initial is not None and maximum is not None and maximum < initial:
        raise OptionError(
            f"`{setting}` has a `max_interval` ({value['max_interval']!r}) shorter than its "
            f"`initial_interval` ({value['initial_interval']!r}); the first retry would already "
            "wait longer than the maximum"
        )
    return RetryPolicy(
        initial_interval=initial,
        exponentiation_factor=factor,
        max_interval=maximum,
        max_attempts=attempts,
        on_max_attempts=on_max,
    )


def _parse_factor(value: Any, setting: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise OptionError(f"`{setting}` is {value!r}; write a number of at least 1, such as 2")
    if value < 1:
        raise OptionError(
            f"`{setting}` is {value!r}: below 1 each retry would wait less than the one before; "
            "use 1 for a constant interval or more (2 doubles it)"
        )
    return float(value)


def _parse_attempts(value: Any, setting: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise OptionError(f"`{setting}` is {value!r}; write a whole number of at least 1")
    if value < 1:
        raise OptionError(
            f"`{setting}` is {value!r}: the first call counts as an attempt, so it must be at "
            "least 1 (Restate would silently use 1)"
        )
    return int(value)


def _parse_on_max_attempts(value: Any, setting: str) -> str:
    if value not in ON_MAX_ATTEMPTS:
        raise OptionError(
            f'`{setting}` is {value!r}; Restate knows "pause" (keep the invocation for a manual '
            'resume) and "kill" (fail it)'
        )
    return str(value)


_TOKEN = r"[A-Za-z0-9!#$&^_.+-]+"
_MEDIA_TYPE = re.compile(rf"^{_TOKEN}/{_TOKEN}(\s*;\s*{_TOKEN}=\S+)*$")
_MEDIA_RANGE = re.compile(rf"^(\*/\*|{_TOKEN}/\*|{_TOKEN}/{_TOKEN})(\s*;\s*{_TOKEN}=\S+)*$")


def parse_content_type(value: Any, setting: str) -> str:
    """`content_type`: one media type ("text/plain"); `accept`: may use wildcards ("text/*")."""
    pattern = _MEDIA_RANGE if setting.endswith("accept") else _MEDIA_TYPE
    if not isinstance(value, str) or not pattern.match(value.strip()):
        example = (
            '"application/json", "text/*" or "*/*"'
            if pattern is _MEDIA_RANGE
            else ('"application/json" or "text/plain"')
        )
        raise OptionError(
            f"`{setting}` is {value!r}, which is not a content type such as {example}"
        )
    return value.strip()


_IDENTIFIER = r"[A-Za-z_][A-Za-z0-9_]*"
_REFERENCE = re.compile(rf"^{_IDENTIFIER}(\.{_IDENTIFIER})*:{_IDENTIFIER}$")


def parse_context_managers(
    value: Any, setting: str = "invocation_context_managers"
) -> Tuple[str, ...]:
    """A list of "package.module:attribute" references, in the order given (restate-sdk enters
    them in that order)."""
    example = '["app.tracing:invocation_span"]'
    if not isinstance(value, (list, tuple)):
        raise OptionError(
            f'`{setting}` is {value!r}; write a list of "package.module:attribute" '
            f"references to callables returning async context managers: {example}"
        )
    for item in value:
        if not isinstance(item, str) or not _REFERENCE.match(item):
            raise OptionError(
                f'`{setting}` has {item!r}, which is not a "package.module:attribute" '
                f"reference such as {example[1:-1]}"
            )
    return tuple(value)


def parse_state_preload(value: Any, setting: str = "state_preload") -> StatePreload:
    """True (load all state up front), False (lazy) or a list of the keys to load up front."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (list, tuple)) and all(isinstance(k, str) for k in value):
        return tuple(value)
    raise OptionError(
        f'`{setting}` is {value!r}; write True, False or a list of state keys: ["cart"]'
    )


def check_state_options(
    state_preload: Optional[StatePreload], enable_lazy_state: Optional[bool], where: str
) -> None:
    if state_preload is not None and enable_lazy_state is not None:
        raise OptionError(
            f"{where} sets both `state_preload` and `enable_lazy_state`, which restate-sdk "
            "rejects; keep `state_preload` (`enable_lazy_state=True` is `state_preload=False`)"
        )


def parse_handler_options(value: Any) -> Tuple[Tuple[str, HandlerOptions], ...]:
    """The `handlers` field: function name -> settings, sorted by function name."""
    example = '`handlers={"function_name": {"name": "restateName", "inactivity_timeout": "30s"}}`'
    if not isinstance(value, Mapping):
        raise OptionError(f"must be a dict, but was {type(value).__name__}; write {example}")
    out = []
    for function, settings in value.items():
        if not isinstance(function, str):
            raise OptionError(f"has the key {function!r}, which is not a function name")
        if not isinstance(settings, Mapping):
            raise OptionError(f"maps `{function}` to {settings!r}, which is not a dict: {example}")
        try:
            out.append((function, _handler_options(function, settings)))
        except OptionError as error:
            raise OptionError(f"sets, for `{function}`, {error}") from None
    return tuple(sorted(out, key=lambda item: item[0]))


def _handler_options(function: str, settings: Mapping[Any, Any]) -> HandlerOptions:
    _check_known(settings, HANDLER_SETTINGS, None)
    name = settings.get("name")
    if name is not None:
        if not isinstance(name, str):
            raise OptionError(f"`name` {name!r}, which is not a string")
        problem = handler_name_problem(name)
        if problem is not None:
            raise OptionError(f"a name Restate rejects: {problem}")
    values: Dict[str, Any] = {"name": name}
    for setting in DURATIONS:
        values[setting] = _optional(settings, setting, parse_duration, None)
    values["description"] = _optional(settings, "description", parse_description, None)
    values["metadata"] = _optional(settings, "metadata", parse_metadata, None)
    values["ingress_private"] = _optional(settings, "ingress_private", parse_bool, None)
    values["invocation_retry_policy"] = _optional(
        settings, "invocation_retry_policy", parse_retry_policy, None
    )
    values["state_preload"] = _optional(settings, "state_preload", parse_state_preload, None)
    values["enable_lazy_state"] = _optional(settings, "enable_lazy_state", parse_bool, None)
    values["accept"] = _optional(settings, "accept", parse_content_type, None)
    values["content_type"] = _optional(settings, "content_type", parse_content_type, None)
    values["invocation_context_managers"] = _optional(
        settings, "invocation_context_managers", parse_context_managers, None
    )
    check_state_options(values["state_preload"], values["enable_lazy_state"], f"`{function}`")
    return HandlerOptions(**values)


def _check_known(
    settings: Mapping[Any, Any], known: Tuple[str, ...], within: Optional[str]
) -> None:
    unknown = sorted(repr(k) for k in settings if k not in known)
    if unknown:
        where = f" in `{within}`" if within else ""
        raise OptionError(
            f"unknown setting{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}{where}; "
            f"known settings: {', '.join(known)}"
        )


def _optional(settings: Mapping[Any, Any], key: str, parse: Any, within: Optional[str]) -> Any:
    value = settings.get(key)
    if value is None:
        return None
    return parse(value, f"{within}.{key}" if within else key)
