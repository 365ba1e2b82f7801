"""Settings read from environment variables: one rule for every command here."""

from __future__ import annotations

from collections.abc import Mapping


def whole_number(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    """`env[name]` as a whole number from `low` to `high`; unset or blank means `default`.
    Raises ValueError with a one-line message naming the variable."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, not {raw!r}") from None
    if not low <= value <= high:
        raise ValueError(f"{name} must be between {low} and {high}, not {value}")
    return value
