"""Which names Restate accepts, and the Python names generated code derives from them.

restate-server (checked with 1.7.12) rejects, at registration, a component name that does not
match `COMPONENT_NAME`, or that starts with "restate" or is "openapi" (any case); and a handler
name that does not match `HANDLER_NAME`. Everything else is a valid Restate name, so generated
Python names (client classes, modules) are derived from it rather than required to equal it.
"""

from __future__ import annotations

import keyword
import re
from typing import Optional

COMPONENT_NAME = re.compile(r"([a-zA-Z]|_[a-zA-Z0-9])[a-zA-Z0-9._-]*")
HANDLER_NAME = re.compile(r"([a-zA-Z]|_[a-zA-Z0-9])[a-zA-Z0-9_]*")

_WORD_SEPARATORS = re.compile(r"[._\-]+")
_NOT_IDENTIFIER = re.compile(r"\W", re.ASCII)


def component_name_problem(name: str) -> Optional[str]:
    """Why restate-server would reject the component name `name`, or None if it accepts it."""
    if COMPONENT_NAME.fullmatch(name) is None:
        return (
            f"Restate component names must start with a letter (or `_` and a letter or digit) "
            f"and contain only ASCII letters, digits, `.`, `_` and `-`, but {name!r} does not"
        )
    if name.lower().startswith("restate"):
        return f"Restate reserves component names that start with 'restate' (any case): {name!r}"
    if name.lower() == "openapi":
        return f"Restate reserves the component name 'openapi' (any case): {name!r}"
    return None


def handler_name_problem(name: str) -> Optional[str]:
    """Why restate-server would reject the handler name `name`, or None if it accepts it."""
    if HANDLER_NAME.fullmatch(name) is None:
        return (
            f"Restate handler names must start with a letter (or `_` and a letter or digit) "
            f"and contain only ASCII letters, digits and `_`, but {name!r} does not"
        )
    return None


def class_stem(component_name: str) -> str:
    """The PascalCase stem of a component's client classes: `order-workflow` -> `OrderWorkflow`.

    Separators (`.`, `_`, `-`) start a new word; the rest of each word keeps its case, so
    `UserManager` and `userManager` both give `UserManager`. A stem that would start with a digit
    (`_1` -> `1`) keeps a leading underscore.
    """
    words = [w for w in _WORD_SEPARATORS.split(component_name) if w]
    stem = "".join(w[:1].upper() + w[1:] for w in words)
    return python_identifier(stem)


def python_identifier(text: str) -> str:
    """`text` with every character that cannot be in an identifier replaced by `_`, and a `_`
    in front if it starts with a digit, is empty or is a keyword."""
    ident = _NOT_IDENTIFIER.sub("_", text)
    if not ident or ident[0].isdigit() or keyword.iskeyword(ident):
        ident = f"_{ident}"
    return ident
