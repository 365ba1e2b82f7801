"""One pass over a handler module that collects facts into plain data.

The collector decides nothing: it records the module's bindings, its module-scope functions and
their annotations; `analysis.py` turns those facts into handlers or diagnostics.

Speed: the module scope is read by walking statements (not every node), names are resolved from
the module's own import table (`Binding`s) instead of libcst's Scope and QualifiedName
providers, and positions come from generating the code of each function header alone, placed at
the line where Python's own `ast` parser finds its `def` (or, when that cannot be trusted, from
one code generation pass that stops after the last header). That is a small fraction of what
the metadata providers cost; `facts_test.py` checks every position against libcst's
PositionProvider.
"""

from __future__ import annotations

import ast
import contextlib
import dataclasses
import itertools
import re
import warnings
from dataclasses import dataclass, field
from typing import Dict, FrozenSet, Iterator, List, Mapping, Optional, Sequence, Set, Tuple, Union

import libcst as cst
from libcst._nodes.internal import CodegenState
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from restate_codegen.model import SourceFile
from restate_codegen.typeexpr import (
    AnnotationFacts,
    InvalidSource,
    Position,
    dotted_name,
    read_annotation,
)


@dataclass(frozen=True)
class Binding:
    """A name bound in the module scope by an import or a definition."""

    local: str
    # The absolute module that an import reads from, or the handler module for a definition.
    # None when a relative import climbs above the top-level package.
    module: Optional[str]
    attribute: Optional[str]  # `from module import attribute`; None for `import module`
    defined_here: bool = False
    type_checking: bool = False  # only under `if TYPE_CHECKING:`
    fallback: bool = False  # in an `except` clause, e.g. an ImportError fallback
    aliased: bool = False  # `import a.b as m`


@dataclass(frozen=True)
class ParamFacts:
    name: str
    kind: str  # one of the PARAM_* constants
    annotation: Optional[AnnotationFacts]
    has_default: bool
    line: int
    column: int


PARAM_POSITIONAL_ONLY = "positional-only"
PARAM_POSITIONAL = "positional"
PARAM_VAR_POSITIONAL = "*args"
PARAM_KEYWORD_ONLY = "keyword-only"
PARAM_VAR_KEYWORD = "**kwargs"


@dataclass(frozen=True)
class FunctionFacts:
    """A function defined in the module scope (not in a class, not nested)."""

    name: str
    is_async: bool
    params: Tuple[ParamFacts, ...]  # in declaration order
    returns: Optional[AnnotationFacts]
    returns_value: bool  # has a `return <value>` other than `return None`
    docstring: Optional[str]
    line: int  # of the function's name
    column: int


@dataclass(frozen=True)
class ModuleFacts:
    docstring: Optional[str]
    bindings: Tuple[Binding, ...]  # in source order
    other_globals: FrozenSet[str]  # module-scope names bound some other way (for, with, :=)
    star_imports: Tuple[str, ...]
    functions: Tuple[FunctionFacts, ...]  # in source order


def collect_facts(source: SourceFile) -> ModuleFacts:
    """Parse and read one module.

    Raises libcst.ParserSyntaxError for invalid source, InvalidSource for source that libcst
    accepts but Python rejects (null bytes, string literals with invalid escapes).
    """
    null = source.text.find("\x00")
    if null >= 0:
        line = source.text.count("\n", 0, null) + 1
        column = null - (source.text.rfind("\n", 0, null) + 1) + 1
        raise InvalidSource(line, column, "source code cannot contain null bytes")
    try:
        module = cst.parse_module(source.text)
    except cst.CSTValidationError as error:
        # The native parser is more liberal than the node classes, e.g. about which Unicode
        # characters make identifiers; what the node classes reject, Python 3.9 rejects too.
        line, column = _locate_validation_error(source.text, str(error))
        raise InvalidSource(line, column, str(error)) from None
    with warnings.catch_warnings():
        # libcst evaluates string literals (docstrings, string annotations) with
        # ast.literal_eval, which warns about escapes such as "\>"; those are the user's business.
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", SyntaxWarning)
        try:
            return _collect(source, module)
        except (SyntaxError, ValueError):
            # An invalid escape sequence is a syntax error for Python too: say where it is.
            _raise_for_invalid_literal(module)
            raise


_INVALID_NAME = re.compile(r"Name ('.*'|\".*\") is not a valid identifier")


def _locate_validation_error(text: str, message: str) -> Tuple[int, int]:
    match = _INVALID_NAME.search(message)
    index = -1
    if match is not None:
        try:
            index = text.find(ast.literal_eval(match.group(1)))
        except (SyntaxError, ValueError):
            index = -1
    if index < 0:
        return 1, 1
    return text.count("\n", 0, index) + 1, index - (text.rfind("\n", 0, index) + 1) + 1


def _collect(source: SourceFile, module: cst.Module) -> ModuleFacts:
    collector = _Collector(source)
    collector.block(module.body)
    collector.scan_for_other_bindings(module, source.text)
    positions = _Positions(module, collector.function_nodes, source.text)
    known = {binding.local for binding in collector.bindings}
    return ModuleFacts(
        docstring=module.get_docstring(clean=True) or None,
        bindings=tuple(collector.bindings),
        other_globals=frozenset(collector.other_globals - known),
        star_imports=tuple(collector.star_imports),
        functions=tuple(_function_facts(node, positions) for node in collector.function_nodes),
    )


def _raise_for_invalid_literal(module: cst.Module) -> None:
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    wrapper.visit(_LiteralChecker())


class _LiteralChecker(cst.CSTVisitor):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        start = self.get_metadata(PositionProvider, node).start
        try:
            _ = node.evaluated_value
        except (SyntaxError, ValueError) as error:
            detail = f"invalid string literal: {getattr(error, 'msg', error)}"
            raise InvalidSource(start.line, start.column + 1, detail) from None


def resolve_relative(source: SourceFile, level: int, name: str) -> Optional[str]:
    """The absolute module of `from <level dots><name> import ...` inside `source`."""
    parts = source.module.split(".")
    if parts[-1] == "__init__":
        parts = parts[:-1]
    elif not source.path.replace("\\", "/").rsplit("/", 1)[-1].startswith("__init__."):
        parts = parts[:-1]  # a plain module: its package is the parent
    if level - 1 > len(parts):
        return None
    base = parts[: len(parts) - (level - 1)]
    if not base:
        return None
    return ".".join(base + ([name] if name else []))


_TYPE_CHECKING = "TYPE_CHECKING"


def _is_type_checking(test: cst.BaseExpression) -> bool:
    return (dotted_name(test) or "").rsplit(".", 1)[-1] == _TYPE_CHECKING


class _Collector:
    """Reads the module scope: the top-level statements and those inside module-level `if`,
    `try`, `with`, `for`, `while` and `match` blocks, never function or class bodies (whose names
    are local). A plain walk over statements, not a visitor over every node: the module scope is
    all that analysis needs, and walking bodies is most of libcst's cost."""

    def __init__(self, source: SourceFile) -> None:
        self._source = source
        self.bindings: List[Binding] = []
        self.star_imports: List[str] = []
        self.function_nodes: List[cst.FunctionDef] = []
        self.other_globals: Set[str] = set()  # bound by for, with, except, match, :=, global
        self._type_checking_depth = 0
        self._except_depth = 0

    def block(self, statements: Sequence[cst.CSTNode]) -> None:
        for statement in statements:
            self.statement(statement)

    def suite(self, suite: cst.BaseSuite, type_checking: bool = False) -> None:
        self._type_checking_depth += type_checking
        self.block(suite.body)
        self._type_checking_depth -= type_checking

    def statement(self, node: cst.CSTNode) -> None:
        if isinstance(node, cst.SimpleStatementLine):
            self.block(node.body)
        elif isinstance(node, cst.FunctionDef):
            self._define(node.name.value)
            self.function_nodes.append(node)
        elif isinstance(node, cst.ClassDef):
            self._define(node.name.value)
        elif isinstance(node, cst.If):
            self._if(node)
        elif isinstance(node, (cst.Try, cst.TryStar)):
            self._try(node)
        elif isinstance(node, (cst.For, cst.While)):
            if isinstance(node, cst.For):
                self.other_globals.update(_target_names(node.target))
            self.suite(node.body)
            if node.orelse is not None:
                self.suite(node.orelse.body)
        elif isinstance(node, cst.With):
            for item in node.items:
                if item.asname is not None:
                    self.other_globals.update(_target_names(item.asname.name))
            self.suite(node.body)
        elif isinstance(node, cst.Match):
            for case in node.cases:
                self.other_globals.update(_capture_names(case.pattern))
                self.suite(case.body)
        elif isinstance(node, cst.Import):
            self._import(node)
        elif isinstance(node, cst.ImportFrom):
            self._import_from(node)
        elif isinstance(node, cst.Assign):
            for target in node.targets:
                for name in _target_names(target.target):
                    self._define(name)
        elif isinstance(node, cst.AnnAssign):
            if isinstance(node.target, cst.Name):
                self._define(node.target.value)
        elif isinstance(node, cst.TypeAlias):
            self._define(node.name.value)

    def _if(self, node: cst.If) -> None:
        negated = (
            isinstance(node.test, cst.UnaryOperation)
            and isinstance(node.test.operator, cst.Not)
            and _is_type_checking(node.test.expression)
        )
        self.suite(node.body, type_checking=_is_type_checking(node.test))
        orelse = node.orelse
        self._type_checking_depth += negated
        if isinstance(orelse, cst.If):
            self._if(orelse)
        elif orelse is not None:
            self.suite(orelse.body)
        self._type_checking_depth -= negated

    def _try(self, node: Union[cst.Try, cst.TryStar]) -> None:
        self.suite(node.body)
        for handler in node.handlers:
            if handler.name is not None:
                self.other_globals.update(_target_names(handler.name.name))
            self._except_depth += 1
            self.suite(handler.body)
            self._except_depth -= 1
        for part in (node.orelse, node.finalbody):
            if part is not None:
                self.suite(part.body)

    def scan_for_other_bindings(self, module: cst.Module, text: str) -> None:
        """Names bound in the module scope from inside expressions (`:=`) or from functions
        (`global`). Both are rare, so the text decides whether the whole tree is walked."""
        if ":=" in text or _GLOBAL.search(text):
            finder = _OtherBindingsFinder()
            module.visit(finder)
            self.other_globals.update(finder.names)

    # Bindings.

    def _binding(self, local: str, module: Optional[str], attribute: Optional[str]) -> Binding:
        return Binding(
            local=local,
            module=module,
            attribute=attribute,
            defined_here=module == self._source.module and attribute == local,
            type_checking=self._type_checking_depth > 0,
            fallback=self._except_depth > 0,
        )

    def _define(self, local: str) -> None:
        self.bindings.append(self._binding(local, self._source.module, local))

    def _import(self, node: cst.Import) -> None:
        for alias in node.names:
            module = dotted_name(alias.name) or ""
            aliased = alias.asname is not None and isinstance(alias.asname.name, cst.Name)
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                local = alias.asname.name.value
            else:
                local = module.split(".", 1)[0]
            # `import a.b` binds `a`, and importing `a.b` is what makes `a.b.X` readable.
            binding = self._binding(local, module, None)
            self.bindings.append(dataclasses.replace(binding, defined_here=False, aliased=aliased))

    def _import_from(self, node: cst.ImportFrom) -> None:
        name = dotted_name(node.module) if node.module is not None else ""
        level = len(node.relative)
        module = resolve_relative(self._source, level, name or "") if level else name
        if isinstance(node.names, cst.ImportStar):
            self.star_imports.append(module or "")
            return
        for alias in node.names:
            attribute = dotted_name(alias.name) or ""
            local = attribute
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                local = alias.asname.name.value
            binding = self._binding(local, module, attribute)
            self.bindings.append(dataclasses.replace(binding, defined_here=False))


_GLOBAL = re.compile(r"\bglobal\b")


class _OtherBindingsFinder(cst.CSTVisitor):
    """`x := ...` outside functions, classes and lambdas, and `global x` anywhere."""

    def __init__(self) -> None:
        super().__init__()
        self.names: Set[str] = set()
        self._local_scopes = 0

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._local_scopes += 1

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._local_scopes -= 1

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._local_scopes += 1

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self._local_scopes -= 1

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self._local_scopes += 1

    def leave_Lambda(self, original_node: cst.Lambda) -> None:
        self._local_scopes -= 1

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        if self._local_scopes == 0 and isinstance(node.target, cst.Name):
            self.names.add(node.target.value)

    def visit_Global(self, node: cst.Global) -> None:
        self.names.update(item.name.value for item in node.names)


def _function_facts(node: cst.FunctionDef, positions: "_Positions") -> FunctionFacts:
    def param(param: cst.Param, kind: str) -> ParamFacts:
        line, column = positions.of(param.name)
        return ParamFacts(
            name=param.name.value,
            kind=kind,
            annotation=annotation(param.annotation) if param.annotation else None,
            has_default=param.default is not None,
            line=line,
            column=column,
        )

    def annotation(node: cst.Annotation) -> AnnotationFacts:
        return read_annotation(node.annotation, positions.of)

    returns_value = False
    if node.returns is None:
        # Only a function without a return annotation needs its body read.
        finder = _ReturnFinder()
        node.body.visit(finder)
        returns_value = finder.returns_value
    line, column = positions.of(node.name)
    return FunctionFacts(
        name=node.name.value,
        is_async=node.asynchronous is not None,
        params=tuple(param(p, kind) for p, kind in _all_params(node.params)),
        returns=annotation(node.returns) if node.returns is not None else None,
        returns_value=returns_value,
        docstring=node.get_docstring(clean=True) or None,
        line=line,
        column=column,
    )


class _Positions:
    """Line and column of the nodes in the headers of some functions (name, parameters,
    annotations), as libcst's PositionProvider gives them (the syntactic start: after any
    parentheses), from plain code generation that counts only what it must.

    PositionProvider records every node of the module and costs several times the parse."""

    def __init__(
        self, module: cst.Module, functions: Sequence[cst.FunctionDef], text: str
    ) -> None:
        self._module = module
        positions = _positions_from_each_header(module, functions, text)
        if positions is None:
            positions = _positions_from_one_pass(module, functions)
        self._positions = positions
        self._fallback: Optional[Mapping[cst.CSTNode, CodeRange]] = None

    def of(self, node: cst.CSTNode) -> Position:
        position = self._positions.get(id(node))
        if position is None:
            # Not in a header (a caller asked for something else): the full provider answers.
            if self._fallback is None:
                wrapper = MetadataWrapper(self._module, unsafe_skip_copy=True)
                self._fallback = wrapper.resolve(PositionProvider)
            start = self._fallback[node].start
            position = (start.line, start.column + 1)
        return position


def _positions_from_one_pass(
    module: cst.Module, functions: Sequence[cst.FunctionDef]
) -> Dict[int, Position]:
    """Generates the module's code up to the end of the last header, counting lines."""
    state = _HeaderPositionState(
        default_indent=module.default_indent,
        default_newline=module.default_newline,
        headers={id(f): f for f in functions},
    )
    if functions:
        with contextlib.suppress(_AllHeadersDone):
            module._codegen(state)
    return state.positions


def _positions_from_each_header(
    module: cst.Module, functions: Sequence[cst.FunctionDef], text: str
) -> Optional[Dict[int, Position]]:
    """Generates each header alone and places it where Python's own parser (`ast`, about a
    fortieth of libcst's parse) says its `def` is: the code before and between the headers is
    never generated. None when that cannot be trusted (syntax newer than the Python running
    Pants, a lone carriage return, headers that do not pair up); the one-pass count answers
    then."""
    if not functions:
        return {}
    if "\r" in text.replace("\r\n", ""):
        return None  # ast and libcst may count lone carriage returns differently
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    defs = list(_module_scope_defs(tree.body))
    if [d.name for d in defs] != [f.name.value for f in functions]:
        return None
    line_starts = [0, *(match.end() for match in _NEWLINE.finditer(text))]
    positions: Dict[int, Position] = {}
    for function, definition in zip(functions, defs):
        start = line_starts[definition.lineno - 1]
        indent = text[start : start + definition.col_offset]  # col_offset counts UTF-8 bytes
        if indent.strip(" \t\f") or not indent.isascii():
            return None
        state = _HeaderPositionState(
            default_indent=module.default_indent,
            default_newline=module.default_newline,
            headers={id(function): function},
            stop_at_body=True,
        )
        # The enclosing blocks' indentation, as the module's code generation would emit it.
        state.indent_tokens = [indent] if indent else []
        with contextlib.suppress(_AllHeadersDone):
            function._codegen(state)
        keyword = state.positions.get(id(function))  # where `async` or `def` starts
        if keyword is None or keyword[1] != len(indent) + 1:
            return None
        line = keyword[0]
        shift = definition.lineno - line
        positions.update((key, (ln + shift, col)) for key, (ln, col) in state.positions.items())
    return positions


def _module_scope_defs(statements: Sequence[ast.stmt]) -> Iterator[ast.stmt]:
    """The functions defined in the module scope, in the order `_Collector` finds them."""
    for statement in statements:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield statement
        elif isinstance(statement, ast.If):
            yield from _module_scope_defs(statement.body)
            yield from _module_scope_defs(statement.orelse)
        elif isinstance(statement, ast.Try):
            yield from _module_scope_defs(statement.body)
            for handler in statement.handlers:
                yield from _module_scope_defs(handler.body)
            yield from _module_scope_defs(statement.orelse)
            yield from _module_scope_defs(statement.finalbody)
        elif isinstance(statement, (ast.For, ast.AsyncFor, ast.While)):
            yield from _module_scope_defs(statement.body)
            yield from _module_scope_defs(statement.orelse)
        elif isinstance(statement, (ast.With, ast.AsyncWith)):
            yield from _module_scope_defs(statement.body)


@dataclass(frozen=False)
class _HeaderPositionState(CodegenState):
    headers: Dict[int, cst.FunctionDef] = field(default_factory=dict)
    positions: Dict[int, Position] = field(default_factory=dict)
    _header: Optional[cst.FunctionDef] = None  # the function whose header is being generated
    _in_body: bool = False
    _line: int = 1
    _column: int = 0  # 0-based, like libcst's
    _counted: int = 0  # how many of `tokens` _line and _column account for
    _remaining: int = 0  # headers not generated yet
    stop_at_body: bool = False  # one header alone: nothing after it matters

    def __post_init__(self) -> None:
        self._remaining = len(self.headers)

    def _here(self) -> Position:
        for token in itertools.islice(self.tokens, self._counted, None):
            if "\n" in token or "\r" in token:
                segments = _NEWLINE.split(token)
                self._line += len(segments) - 1
                self._column = len(segments[-1])
            else:
                self._column += len(token)
        self._counted = len(self.tokens)
        return self._line, self._column + 1

    def _recording(self) -> bool:
        return self._header is not None and not self._in_body

    def before_codegen(self, node: cst.CSTNode) -> None:
        if self._header is None:
            self._header = self.headers.get(id(node))
        elif node is self._header.body:
            if self.stop_at_body:
                raise _AllHeadersDone
            self._in_body = True

    def after_codegen(self, node: cst.CSTNode) -> None:
        if self._header is None:
            return
        if node is self._header:
            self._header = None
            self._remaining -= 1
            if self._remaining == 0:
                raise _AllHeadersDone  # what follows the last header does not matter
        elif node is self._header.body:
            self._in_body = False

    @contextlib.contextmanager
    def record_syntactic_position(
        self,
        node: cst.CSTNode,
        *,
        start_node: Optional[cst.CSTNode] = None,
        end_node: Optional[cst.CSTNode] = None,
    ) -> Iterator[None]:
        if self._recording():
            self.positions[id(node)] = self._here()  # after the node's own parentheses
        yield


_NEWLINE = re.compile(r"\r\n?|\n")


class _AllHeadersDone(Exception):
    pass


_Param = Tuple[cst.Param, str]


def _all_params(params: cst.Parameters) -> List[_Param]:
    result: List[_Param] = [(p, PARAM_POSITIONAL_ONLY) for p in params.posonly_params]
    result.extend((p, PARAM_POSITIONAL) for p in params.params)
    if isinstance(params.star_arg, cst.Param):
        result.append((params.star_arg, PARAM_VAR_POSITIONAL))
    result.extend((p, PARAM_KEYWORD_ONLY) for p in params.kwonly_params)
    if params.star_kwarg is not None:
        result.append((params.star_kwarg, PARAM_VAR_KEYWORD))
    return result


def _first_param(params: cst.Parameters) -> Optional[cst.Param]:
    all_params = _all_params(params)
    return all_params[0][0] if all_params else None


def _capture_names(pattern: cst.CSTNode) -> List[str]:
    """The names a `case` pattern binds."""
    names: List[str] = []
    if isinstance(pattern, (cst.MatchAs, cst.MatchStar)) and pattern.name is not None:
        names.append(pattern.name.value)
    if isinstance(pattern, cst.MatchMapping) and pattern.rest is not None:
        names.append(pattern.rest.value)
    for child in pattern.children:
        names.extend(_capture_names(child))
    return names


def _target_names(target: cst.BaseExpression) -> List[str]:
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, (cst.Tuple, cst.List)):
        names: List[str] = []
        for element in target.elements:
            names.extend(_target_names(element.value))
        return names
    return []


class _ReturnFinder(cst.CSTVisitor):
    """Does a function body return a value (ignoring nested functions, classes, lambdas)?"""

    def __init__(self) -> None:
        super().__init__()
        self.returns_value = False

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False

    def visit_Return(self, node: cst.Return) -> None:
        value = node.value
        if value is not None and not (isinstance(value, cst.Name) and value.value == "None"):
            self.returns_value = True
