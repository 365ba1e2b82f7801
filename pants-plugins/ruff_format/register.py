"""Adds `ruff format` to `pants fmt` (see rules.py)."""

from ruff_format import rules as ruff_format_rules


def rules():  # type: ignore[no-untyped-def]
    return ruff_format_rules.rules()
