"""Annotation expressions: their normalised source text and the names they use.

Pure functions over libcst expression nodes; resolving the names is the caller's job.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, List, Optional, Sequence, Tuple

import libcst as cst

Position = Tuple[int, int]  # (1-based line, 1-based column)


class InvalidSource(Exception):
    """A string literal that Python would reject (bad escape, null byte): a syntax error."""

    def __init__(self, line: int, column: int, detail: str) -> None:
        super().__init__(f"{line}:{column}: {detail}")
        self.line = line
        self.column = column
        self.detail = detail


def string_value(node: cst.BaseExpression, position: Position) -> Optional[str]:
    """The text of a plain (not f-, not bytes) string literal; None for anything else."""
    if not isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        return None
    try:
        value = node.evaluated_value
    except (SyntaxError, ValueError) as error:
        raise InvalidSource(
            position[0], position[1], f"invalid string literal: {getattr(error, 'msg', error)}"
        ) from None
    return value if isinstance(value, str) else None


@dataclass(frozen=True)
class NameUse:
    """A (possibly dotted) name read by an annotation: `Req`, `models.Req`, `typing.List`."""

    dotted: str
    line: int
    column: int

    @property
    def root(self) -> str:
        return self.dotted.split(".", 1)[0]


@dataclass(frozen=True)
class AnnotationFacts:
    """One annotation, read into plain data."""

    source: str  # normalised text; string annotations are unquoted
    names: Tuple[NameUse, ...]  # in reading order, duplicates kept
    line: int
    column: int
    errors: Tuple[str, ...] = ()  # string annotations that are not expressions
    # When the annotation (unquoted) is a plain dotted name: that name, e.g. "restate.Context".
    dotted: Optional[str] = None
    quoted: bool = False  # the whole annotation is a string


def dotted_name(node: cst.CSTNode) -> Optional[str]:
    """`a.b.C` for a chain of names and attributes, None for anything else."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = dotted_name(node.value)
        return None if base is None else f"{base}.{node.attr.value}"
    return None


def read_annotation(
    node: cst.BaseExpression, position_of: Callable[[cst.CSTNode], Position]
) -> AnnotationFacts:
    """Read an annotation expression that belongs to a module with position metadata."""
    reader = _Reader(position_of)
    line, column = position_of(node)
    quoted = isinstance(node, (cst.SimpleString, cst.ConcatenatedString))
    inner = _unquote(node, (line, column)) if quoted else node
    source = reader.read(node)
    return AnnotationFacts(
        source=source,
        names=tuple(reader.names),
        line=line,
        column=column,
        errors=tuple(reader.errors),
        dotted=dotted_name(inner) if inner is not None else None,
        quoted=quoted,
    )


def _unquote(node: cst.BaseExpression, position: Position) -> Optional[cst.BaseExpression]:
    value = string_value(node, position)
    if value is None:
        return None
    try:
        return cst.parse_expression(value.strip())
    except cst.ParserSyntaxError:
        return None


_CODE = cst.Module(body=[])


def _code(node: cst.CSTNode) -> str:
    return " ".join(_CODE.code_for_node(node).split())


def _raw_string(node: cst.BaseString) -> str:
    if isinstance(node, cst.SimpleString):
        return node.value
    if isinstance(node, cst.ConcatenatedString):
        return f"{_raw_string(node.left)} {_raw_string(node.right)}"
    return _CODE.code_for_node(node).strip()


class _Reader:
    """Prints an expression in a normal form and records the names it reads."""

    def __init__(self, position_of: Callable[[cst.CSTNode], Position]) -> None:
        self._position_of = position_of
        self.names: List[NameUse] = []
        self.errors: List[str] = []

    def read(self, node: cst.BaseExpression, literal: bool = False) -> str:
        text = self._read(node, literal)
        if node.lpar:
            return f"({text})"
        return text

    def _use(self, dotted: str, node: cst.CSTNode) -> None:
        line, column = self._position_of(node)
        self.names.append(NameUse(dotted, line, column))

    def _read(self, node: cst.BaseExpression, literal: bool) -> str:
        dotted = dotted_name(node)
        if dotted is not None:
            self._use(dotted, node)
            return dotted
        if isinstance(node, cst.Attribute):
            return f"{self.read(node.value, literal)}.{node.attr.value}"
        if isinstance(node, cst.Subscript):
            return self._subscript(node, literal)
        if isinstance(node, cst.BinaryOperation):
            operator = _CODE.code_for_node(node.operator).strip()
            left = self.read(node.left, literal)
            return f"{left} {operator} {self.read(node.right, literal)}"
        if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
            return self._string(node, literal)
        if isinstance(node, (cst.List, cst.Tuple)):
            items = [self._element(element, literal) for element in node.elements]
            if isinstance(node, cst.List):
                return f"[{', '.join(items)}]"
            return ", ".join(items) + ("," if len(items) == 1 else "")
        if isinstance(node, cst.Call):
            return f"{self.read(node.func, literal)}({self._arguments(node.args, literal)})"
        if isinstance(node, cst.UnaryOperation):
            operator = "not " if isinstance(node.operator, cst.Not) else _code(node.operator)
            return f"{operator}{self.read(node.expression, literal)}"
        if isinstance(node, cst.Ellipsis):
            return "..."
        if isinstance(node, (cst.Integer, cst.Float, cst.Imaginary)):
            return node.value
        # Anything else is not a type, but still record the names it reads.
        for child in node.children:
            if isinstance(child, cst.BaseExpression):
                self.read(child, literal)
        return _code(node)

    def _subscript(self, node: cst.Subscript, literal: bool) -> str:
        base = self.read(node.value, literal)
        last = (dotted_name(node.value) or "").rsplit(".", 1)[-1]
        parts = []
        for index, element in enumerate(node.slice):
            # Literal["a"] holds values, and Annotated[T, x] holds metadata after T.
            inner_literal = literal or last == "Literal" or (last == "Annotated" and index > 0)
            parts.append(self._slice(element.slice, inner_literal))
        return f"{base}[{', '.join(parts)}]"

    def _slice(self, node: cst.BaseSlice, literal: bool) -> str:
        if isinstance(node, cst.Index):
            return (node.star or "") + self.read(node.value, literal)
        if isinstance(node, cst.Slice):
            parts = [
                "" if part is None else self.read(part, literal)
                for part in (node.lower, node.upper, node.step)
            ]
            return ":".join(parts if node.step is not None else parts[:2])
        return _code(node)

    def _element(self, node: cst.BaseElement, literal: bool) -> str:
        star = "*" if isinstance(node, cst.StarredElement) else ""
        return star + self.read(node.value, literal)

    def _arguments(self, args: Sequence[cst.Arg], literal: bool) -> str:
        parts = []
        for arg in args:
            keyword = f"{arg.keyword.value}=" if arg.keyword is not None else ""
            star = arg.star if isinstance(arg.star, str) else ""
            parts.append(f"{star}{keyword}{self.read(arg.value, literal)}")
        return ", ".join(parts)

    def _string(self, node: cst.BaseString, literal: bool) -> str:
        value = string_value(node, self._position_of(node))
        if literal or value is None:
            return _raw_string(node)
        # A forward reference: read the expression inside, located at the string itself.
        text = value.strip()
        try:
            parsed = cst.parse_expression(text)
        except cst.ParserSyntaxError:
            self.errors.append(text)
            return text
        outer = self._position_of(node)
        saved = self._position_of
        self._position_of = lambda _node: outer
        try:
            return self.read(parsed)
        finally:
            self._position_of = saved
